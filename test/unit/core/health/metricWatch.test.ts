import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { AlarmSource } from '../../../../src/core/health/alarmSource';
import { decide, type DecisionInput, type MetricEvidence } from '../../../../src/core/health/decide';
import { describeHealthEvent } from '../../../../src/core/health/describe';
import { cloudWatchMetricSource, type MetricClient } from '../../../../src/core/health/metricSource';
import { baselineWindow, judgeMetrics, samplesOf, wholePeriods, type WatchedMetric } from '../../../../src/core/health/metricWatch';
import type { AlarmReading } from '../../../../src/core/health/types';
import { watchAlarms } from '../../../../src/core/health/watcher';
import { silentLogger } from '../../../../src/core/logger';

const S = 1000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const BAKE_START = T0 + 20 * S;
const BAKE = 60 * S;
const END = BAKE_START + BAKE;

const okPoll = (at: number) => ({ at, readings: new Map([['a', { name: 'a', state: 'OK' as const }]]) });

function input(over: Partial<DecisionInput>): DecisionInput {
  return {
    guarded: ['a'],
    baseline: { a: 'OK' },
    deployStartedAt: T0,
    bakeStartedAt: BAKE_START,
    now: END,
    polls: [okPoll(END)],
    transitions: [],
    policy: { bakeMs: BAKE, unknownLimitMs: BAKE },
    ...over,
  };
}

const evidence = (name: string, kind: MetricEvidence['verdict']['kind'], reason = `${name} ${kind}`): MetricEvidence => ({
  name,
  verdict: { kind, reason },
});

describe('decide with metric verdicts', () => {
  it('a regression is unhealthy while every alarm is OK, the reason naming the metric', () => {
    const v = decide(input({ metrics: { judged: [evidence('Latency', 'pass'), evidence('Errors', 'regressed', 'Errors rose 40 %')] } }));
    assert.equal(v.kind, 'unhealthy');
    assert.equal(v.kind === 'unhealthy' && v.metric, 'Errors');
    assert.equal(v.reason, 'Errors rose 40 %');
  });

  it('too little data is unknown, fail closed', () => {
    const v = decide(input({ metrics: { judged: [evidence('Latency', 'unknown', 'Latency: too little data')] } }));
    assert.equal(v.kind, 'unknown');
    assert.match(v.kind === 'unknown' ? v.reason : '', /too little data/);
  });

  it('healthy needs the metrics judged, and says so', () => {
    assert.equal(decide(input({ metrics: {} })).kind, 'continue');
    const v = decide(input({ metrics: { judged: [evidence('Latency', 'pass'), evidence('Rps', 'improved')] } }));
    assert.equal(v.kind, 'healthy');
    assert.match(v.kind === 'healthy' ? v.reason : '', /2 metrics within tolerance/);
  });

  it('metrics alone guard a deploy with no alarm', () => {
    const v = decide(
      input({ guarded: [], baseline: {}, polls: [{ at: END, readings: new Map() }], metrics: { judged: [evidence('L', 'pass')] } }),
    );
    assert.equal(v.kind, 'healthy');
  });

  it('metrics never read after the bake end as unknown after the limit', () => {
    assert.equal(decide(input({ now: END + BAKE - 1, metrics: {} })).kind, 'continue');
    const v = decide(input({ now: END + BAKE, metrics: {} }));
    assert.equal(v.kind, 'unknown');
    assert.match(v.kind === 'unknown' ? v.reason : '', /could not be read/);
  });
});

