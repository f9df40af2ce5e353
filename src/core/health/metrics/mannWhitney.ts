/**
 * The Mann–Whitney U test (Wilcoxon rank-sum) and the Hodges–Lehmann shift estimate with its
 * distribution-free confidence interval: the rank statistics a metric verdict rests on, because
 * CloudWatch series are rarely normal (skewed latency, counts with many ties, spikes).
 *
 * Conventions, fixed here and used everywhere in the verdict:
 * - The shift is candidate − baseline: positive means the metric went up after the deploy.
 * - U counts the (baseline, candidate) pairs where the candidate value is larger, a tie counting ½;
 *   U = m·n/2 is "no difference".
 * - Small samples without ties (m + n ≤ EXACT_LIMIT) use the exact null distribution of U; larger
 *   samples or any tie use the normal approximation with the tie-corrected variance and a
 *   continuity correction, which is within a few thousandths of the exact p from about 20 per side.
 * - The interval is [D(k), D(mn+1−k)] over the sorted pairwise differences D (1-based), with the
 *   largest k whose two tails together stay within 1 − confidence (Hodges & Lehmann; Moses).
 */
import { normalQuantile, normalUpperTail } from './normal';

/** Up to this many values in total and no ties, p and the interval come from the exact distribution. */
export const EXACT_LIMIT = 50;

export interface MannWhitneyResult {
  /** Pairs with the candidate value above the baseline value (a tie counts ½). */
  readonly u: number;
  /** The standardised U (continuity-corrected); 0 when every value is tied. */
  readonly z: number;
  /** Two-sided p-value for "both samples come from the same distribution". */
  readonly pValue: number;
  readonly method: 'exact' | 'normal';
}

export interface ShiftEstimate {
  /** The Hodges–Lehmann estimate: the median of every candidate − baseline difference. */
  readonly estimate: number;
  /** The interval's bounds; ±Infinity when the samples are too small for the confidence asked. */
  readonly lower: number;
  readonly upper: number;
  /** The coverage the interval actually has (rank intervals take discrete steps). */
  readonly confidence: number;
}

export interface RankComparison extends MannWhitneyResult {
  readonly shift: ShiftEstimate;
}

/** A sorted copy (typed arrays sort numerically, and fast). */
export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

interface RankSums {
  readonly u: number;
  /** Σ (t³ − t) over groups of t tied values, for the variance correction. */
  readonly tieSum: number;
}

function rankSums(base: Float64Array, cand: Float64Array): RankSums {
  const m = base.length;
  const n = cand.length;
  let i = 0;
  let j = 0;
  let rank = 0; // ranks used so far
  let candRankSum = 0;
  let tieSum = 0;
  while (i < m || j < n) {
    const bi = i < m ? (base[i] as number) : Infinity;
    const cj = j < n ? (cand[j] as number) : Infinity;
    const value = Math.min(bi, cj);
    let fromBase = 0;
    let fromCand = 0;
    while (i < m && base[i] === value) {
      i++;
      fromBase++;
    }
    while (j < n && cand[j] === value) {
      j++;
      fromCand++;
    }
    const t = fromBase + fromCand;
    const averageRank = rank + (t + 1) / 2;
    candRankSum += fromCand * averageRank;
    tieSum += t * t * t - t;
    rank += t;
  }
  return { u: candRankSum - (n * (n + 1)) / 2, tieSum };
}

/**
 * The number of arrangements giving each U for sample sizes m and n, as the coefficients of the
 * Gaussian binomial [m+n choose m]_q, built one factor (1 − q^(n+i)) / (1 − q^i) at a time so every
 * intermediate is itself an exact integer polynomial (at most C(50, 25) ≈ 1.3e14 < 2^53). Returned
 * as the cumulative share P(U ≤ u), kept per (m, n): a stack's metrics share their sample sizes.
 */
const exactTails = new Map<string, Float64Array>();

function exactLowerTails(m: number, n: number): Float64Array {
  const key = `${m}x${n}`;
  const known = exactTails.get(key);
  if (known) return known;
  const counts = new Float64Array(m * n + m + n + 2);
  counts[0] = 1;
  for (let i = 1; i <= m; i++) {
    const up = n + i;
    for (let k = counts.length - 1; k >= up; k--) counts[k] = (counts[k] as number) - (counts[k - up] as number);
    for (let k = i; k < counts.length; k++) counts[k] = (counts[k] as number) + (counts[k - i] as number);
  }
  const tails = new Float64Array(m * n + 1);
  let total = 0;
  for (let u = 0; u <= m * n; u++) total += counts[u] as number;
  let cumulative = 0;
  for (let u = 0; u <= m * n; u++) {
    cumulative += counts[u] as number;
    tails[u] = cumulative / total;
  }
  exactTails.set(key, tails);
  return tails;
}

