/**
 * The Health tab's charts as the run model keeps them: one per watched metric, by name, built from
 * the health watch's `metric-points` (live, a poll's new points at a time) and `metric-verdict`
 * (the judged series, which replace what was read live), or from a record's health section.
 * No `vscode` import; pure apart from the map it keeps.
 */
import type { MetricPointsSeries, MetricVerdictEvent } from '../../core/health/events';
import type { HealthSection } from '../../core/health/recordedHealth';
import { METRIC_CHART_POINTS, type MetricChartView, type SeriesView } from '../../shared/protocol';

/** The bake window as the panel knows it (from `watch-started`); either end may still be unknown. */
export interface BakeWindow {
  readonly start?: number | undefined;
  readonly end?: number | undefined;
}

export class MetricCharts {
  private readonly charts = new Map<string, MetricChartView>();
  private readonly changed = new Set<string>();

  get size(): number {
    return this.charts.size;
  }

  list(): MetricChartView[] {
    return [...this.charts.values()];
  }

  /** The charts changed since the last call, each whole; empty when none did. */
  takeChanged(): MetricChartView[] {
    const out = [...this.changed].flatMap((name) => this.charts.get(name) ?? []);
    this.changed.clear();
    return out;
  }

  clearChanged(): void {
    this.changed.clear();
  }

  /** A poll's new points: merged into each chart, the newest period replaced if it was read again. */
  points(series: readonly MetricPointsSeries[], bake: BakeWindow): void {
    for (const s of series) this.set(mergePoints(this.charts.get(s.metric), s, bake));
  }

  /** A judged metric: its verdict and the series it rests on. */
  verdict(event: MetricVerdictEvent): void {
    const before = this.charts.get(event.metric);
    const threshold = event.threshold ?? before?.threshold;
    this.set({
      name: event.metric,
      ...(event.alarm !== undefined ? { alarm: event.alarm } : {}),
      bad: event.bad,
      ...(threshold !== undefined ? { threshold } : {}),
      judged: true,
      verdict: {
        kind: event.verdict,
        reason: event.reason,
        relativeChange: event.relativeChange,
        ...(typeof event.baselineMedian === 'number' ? { baselineMedian: event.baselineMedian } : {}),
        ...(typeof event.bakeMedian === 'number' ? { bakeMedian: event.bakeMedian } : {}),
      },
      baseline: event.baseline,
      bake: event.bake,
    });
  }

  /** Every chart a record's health section keeps: judged metrics, then the alarms' metrics only drawn. */
  fromRecord(health: HealthSection): void {
    for (const m of health.metrics ?? []) {
      this.set({
        name: m.name,
        ...(m.alarm !== undefined ? { alarm: m.alarm } : {}),
        bad: m.bad,
        ...(m.threshold !== undefined ? { threshold: m.threshold } : {}),
        judged: true,
        verdict: {
          kind: m.verdict,
          reason: m.reason,
          relativeChange: m.relativeChange,
          ...(m.baselineMedian !== undefined ? { baselineMedian: m.baselineMedian } : {}),
          ...(m.bakeMedian !== undefined ? { bakeMedian: m.bakeMedian } : {}),
        },
        baseline: m.baseline,
        bake: m.bake,
      });
    }
    for (const c of health.charts ?? []) {
      this.set({
        name: c.name,
        alarm: c.alarm,
        bad: c.bad,
        ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
        judged: false,
        baseline: c.baseline,
        bake: c.bake,
      });
    }
  }

  private set(chart: MetricChartView): void {
    this.charts.set(chart.name, chart);
    this.changed.add(chart.name);
  }
}

/**
 * One chart after a poll's read: points before the first new one are kept, the rest replaced
 * (CloudWatch may revise the newest period), at most METRIC_CHART_POINTS (the newest). The bake
 * window is the watch's when known, else as far as the points reach.
 */
export function mergePoints(chart: MetricChartView | undefined, series: MetricPointsSeries, bake: BakeWindow): MetricChartView {
  const first = series.points[0]?.[0];
  const kept = first === undefined ? (chart?.bake.points ?? []) : (chart?.bake.points ?? []).filter(([at]) => at < first);
  const points = [...kept, ...series.points].slice(-METRIC_CHART_POINTS);
  const start = bake.start ?? chart?.bake.start ?? points[0]?.[0] ?? 0;
  const end = bake.end ?? chart?.bake.end ?? Math.max(start, (points.at(-1)?.[0] ?? start) + 1);
  const baseline: SeriesView | undefined = series.baseline ?? chart?.baseline;
  const threshold = series.threshold ?? chart?.threshold;
  return {
    name: series.metric,
    ...(series.alarm !== undefined ? { alarm: series.alarm } : {}),
    bad: series.bad,
    ...(threshold !== undefined ? { threshold } : {}),
    judged: series.judged,
    ...(chart?.verdict ? { verdict: chart.verdict } : {}),
    ...(baseline ? { baseline } : {}),
    bake: { start, end, points },
  };
}
