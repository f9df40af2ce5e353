/**
 * Outlier fencing for metric samples: Tukey's fence at `factor` × IQR beyond the quartiles
 * (factor 3.0 by default, "far out" values, as Kayenta's judge removes them). A lone spike in a
 * window of minute points should not decide a rollback on its own; a sustained change moves the
 * quartiles with it and survives the fence.
 */

export const DEFAULT_OUTLIER_FACTOR = 3.0;

/** The q-quantile (0 ≤ q ≤ 1) of sorted values, interpolating linearly between order statistics (Hyndman–Fan type 7, R's default). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(n - 1, below + 1);
  const low = sorted[below] as number;
  return low + (position - below) * ((sorted[above] as number) - low);
}

export interface Fence {
  readonly lower: number;
  readonly upper: number;
}

/**
 * The fence [Q1 − factor·IQR, Q3 + factor·IQR], widened to at least the 1st–99th percentiles
 * (Kayenta's "reduced sensitivity"): the fence never removes more than the extreme percent on
 * either side. That matters where the quartiles coincide (IQR 0, e.g. an error count that is
 * mostly 0): a zero-width fence would remove every value that differs from the usual one, which for
 * such a metric is exactly the signal. NaN bounds for no values.
 */
export function iqrFence(values: readonly number[], factor = DEFAULT_OUTLIER_FACTOR): Fence {
  return fenceOfSorted(Float64Array.from(values).sort(), factor);
}

/** iqrFence of values already sorted ascending. */
export function fenceOfSorted(sorted: ArrayLike<number>, factor = DEFAULT_OUTLIER_FACTOR): Fence {
  const q1 = quantileOfSorted(sorted, 0.25);
  const q3 = quantileOfSorted(sorted, 0.75);
  const spread = q3 - q1;
  return {
    lower: Math.min(quantileOfSorted(sorted, 0.01), q1 - factor * spread),
    upper: Math.max(quantileOfSorted(sorted, 0.99), q3 + factor * spread),
  };
}

export interface FencedSample {
  readonly kept: number[];
  readonly removed: number;
}

/**
 * The values of a sorted sample inside its fence: a contiguous run, since the fence is an interval.
 * A factor of Infinity keeps every value.
 */
export function fenceSorted(sorted: Float64Array, factor = DEFAULT_OUTLIER_FACTOR): { kept: Float64Array; removed: number } {
  if (!Number.isFinite(factor) || sorted.length === 0) return { kept: sorted, removed: 0 };
  const fence = fenceOfSorted(sorted, factor);
  let from = 0;
  let to = sorted.length;
  while (from < to && (sorted[from] as number) < fence.lower) from++;
  while (to > from && (sorted[to - 1] as number) > fence.upper) to--;
  return { kept: sorted.subarray(from, to), removed: sorted.length - (to - from) };
}

/** The values inside the fence, in their original order, and how many were set aside. */
export function removeOutliers(values: readonly number[], factor = DEFAULT_OUTLIER_FACTOR): FencedSample {
  const fence = iqrFence(values, factor);
  const kept = values.filter((v) => v >= fence.lower && v <= fence.upper);
  return { kept, removed: values.length - kept.length };
}
