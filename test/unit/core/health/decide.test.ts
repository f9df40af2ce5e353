import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type DecisionInput } from '../../../../src/core/health/decide';
import type { AlarmPoll, AlarmState, AlarmTransition } from '../../../../src/core/health/types';

const S = 1000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // deploy began
const BAKE_START = T0 + 20 * S; // update complete
const BAKE = 60 * S;
const END = BAKE_START + BAKE;

function poll(at: number, states: Record<string, AlarmState> | 'error'): AlarmPoll {
  if (states === 'error') return { at, error: 'Throttling: Rate exceeded' };
  const readings = new Map(
    Object.entries(states)
      .filter(([, s]) => s !== 'MISSING')
      .map(([name, state]) => [name, { name, state, reason: `reason of ${name}` }]),
  );
  return { at, readings };
}

function input(over: Partial<DecisionInput>): DecisionInput {
  return {
    guarded: ['a', 'b'],
    baseline: { a: 'OK', b: 'OK' },
    deployStartedAt: T0,
    bakeStartedAt: BAKE_START,
    now: BAKE_START,
    polls: [],
    transitions: [],
    policy: { bakeMs: BAKE, unknownLimitMs: BAKE },
    ...over,
  };
}

interface Row {
  readonly name: string;
  readonly over: Partial<DecisionInput>;
  readonly kind: 'continue' | 'healthy' | 'unhealthy' | 'unknown';
  readonly alarm?: string;
  readonly unknown?: readonly string[];
}

const ok = { a: 'OK', b: 'OK' } as const;
const tr = (name: string, at: number, from: AlarmState, to: AlarmState): AlarmTransition => ({ name, at, from, to });

