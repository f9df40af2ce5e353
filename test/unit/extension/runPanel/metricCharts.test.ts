import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricPointsSeries, WatchStartedEvent } from '../../../../src/core/health/events';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../../src/core/history/record';
import { modelFromRecord } from '../../../../src/extension/runPanel/fromRecord';
import { mergePoints } from '../../../../src/extension/runPanel/metricCharts';
import { RunModel } from '../../../../src/extension/runPanel/runState';
import { METRIC_CHART_POINTS } from '../../../../src/shared/protocol';

// The Health tab's charts in the run model: live points merged as each read arrives (only the
// charts that changed travel in a delta), the judged series replacing them, and a finished run's
// charts from its record.

const ID = '20261204T120000000Z-ab12cd';
const T = Date.UTC(2026, 11, 4, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const series = (over: Partial<MetricPointsSeries>): MetricPointsSeries => ({
  metric: 'Latency Average',
  bad: 'increase',
  judged: true,
  points: [],
  ...over,
});

/** A one-minute bake from T, as the health watch announces it. */
const watchStarted = (alarms: string[]): WatchStartedEvent => ({
  type: 'watch-started',
  deploymentId: ID,
  at: iso(T),
  alarms,
  bakeMs: 60_000,
  pollSeconds: 10,
  deadline: iso(T + 60_000),
  rollback: 'auto',
  resumed: false,
});

describe('live metric points', () => {
  it('replace the points from the first new one on (CloudWatch revises the newest period) and keep at most a day of minutes', () => {
    const first = mergePoints(
      undefined,
      series({
        baseline: { start: T - 3000, end: T, points: [[T - 2000, 1]] },
        points: [
          [T, 10],
          [T + 1000, 11],
        ],
      }),
      { start: T, end: T + 60_000 },
    );
    const next = mergePoints(
      first,
      series({
        points: [
          [T + 1000, 12],
          [T + 2000, 13],
        ],
      }),
      {},
    );
    assert.deepEqual(next.bake, {
      start: T,
      end: T + 60_000,
      points: [
        [T, 10],
        [T + 1000, 12],
        [T + 2000, 13],
      ],
    });
    assert.deepEqual(next.baseline, first.baseline, 'the baseline came once and is kept');
    const many = Array.from({ length: METRIC_CHART_POINTS + 10 }, (_, i) => [T + i * 1000, i] as const);
    const capped = mergePoints(next, series({ points: many }), {});
    assert.equal(capped.bake.points.length, METRIC_CHART_POINTS);
    assert.deepEqual(capped.bake.points.at(-1), many.at(-1));
  });

  it('reach the panel in deltas, only the charts that changed, and the verdict replaces the series read live', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(watchStarted(['orders-5xx']));
    model.takeDelta();
    model.apply({
      type: 'metric-points',
      deploymentId: ID,
      at: iso(T + 10_000),
      series: [
        series({ baseline: { start: T - 60_000, end: T, points: [[T - 30_000, 100]] }, points: [[T, 120]] }),
        series({ metric: 'orders-5xx (Errors Sum)', alarm: 'orders-5xx', threshold: 5, judged: false, points: [[T, 0]] }),
      ],
    });
    const delta = model.takeDelta();
    assert.deepEqual(
      delta?.metrics?.map((c) => [c.name, c.judged, c.threshold, c.bake.start, c.bake.end, c.bake.points.length]),
      [
        ['Latency Average', true, undefined, T, T + 60_000, 1],
        ['orders-5xx (Errors Sum)', false, 5, T, T + 60_000, 1],
      ],
    );
    model.apply({
      type: 'metric-points',
      deploymentId: ID,
      at: iso(T + 20_000),
      series: [series({ points: [[T + 10_000, 121]] })],
    });
    assert.deepEqual(
      model.takeDelta()?.metrics?.map((c) => c.name),
      ['Latency Average'],
    );
    model.apply({
      type: 'metric-verdict',
      deploymentId: ID,
      at: iso(T + 60_000),
      metric: 'Latency Average',
      verdict: 'regressed',
      reason: 'Latency Average rose 20 % (98 % CI +15 % … +25 %), allowed +10 %',
      bad: 'increase',
      tolerance: 0.1,
      relativeChange: 0.2,
      interval: [0.15, 0.25],
      scale: 'shift',
      baselineN: 30,
      candidateN: 30,
      baselineMedian: 100,
      bakeMedian: 120,
      baseline: { start: T - 60_000, end: T, points: [[T - 30_000, 100]] },
      bake: { start: T, end: T + 60_000, points: [[T + 30_000, 120]] },
    });
    const latency = model.snapshot().metrics?.find((c) => c.name === 'Latency Average');
    assert.equal(latency?.verdict?.kind, 'regressed');
    assert.equal(latency?.verdict?.baselineMedian, 100);
    assert.deepEqual(latency?.bake.points, [[T + 30_000, 120]]);
    assert.equal(model.snapshot().metrics?.length, 2);
  });

  it("the restore's reads and verdict get charts of their own, the bake's chart left as the bake judged it", () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(watchStarted([]));
    model.apply({ type: 'metric-points', deploymentId: ID, at: iso(T + 10_000), series: [series({ points: [[T, 120]] })] });
    // The version put back, read by the restore's verification two minutes later.
    model.apply({
      type: 'metric-points',
      deploymentId: ID,
      at: iso(T + 130_000),
      phase: 'restore',
      series: [series({ points: [[T + 120_000, 101]] })],
    });
    const charts = () => Object.fromEntries((model.snapshot().metrics ?? []).map((c) => [c.name, c]));
    assert.deepEqual(Object.keys(charts()), ['Latency Average', 'Latency Average (after the rollback)']);
    assert.deepEqual(charts()['Latency Average']?.bake.points, [[T, 120]], "the bake's chart holds only the bake's points");
    assert.deepEqual(charts()['Latency Average']?.bake.end, T + 60_000);
    assert.deepEqual(charts()['Latency Average (after the rollback)']?.bake.points, [[T + 120_000, 101]]);
    model.apply({
      type: 'metric-verdict',
      deploymentId: ID,
      at: iso(T + 190_000),
      phase: 'restore',
      metric: 'Latency Average',
      verdict: 'pass',
      reason: 'Latency Average within 10 % of its baseline',
      bad: 'increase',
      tolerance: 0.1,
      relativeChange: 0.01,
      interval: [-0.02, 0.03],
      scale: 'shift',
      baselineN: 30,
      candidateN: 6,
      baselineMedian: 100,
      bakeMedian: 101,
      baseline: { start: T - 60_000, end: T, points: [[T - 30_000, 100]] },
      bake: { start: T + 120_000, end: T + 180_000, points: [[T + 120_000, 101]] },
    });
    assert.equal(charts()['Latency Average (after the rollback)']?.verdict?.kind, 'pass');
    assert.equal(charts()['Latency Average']?.verdict, undefined, "the restore's verdict is not the bake's");
  });

  it('are nothing to send when none arrived', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    assert.equal(model.snapshot().metrics, undefined);
    model.apply({ type: 'deployment-status', deploymentId: ID, at: iso(T), status: 'watching' });
    assert.equal(model.takeDelta()?.metrics, undefined);
  });
});

