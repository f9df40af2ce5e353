import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeployGuardError } from '../../../../src/core/errors';
import { acquireStackLock, isStale, type LockInfo } from '../../../../src/core/history/lock';
import { HOLDER_TTL_MAX_MS, HOLDER_TTL_MIN_MS, holderTtlMs } from '../../../../src/core/history/lockTtl';
import { isLockExpired, lockTtlMs } from '../../../../src/core/history/s3Lock';

// A contender judges a held lock by the TTL its holder wrote into it (the holder's promise to beat
// within it), not by its own: a short-TTL contender never robs a holder that beats on a longer one.

describe("the holder's TTL", () => {
  it('is the recorded one when it is a number within 1 s – 24 h', () => {
    assert.equal(holderTtlMs({ ttlMs: 10_000 }, 2_000), 10_000, 'longer than ours');
    assert.equal(holderTtlMs({ ttlMs: 2_000 }, 10_000), 2_000, 'shorter than ours');
    assert.equal(holderTtlMs({ ttlMs: HOLDER_TTL_MIN_MS }, 5_000), 1_000, 'the lower bound is believed');
    assert.equal(holderTtlMs({ ttlMs: HOLDER_TTL_MAX_MS }, 5_000), 24 * 60 * 60_000, 'the upper bound is believed');
  });

  it("is the contender's own when the lock records none, or none believable", () => {
    assert.equal(holderTtlMs({}, 5_000), 5_000, 'absent (a lock written before holders recorded it)');
    assert.equal(holderTtlMs({ ttlMs: 999 }, 5_000), 5_000, 'below 1 s');
    assert.equal(holderTtlMs({ ttlMs: 0 }, 5_000), 5_000);
    assert.equal(holderTtlMs({ ttlMs: -60_000 }, 5_000), 5_000);
    assert.equal(holderTtlMs({ ttlMs: HOLDER_TTL_MAX_MS + 1 }, 5_000), 5_000, 'above 24 h');
    assert.equal(holderTtlMs({ ttlMs: Number.POSITIVE_INFINITY }, 5_000), 5_000);
    assert.equal(holderTtlMs({ ttlMs: Number.NaN }, 5_000), 5_000);
    assert.equal(holderTtlMs({ ttlMs: '600000' }, 5_000), 5_000, 'a string from a hand-edited or foreign body');
    assert.equal(holderTtlMs({ ttlMs: null }, 5_000), 5_000);
  });
});

describe('the S3 lock judged by its holder', () => {
  const body: LockInfo = { pid: 1, host: 'h', deploymentId: 'd', holder: 'cli', acquiredAt: 'a', heartbeatAt: 'b', token: 't' };

  it('a long-TTL holder silent for 3 s is alive to a contender whose own TTL is 2 s; a 2 s holder silent 3.6 s is expired to one whose own is 10 s', () => {
    assert.equal(isLockExpired(0, 3_000, lockTtlMs({ ...body, ttlMs: 10_000 }, 2_000)), false);
    assert.equal(isLockExpired(0, 3_600, lockTtlMs({ ...body, ttlMs: 2_000 }, 10_000)), true);
  });

  it("an unreadable lock object, or one recording no believable TTL, is judged by the contender's own TTL", () => {
    assert.equal(lockTtlMs(undefined, 7_000), 7_000);
    assert.equal(lockTtlMs(body, 7_000), 7_000);
    assert.equal(lockTtlMs({ ...body, ttlMs: 10 }, 7_000), 7_000);
  });
});

describe('the local lock judged by its holder', () => {
  const other = (beatAgoMs: number, ttlMs?: number): LockInfo => ({
    pid: 1,
    host: 'other-host',
    deploymentId: 'held',
    holder: 'cli',
    acquiredAt: '',
    heartbeatAt: new Date(Date.now() - beatAgoMs).toISOString(),
    token: 't',
    ...(ttlMs === undefined ? {} : { ttlMs }),
  });

  it("isStale uses the holder's recorded TTL, and the contender's own only when it records none believable", () => {
    assert.equal(isStale(other(3_000, 10_000), 2_000), false);
    assert.equal(isStale(other(3_000, 2_000), 10_000), true);
    assert.equal(isStale(other(3_000), 2_000), true, 'no ttlMs: ours');
    assert.equal(isStale(other(3_000, 500), 2_000), true, 'below 1 s: ours');
  });

  async function lockFile(lock: LockInfo): Promise<string> {
    const path = join(await mkdtemp(join(tmpdir(), 'dg-lock-ttl-')), 'lock.json');
    await writeFile(path, JSON.stringify(lock));
    return path;
  }

  it("a holder on another host that beats on a 10 s TTL, silent for 3 s, is not taken over by a contender whose own TTL is 2 s; the refusal names the holder's TTL", async () => {
    const path = await lockFile(other(3_000, 10_000));
    await assert.rejects(acquireStackLock(path, { deploymentId: 'robber', holder: 'cli', staleMs: 2_000 }), (e: unknown) => {
      assert.ok(DeployGuardError.is(e, 'LockHeld'), String(e));
      assert.match(e.message, /\(held\)/);
      assert.match(e.hint ?? '', /a silent one 10 s after its last beat/);
      return true;
    });
    assert.equal(JSON.parse(await readFile(path, 'utf8')).deploymentId, 'held', 'the holder keeps its lock');
  });

  it('a holder on another host with a 2 s TTL, silent for 3.6 s, is taken over by a contender whose own TTL is 10 s', async () => {
    const path = await lockFile(other(3_600, 2_000));
    const lock = await acquireStackLock(path, { deploymentId: 'next', holder: 'cli', staleMs: 10_000, heartbeatMs: 3_600_000 });
    try {
      assert.equal(lock.tookOverFrom?.deploymentId, 'held');
      const written = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
      assert.equal(written.deploymentId, 'next');
      assert.equal(written.ttlMs, 10_000, 'the new holder records its own TTL for the next contender');
    } finally {
      await lock.release();
    }
  });
});
