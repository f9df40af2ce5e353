import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmSource } from '../../../../src/core/health/alarmSource';
import type { AlarmReading, AlarmTransition } from '../../../../src/core/health/types';
import { nextPause, watchAlarms } from '../../../../src/core/health/watcher';
import { silentLogger } from '../../../../src/core/logger';

/** An in-memory alarm source: the loop's timing is what is under test here (AWS is tested on moto). */
function source(opts: { history?: (since: Date, signal?: AbortSignal) => Promise<AlarmTransition[]> } = {}) {
  const reads: number[] = [];
  const s: AlarmSource = {
    read: async (names) => {
      reads.push(Date.now());
      return new Map<string, AlarmReading>(names.map((n) => [n, { name: n, state: 'OK' }]));
    },
    listByPrefix: async () => [],
    history: opts.history ?? (async () => []),
    stackAlarmNames: async () => [],
  };
  return { s, reads };
}

const base = (now: number) => ({
  guarded: ['a'],
  baseline: { a: 'OK' as const },
  deployStartedAt: now - 1000,
  bakeStartedAt: now,
  logger: silentLogger,
});

describe('the watch loop', () => {
  it('a hanging alarm-history call never delays the DescribeAlarms poll', async () => {
    let historyCalls = 0;
    const { s, reads } = source({
      history: (_since, signal) => {
        historyCalls += 1;
        return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('timed out'))));
      },
    });
    const now = Date.now();
    const result = await watchAlarms({
      ...base(now),
      source: s,
      policy: { bakeMs: 1000, unknownLimitMs: 1000 },
      pollMs: 100,
      historyTimeoutMs: 5000,
    });
    assert.equal(result.verdict.kind, 'healthy');
    // ~11 on an idle machine; a delayed poll would give 1 (the history call hangs 5 s).
    assert.ok(reads.length >= 5, `${reads.length} polls in a 1 s bake at 100 ms`);
    assert.equal(historyCalls, 1, 'one history call in flight at a time');
    assert.ok(Date.now() - now < 1500);
  });

  it('a blip found in history ends the watch at once, without waiting for the next poll', async () => {
    const now = Date.now();
    let calls = 0;
    const { s, reads } = source({
      history: async () => {
        calls += 1;
        if (calls < 2) return [];
        await new Promise((r) => setTimeout(r, 50));
        return [
          { name: 'a', at: now + 10, from: 'OK', to: 'ALARM' },
          { name: 'a', at: now + 20, from: 'ALARM', to: 'OK' },
        ];
      },
    });
    const changes: string[] = [];
    const result = await watchAlarms({
      ...base(now),
      source: s,
      policy: { bakeMs: 10_000, unknownLimitMs: 10_000 },
      pollMs: 1000,
      onAlarmChanged: (c) => changes.push(`${c.from}→${c.to}/${c.source}`),
    });
    assert.equal(result.verdict.kind, 'unhealthy');
    assert.deepEqual(changes, ['OK→ALARM/history', 'ALARM→OK/history']);
    assert.equal(reads.length, 2, 'no third poll was needed');
    assert.ok(Date.now() - now < 1500, 'woken by the history answer');
  });

  it('learns "no alarm history here" from one 500 and stops asking', async () => {
    let calls = 0;
    const unsupported = Object.assign(new SyntaxError('Unexpected token <'), { $metadata: { httpStatusCode: 500 } });
    const { s } = source({
      history: async () => {
        calls += 1;
        throw unsupported;
      },
    });
    let told = 0;
    const result = await watchAlarms({
      ...base(Date.now()),
      source: s,
      policy: { bakeMs: 600, unknownLimitMs: 600 },
      pollMs: 100,
      onHistoryUnsupported: () => (told += 1),
    });
    assert.equal(result.historySupported, false);
    assert.equal(calls, 1);
    assert.equal(told, 1);
  });

  it('pauses: jittered within 80–100 % of the interval, backing off on errors up to 30 s', () => {
    assert.equal(
      nextPause(1000, 0, () => 0),
      800,
    );
    assert.equal(
      nextPause(1000, 0, () => 0.999999),
      1000,
    );
    assert.equal(
      nextPause(1000, 1, () => 0.999999),
      2000,
    );
    assert.equal(
      nextPause(1000, 3, () => 0.999999),
      8000,
    );
    assert.equal(
      nextPause(1000, 20, () => 0.999999),
      30000,
    );
    assert.equal(
      nextPause(1000, 20, () => 0),
      15000,
    );
  });
});
