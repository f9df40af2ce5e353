import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmSource } from '../../../../src/core/health/alarmSource';
import { describeHealthEvent } from '../../../../src/core/health/describe';
import type { MetricSource } from '../../../../src/core/health/metricSource';
import { judgeMetrics, watchedMetrics, type WatchedMetric } from '../../../../src/core/health/metricWatch';
import type { Datapoint } from '../../../../src/core/health/metrics/samples';
import { recordedMetrics } from '../../../../src/core/health/recordedHealth';
import type { AlarmReading } from '../../../../src/core/health/types';
import { watchAlarms } from '../../../../src/core/health/watcher';
import { silentLogger } from '../../../../src/core/logger';
import type { HealthConfig } from '../../../../src/core/pipeline/types';

// The health watch's side of the metric charts: the metric behind each guarded alarm is read for
// its chart (judged only with metricsFromAlarms), with the alarm's threshold; the numbers the
// CLI's verdict line and the record carry.

const S = 1000;
const latencyAlarm: AlarmReading = {
  name: 'orders-latency-high',
  state: 'OK',
  metric: {
    query: { kind: 'metric', namespace: 'Orders', metric: 'Latency', dimensions: {}, stat: 'Average' },
    period: 60,
    bad: 'increase',
    threshold: 250,
  },
};
const health = (over: Partial<HealthConfig>): HealthConfig => ({
  alarms: ['orders-latency-high'],
  stackAlarms: false,
  bakeMs: 60_000,
  pollSeconds: 10,
  rollback: 'auto',
  ...over,
});

describe("the alarms' metrics, for their charts", () => {
  it('are read but not judged without metricsFromAlarms, and carry the threshold', () => {
    const [m] = watchedMetrics(health({}), [latencyAlarm]);
    assert.equal(m?.alarm, 'orders-latency-high');
    assert.equal(m?.threshold, 250);
    assert.equal(m?.chartOnly, true);
    const [judged] = watchedMetrics(health({ metricsFromAlarms: true }), [latencyAlarm]);
    assert.equal(judged?.chartOnly, undefined, 'metricsFromAlarms judges it');
    assert.equal(judged?.threshold, 250);
  });

  it('never judge a metric that is only drawn', () => {
    const [m] = watchedMetrics(health({}), [latencyAlarm]);
    const points = new Map([[m!.key, Array.from({ length: 30 }, (_, i) => ({ at: i * S, value: 100 }))]]);
    assert.deepEqual(judgeMetrics([m!], { window: { start: 0, end: 30 * S }, points }, { window: { start: 0, end: 30 * S }, points }), []);
  });

  it('leave the verdict to the alarms, reading them on the same one call per poll', async () => {
    const [m] = watchedMetrics(health({}), [latencyAlarm]);
    let reads = 0;
    let polls = 0;
    const source: MetricSource = {
      read: async () => {
        reads += 1;
        // Unreadable metrics would make a judged metric unknown; one only drawn changes nothing.
        throw new Error('throttled');
      },
    };
    const alarms: AlarmSource = {
      read: async (names) => {
        polls += 1;
        return new Map<string, AlarmReading>(names.map((name) => [name, { name, state: 'OK' }]));
      },
      listByPrefix: async () => [],
      history: async () => [],
      stackAlarmNames: async () => [],
    };
    const now = Date.now();
    const seen: number[] = [];
    const result = await watchAlarms({
      source: alarms,
      guarded: ['orders-latency-high'],
      baseline: { 'orders-latency-high': 'OK' },
      deployStartedAt: now - 1000,
      bakeStartedAt: now,
      policy: { bakeMs: 300, unknownLimitMs: 300 },
      pollMs: 100,
      logger: silentLogger,
      readHistory: false,
      metrics: {
        source,
        watched: [m!],
        baseline: { window: { start: now - 1300, end: now - 1000 }, points: new Map() },
        onRead: () => seen.push(1),
      },
    });
    assert.equal(result.verdict.kind, 'healthy');
    assert.equal(result.metrics, undefined, 'nothing judged');
    assert.ok(reads >= 1 && reads <= polls, `${reads} reads in ${polls} polls`);
    assert.deepEqual(seen, [], 'a failed read tells views nothing');
  });

  it('are told to views as each read arrives', async () => {
    const [m] = watchedMetrics(health({}), [latencyAlarm]);
    const source: MetricSource = {
      read: async (metrics, window) => new Map(metrics.map((r) => [r.key, [{ at: window.start, value: 120 }] as Datapoint[]])),
    };
    const alarms: AlarmSource = {
      read: async (names) => new Map<string, AlarmReading>(names.map((name) => [name, { name, state: 'OK' }])),
      listByPrefix: async () => [],
      history: async () => [],
      stackAlarmNames: async () => [],
    };
    const now = Date.now();
    const reads: number[] = [];
    await watchAlarms({
      source: alarms,
      guarded: ['orders-latency-high'],
      baseline: {},
      deployStartedAt: now - 1000,
      bakeStartedAt: now,
      policy: { bakeMs: 250, unknownLimitMs: 250 },
      pollMs: 100,
      logger: silentLogger,
      readHistory: false,
      metrics: {
        source,
        watched: [m!],
        baseline: { window: { start: now - 1250, end: now - 1000 }, points: new Map() },
        onRead: (_window, points) => reads.push(points.get(m!.key)?.length ?? -1),
      },
    });
    assert.ok(reads.length >= 1, 'at least the last read, which the record keeps, arrives');
    assert.ok(reads.every((n) => n === 1));
  });
});

describe('the numbers of a metric verdict', () => {
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
    { window: { start: 0, end: 60 * S }, points: new Map([['k', series(0, 60, 1)]]) },
    { window: { start: 100 * S, end: 130 * S }, points: new Map([['k', series(100 * S, 30, 1.4)]]) },
  );

  it('the record keeps the medians, the interval and the threshold', () => {
    const [recorded] = recordedMetrics([judged!], new Map([['k', 150]]));
    assert.equal(recorded?.baselineMedian, 100);
    assert.equal(recorded?.bakeMedian, 140);
    assert.equal(recorded?.threshold, 150);
    assert.ok(recorded?.interval && recorded.interval[0] > 0.1 && recorded.interval[1] >= recorded.interval[0]);
  });

  it("the CLI's line names the medians before and after", () => {
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
      baselineN: 60,
      candidateN: 30,
      baselineMedian: 100,
      bakeMedian: 140,
      baseline: judged!.baseline,
      bake: judged!.bake,
    });
    assert.match(
      line,
      /^health: metric REGRESSED: Latency Average rose 4\d % \(98 % CI \+\d+ % … \+\d+ %\), allowed \+10 % \(median 100 → 140; 60 samples before, 30 after\)$/,
    );
  });
});
