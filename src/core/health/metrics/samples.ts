/**
 * Turning CloudWatch datapoints into the samples a verdict judges. CloudWatch emits no datapoint
 * for a period in which a count metric saw nothing (no errors, no throttles), so for such metrics
 * (`missing: zero`) a silent period is a real 0, not a gap; for every other metric a silent period
 * is simply not a sample, and too few samples make the verdict unknown.
 */

export interface Datapoint {
  /** Start of the datapoint's period (epoch ms), as GetMetricData timestamps it. */
  readonly at: number;
  readonly value: number;
}

export interface SampleWindow {
  /** First period's start (epoch ms), inclusive. */
  readonly start: number;
  /** End of the window (epoch ms), exclusive: a period starting here belongs to the next window. */
  readonly end: number;
  readonly periodMs: number;
}

/**
 * One value per period of the window, oldest first: the datapoint of that period, or 0 where
 * there is none. Datapoints outside the window are ignored; two in one period keep the later one.
 */
export function fillGapsWithZeros(points: readonly Datapoint[], window: SampleWindow): number[] {
  if (!(window.periodMs > 0)) throw new RangeError(`fillGapsWithZeros: period must be positive, got ${window.periodMs} ms`);
  const slots = Math.max(0, Math.ceil((window.end - window.start) / window.periodMs));
  const values = new Array<number>(slots).fill(0);
  for (const point of points) {
    if (point.at < window.start || point.at >= window.end) continue;
    values[Math.floor((point.at - window.start) / window.periodMs)] = point.value;
  }
  return values;
}

/** The datapoints' values inside the window, oldest first: for metrics where a gap is not a 0. */
export function valuesInWindow(points: readonly Datapoint[], window: Pick<SampleWindow, 'start' | 'end'>): number[] {
  return points
    .filter((p) => p.at >= window.start && p.at < window.end)
    .sort((a, b) => a.at - b.at)
    .map((p) => p.value);
}
