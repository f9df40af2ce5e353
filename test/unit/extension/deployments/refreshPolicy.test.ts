import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentRecord } from '../../../../src/core/history/record';
import { loopTurn, mayRefreshNow, runsElsewhere, SHARED_HISTORY_REFRESH } from '../../../../src/extension/deployments/refreshPolicy';

function rec(id: string, status: DeploymentRecord['status']): DeploymentRecord {
  return { id, status } as DeploymentRecord;
}

describe('shared history refresh policy', () => {
  it('polls only while a deployment this window is not running is still open', () => {
    assert.equal(runsElsewhere([rec('a', 'stable'), rec('b', 'failed')], new Set()), false);
    assert.equal(runsElsewhere([rec('a', 'stable'), rec('b', 'deploying')], new Set()), true);
    assert.equal(runsElsewhere([rec('b', 'watching')], new Set(['b'])), false, 'this window runs it: its events keep the row live');
    assert.equal(runsElsewhere([rec('b', 'watching'), rec('c', 'verifying-restore')], new Set(['b'])), true);
    assert.equal(runsElsewhere([], new Set()), false);
  });

  it('refreshes on showing or focus at most once per gap', () => {
    assert.equal(mayRefreshNow(undefined, 1_000), true);
    assert.equal(mayRefreshNow(1_000, 1_000 + SHARED_HISTORY_REFRESH.minGapMs - 1), false);
    assert.equal(mayRefreshNow(1_000, 1_000 + SHARED_HISTORY_REFRESH.minGapMs), true);
  });
});

describe('shared history refresh loop', () => {
  it('re-reads through a visible view while something runs elsewhere, and for the status bar alone while hidden', () => {
    assert.equal(loopTurn(true, true, true), 'refresh-view');
    assert.equal(loopTurn(true, false, false), 'wait', 'visible and quiet: the loop waits, nothing is read');
    assert.equal(loopTurn(false, true, true), 'read-for-status-bar');
    assert.equal(loopTurn(false, true, false), 'stop', 'hidden, and the status bar names nothing: no reads');
    assert.equal(loopTurn(false, false, false), 'stop');
  });
});
