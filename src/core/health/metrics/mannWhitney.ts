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

/** U and the tie sum; continuous metrics (no value repeated) take the quick path, which only counts. */
function rankSums(base: Float64Array, cand: Float64Array): RankSums {
  const u = untiedU(base, cand);
  return u === undefined ? tiedRankSums(base, cand) : { u, tieSum: 0 };
}

/**
 * U when no value occurs twice in either sample or in both: then it is the number of baseline
 * values below each candidate value, summed, found in one merge (stepped by arithmetic, as in
 * countUpTo). Undefined when any value is tied.
 */
function untiedU(base: Float64Array, cand: Float64Array): number | undefined {
  const m = base.length;
  const n = cand.length;
  for (let i = 1; i < m; i++) if (base[i] === base[i - 1]) return undefined;
  for (let j = 1; j < n; j++) if (cand[j] === cand[j - 1]) return undefined;
  let u = 0;
  let tied = 0;
  let i = 0;
  let j = 0;
  while (j < n) {
    const b = base[Math.min(i, m - 1)] as number;
    const c = cand[j] as number;
    const inBase = +(i < m);
    // 1: base[i] < cand[j], one more baseline value below it; 0: cand[j] is counted.
    const below = inBase & +(b < c);
    tied |= inBase & +(b === c);
    u += (1 - below) * i;
    i += below;
    j += 1 - below;
  }
  return tied ? undefined : u;
}