function useExact(m: number, n: number, tieSum: number): boolean {
  return tieSum === 0 && m + n <= EXACT_LIMIT;
}

function nullSd(m: number, n: number, tieSum: number): number {
  const total = m + n;
  return Math.sqrt(((m * n) / 12) * (total + 1 - tieSum / (total * (total - 1))));
}

function testFromSorted(base: Float64Array, cand: Float64Array, sums: RankSums): MannWhitneyResult {
  const m = base.length;
  const n = cand.length;
  const mean = (m * n) / 2;
  const sd = nullSd(m, n, sums.tieSum);
  const offset = sums.u - mean;
  const corrected = Math.abs(offset) <= 0.5 ? 0 : offset - 0.5 * Math.sign(offset);
  const z = sd > 0 ? corrected / sd : 0;
  if (useExact(m, n, sums.tieSum)) {
    // The null distribution is symmetric about mn/2: the smaller tail, doubled. Without ties U is whole.
    const smaller = Math.min(sums.u, m * n - sums.u);
    return { u: sums.u, z, pValue: Math.min(1, 2 * (exactLowerTails(m, n)[smaller] as number)), method: 'exact' };
  }
  const pValue = sd > 0 ? Math.min(1, 2 * normalUpperTail(Math.abs(z))) : 1;
  return { u: sums.u, z, pValue, method: 'normal' };
}

/** The two-sided Mann–Whitney U test of candidate against baseline. Both need at least one value. */
export function mannWhitneyU(baseline: readonly number[], candidate: readonly number[]): MannWhitneyResult {
  const base = sortedCopy(baseline);
  const cand = sortedCopy(candidate);
  return testFromSorted(base, cand, rankSums(base, cand));
}

/** A small fixed-seed xorshift: samples look random to the data, yet a verdict is reproducible. */
function sampleSource(): () => number {
  let state = 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** Up to this many differences in question, they are listed and the rank picked from the list. */
const LIST_LIMIT = 1024;
/** Random differences drawn to place the first two probes around the wanted rank. */
const SAMPLE_SIZE = 64;

/**
 * Rearranges values[from..to) so that values[k] is the value of rank k with nothing larger before
 * it and nothing smaller after it (Hoare's quickselect, median-of-three pivot): a rank without a
 * full sort.
 */
function selectRank(values: Float64Array, k: number, from = 0, to = values.length): number {
  let lo = from;
  let hi = to - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const a = values[lo] as number;
    const b = values[mid] as number;
    const c = values[hi] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k] as number;
}

/**
 * The number of differences ≤ v, row by row into `upTo`. Row i's count lies in [left[i], right[i]]
 * (the counts at the bracket's ends), and is non-decreasing in i (cand[j] − base[i] falls as base[i]
 * rises), so one pointer sweeps all rows: O(m + n), less as the bracket narrows.
 */
function countUpTo(base: Float64Array, cand: Float64Array, left: Int32Array, right: Int32Array, v: number, upTo: Int32Array): number {
  let total = 0;
  let j = 0;
  for (let i = 0; i < base.length; i++) {
    const b = base[i] as number;
    const to = right[i] as number;
    if (j < (left[i] as number)) j = left[i] as number;
    while (j < to && (cand[j] as number) - b <= v) j++;
    upTo[i] = j;
    total += j;
  }
  return total;
}

/**
 * The k-th smallest (0-based) of the m·n differences cand[j] − base[i], both arrays sorted, without
 * forming them (a day of minute points per side is 2 million). It keeps a bracket of values
 * (low, high] known to hold the answer, with each row's count of differences at both ends: two
 * probes from a small random sample of differences open it; then each probe, placed by
 * interpolating the count between the ends (Illinois false position, with a halving step when
 * that stalls), costs one O(m + n) count. Once the bracket holds few differences they are listed
 * and the rank picked. Exact, ties included.
 */
