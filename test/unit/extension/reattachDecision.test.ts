import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LockInfo } from '../../../src/core/history/lock';
import type { JournalEntry } from '../../../src/core/history/record';
import { reattachDecision, resumeLockWait } from '../../../src/extension/reattachDecision';

// Whether the editor reattaches to a stack's open deployments after a reload, when the journal is
// this machine's folder or the team's bucket (a run killed on another machine or a CI runner).
const NOW = Date.parse('2026-12-05T01:00:00.000Z');
const HOST = 'laptop';
const auto = { inDoubtToo: false, host: HOST, now: NOW };
const entry = (phase: JournalEntry['phase']): Pick<JournalEntry, 'phase'> => ({ phase });

function lock(fields: Partial<LockInfo> & { beatAgoMs: number }): LockInfo {
  const { beatAgoMs, ...rest } = fields;
  const at = new Date(NOW - beatAgoMs).toISOString();
  return { pid: 4242, host: 'runner-7', deploymentId: 'd1', holder: 'cli', acquiredAt: at, heartbeatAt: at, token: 't', ...rest };
}

const CI_LOCK = { by: 'CI run 4711', byUrl: 'https://github.com/acme/orders/actions/runs/4711', ttlMs: 300_000 };

describe('reattachDecision', () => {
  it('finds nothing without open deployments, and leaves those left in doubt to a person', () => {
    assert.deepEqual(reattachDecision([], undefined, auto), { kind: 'nothing' });
    assert.deepEqual(reattachDecision([entry('in-doubt')], undefined, auto), { kind: 'nothing' });
    assert.deepEqual(reattachDecision([entry('in-doubt'), entry('execute-requested')], undefined, auto), { kind: 'reattach', open: 1 });
    assert.deepEqual(reattachDecision([entry('in-doubt')], undefined, { ...auto, inDoubtToo: true }), { kind: 'reattach', open: 1 });
  });

  it('reattaches a run killed on a CI runner once its team lock is past its TTL, or gone', () => {
    const open = [entry('execute-requested')];
    assert.deepEqual(reattachDecision(open, undefined, auto), { kind: 'reattach', open: 1 });
    assert.deepEqual(reattachDecision(open, lock({ ...CI_LOCK, beatAgoMs: 301_000 }), auto), { kind: 'reattach', open: 1 });
  });

  it('leaves a run whose holder still beats to it, naming the holder; a local lock goes stale sooner', () => {
    const open = [entry('executing')];
    assert.deepEqual(reattachDecision(open, lock({ ...CI_LOCK, beatAgoMs: 60_000 }), auto), {
      kind: 'held',
      by: 'CI run 4711 (https://github.com/acme/orders/actions/runs/4711)',
    });
    assert.deepEqual(reattachDecision(open, lock({ beatAgoMs: 10_000 }), auto), { kind: 'held', by: 'cli on runner-7' });
    assert.deepEqual(reattachDecision(open, lock({ beatAgoMs: 31_000 }), auto), { kind: 'reattach', open: 1 }, 'no ttlMs: 30 s');
  });

  it("reattaches after a reload although the previous window's lock still looks alive; a window of another machine is alive", () => {
    const open = [entry('execute-requested')];
    const previous = lock({ holder: 'vscode', host: HOST, by: 'ana@laptop', ttlMs: 300_000, beatAgoMs: 5_000 });
    assert.deepEqual(reattachDecision(open, previous, auto), { kind: 'reattach', open: 1 });
    const colleague = lock({ holder: 'vscode', host: 'desktop', by: 'ben@desktop', ttlMs: 300_000, beatAgoMs: 5_000 });
    assert.deepEqual(reattachDecision(open, colleague, auto), { kind: 'held', by: 'ben@desktop' });
  });

  it("judges a lock by the TTL its holder recorded, as the lock's contenders do; a TTL out of 1 s – 24 h as if none were recorded", () => {
    const open = [entry('executing')];
    assert.deepEqual(reattachDecision(open, lock({ ttlMs: 60_000, beatAgoMs: 45_000 }), auto), { kind: 'held', by: 'cli on runner-7' });
    assert.deepEqual(reattachDecision(open, lock({ ttlMs: 10_000, beatAgoMs: 15_000 }), auto), { kind: 'reattach', open: 1 });
    assert.deepEqual(
      reattachDecision(open, lock({ ttlMs: 0, beatAgoMs: 15_000 }), auto),
      { kind: 'held', by: 'cli on runner-7' },
      '0: 30 s',
    );
    assert.deepEqual(reattachDecision(open, lock({ ttlMs: 365 * 24 * 3_600_000, beatAgoMs: 31_000 }), auto), { kind: 'reattach', open: 1 });
    assert.deepEqual(resumeLockWait(lock({ beatAgoMs: 0, holder: 'vscode', host: HOST, ttlMs: -1 }), HOST), {
      waitMs: 45_000,
      everyMs: 1_000,
    });
  });
});

describe('resumeLockWait', () => {
  it('waits only for an editor window of this machine: seconds for a local lock, past the TTL for a team lock, asking less often', () => {
    assert.equal(resumeLockWait(undefined, HOST), undefined);
    assert.equal(resumeLockWait(lock({ beatAgoMs: 0, host: HOST }), HOST), undefined, 'a CLI is alive and driving it');
    assert.equal(resumeLockWait(lock({ beatAgoMs: 0, holder: 'vscode', host: 'desktop' }), HOST), undefined);
    assert.deepEqual(resumeLockWait(lock({ beatAgoMs: 0, holder: 'vscode', host: HOST }), HOST), { waitMs: 45_000, everyMs: 1_000 });
    assert.deepEqual(resumeLockWait(lock({ beatAgoMs: 0, holder: 'vscode rollback', host: HOST, ttlMs: 300_000 }), HOST), {
      waitMs: 315_000,
      everyMs: 5_000,
    });
  });
});
