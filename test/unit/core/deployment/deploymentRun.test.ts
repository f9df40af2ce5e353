import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusForError } from '../../../../src/core/deployment/deploymentRun';
import { DeployGuardError } from '../../../../src/core/errors';

describe('statusForError', () => {
  it('a cancellation is cancelled; a stack needing a person is needs-attention; anything else failed', () => {
    assert.equal(statusForError(new DeployGuardError('Cancelled', 'stopped')), 'cancelled');
    assert.equal(statusForError(new DeployGuardError('StackNeedsAttention', 'stuck')), 'needs-attention');
    assert.equal(statusForError(new Error('Deserialization error: to see the raw response, inspect the hidden field')), 'failed');
  });

  it('once the run was aborted, what the abort made a call throw is the cancellation, not a failure', () => {
    const controller = new AbortController();
    const cutOff = new Error('aborted Deserialization error: to see the raw response, inspect the hidden field');
    assert.equal(statusForError(cutOff, controller.signal), 'failed', 'not aborted yet: a real failure');
    controller.abort();
    assert.equal(statusForError(cutOff, controller.signal), 'cancelled');
  });
});