export function kthDifference(base: Float64Array, cand: Float64Array, k: number): number {
  const m = base.length;
  const n = cand.length;
  if (m === 0 || n === 0 || !Number.isInteger(k) || k < 0 || k >= m * n)
    throw new RangeError(`kthDifference: rank ${k} of ${m}×${n} differences`);
  const left = new Int32Array(m); // per row, differences ≤ low
  const right = new Int32Array(m).fill(n); // per row, differences ≤ high
  const probe = new Int32Array(m);
  let low = -Infinity;
  let high = (cand[n - 1] as number) - (base[0] as number);
  let atLow = 0;
  let atHigh = m * n;
  // Counts at v and moves the end of the bracket that v replaces.
  const narrow = (v: number): void => {
    const count = countUpTo(base, cand, left, right, v, probe);
    if (count <= k) {
      low = v;
      atLow = count;
      left.set(probe);
    } else {
      high = v;
      atHigh = count;
      right.set(probe);
    }
  };

  if (m * n > LIST_LIMIT) {
    const random = sampleSource();
    const sample = new Float64Array(SAMPLE_SIZE);
    for (let s = 0; s < SAMPLE_SIZE; s++)
      sample[s] = (cand[Math.floor(random() * n)] as number) - (base[Math.floor(random() * m)] as number);
    // The wanted rank's place in the sample, give or take two standard deviations of where it lands.
    const q = (k + 0.5) / (m * n);
    const spread = 2 * Math.sqrt(SAMPLE_SIZE * q * (1 - q)) + 1;
    const lowRank = Math.max(0, Math.floor(q * SAMPLE_SIZE - spread));
    const highRank = Math.min(SAMPLE_SIZE - 1, Math.ceil(q * SAMPLE_SIZE + spread));
    const first = selectRank(sample, lowRank);
    const second = selectRank(sample, highRank, lowRank);
    narrow(first);
    if (atHigh - atLow > LIST_LIMIT && second > low && second < high) narrow(second);
  }
  let lastMoved = 0; // the end the last probe moved: −1 low, +1 high
  let weightLow = 1;
  let weightHigh = 1;
  let before = atHigh - atLow;
  let slow = 0;
  let tieProbe = true;
  while (atHigh - atLow > LIST_LIMIT) {
    let v: number;
    if (low === -Infinity) {
      v = (cand[0] as number) - (base[m - 1] as number); // the smallest difference
      if (v >= high) return high;
    } else if (slow >= 2 && tieProbe) {
      // Interpolation stalls on ties (a count that jumps at one value): probe the smallest
      // difference still in the bracket. Either it is the answer, or the bracket loses every
      // difference equal to it. (Stalls alternate this with halving, for skewed continuous data.)
      tieProbe = false;
      v = Infinity;
      for (let i = 0; i < m; i++)
        if ((left[i] as number) < (right[i] as number)) v = Math.min(v, (cand[left[i] as number] as number) - (base[i] as number));
      narrow(v);
      if (high === v) return v;
      slow = 0;
      before = atHigh - atLow;
      continue;
    } else {
      // False position on count(v) − (k + ½), each end's residual halved while that end is stale.
      const fLow = (atLow - (k + 0.5)) * weightLow;
      const fHigh = (atHigh - (k + 0.5)) * weightHigh;
      v = slow >= 2 ? low + (high - low) / 2 : (low * fHigh - high * fLow) / (fHigh - fLow);
      if (slow >= 2) tieProbe = true;
      if (!(v > low && v < high)) v = low + (high - low) / 2;
      // No value strictly inside: every difference in the bracket equals `high`.
      if (!(v > low && v < high)) return high;
    }
    const wasLow = low;
    narrow(v);
    const moved = low !== wasLow ? -1 : 1;
    if (moved === lastMoved) {
      if (moved < 0) weightHigh /= 2;
      else weightLow /= 2;
    } else {
      weightLow = 1;
      weightHigh = 1;
    }
    lastMoved = moved;
    const width = atHigh - atLow;
    slow = width > before / 2 ? slow + 1 : 0;
    before = width;
  }
  const list = new Float64Array(atHigh - atLow);
  let at = 0;
  for (let i = 0; i < m; i++) {
    const b = base[i] as number;
    for (let j = left[i] as number; j < (right[i] as number); j++) list[at++] = (cand[j] as number) - b;
  }
  return selectRank(list, k - atLow);
}

