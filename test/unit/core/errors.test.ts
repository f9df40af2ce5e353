import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, DeployGuardError, isCancellation } from '../../../src/core/errors';

describe('DeployGuardError', () => {
  it('is decided by code, not by message text', () => {
    const err = new DeployGuardError('StackBusy', 'Stack orders-prod is in UPDATE_IN_PROGRESS');
    assert.equal(DeployGuardError.is(err), true);
    assert.equal(DeployGuardError.is(err, 'StackBusy'), true);
    assert.equal(DeployGuardError.is(err, 'StackFailed', 'LockHeld'), false);
    assert.equal(DeployGuardError.is(new Error('StackBusy')), false);
  });

  it('chain keeps the code and hint of a typed cause and adds context', () => {
    const inner = new DeployGuardError('LockHeld', 'held by pid 42', { hint: 'wait for it' });
    const outer = DeployGuardError.chain(inner, 'Internal', 'Deploy of prod');
    assert.equal(outer.code, 'LockHeld');
    assert.equal(outer.hint, 'wait for it');
    assert.equal(outer.message, 'Deploy of prod: held by pid 42');
    assert.equal(outer.cause, inner);
    const wrapped = DeployGuardError.chain(new Error('socket hang up'), 'AwsRequestFailed', 'DescribeStacks');
    assert.equal(wrapped.code, 'AwsRequestFailed');
    assert.equal(wrapped.message, 'DescribeStacks: socket hang up');
  });

  it('treats CancelledError and AbortError as cancellation, nothing else', () => {
    assert.equal(isCancellation(new CancelledError()), true);
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    assert.equal(isCancellation(abort), true);
    assert.equal(isCancellation(new Error('cancelled')), false);
  });
});
