import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEPLOYMENT_TRIGGERS, readTrigger } from '../../../src/core/deploymentTrigger';

describe('deployment triggers', () => {
  it('reads every known trigger as itself and keeps a record with an unknown one', () => {
    for (const t of DEPLOYMENT_TRIGGERS) assert.equal(readTrigger(t), t);
    assert.equal(readTrigger('manual-from-v0'), 'unknown');
    assert.equal(readTrigger(42), 'unknown');
    assert.equal(readTrigger(undefined), undefined);
  });
});
