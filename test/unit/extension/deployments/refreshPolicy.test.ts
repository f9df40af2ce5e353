import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentRecord } from '../../../../src/core/history/record';
import {
  backgroundReadDue,
  historyKind,
  loopTurn,
  mayRefreshNow,
  readProblem,
  runsElsewhere,
  SHARED_HISTORY_REFRESH,
  type BackgroundReadState,
} from '../../../../src/extension/deployments/refreshPolicy';

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

describe('reading a team history for the status bar with the view never shown', () => {
  const T0 = 1_000_000;
  const GAP = SHARED_HISTORY_REFRESH.focusReadGapMs;
  /** A trusted workspace naming a team store, never read, view hidden, the status bar silent. */
  const quiet: BackgroundReadState = {
    trusted: true,
    namesTeamStore: true,
    kind: 'unknown',
    viewVisible: false,
    statusBarNamesOne: false,
    lastReadAt: undefined,
    now: T0,
  };

  it('reads first a few seconds after activation, then on focus at most once per 30 s', () => {
    assert.ok(SHARED_HISTORY_REFRESH.firstReadDelayMs > 0, 'never during activation itself');
    assert.equal(GAP, 30_000);
    assert.equal(backgroundReadDue(quiet), true, 'the first read');
    assert.equal(backgroundReadDue({ ...quiet, kind: 'team', lastReadAt: T0 - GAP + 1 }), false, 'a focus soon after a read');
    assert.equal(backgroundReadDue({ ...quiet, kind: 'team', lastReadAt: T0 - GAP }), true, 'a focus once the gap passed');
  });

  it('only for a trusted workspace whose history is a team store', () => {
    assert.equal(backgroundReadDue({ ...quiet, trusted: false }), false, 'untrusted: nothing is read');
    assert.equal(backgroundReadDue({ ...quiet, namesTeamStore: false }), false, 'neither the setting nor the file names s3://');
    assert.equal(
      backgroundReadDue({ ...quiet, kind: 'local', lastReadAt: T0 - 10 * GAP }),
      false,
      'the engine resolved every environment to the local folder',
    );
    assert.equal(
      backgroundReadDue({ ...quiet, kind: 'unknown', lastReadAt: T0 - GAP }),
      true,
      'a read that failed is tried again on a later focus',
    );
  });

  it('leaves the reading to the view and the refresher loop while they read', () => {
    assert.equal(backgroundReadDue({ ...quiet, viewVisible: true }), false);
    assert.equal(backgroundReadDue({ ...quiet, statusBarNamesOne: true }), false);
  });

  it('learns from the last read where the environments keep their history', () => {
    assert.equal(historyKind([{ name: 'dev' }, { name: 'prod', teamHistory: 's3://team/history' }]), 'team');
    assert.equal(historyKind([{ name: 'dev' }, { name: 'prod' }]), 'local');
    assert.equal(historyKind([{ name: 'prod', error: { message: 'no credentials' } }]), 'unknown', 'may be a team store');
    assert.equal(historyKind([]), 'local');
  });

  it('names the first environment whose history did not answer, for the one log line', () => {
    assert.equal(readProblem([{ name: 'dev' }, { name: 'prod', teamHistory: 's3://team/history' }]), undefined);
    assert.equal(readProblem([{ name: 'dev' }, { name: 'prod', error: { message: 'no AWS credentials' } }]), 'prod: no AWS credentials');
    assert.equal(
      readProblem([{ name: 'prod', teamHistory: 's3://t/h', stale: "showing this machine's copy" }]),
      "prod: showing this machine's copy",
    );
  });
});