describe('metric windows and samples', () => {
  it('compares with the bake-long window before the deploy, or the same hours a day or a week earlier', () => {
    const t = { deployStartedAt: T0, bakeStartedAt: BAKE_START, bakeMs: BAKE };
    assert.deepEqual(baselineWindow('before', t), { start: T0 - BAKE, end: T0 });
    assert.deepEqual(baselineWindow('previous-day', t), { start: BAKE_START - 86_400_000, end: BAKE_START - 86_400_000 + BAKE });
    assert.deepEqual(baselineWindow('previous-week', t), { start: BAKE_START - 7 * 86_400_000, end: BAKE_START - 7 * 86_400_000 + BAKE });
  });

  it('keeps whole periods only, and fills silent periods with 0 for missing: zero', () => {
    assert.deepEqual(wholePeriods({ start: 61_000, end: 245_000 }, 60), { start: 120_000, end: 240_000 });
    const metric: WatchedMetric = {
      key: 'k',
      name: 'Errors',
      query: { kind: 'metric', namespace: 'O', metric: 'Errors', dimensions: {}, stat: 'Sum' },
      period: 10,
      bad: 'increase',
      missing: 'zero',
    };
    const points = [{ at: 20_000, value: 3 }];
    assert.deepEqual(samplesOf(metric, points, { start: 5_000, end: 45_000 }), [0, 3, 0]);
    assert.deepEqual(samplesOf({ ...metric, missing: 'gap' }, points, { start: 5_000, end: 45_000 }), [3]);
  });

  it('judges a +40 % shift as a regression and carries capped series', () => {
    const metric: WatchedMetric = {
      key: 'k',
      name: 'Latency Average',
      query: { kind: 'metric', namespace: 'O', metric: 'Latency', dimensions: {}, stat: 'Average' },
      period: 1,
      bad: 'increase',
      tolerance: 0.1,
      missing: 'gap',
    };
    const noise = (i: number) => 100 + ((i * 37) % 11) - 5;
    const series = (start: number, n: number, scale: number) =>
      Array.from({ length: n }, (_, i) => ({ at: start + i * S, value: noise(i) * scale }));
    const [judged] = judgeMetrics(
      [metric],
      { window: { start: 0, end: 2000 * S }, points: new Map([['k', series(0, 2000, 1)]]) },
      { window: { start: 3000 * S, end: 3030 * S }, points: new Map([['k', series(3000 * S, 30, 1.4)]]) },
    );
    assert.equal(judged!.verdict.kind, 'regressed');
    assert.match(judged!.verdict.reason, /^Latency Average rose 4\d % \(98 % CI \+\d+ % … \+\d+ %\), allowed \+10 %$/);
    assert.equal(judged!.baseline.points.length, 1440, 'series are capped for views and the record');
    assert.equal(judged!.bake.points.length, 30);
    const line = describeHealthEvent({
      type: 'metric-verdict',
      deploymentId: 'd',
      at: '',
      metric: 'Latency Average',
      verdict: 'regressed',
      reason: judged!.verdict.reason,
      bad: 'increase',
      tolerance: 0.1,
      relativeChange: 0.4,
      interval: [0.3, 0.5],
      scale: 'shift',
      baselineN: 2000,
      candidateN: 30,
      baseline: judged!.baseline,
      bake: judged!.bake,
    });
    assert.match(line, /^health: metric REGRESSED: Latency Average rose/);
  });
});

describe('metric reads in the watch', () => {
  for (const n of [1, 10, 100]) {
    it(`one GetMetricData call per poll for ${n} metric(s)`, async () => {
      const calls: GetMetricDataCommandInput[] = [];
      const client = {
        send: async (command: { input: GetMetricDataCommandInput }): Promise<Partial<GetMetricDataCommandOutput>> => {
          calls.push(command.input);
          return { MetricDataResults: [] };
        },
      } as unknown as MetricClient;
      let polls = 0;
      const alarms: AlarmSource = {
        read: async (names) => {
          polls += 1;
          return new Map<string, AlarmReading>(names.map((name) => [name, { name, state: 'OK' }]));
        },
        listByPrefix: async () => [],
        history: async () => [],
        stackAlarmNames: async () => [],
      };
      const watched: WatchedMetric[] = Array.from({ length: n }, (_, i) => ({
        key: `m${i}`,
        name: `M${i}`,
        query: { kind: 'metric', namespace: 'O', metric: `M${i}`, dimensions: {}, stat: 'Average' },
        period: 1,
        bad: 'increase',
        missing: 'gap',
      }));
      const now = Date.now();
      const result = await watchAlarms({
        source: alarms,
        guarded: ['a'],
        baseline: { a: 'OK' },
        deployStartedAt: now - 1000,
        bakeStartedAt: now,
        policy: { bakeMs: 400, unknownLimitMs: 400 },
        pollMs: 100,
        logger: silentLogger,
        readHistory: false,
        metrics: {
          source: cloudWatchMetricSource(client),
          watched,
          baseline: { window: { start: now - 1400, end: now - 1000 }, points: new Map() },
        },
      });
      assert.equal(result.verdict.kind, 'unknown', 'no datapoints: too little data');
      assert.ok(polls >= 2);
      assert.equal(calls.length, polls, `${calls.length} GetMetricData calls in ${polls} polls`);
      assert.ok(calls.every((c) => c.MetricDataQueries!.length === n));
      assert.equal(result.metrics?.length, n);
    });
  }
});