const rows: Row[] = [
  { name: 'no poll yet, bake running', over: {}, kind: 'continue', unknown: ['(no poll yet)'] },
  { name: 'all OK mid-bake', over: { now: BAKE_START + 10 * S, polls: [poll(BAKE_START + 10 * S, ok)] }, kind: 'continue', unknown: [] },
  {
    name: 'all OK at the end of the bake',
    over: { now: END, polls: [poll(BAKE_START + 10 * S, ok), poll(END, ok)] },
    kind: 'healthy',
  },
  {
    name: 'bake over but the last clean poll is older than the deadline: poll again',
    over: { now: END + 100, polls: [poll(END - 5 * S, ok)] },
    kind: 'continue',
    unknown: [],
  },
  {
    name: 'alarm enters ALARM mid-bake (poll)',
    over: { now: BAKE_START + 5 * S, polls: [poll(BAKE_START + 5 * S, { a: 'OK', b: 'ALARM' })] },
    kind: 'unhealthy',
    alarm: 'b',
  },
  {
    name: 'ALARM during the update itself (baseline OK) is blamed',
    over: { now: BAKE_START, polls: [poll(BAKE_START, { a: 'ALARM', b: 'OK' })] },
    kind: 'unhealthy',
    alarm: 'a',
  },
  {
    name: 'pre-existing ALARM is not blamed mid-bake',
    over: { baseline: { a: 'ALARM', b: 'OK' }, now: BAKE_START + 5 * S, polls: [poll(BAKE_START + 5 * S, { a: 'ALARM', b: 'OK' })] },
    kind: 'continue',
    unknown: [],
  },
  {
    name: 'pre-existing ALARM still ALARM at the end: healthy on the others, reported as not judged',
    over: { baseline: { a: 'ALARM', b: 'OK' }, now: END, polls: [poll(END, { a: 'ALARM', b: 'OK' })] },
    kind: 'healthy',
  },
  {
    name: 'pre-existing ALARM that recovered and fires again is blamed',
    over: {
      baseline: { a: 'ALARM', b: 'OK' },
      now: BAKE_START + 20 * S,
      polls: [poll(BAKE_START + 10 * S, ok), poll(BAKE_START + 20 * S, { a: 'ALARM', b: 'OK' })],
    },
    kind: 'unhealthy',
    alarm: 'a',
  },
  {
    name: 'pre-existing ALARM: a history re-entry (OK→ALARM) is blamed even if polls only saw ALARM',
    over: {
      baseline: { a: 'ALARM', b: 'OK' },
      now: BAKE_START + 20 * S,
      polls: [poll(BAKE_START + 20 * S, { a: 'ALARM', b: 'OK' })],
      transitions: [tr('a', BAKE_START + 12 * S, 'ALARM', 'OK'), tr('a', BAKE_START + 14 * S, 'OK', 'ALARM')],
    },
    kind: 'unhealthy',
    alarm: 'a',
  },
  {
    name: 'every guarded alarm already in ALARM, through the bake: unknown',
    over: { baseline: { a: 'ALARM', b: 'ALARM' }, now: END, polls: [poll(END, { a: 'ALARM', b: 'ALARM' })] },
    kind: 'unknown',
  },
  {
    name: 'no guarded alarm at all (stackAlarms found none): unknown at the end, never healthy',
    over: { guarded: [], baseline: {}, now: END, polls: [poll(END, {})] },
    kind: 'unknown',
  },
  {
    name: 'ALARM then OK between two polls, caught through history',
    over: {
      now: BAKE_START + 20 * S,
      polls: [poll(BAKE_START + 10 * S, ok), poll(BAKE_START + 20 * S, ok)],
      transitions: [tr('b', BAKE_START + 12 * S, 'OK', 'ALARM'), tr('b', BAKE_START + 13 * S, 'ALARM', 'OK')],
    },
    kind: 'unhealthy',
    alarm: 'b',
  },
  {
    name: 'history from before the deploy began is ignored',
    over: {
      now: END,
      polls: [poll(END, ok)],
      transitions: [tr('b', T0 - 5 * S, 'OK', 'ALARM'), tr('b', T0 - 4 * S, 'ALARM', 'OK')],
    },
    kind: 'healthy',
  },
  {
    name: 'history of an unguarded alarm is ignored',
    over: { now: END, polls: [poll(END, ok)], transitions: [tr('other', BAKE_START + S, 'OK', 'ALARM')] },
    kind: 'healthy',
  },
  {
    name: 'history ALARM→ALARM (reason update) of a pre-existing alarm is not an entry',
    over: {
      baseline: { a: 'ALARM', b: 'OK' },
      now: END,
      polls: [poll(END, { a: 'ALARM', b: 'OK' })],
      transitions: [tr('a', BAKE_START + S, 'ALARM', 'ALARM')],
    },
    kind: 'healthy',
  },
  {
    name: 'INSUFFICIENT_DATA mid-bake: continue, reported as unknown',
    over: { now: BAKE_START + 5 * S, polls: [poll(BAKE_START + 5 * S, { a: 'INSUFFICIENT_DATA', b: 'OK' })] },
    kind: 'continue',
    unknown: ['a'],
  },
  {
    name: 'INSUFFICIENT_DATA through the whole bake: unknown, not healthy',
    over: {
      now: END,
      polls: [poll(BAKE_START + 5 * S, { a: 'INSUFFICIENT_DATA', b: 'OK' }), poll(END, { a: 'INSUFFICIENT_DATA', b: 'OK' })],
    },
    kind: 'unknown',
  },
  {
    name: 'new alarm (no baseline) in INSUFFICIENT_DATA through the bake: unknown',
    over: {
      guarded: ['a', 'new'],
      baseline: { a: 'OK' },
      now: END,
      polls: [poll(END, { a: 'OK', new: 'INSUFFICIENT_DATA' })],
    },
    kind: 'unknown',
  },
  {
    name: 'INSUFFICIENT_DATA that started late in the bake: the watch is extended, not ended',
    over: {
      now: END,
      polls: [poll(END - 10 * S, ok), poll(END, { a: 'INSUFFICIENT_DATA', b: 'OK' })],
    },
    kind: 'continue',
    unknown: ['a'],
  },
  {
    name: '... and it resolves to OK during the extension: healthy',
    over: {
      now: END + 20 * S,
      polls: [poll(END - 10 * S, ok), poll(END, { a: 'INSUFFICIENT_DATA', b: 'OK' }), poll(END + 20 * S, ok)],
    },
    kind: 'healthy',
  },
  {
    name: '... and it stays unknown longer than the limit: unknown',
    over: {
      now: END - 10 * S + BAKE,
      polls: [
        poll(END - 10 * S, ok),
        poll(END, { a: 'INSUFFICIENT_DATA', b: 'OK' }),
        poll(END - 10 * S + BAKE, { a: 'INSUFFICIENT_DATA', b: 'OK' }),
      ],
    },
    kind: 'unknown',
  },
  {
    name: 'a guarded alarm vanished (MISSING) at the end: not healthy',
    over: { now: END, polls: [poll(END - 30 * S, ok), poll(END, { a: 'OK', b: 'MISSING' })] },
    kind: 'continue',
    unknown: ['b'],
  },
  {
    name: 'poll errors are not failures: continue mid-bake',
    over: { now: BAKE_START + 30 * S, polls: [poll(BAKE_START + 10 * S, 'error'), poll(BAKE_START + 30 * S, 'error')] },
    kind: 'continue',
    unknown: ['(poll failed)'],
  },
  {
    name: 'poll errors through the whole bake: unknown (fail closed)',
    over: { now: END, polls: [poll(BAKE_START + 10 * S, 'error'), poll(END, 'error')] },
    kind: 'unknown',
  },
  {
    name: 'a failed poll at the deadline after a clean bake: continue (poll again), not healthy yet',
    over: { now: END, polls: [poll(END - S, ok), poll(END, 'error')] },
    kind: 'continue',
  },
  {
    name: 'ALARM seen once, then errors: still unhealthy (the error does not erase what was seen)',
    over: { now: BAKE_START + 30 * S, polls: [poll(BAKE_START + 10 * S, { a: 'ALARM', b: 'OK' }), poll(BAKE_START + 30 * S, 'error')] },
    kind: 'unhealthy',
    alarm: 'a',
  },
  {
    name: 'the earliest entry is blamed when two alarms fire',
    over: {
      now: BAKE_START + 20 * S,
      polls: [poll(BAKE_START + 20 * S, { a: 'ALARM', b: 'ALARM' })],
      transitions: [tr('b', BAKE_START + 11 * S, 'OK', 'ALARM')],
    },
    kind: 'unhealthy',
    alarm: 'b',
  },
  {
    name: 'INSUFFICIENT_DATA → ALARM is an entry too',
    over: {
      baseline: { a: 'INSUFFICIENT_DATA', b: 'OK' },
      now: BAKE_START + 20 * S,
      polls: [poll(BAKE_START + 20 * S, ok)],
      transitions: [tr('a', BAKE_START + 15 * S, 'INSUFFICIENT_DATA', 'ALARM')],
    },
    kind: 'unhealthy',
    alarm: 'a',
  },
];

