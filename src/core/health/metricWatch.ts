/**
 * The metric side of the health watch: which metrics are judged (health.metrics and, with
 * metricsFromAlarms, the metric behind each guarded metric alarm), the baseline window they are
 * compared with, the complete periods each window holds, and the verdict on each at the end of the
 * bake. Pure apart from the reads the watcher makes through a MetricSource.
 */
import type { CompareWith, GuardedMetric, HealthConfig } from '../pipeline/types';
import type { MetricRead } from './metricSource';
import { judgeMetric, type MetricVerdict } from './metrics/verdict';
import { fillGapsWithZeros, valuesInWindow, type Datapoint } from './metrics/samples';
import type { AlarmReading } from './types';

/** A metric the watch judges: `key` is unique in the watch and names it in reads and checkpoints. */
export interface WatchedMetric extends GuardedMetric {
  readonly key: string;
  /** The guarded alarm it stands behind (metricsFromAlarms, or drawn for it). */
  readonly alarm?: string;
  /** That alarm's threshold, in the metric's units (for its chart). */
  readonly threshold?: number;
  /**
   * Read and drawn, never judged: the metric behind a guarded alarm when `metricsFromAlarms` is
   * off. The alarm alone decides; the chart shows what it watched.
   */
  readonly chartOnly?: true;
}

export interface TimeWindow {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
}

/** Points kept of each series for views and the record: a day of minute points. */
export const MAX_SERIES_POINTS = 1440;

const DAY_MS = 24 * 60 * 60_000;

/**
 * The metrics a watch reads: the configured ones, then one per guarded metric alarm — judged when
 * `metricsFromAlarms` asks for it, else only drawn (`chartOnly`). All ride on the same one
 * GetMetricData call per poll.
 */
export function watchedMetrics(health: HealthConfig, alarms: readonly AlarmReading[]): WatchedMetric[] {
  const out: WatchedMetric[] = (health.metrics ?? []).map((m, i) => ({ ...m, key: `metric${i}` }));
  for (const alarm of alarms) {
    if (!alarm.metric) continue;
    const stat = alarm.metric.query.kind === 'metric' ? ` ${alarm.metric.query.stat}` : '';
    out.push({
      key: `alarm${out.length}`,
      name: `${alarm.name} (${alarm.metric.query.kind === 'metric' ? alarm.metric.query.metric : 'metric math'}${stat})`,
      alarm: alarm.name,
      query: alarm.metric.query,
      period: alarm.metric.period,
      bad: alarm.metric.bad,
      missing: 'gap',
      ...(alarm.metric.threshold !== undefined ? { threshold: alarm.metric.threshold } : {}),
      ...(health.metricsFromAlarms ? {} : { chartOnly: true as const }),
    });
  }
  return out;
}

/** The watched metrics that are judged (the others are only drawn). */
export function judgedOnly(metrics: readonly WatchedMetric[]): WatchedMetric[] {
  return metrics.filter((m) => m.chartOnly !== true);
}

/**
 * The baseline window: `before` is as long as the bake and ends where the deploy began (the
 * update itself is neither side); `previous-day`/`previous-week` are the bake's own hours a day or
 * a week earlier, for traffic that follows the clock.
 */
export function baselineWindow(
  compareWith: CompareWith,
  times: { deployStartedAt: number; bakeStartedAt: number; bakeMs: number },
): TimeWindow {
  const { deployStartedAt, bakeStartedAt, bakeMs } = times;
  if (compareWith === 'before') return { start: deployStartedAt - bakeMs, end: deployStartedAt };
  const back = compareWith === 'previous-day' ? DAY_MS : 7 * DAY_MS;
  return { start: bakeStartedAt - back, end: bakeStartedAt - back + bakeMs };
}

/**
 * The part of a window made of whole periods of the longest period read: a period cut by either
 * edge would average a partial minute against whole ones (and for `missing: zero` count a
 * half-seen period as silent).
 */
export function wholePeriods(window: TimeWindow, periodSeconds: number): TimeWindow {
  const ms = periodSeconds * 1000;
  const start = Math.ceil(window.start / ms) * ms;
  return { start, end: Math.max(start, Math.floor(window.end / ms) * ms) };
}

export function metricReads(metrics: readonly WatchedMetric[]): MetricRead[] {
  return metrics.map((m) => ({ key: m.key, query: m.query, period: m.period }));
}

/** A metric's values in a window: each whole period's datapoint, silent periods as 0 for `missing: zero`. */
export function samplesOf(metric: WatchedMetric, points: readonly Datapoint[], window: TimeWindow): number[] {
  const whole = wholePeriods(window, metric.period);
  return metric.missing === 'zero'
    ? fillGapsWithZeros(points, { ...whole, periodMs: metric.period * 1000 })
    : valuesInWindow(points, whole);
}

/** One metric's verdict with the series it rests on (capped, for charts and the record). */
export interface JudgedMetric {
  readonly key: string;
  readonly name: string;
  readonly alarm?: string;
  readonly verdict: MetricVerdict;
  readonly baseline: SeriesWindow;
  readonly bake: SeriesWindow;
}

/** A window and its datapoints as [epoch ms, value] pairs, oldest first, at most MAX_SERIES_POINTS (the newest). */
export interface SeriesWindow extends TimeWindow {
  readonly points: readonly (readonly [number, number])[];
}

export function seriesOf(points: readonly Datapoint[], window: TimeWindow): SeriesWindow {
  const inside = points.filter((p) => p.at >= window.start && p.at < window.end).slice(-MAX_SERIES_POINTS);
  return { start: window.start, end: window.end, points: inside.map((p) => [p.at, p.value] as const) };
}

/** Judges every watched metric that is judged (not `chartOnly`): the bake's samples against the baseline's. */
export function judgeMetrics(
  watched: readonly WatchedMetric[],
  baseline: { readonly window: TimeWindow; readonly points: ReadonlyMap<string, readonly Datapoint[]> },
  bake: { readonly window: TimeWindow; readonly points: ReadonlyMap<string, readonly Datapoint[]> },
): JudgedMetric[] {
  return judgedOnly(watched).map((m) => {
    const before = baseline.points.get(m.key) ?? [];
    const after = bake.points.get(m.key) ?? [];
    const verdict = judgeMetric(samplesOf(m, before, baseline.window), samplesOf(m, after, bake.window), {
      bad: m.bad,
      label: m.name,
      ...(m.tolerance !== undefined ? { tolerance: m.tolerance } : {}),
    });
    return {
      key: m.key,
      name: m.name,
      ...(m.alarm !== undefined ? { alarm: m.alarm } : {}),
      verdict,
      baseline: seriesOf(before, baseline.window),
      bake: seriesOf(after, bake.window),
    };
  });
}
