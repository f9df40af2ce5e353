/**
 * The before/after verdict on one metric: the samples after the deploy (candidate) against a
 * baseline window, judged the way Kayenta's judge does — a rank test, a tolerance band around "no
 * change" that the whole confidence interval must clear, and an effect-size gate — with outliers
 * fenced and a minimum number of samples each side. Pure: numbers in, a verdict out.
 *
 * The rule, for `bad: 'increase'` (mirror everything for `'decrease'`):
 * - fewer than `minSamples` values on either side (after dropping non-finite values and fencing
 *   outliers) → unknown: not knowing is never a pass.
 * - regressed needs all three:
 *   1. the Mann–Whitney test rejects "no difference" at `confidence` (two-sided p < 1 − confidence);
 *   2. the whole Hodges–Lehmann interval lies above +tolerance, relative to the baseline's median;
 *   3. the candidate's mean exceeds the baseline's mean by more than the tolerance.
 * - improved is the same in the good direction; anything else passes.
 * Why the baseline's median is the scale: the Hodges–Lehmann shift is a robust location shift, and
 * the median is the robust location it shifts; the mean gate then keeps a shift in the body of the
 * distribution that barely moves the average (what people pay for) from counting.
 *
 * Often-zero metrics (a baseline median of 0, e.g. error counts): a relative shift of a zero
 * median means nothing and the Hodges–Lehmann estimate is pinned at 0 by ties, so the effect is
 * measured as the common-language effect size instead (CLES: the share of (baseline, candidate)
 * pairs where the candidate is larger, ties counting ½, 0.5 = no change, as Kayenta offers for such
 * metrics): regressed needs the test, CLES ≥ 0.5 + tolerance, and the mean gate when the baseline's
 * mean is not 0 (a baseline of only zeros has no relative mean change: any sustained rise counts).
 */
import { compareSorted } from './mannWhitney';
import { DEFAULT_OUTLIER_FACTOR, fenceSorted, quantileOfSorted } from './outliers';
import { sortedFinite } from './sortFinite';

/**
 * The change allowed before it counts, as a fraction of the baseline (0.05 = 5 %). At 98 %
 * confidence, 5 % calls fewer false regressions than Kayenta's default judge on the same series
 * and detects at least as many real ones; 10 % is stricter still and misses more of a +30 % shift
 * on noisy metrics (`npm run bench -- verdict` prints both).
 */
export const DEFAULT_TOLERANCE = 0.05;
export const DEFAULT_CONFIDENCE = 0.98;
export const DEFAULT_MIN_SAMPLES = 10;

export type Direction = 'increase' | 'decrease';

export interface JudgeOptions {
  /** Which way is a regression: latency and errors `increase`, throughput `decrease`. */
  readonly bad: Direction;
  /** Fraction of the baseline a change may move before it counts (default 0.05). */
  readonly tolerance?: number;
  /** Confidence of the test and of the interval (default 0.98). */
  readonly confidence?: number;
  /** Values needed on each side (default 10). */
  readonly minSamples?: number;
  /** IQR fence factor (default 3.0); Infinity keeps every value. */
  readonly outlierFactor?: number;
  /** The metric's name in the reason, e.g. "Latency Average" (default "The metric"). */
  readonly label?: string;
}

export type MetricVerdictKind = 'pass' | 'regressed' | 'improved' | 'unknown';

export interface MetricVerdict {
  readonly kind: MetricVerdictKind;
  /** One sentence for a person: what changed, by how much, with its interval, against what was allowed. */
  readonly reason: string;
  /** Values judged on each side, after dropping non-finite values and fencing outliers. */
  readonly baselineN: number;
  readonly candidateN: number;
  /** Values the outlier fence set aside on each side. */
  readonly outliers: { readonly baseline: number; readonly candidate: number };
  /**
   * How the change is measured: `shift` = Hodges–Lehmann shift relative to the baseline's median;
   * `often-zero` = the baseline's median is 0, relativeChange is the relative mean change (null when
   * the baseline's mean is 0 too) and `interval` is the shift's interval in the metric's own units.
   */
  readonly scale: 'shift' | 'often-zero';
  /** The change as a fraction (0.38 = +38 %); null when there is nothing to relate it to. */
  readonly relativeChange: number | null;
  /** The interval of the change at `confidence`: relative for `shift`, in metric units for `often-zero`. */
  readonly interval: readonly [number, number];
  /** The confidence asked for the test and the interval (0.98). */
  readonly confidence: number;
  /** The interval's actual coverage, at least `confidence` when the samples allow (rank intervals come in discrete steps). */
  readonly coverage: number;
  /** (candidate mean − baseline mean) / |baseline mean|; null when the baseline's mean is 0. */
  readonly meanChange: number | null;
  /** Two-sided Mann–Whitney p-value. */
  readonly pValue: number;
  /** P(candidate > baseline) + ½ P(tie) over all pairs. */
  readonly cles: number;
  readonly baselineMedian: number;
  readonly candidateMedian: number;
  readonly baselineMean: number;
  readonly candidateMean: number;
  /** The tolerance that was applied. */
  readonly tolerance: number;
  readonly bad: Direction;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return values.length === 0 ? NaN : sum / values.length;
}

