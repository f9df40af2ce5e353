import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unrecordedEnd } from '../../../../src/core/deployment/unrecordedEnd';
import { DeployGuardError } from '../../../../src/core/errors';
import type { DeploymentRecord } from '../../../../src/core/history/record';
import { storageFailure } from '../../../../src/core/history/storageError';
import { record as fixture } from '../../../support/healthFixtures';

const full = storageFailure(
  Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
  '/h/records',
  'write the deployment history',
);

function record(patch: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return fixture({ id: 'd-1', stackName: 'orders-prod', status: 'deploying', ...patch });
}

describe('unrecordedEnd: a deployment whose end could not be written', () => {
  it('after a stack change: says what the stack did, never success, and how to record it', () => {
    const err = unrecordedEnd({ record: record({ stackStatus: 'UPDATE_COMPLETE' }), stackChangeRequested: true }, full);
    assert.ok(DeployGuardError.is(err, 'HistoryUnwritable'));
    assert.match(
      err.message,
      /^Deployment d-1: stack orders-prod is UPDATE_COMPLETE after this deployment's change, but Deploy Guard could not record how it ended/,
    );
    assert.match(err.message, /Cannot write the deployment history in \/h\/records: the disk is full \(ENOSPC\)/);
    assert.doesNotMatch(err.message, /stable|succeeded/);
    assert.match(err.hint ?? '', /^free some disk space .*; then run the same deploy again: it finds this deployment in the journal/);
  });

  it('a change requested but not seen yet: says it may be under way', () => {
    const err = unrecordedEnd({ record: record(), stackChangeRequested: true }, full);
    assert.ok(DeployGuardError.is(err));
    assert.match(err.message, /this deployment's change to stack orders-prod was requested and may be under way/);
  });

  it('before any stack change: says the stack was not changed', () => {
    const err = unrecordedEnd({ record: record(), stackChangeRequested: false }, full);
    assert.ok(DeployGuardError.is(err));
    assert.match(err.message, /^Deployment d-1 stopped before any change to stack orders-prod/);
    assert.doesNotMatch(err.hint ?? '', /journal/);
  });

  it('leaves any other error as it is', () => {
    const other = new Error('boom');
    assert.equal(unrecordedEnd({ record: record(), stackChangeRequested: true }, other), other);
  });
});