describe("a finished run's charts", () => {
  it("come from its record: the judged metrics with their numbers, the alarms' metrics only drawn, and the rollback's start", () => {
    const window = (start: number) => ({ start, end: start + 60_000, points: [[start, 1]] as [number, number][] });
    const record: DeploymentRecord = {
      schemaVersion: HISTORY_SCHEMA_VERSION,
      id: ID,
      kind: 'deploy',
      environment: 'dev',
      stackName: 'orders-dev',
      region: 'us-east-1',
      account: '123456789012',
      template: { body: 'Resources: {}', sha256: 'x' },
      parameters: [],
      tags: {},
      capabilities: [],
      status: 'rolled-back',
      startedAt: iso(T - 120_000),
      finishedAt: iso(T + 120_000),
      steps: [],
      health: {
        alarms: [{ name: 'orders-5xx', state: 'OK' }],
        bakeStartedAt: T,
        bakeEndsAt: T + 60_000,
        verdict: { kind: 'unhealthy', reason: 'Latency Average rose 20 %', at: T + 60_000 },
        rollback: { phase: 'succeeded', targetDeploymentId: 'old', at: T + 100_000 },
        metrics: [
          {
            name: 'Latency Average',
            verdict: 'regressed',
            reason: 'Latency Average rose 20 %',
            bad: 'increase',
            tolerance: 0.1,
            relativeChange: 0.2,
            baselineMedian: 100,
            bakeMedian: 120,
            baseline: window(T - 60_000),
            bake: window(T),
          },
        ],
        charts: [
          {
            name: 'orders-5xx (Errors Sum)',
            alarm: 'orders-5xx',
            bad: 'increase',
            threshold: 5,
            baseline: window(T - 60_000),
            bake: window(T),
          },
        ],
      },
      healthWatch: {
        version: 1,
        deployStartedAt: T - 120_000,
        bakeStartedAt: T,
        deadline: iso(T + 60_000),
        bakeMs: 60_000,
        pollMs: 10_000,
        alarms: ['orders-5xx'],
        baseline: {},
        rollback: { token: 't', targetId: 'old', startedAt: iso(T + 61_000) },
      },
    };
    const snapshot = modelFromRecord(record, false).snapshot();
    assert.deepEqual(
      snapshot.metrics?.map((c) => [c.name, c.judged, c.verdict?.kind, c.verdict?.bakeMedian, c.threshold]),
      [
        ['Latency Average', true, 'regressed', 120, undefined],
        ['orders-5xx (Errors Sum)', false, undefined, undefined, 5],
      ],
    );
    assert.equal(snapshot.health?.rollback?.startedAt, T + 61_000);
    assert.equal(snapshot.health?.rollback?.at, T + 100_000);
  });
});
