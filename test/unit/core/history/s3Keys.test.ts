import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeployGuardError } from '../../../../src/core/errors';
import { newDeploymentId } from '../../../../src/core/history/paths';
import { deploymentOfJournalKey, idOfRecordKey, journalKey, recordKey, stackOfKey, stackPrefix } from '../../../../src/core/history/s3Keys';

const KEY = { account: '123456789012', region: 'eu-west-1', stackName: 'orders-prod' };

describe('S3 history keys', () => {
  it('record keys sort newest first, and give their id back', () => {
    const stack = stackPrefix('team', KEY);
    assert.equal(stack, 'team/stacks/123456789012/eu-west-1/orders-prod/');
    const ids = [0, 1, 60_000, 86_400_000 * 400].map((d) => newDeploymentId(Date.parse('2026-01-01T00:00:00Z') + d));
    const keys = ids.map((id) => recordKey(stack, id));
    assert.deepEqual([...keys].sort(), [...keys].reverse(), 'ascending key order is newest first');
    for (const [i, k] of keys.entries()) assert.equal(idOfRecordKey(k), ids[i]);
    assert.equal(idOfRecordKey(`${stack}records/notes.txt`), undefined);
  });

  it('journal keys are one object per entry, under their deployment', () => {
    const a = journalKey('p/', 'dep-1', 1000);
    const b = journalKey('p/', 'dep-1', 1000);
    assert.notEqual(a, b, 'two entries at the same millisecond never share a key');
    assert.equal(deploymentOfJournalKey(a), 'dep-1');
  });

  it('refuses names that could leave the prefix; finds the stack of a key', () => {
    assert.throws(
      () => stackPrefix('', { ...KEY, stackName: '../x' }),
      (e) => DeployGuardError.is(e, 'ConfigInvalid'),
    );
    assert.equal(stackPrefix('', KEY), 'stacks/123456789012/eu-west-1/orders-prod/');
    assert.deepEqual(stackOfKey('team', 'team/stacks/123456789012/eu-west-1/orders-prod/lock.json'), KEY);
    assert.equal(stackOfKey('team', 'other/stacks/1/2/3/x'), undefined);
  });
});