/** The finite values, sorted once (fence, median and ranks all read the sorted copy), inside the fence. */
function fence(values: readonly number[], factor: number): { kept: Float64Array; removed: number } {
  return fenceSorted(sortedFinite(values), factor);
}

/** Judges the candidate samples (after the deploy) against the baseline samples. */
export function judgeMetric(baseline: readonly number[], candidate: readonly number[], options: JudgeOptions): MetricVerdict {
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const minSamples = Math.max(1, options.minSamples ?? DEFAULT_MIN_SAMPLES);
  const label = options.label ?? 'The metric';
  const base = fence(baseline, options.outlierFactor ?? DEFAULT_OUTLIER_FACTOR);
  const cand = fence(candidate, options.outlierFactor ?? DEFAULT_OUTLIER_FACTOR);
  const common = {
    baselineN: base.kept.length,
    candidateN: cand.kept.length,
    outliers: { baseline: base.removed, candidate: cand.removed },
    tolerance,
    bad: options.bad,
  };

  if (base.kept.length < minSamples || cand.kept.length < minSamples) {
    const verdict: MetricVerdict = {
      ...common,
      kind: 'unknown',
      reason: '',
      scale: 'shift',
      relativeChange: null,
      interval: [NaN, NaN],
      confidence,
      coverage: NaN,
      meanChange: null,
      pValue: NaN,
      cles: NaN,
      baselineMedian: quantileOfSorted(base.kept, 0.5),
      candidateMedian: quantileOfSorted(cand.kept, 0.5),
      baselineMean: mean(base.kept),
      candidateMean: mean(cand.kept),
    };
    return { ...verdict, reason: describeVerdict(label, verdict, minSamples) };
  }

  const baselineMedian = quantileOfSorted(base.kept, 0.5);
  const candidateMedian = quantileOfSorted(cand.kept, 0.5);
  const baselineMean = mean(base.kept);
  const candidateMean = mean(cand.kept);
  const meanChange = baselineMean !== 0 ? (candidateMean - baselineMean) / Math.abs(baselineMean) : null;
  const rank = compareSorted(base.kept, cand.kept, confidence);
  const cles = rank.u / (base.kept.length * cand.kept.length);
  const significant = rank.pValue < 1 - confidence;
  const sign = options.bad === 'increase' ? 1 : -1;
  // The mean moved beyond the tolerance towards `towards` (+1 up, −1 down). A baseline mean of 0
  // has no relative change: this gate then stands aside and the others decide.
  const meanBeyond = (towards: number): boolean => meanChange === null || towards * meanChange > tolerance;

  // What both scales report alike; each adds its own change, interval and decision.
  const measured = {
    confidence,
    coverage: rank.shift.confidence,
    meanChange,
    pValue: rank.pValue,
    cles,
    baselineMedian,
    candidateMedian,
    baselineMean,
    candidateMean,
  };
  let verdict: MetricVerdict;
  if (baselineMedian !== 0) {
    const scale = Math.abs(baselineMedian);
    const lower = rank.shift.lower / scale;
    const upper = rank.shift.upper / scale;
    const intervalBeyond = (towards: number): boolean => (towards > 0 ? lower > tolerance : upper < -tolerance);
    const beyond = (towards: number): boolean => significant && intervalBeyond(towards) && meanChange !== null && meanBeyond(towards);
    verdict = {
      ...common,
      kind: beyond(sign) ? 'regressed' : beyond(-sign) ? 'improved' : 'pass',
      reason: '',
      scale: 'shift',
      relativeChange: rank.shift.estimate / scale,
      interval: [lower, upper],
      ...measured,
    };
  } else {
    // CLES seen from the direction `towards`: the share of pairs moved that way.
    const clesBeyond = (towards: number): boolean => (towards > 0 ? cles : 1 - cles) >= 0.5 + tolerance;
    const beyond = (towards: number): boolean => significant && clesBeyond(towards) && meanBeyond(towards);
    verdict = {
      ...common,
      kind: beyond(sign) ? 'regressed' : beyond(-sign) ? 'improved' : 'pass',
      reason: '',
      scale: 'often-zero',
      relativeChange: meanChange,
      interval: [rank.shift.lower, rank.shift.upper],
      ...measured,
    };
  }
  return { ...verdict, reason: describeVerdict(label, verdict, minSamples) };
}

