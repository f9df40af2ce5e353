import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricChartView } from '../../../src/shared/protocol';
import { align, baselineShift, buildChart, median, summarize } from '../../../src/webview/charts/chartData';

// What a metric chart draws: the series on one time axis, the marked windows and moments, the
// threshold, and the words a screen reader gets instead of the picture.

const MIN = 60_000;
const DEPLOY = Date.UTC(2026, 11, 4, 12, 0, 0);
const BAKE = DEPLOY + 5 * MIN;
const minutes = (start: number, n: number, value: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => [start + i * MIN, value(i)] as const);

/** A chart with these fields; `baseline: undefined` leaves it out (before the first read). */
const chart = (over: { [K in keyof MetricChartView]?: MetricChartView[K] | undefined } = {}): MetricChartView =>
  withoutUndefined({
    name: 'Latency Average',
    bad: 'increase',
    judged: true,
    baseline: { start: DEPLOY - 30 * MIN, end: DEPLOY, points: minutes(DEPLOY - 30 * MIN, 30, () => 100) },
    bake: { start: BAKE, end: BAKE + 30 * MIN, points: minutes(BAKE, 30, () => 140) },
    ...over,
  });

function withoutUndefined(value: Record<string, unknown>): MetricChartView {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as unknown as MetricChartView;
}

describe('metric chart data', () => {
  it('puts the baseline and the bake on one axis in seconds, null where a series has no point', () => {
    const { xs, columns } = align([
      [
        [1000, 1],
        [3000, 3],
      ],
      [
        [2000, 20],
        [3000, 30],
      ],
    ]);
    assert.deepEqual(xs, [1, 2, 3]);
    assert.deepEqual(columns, [
      [1, null, 3],
      [null, 20, 30],
    ]);
  });

  it('marks the baseline window, the deploy start and the bake, and spans all of them', () => {
    const data = buildChart(chart(), { deployStartedAt: DEPLOY, bakeStartedAt: BAKE, bakeEndsAt: BAKE + 30 * MIN, now: BAKE + 40 * MIN });
    assert.equal(data.xs.length, 60);
    assert.equal(data.baseline.filter((v) => v !== null).length, 30);
    assert.equal(data.bake.filter((v) => v !== null).length, 30);
    assert.deepEqual(
      data.bands.map((b) => [b.kind, b.from, b.to]),
      [
        ['baseline', (DEPLOY - 30 * MIN) / 1000, DEPLOY / 1000],
        ['bake', BAKE / 1000, (BAKE + 30 * MIN) / 1000],
      ],
    );
    assert.deepEqual(data.lines, [{ kind: 'deploy', at: DEPLOY / 1000, label: 'deploy started' }]);
    assert.deepEqual(data.xRange, [(DEPLOY - 30 * MIN) / 1000, (BAKE + 30 * MIN) / 1000]);
    assert.equal(data.overlay, undefined);
    assert.equal(data.threshold, undefined);
  });

  it('marks the rollback and its verification, and stretches the axis to them', () => {
    const rollbackAt = BAKE + 10 * MIN;
    const done = rollbackAt + 8 * MIN;
    const data = buildChart(chart({ threshold: 250 }), {
      deployStartedAt: DEPLOY,
      bakeStartedAt: BAKE,
      bakeEndsAt: BAKE + 30 * MIN,
      rollback: { phase: 'succeeded', startedAt: rollbackAt, at: done },
      now: done,
    });
    assert.deepEqual(data.bands.at(-1), { kind: 'rollback', from: rollbackAt / 1000, to: done / 1000, label: 'rollback and verification' });
    assert.equal(data.threshold, 250);
    // Still under way: the band reaches now.
    const live = buildChart(chart(), { rollback: { phase: 'started', startedAt: rollbackAt, at: rollbackAt }, now: BAKE + 45 * MIN });
    assert.deepEqual(live.bands.at(-1) && [live.bands.at(-1)!.from, live.bands.at(-1)!.to], [rollbackAt / 1000, (BAKE + 45 * MIN) / 1000]);
    assert.equal(live.xRange[1], (BAKE + 45 * MIN) / 1000);
    // A rollback that was skipped marks nothing.
    assert.equal(buildChart(chart(), { rollback: { phase: 'skipped', at: done }, now: done }).bands.length, 2);
  });

  it('lays a seasonal baseline over the bake it is compared with', () => {
    const day = 24 * 60 * MIN;
    const seasonal = chart({ baseline: { start: BAKE - day, end: BAKE - day + 30 * MIN, points: minutes(BAKE - day, 30, () => 90) } });
    assert.deepEqual(baselineShift(seasonal.baseline, seasonal.bake), { ms: day, overlay: 'a day' });
    const data = buildChart(seasonal, { now: BAKE + 30 * MIN });
    assert.equal(data.overlay, 'a day');
    assert.equal(data.xs.length, 30, 'the same minutes: one column each');
    assert.ok(data.baseline.every((v) => v === 90) && data.bake.every((v) => v === 140));
    assert.equal(data.bands[0]?.label, 'baseline (a day earlier)');
    assert.equal(baselineShift(chart().baseline, chart().bake).ms, 0, 'the window just before the deploy stays where it was');
  });

  it('draws a chart before its first read, and a series with only one side', () => {
    const data = buildChart(chart({ baseline: undefined, bake: { start: BAKE, end: BAKE + 30 * MIN, points: [] } }), { now: BAKE });
    assert.deepEqual(data.xs, []);
    assert.deepEqual(data.xRange, [BAKE / 1000, (BAKE + 30 * MIN) / 1000]);
  });
});

describe("a chart's words for screen readers", () => {
  it('says the verdict, its reason, the medians on each side and the threshold', () => {
    const text = summarize(
      chart({
        threshold: 250,
        verdict: {
          kind: 'regressed',
          reason: 'Latency Average rose 40 % (98 % CI +38 % … +42 %), allowed +10 %',
          relativeChange: 0.4,
          baselineMedian: 100,
          bakeMedian: 140,
        },
      }),
    );
    assert.equal(
      text,
      'Latency Average: regressed. Latency Average rose 40 % (98 % CI +38 % … +42 %), allowed +10 %. ' +
        'Median 100 in the baseline (30 points), 140 during the bake (30 points). Alarm threshold 250.',
    );
  });

  it('computes the medians from the points when the verdict has none, and says who decides an alarm-only chart', () => {
    const text = summarize(chart({ judged: false, alarm: 'orders-latency-high', name: 'orders-latency-high (Latency Average)' }));
    assert.match(text, /^orders-latency-high \(Latency Average\): drawn for alarm orders-latency-high; the alarm alone decides\./);
    assert.match(text, /Median 100 in the baseline \(30 points\), 140 during the bake \(30 points\)\.$/);
    assert.match(summarize(chart({ baseline: undefined })), /not judged yet.*no points in the baseline/);
  });

  it('takes the median of the finite values', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([NaN, 5]), 5);
    assert.equal(median([]), undefined);
  });
});