/** U from the average ranks of tied groups, and Σ (t³ − t) over the groups for the variance. */
function tiedRankSums(base: Float64Array, cand: Float64Array): RankSums {
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
/** An end this many differences from the rank counts as close, and probes then aim this far past the rank. */
const AIM_FROM = (3 * LIST_LIMIT) / 4;
const AIM_PAST = LIST_LIMIT / 8;
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
 * A value range (low, high] known to hold the difference of rank `rank` (0-based), with the number
 * of differences ≤ each end, in total and per row: row i's differences inside the range are
 * cand[left[i]..right[i]) − base[i].
 */
interface Bracket {
  readonly rank: number;
  low: number;
  high: number;
  atLow: number;
  atHigh: number;
  readonly left: Int32Array;
  readonly right: Int32Array;
}

/**
 * Row counts for the brackets of one selection, reused from call to call: a verdict selects
 * several ranks for every metric of every poll, and the rows are the whole of its memory.
 */
let rowPool = new Int32Array(0);

/** Brackets for `ranks`, all opening on every difference, and one more row array for the probe in progress. */
function openBrackets(m: number, n: number, high: number, ranks: readonly number[]): { brackets: Bracket[]; probeRows: Int32Array } {
  const size = m * (2 * ranks.length + 1);
  if (rowPool.length < size) rowPool = new Int32Array(size);
  const rows = (slot: number): Int32Array => rowPool.subarray(slot * m, (slot + 1) * m);
  const brackets = ranks.map((rank, r) => {
    const left = rows(2 * r).fill(0);
    const right = rows(2 * r + 1).fill(n);
    return { rank, low: -Infinity, high, atLow: 0, atHigh: m * n, left, right };
  });
  return { brackets, probeRows: rows(2 * ranks.length) };
}

/**
 * The number of differences ≤ v, row by row into `upTo`, for a v inside `within`. Row i's count
 * lies in [left[i], right[i]] (the counts at the bracket's ends), and is non-decreasing in i
 * (cand[j] − base[i] falls as base[i] rises), so one pointer sweeps all rows: O(m + n), less as
 * the bracket narrows. Written as a merge whose every step either counts one more candidate
 * value for the row or closes the row, chosen by arithmetic rather than a branch: which way a
 * step goes depends on the data, and a mispredicted branch per row cost more than the count.
 */
function countUpTo(base: Float64Array, cand: Float64Array, within: Bracket, v: number, upTo: Int32Array): number {
  const left = within.left;
  const right = within.right;
  const m = base.length;
  const last = cand.length - 1;
  let total = 0;
  let i = 0;
  let j = 0;
  while (i < m) {
    j = Math.max(j, left[i] as number);
    // 1: cand[j] − base[i] ≤ v, row i counts it; 0: row i is done (j is clamped to read in bounds when j = right[i] = n).
    const step = +(j < (right[i] as number)) & +((cand[Math.min(j, last)] as number) - (base[i] as number) <= v);
    upTo[i] = j;
    total += (1 - step) * j;
    j += step;
    i += 1 - step;
  }
  return total;
}

/**
 * Gives every bracket that v falls strictly inside its count as a new end: the low end when no
 * more than the bracket's rank of differences are ≤ v. The count is exact whichever bracket
 * bounded the sweep, so one probe narrows every rank it lands near.
 */
function offerProbe(brackets: readonly Bracket[], v: number, count: number, rows: Int32Array): void {
  for (const bracket of brackets) {
    if (!(v > bracket.low && v < bracket.high)) continue;
    if (count <= bracket.rank) {
      bracket.low = v;
      bracket.atLow = count;
      bracket.left.set(rows);
    } else {
      bracket.high = v;
      bracket.atHigh = count;
      bracket.right.set(rows);
    }
  }
}

/**
 * The differences of the last bracket listed, kept for the next rank of the same selection: the
 * median of an even count is two neighbouring ranks, nearly always inside one bracket. After a
 * pick, `values[0..count)` is partitioned at `picked` (nothing larger before, nothing smaller
 * after), so a later rank needs only the part on its side.
 */
interface Listing {
  low: number;
  high: number;
  count: number;
  picked: number;
  readonly values: Float64Array;
}

const listingValues = new Float64Array(LIST_LIMIT);

/** The rank of a bracket holding at most LIST_LIMIT differences, listing them unless the last listing was of this bracket. */
function pickListed(base: Float64Array, cand: Float64Array, bracket: Bracket, listing: Listing): number {
  const index = bracket.rank - bracket.atLow;
  if (listing.low === bracket.low && listing.high === bracket.high) {
    const { picked, count, values } = listing;
    return index > picked ? selectRank(values, index, picked + 1, count) : selectRank(values, index, 0, picked + 1);
  }
  const values = listing.values;
  let at = 0;
  for (let i = 0; i < base.length; i++) {
    const b = base[i] as number;
    for (let j = bracket.left[i] as number; j < (bracket.right[i] as number); j++) values[at++] = (cand[j] as number) - b;
  }
  listing.low = bracket.low;
  listing.high = bracket.high;
  listing.count = at;
  listing.picked = index;
  return selectRank(values, index, 0, at);
}

/**
 * The difference of `bracket`'s rank. Each probe, placed by interpolating the count between the
 * bracket's ends (Illinois false position, with a halving step when that stalls), costs one
 * O(m + n) count and is offered to every bracket of the selection. Once the bracket holds few
 * differences they are listed and the rank picked. Exact, ties included.
 */
function settle(
  base: Float64Array,
  cand: Float64Array,
  bracket: Bracket,
  brackets: readonly Bracket[],
  probeRows: Int32Array,
  listing: Listing,
): number {
  const m = base.length;
  const k = bracket.rank;
  const probe = (v: number): void => offerProbe(brackets, v, countUpTo(base, cand, bracket, v, probeRows), probeRows);
  let lastMoved = 0; // the end the last probe moved: −1 low, +1 high
  let weightLow = 1;
  let weightHigh = 1;
  let before = bracket.atHigh - bracket.atLow;
  let slow = 0;
  let tieProbe = true;
  while (bracket.atHigh - bracket.atLow > LIST_LIMIT) {
    const { low, high, atLow, atHigh, left, right } = bracket;
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
      if (v === high) return v;
      probe(v);
      if (bracket.high === v) return v;
      slow = 0;
      before = bracket.atHigh - bracket.atLow;
      continue;
    } else {
      // Once one end is close, aim a little past the rank towards the far end: a probe aimed at
      // the rank itself lands on either side by chance and often leaves the far end where it was.
      const toLow = k + 0.5 - atLow;
      const toHigh = atHigh - (k + 0.5);
      const aim = Math.min(toLow, toHigh) < AIM_FROM ? (toLow > toHigh ? -AIM_PAST : AIM_PAST) : 0;
      const target = k + 0.5 + aim;
      // False position on count(v) − target, each end's residual halved while that end is stale.
      const fLow = (atLow - target) * weightLow;
      const fHigh = (atHigh - target) * weightHigh;
      v = slow >= 2 ? low + (high - low) / 2 : (low * fHigh - high * fLow) / (fHigh - fLow);
      if (slow >= 2) tieProbe = true;
      if (!(v > low && v < high)) v = low + (high - low) / 2;
      // No value strictly inside: every difference in the bracket equals `high`.
      if (!(v > low && v < high)) return high;
    }
    probe(v);
    const moved = bracket.low !== low ? -1 : 1;
    if (moved === lastMoved) {
      if (moved < 0) weightHigh /= 2;
      else weightLow /= 2;
    } else {
      weightLow = 1;
      weightHigh = 1;
    }
    lastMoved = moved;
    const width = bracket.atHigh - bracket.atLow;
    slow = width > before / 2 ? slow + 1 : 0;
    before = width;
  }
  return pickListed(base, cand, bracket, listing);
}