const MINUS = '\u2212';

/** A signed whole percentage, e.g. "+38 %", "−5 %", "0 %". */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return fraction > 0 ? '+∞' : fraction < 0 ? `${MINUS}∞` : '?';
  const whole = Math.round(fraction * 100);
  if (whole === 0) return '0 %';
  return `${whole > 0 ? '+' : MINUS}${Math.abs(whole)} %`;
}

/** A value in metric units, three significant digits, signed when asked. */
export function formatValue(value: number, signed = false): string {
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : value < 0 ? `${MINUS}∞` : '?';
  const text = String(Number(Math.abs(value).toPrecision(3)));
  if (value < 0) return `${MINUS}${text}`;
  return signed && value > 0 ? `+${text}` : text;
}

function shortfall(verdict: MetricVerdict, minSamples: number): string {
  const parts: string[] = [];
  const side = (n: number, removed: number, where: string): string =>
    `${n} sample${n === 1 ? '' : 's'} ${where}${removed > 0 ? ` (${removed} outlier${removed === 1 ? '' : 's'} set aside)` : ''}`;
  if (verdict.candidateN < minSamples) parts.push(side(verdict.candidateN, verdict.outliers.candidate, 'after the deploy'));
  if (verdict.baselineN < minSamples) parts.push(side(verdict.baselineN, verdict.outliers.baseline, 'in the baseline'));
  return `too little data: ${parts.join(' and ')}, ${minSamples} needed on each side`;
}

/**
 * The verdict as one sentence naming the metric, e.g.
 * "Latency Average rose 38 % (98 % CI +22 % … +51 %), allowed +10 %".
 */
export function describeVerdict(label: string, verdict: MetricVerdict, minSamples = DEFAULT_MIN_SAMPLES): string {
  if (verdict.kind === 'unknown') return `${label}: ${shortfall(verdict, minSamples)}`;
  const sign = verdict.bad === 'increase' ? 1 : -1;
  const allowed = `allowed ${formatPercent(sign * verdict.tolerance)}`;
  const level = `${Math.round(verdict.confidence * 100)} % CI`;
  const [lower, upper] = verdict.interval;
  const change = verdict.relativeChange;
  const moved = (c: number): string =>
    c > 0 ? `rose ${formatPercent(c).slice(1)}` : c < 0 ? `fell ${formatPercent(c).slice(1)}` : 'did not move';
  if (verdict.scale === 'shift') {
    const headline = change === null || Math.round(change * 100) === 0 ? 'did not move' : moved(change);
    const interval = `(${level} ${formatPercent(lower)} … ${formatPercent(upper)})`;
    const tail = verdict.kind === 'improved' ? 'an improvement' : allowed;
    return `${label} ${headline} ${interval}, ${tail}`;
  }
  // Often zero: the means' move and how often the candidate was above the baseline.
  const above = `above the baseline in ${Math.round(verdict.cles * 100)} % of pairs`;
  const tail = verdict.kind === 'improved' ? 'an improvement' : allowed;
  if (change === null) {
    const from = `${verdict.candidateMean > 0 ? 'rose' : verdict.candidateMean < 0 ? 'fell' : 'stayed'} from 0`;
    return `${label} ${from} to a mean of ${formatValue(verdict.candidateMean)} (${above}), ${tail}`;
  }
  const headline = Math.round(change * 100) === 0 ? 'did not move' : moved(change);
  return `${label} ${headline} (mean ${formatValue(verdict.baselineMean)} → ${formatValue(verdict.candidateMean)}; ${above}), ${tail}`;
}