/** Every difference cand[j] − base[i], sorted. */
function allDifferences(base: Float64Array, cand: Float64Array): Float64Array {
  const list = new Float64Array(base.length * cand.length);
  let at = 0;
  for (const b of base) for (const c of cand) list[at++] = c - b;
  return list.sort();
}

/**
 * The median of the m·n differences: the k-th, or for an even count the mean of the two middle
 * ones, the second found from the first with one more count rather than a second search.
 */
function medianDifference(base: Float64Array, cand: Float64Array): number {
  const m = base.length;
  const n = cand.length;
  const mn = m * n;
  const k = Math.floor((mn - 1) / 2);
  const first = kthDifference(base, cand, k);
  if (mn % 2 === 1) return first;
  const upTo = new Int32Array(m);
  if (countUpTo(base, cand, new Int32Array(m), new Int32Array(m).fill(n), first, upTo) > k + 1) return first;
  let next = Infinity;
  for (let i = 0; i < m; i++) {
    const j = upTo[i] as number;
    if (j < n) next = Math.min(next, (cand[j] as number) - (base[i] as number));
  }
  return (first + next) / 2;
}

/**
 * The largest 1-based k with P(U ≤ k − 1) ≤ (1 − confidence) / 2, or 0 when even the widest
 * interval (the smallest to the largest difference) falls short of the confidence.
 */
function intervalRank(m: number, n: number, tieSum: number, confidence: number): { k: number; achieved: number } {
  const tail = (1 - confidence) / 2;
  if (useExact(m, n, tieSum)) {
    const tails = exactLowerTails(m, n);
    let k = 0;
    while (k < tails.length && (tails[k] as number) <= tail) k++;
    // P(U ≤ k − 1) ≤ tail < P(U ≤ k).
    return { k, achieved: 1 - 2 * (k > 0 ? (tails[k - 1] as number) : 0) };
  }
  const sd = nullSd(m, n, tieSum);
  // Every value tied: every difference is 0, and so is every interval.
  if (sd === 0) return { k: 1, achieved: 1 };
  const k = Math.floor((m * n) / 2 + 0.5 - normalQuantile(1 - tail) * sd);
  if (k < 1) return { k: 0, achieved: 0 };
  const achieved = 1 - 2 * normalUpperTail(((m * n) / 2 - (k - 0.5)) / sd);
  return { k, achieved };
}

function shiftFromSorted(base: Float64Array, cand: Float64Array, tieSum: number, confidence: number): ShiftEstimate {
  const m = base.length;
  const n = cand.length;
  const mn = m * n;
  const { k, achieved } = intervalRank(m, n, tieSum, confidence);
  // Few enough differences to sort outright (20 per side is 400): one list serves all three ranks.
  const listed = mn <= LIST_LIMIT ? allDifferences(base, cand) : undefined;
  const at = (rank: number): number => (listed ? (listed[rank] as number) : kthDifference(base, cand, rank));
  const middle = listed ? (mn % 2 === 1 ? at((mn - 1) / 2) : (at(mn / 2 - 1) + at(mn / 2)) / 2) : medianDifference(base, cand);
  if (k < 1) return { estimate: middle, lower: -Infinity, upper: Infinity, confidence: 1 };
  return { estimate: middle, lower: at(k - 1), upper: at(mn - k), confidence: achieved };
}

/** The Hodges–Lehmann shift (candidate − baseline) and its distribution-free interval at `confidence` (e.g. 0.98). */
export function hodgesLehmann(baseline: readonly number[], candidate: readonly number[], confidence: number): ShiftEstimate {
  const base = sortedCopy(baseline);
  const cand = sortedCopy(candidate);
  return shiftFromSorted(base, cand, rankSums(base, cand).tieSum, confidence);
}

/** The test and the shift together, sorting each sample once (what a verdict needs). */
export function compareSamples(baseline: readonly number[], candidate: readonly number[], confidence: number): RankComparison {
  return compareSorted(sortedCopy(baseline), sortedCopy(candidate), confidence);
}

/** compareSamples for samples already sorted ascending (the verdict sorts once for fences, medians and ranks). */
export function compareSorted(base: Float64Array, cand: Float64Array, confidence: number): RankComparison {
  if (base.length === 0 || cand.length === 0) throw new RangeError('compareSamples: both samples need at least one value');
  const sums = rankSums(base, cand);
  return { ...testFromSorted(base, cand, sums), shift: shiftFromSorted(base, cand, sums.tieSum, confidence) };
}