/**
 * The differences cand[j] − base[i] of several ranks (0-based), both arrays sorted, without forming
 * the m·n of them (a day of minute points per side is 2 million). Each rank keeps a bracket of
 * values known to hold it; two probes from a small random sample of differences open it, then
 * `settle` narrows it. The ranks are settled in the order given, and every probe narrows every
 * bracket it falls in: asked for the median first, the interval's ends (a few percent of the
 * differences either side of it) start within a few probes of their answers.
 */
export function differencesAtRanks(base: Float64Array, cand: Float64Array, ranks: readonly number[]): number[] {
  const m = base.length;
  const n = cand.length;
  for (const k of ranks)
    if (m === 0 || n === 0 || !Number.isInteger(k) || k < 0 || k >= m * n)
      throw new RangeError(`differencesAtRanks: rank ${k} of ${m}×${n} differences`);
  const { brackets, probeRows } = openBrackets(m, n, (cand[n - 1] as number) - (base[0] as number), ranks);
  const sample = m * n > LIST_LIMIT ? sampleDifferences(base, cand) : undefined;
  const listing: Listing = { low: NaN, high: NaN, count: 0, picked: -1, values: listingValues };
  return brackets.map((bracket) => {
    if (sample && bracket.atHigh - bracket.atLow > LIST_LIMIT) {
      // The wanted rank's place in the sample, give or take two standard deviations of where it lands.
      const q = (bracket.rank + 0.5) / (m * n);
      const spread = 2 * Math.sqrt(SAMPLE_SIZE * q * (1 - q)) + 1;
      const lowRank = Math.max(0, Math.floor(q * SAMPLE_SIZE - spread));
      const highRank = Math.min(SAMPLE_SIZE - 1, Math.ceil(q * SAMPLE_SIZE + spread));
      const first = selectRank(sample, lowRank);
      const second = selectRank(sample, highRank, lowRank);
      for (const v of [first, second])
        if (bracket.atHigh - bracket.atLow > LIST_LIMIT && v > bracket.low && v < bracket.high)
          offerProbe(brackets, v, countUpTo(base, cand, bracket, v, probeRows), probeRows);
    }
    return settle(base, cand, bracket, brackets, probeRows, listing);
  });
}

/** SAMPLE_SIZE differences at random (row and column drawn from a fixed seed). */
function sampleDifferences(base: Float64Array, cand: Float64Array): Float64Array {
  const random = sampleSource();
  const sample = new Float64Array(SAMPLE_SIZE);
  for (let s = 0; s < SAMPLE_SIZE; s++)
    sample[s] = (cand[Math.floor(random() * cand.length)] as number) - (base[Math.floor(random() * base.length)] as number);
  return sample;
}

/** The k-th smallest (0-based) of the m·n differences cand[j] − base[i], both arrays sorted. */
export function kthDifference(base: Float64Array, cand: Float64Array, k: number): number {
  if (base.length === 0 || cand.length === 0 || !Number.isInteger(k) || k < 0 || k >= base.length * cand.length)
    throw new RangeError(`kthDifference: rank ${k} of ${base.length}×${cand.length} differences`);
  return differencesAtRanks(base, cand, [k])[0] as number;
}

/** Every difference cand[j] − base[i], sorted. */
function allDifferences(base: Float64Array, cand: Float64Array): Float64Array {
  const list = new Float64Array(base.length * cand.length);
  let at = 0;
  for (const b of base) for (const c of cand) list[at++] = c - b;
  return list.sort();
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
  // The median's rank(s), then the interval's ends, which start from the median's probes.
  const middle = mn % 2 === 1 ? [(mn - 1) / 2] : [mn / 2 - 1, mn / 2];
  const ranks = k < 1 ? middle : [...middle, k - 1, mn - k];
  // Few enough differences to sort outright (20 per side is 400): one list serves every rank.
  const sorted = mn <= LIST_LIMIT ? allDifferences(base, cand) : undefined;
  const found = sorted ? ranks.map((rank) => sorted[rank] as number) : differencesAtRanks(base, cand, ranks);
  const at = (index: number): number => found[index] as number;
  const estimate = middle.length === 1 ? at(0) : (at(0) + at(1)) / 2;
  if (k < 1) return { estimate, lower: -Infinity, upper: Infinity, confidence: 1 };
  return { estimate, lower: at(middle.length), upper: at(middle.length + 1), confidence: achieved };
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
