/**
 * What one metric chart draws, built from the run's facts and nothing else: the series as columns
 * on one time axis (uPlot's shape: x in seconds, a value or null per series), the marked windows
 * and moments (baseline, deploy start, bake, rollback and its verification), the alarm's threshold,
 * and the sentence a screen reader gets instead of the picture. Pure (no DOM), so unit-tested.
 */
import type { MetricChartView, RollbackView, SeriesView } from '../../shared/protocol';

/** The moments around the metric, from the run's header and health view (epoch ms). */
export interface ChartContext {
  /** When the deploy began (the run's start). */
  readonly deployStartedAt?: number | undefined;
  readonly bakeStartedAt?: number | undefined;
  readonly bakeEndsAt?: number | undefined;
  readonly rollback?: RollbackView | undefined;
  /** Now, for a rollback still under way. */
  readonly now: number;
}

export type BandKind = 'baseline' | 'bake' | 'rollback';
export type LineKind = 'deploy' | 'rollback';

export interface ChartBand {
  readonly kind: BandKind;
  /** Seconds on the chart's axis. */
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

export interface ChartLine {
  readonly kind: LineKind;
  readonly at: number;
  readonly label: string;
}

export interface ChartData {
  /** Seconds, ascending, unique. */
  readonly xs: number[];
  /** The baseline's value at each x (null where it has none). */
  readonly baseline: (number | null)[];
  /** The bake's value at each x. */
  readonly bake: (number | null)[];
  readonly bands: readonly ChartBand[];
  readonly lines: readonly ChartLine[];
  readonly threshold?: number;
  /** The axis' extent in seconds: every window and marker fits. */
  readonly xRange: readonly [number, number];
  /** The baseline drawn over the bake's own hours (compareWith previous-day/-week): how far it was moved. */
  readonly overlay?: 'a day' | 'a week';
  /** One paragraph for screen readers: the verdict, the medians before and during the bake, the threshold. */
  readonly summary: string;
}

const DAY_MS = 24 * 60 * 60_000;
const WEEK_MS = 7 * DAY_MS;

/** How far the baseline is moved to sit over the bake: 0 when it is the window just before the deploy. */
export function baselineShift(baseline: SeriesView | undefined, bake: SeriesView): { ms: number; overlay?: 'a day' | 'a week' } {
  if (!baseline) return { ms: 0 };
  const gap = bake.start - baseline.start;
  if (Math.abs(gap - DAY_MS) < 1000) return { ms: gap, overlay: 'a day' };
  if (Math.abs(gap - WEEK_MS) < 1000) return { ms: gap, overlay: 'a week' };
  return { ms: 0 };
}

export function buildChart(chart: MetricChartView, context: ChartContext): ChartData {
  const shift = baselineShift(chart.baseline, chart.bake);
  const base = (chart.baseline?.points ?? []).map(([at, v]) => [at + shift.ms, v] as const);
  const { xs, columns } = align([base, chart.bake.points]);
  const s = (ms: number) => ms / 1000;

  const bands: ChartBand[] = [];
  const lines: ChartLine[] = [];
  if (chart.baseline) {
    bands.push({
      kind: 'baseline',
      from: s(chart.baseline.start + shift.ms),
      to: s(chart.baseline.end + shift.ms),
      label: shift.overlay ? `baseline (${shift.overlay} earlier)` : 'baseline',
    });
  }
  const bakeStart = context.bakeStartedAt ?? chart.bake.start;
  const bakeEnd = context.bakeEndsAt ?? chart.bake.end;
  bands.push({ kind: 'bake', from: s(bakeStart), to: s(Math.max(bakeStart, bakeEnd)), label: 'bake' });
  if (context.deployStartedAt !== undefined) lines.push({ kind: 'deploy', at: s(context.deployStartedAt), label: 'deploy started' });
  const r = context.rollback;
  if (r && r.phase !== 'skipped') {
    const from = r.startedAt ?? r.at;
    const to = r.phase === 'started' ? context.now : r.at;
    if (from !== undefined && to !== undefined && to > from) {
      bands.push({ kind: 'rollback', from: s(from), to: s(to), label: 'rollback and verification' });
    } else if (from !== undefined) {
      lines.push({ kind: 'rollback', at: s(from), label: 'rollback' });
    }
  }

  const moments = [...xs, ...bands.flatMap((b) => [b.from, b.to]), ...lines.map((l) => l.at)];
  const lo = Math.min(...moments);
  const hi = Math.max(...moments);
  const xRange: [number, number] = Number.isFinite(lo) && Number.isFinite(hi) && hi > lo ? [lo, hi] : [lo || 0, (lo || 0) + 60];

  return {
    xs,
    baseline: columns[0]!,
    bake: columns[1]!,
    bands,
    lines,
    ...(chart.threshold !== undefined ? { threshold: chart.threshold } : {}),
    xRange,
    ...(shift.overlay ? { overlay: shift.overlay } : {}),
    summary: summarize(chart),
  };
}

/**
 * Series of [ms, value] pairs → one ascending x column (seconds) and one value column per series,
 * null where a series has no point at that x. Each input is sorted already (oldest first).
 */
export function align(series: readonly (readonly (readonly [number, number])[])[]): { xs: number[]; columns: (number | null)[][] } {
  const xs = [...new Set(series.flatMap((points) => points.map(([at]) => at)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = series.map((points) => {
    const column = new Array<number | null>(xs.length).fill(null);
    for (const [at, value] of points) column[index.get(at)!] = Number.isFinite(value) ? value : null;
    return column;
  });
  return { xs: xs.map((ms) => ms / 1000), columns };
}

/** The median of the finite values; undefined for none. */
export function median(values: readonly number[]): number | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A value in the metric's units, three significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '?';
  const text = String(Number(Math.abs(value).toPrecision(3)));
  return value < 0 ? `\u2212${text}` : text;
}

const VERDICT_WORDS: Record<NonNullable<MetricChartView['verdict']>['kind'], string> = {
  pass: 'passed',
  regressed: 'regressed',
  improved: 'improved',
  unknown: 'unknown (too little data)',
};

/**
 * What the chart shows, in words: "Latency Average: regressed. Latency Average rose 38 % (98 % CI
 * +22 % … +51 %), allowed +10 %. Median 120 in the baseline (20 points), 166 during the bake (20
 * points). Alarm threshold 150."
 */
export function summarize(chart: MetricChartView): string {
  const parts: string[] = [];
  const v = chart.verdict;
  if (v) parts.push(`${chart.name}: ${VERDICT_WORDS[v.kind]}.`, endSentence(v.reason));
  else if (!chart.judged) parts.push(`${chart.name}: drawn for alarm ${chart.alarm ?? ''}; the alarm alone decides.`);
  else parts.push(`${chart.name}: not judged yet; the verdict comes at the end of the bake.`);
  const baselinePoints = chart.baseline?.points ?? [];
  const before = v?.baselineMedian ?? median(baselinePoints.map(([, value]) => value));
  const after = v?.bakeMedian ?? median(chart.bake.points.map(([, value]) => value));
  const side = (m: number | undefined, n: number, where: string) =>
    m === undefined ? `no points ${where}` : `${formatNumber(m)} ${where} (${n} point${n === 1 ? '' : 's'})`;
  parts.push(
    `Median ${side(before, baselinePoints.length, 'in the baseline')}, ${side(after, chart.bake.points.length, 'during the bake')}.`,
  );
  if (chart.threshold !== undefined) parts.push(`Alarm threshold ${formatNumber(chart.threshold)}.`);
  return parts.join(' ');
}

function endSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