describe('decide: the health verdict', () => {
  for (const row of rows) {
    it(row.name, () => {
      const verdict = decide(input(row.over));
      assert.equal(verdict.kind, row.kind, JSON.stringify(verdict));
      if (row.alarm !== undefined) assert.equal(verdict.kind === 'unhealthy' && verdict.alarm, row.alarm);
      if (row.unknown !== undefined) assert.deepEqual(verdict.kind === 'continue' && verdict.unknown, row.unknown);
    });
  }

  it('says why: the alarm, when, and how it was seen', () => {
    const verdict = decide(
      input({
        now: BAKE_START + 20 * S,
        polls: [poll(BAKE_START + 20 * S, ok)],
        transitions: [tr('b', BAKE_START + 12 * S, 'OK', 'ALARM')],
      }),
    );
    assert.equal(verdict.kind, 'unhealthy');
    assert.match(
      verdict.kind === 'unhealthy' ? verdict.reason : '',
      /alarm b entered ALARM at 2026-01-01T12:00:32\.000Z \(seen in the alarm history\)/,
    );
  });

  it('says an alarm CloudWatch no longer has is gone, not just unknown', () => {
    const verdict = decide(
      input({
        now: END + 1,
        polls: [poll(BAKE_START, { a: 'OK', b: 'MISSING' }), poll(END + 1, { a: 'INSUFFICIENT_DATA', b: 'MISSING' })],
      }),
    );
    assert.equal(verdict.kind, 'unknown');
    assert.match(verdict.kind === 'unknown' ? verdict.reason : '', /^alarm state unknown for a, b \(no longer in CloudWatch\) for /);
  });

  it('names the not-judged pre-existing alarm in a healthy verdict', () => {
    const verdict = decide(input({ baseline: { a: 'ALARM', b: 'OK' }, now: END, polls: [poll(END, { a: 'ALARM', b: 'OK' })] }));
    assert.match(verdict.kind === 'healthy' ? verdict.reason : '', /not judged .*: a$/);
  });
});
