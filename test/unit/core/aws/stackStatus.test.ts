import { StackStatus } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretStackStatus, KNOWN_STACK_STATUSES, type Outcome, type StartAction } from '../../../../src/core/aws/stackStatus';

// Every StackStatus the SDK knows, with what a deploy that finds it must do, and what it means
// as the end of our own operation. Exact strings, never suffixes.
const TABLE: Record<string, [StartAction, Outcome]> = {
  CREATE_COMPLETE: ['update', 'succeeded'],
  CREATE_FAILED: ['attention', 'failed'],
  CREATE_IN_PROGRESS: ['wait', 'running'],
  DELETE_COMPLETE: ['create', 'deleted'],
  DELETE_FAILED: ['attention', 'attention'],
  DELETE_IN_PROGRESS: ['wait', 'running'],
  IMPORT_COMPLETE: ['update', 'succeeded'],
  IMPORT_IN_PROGRESS: ['wait', 'running'],
  IMPORT_ROLLBACK_COMPLETE: ['update', 'failed-restored'],
  IMPORT_ROLLBACK_FAILED: ['attention', 'attention'],
  IMPORT_ROLLBACK_IN_PROGRESS: ['wait', 'running'],
  REVIEW_IN_PROGRESS: ['create', 'running'],
  ROLLBACK_COMPLETE: ['replace', 'failed'],
  ROLLBACK_FAILED: ['attention', 'attention'],
  ROLLBACK_IN_PROGRESS: ['wait', 'running'],
  UPDATE_COMPLETE: ['update', 'succeeded'],
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: ['wait', 'succeeded'],
  UPDATE_FAILED: ['attention', 'failed'],
  UPDATE_IN_PROGRESS: ['wait', 'running'],
  UPDATE_ROLLBACK_COMPLETE: ['update', 'failed-restored'],
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: ['wait', 'running'],
  UPDATE_ROLLBACK_FAILED: ['attention', 'attention'],
  UPDATE_ROLLBACK_IN_PROGRESS: ['wait', 'running'],
};

describe('stack status table', () => {
  it('covers exactly the SDK StackStatus enum', () => {
    assert.deepEqual([...KNOWN_STACK_STATUSES].sort(), Object.values(StackStatus).sort());
    assert.deepEqual(Object.keys(TABLE).sort(), Object.values(StackStatus).sort());
  });

  for (const status of Object.values(StackStatus)) {
    it(`${status} → ${TABLE[status]!.join(' / ')}`, () => {
      const m = interpretStackStatus(status);
      assert.equal(m.start, TABLE[status]![0]);
      assert.equal(m.outcome, TABLE[status]![1]);
      assert.ok(m.explain.length > 10);
    });
  }

  it('ROLLBACK_COMPLETE and UPDATE_ROLLBACK_COMPLETE mean opposite things', () => {
    assert.equal(interpretStackStatus('ROLLBACK_COMPLETE').start, 'replace');
    assert.equal(interpretStackStatus('UPDATE_ROLLBACK_COMPLETE').start, 'update');
  });

  it('an unknown status needs a person, never a guess', () => {
    for (const s of ['UPDATE_ROLLBACK_MAYBE', 'update_complete', 'XUPDATE_COMPLETE', '']) {
      const m = interpretStackStatus(s);
      assert.equal(m.start, 'attention', s);
      assert.equal(m.outcome, 'attention', s);
    }
  });

  it('no stack at all means create', () => {
    assert.equal(interpretStackStatus(undefined).start, 'create');
  });
});
