// The verdict benchmark's yardstick for detection: how often the most powerful classical test for
// a series family would see a rise in the mean, at no more false positives than the verdict is
// allowed (1 %). Such a test knows what the judge cannot — the family's shape and the direction —
// so its power is an upper bound for the judge, and tells whether a detection target is reachable
// at all with that many samples at that noise.
//
// Each test is a statistic (larger = more of a rise) calibrated by simulation rather than from
// tables: its threshold is the (1 − alpha) quantile of the statistic on the family's no-change
// series, so it is exactly as strict on these series as the false-positive rate says, whatever
// the family (tables would be off for the Poisson counts and the spiky mixture).
import { mannWhitneyU } from '../../src/core/health/metrics/mannWhitney';

export interface OracleTest {
  readonly name: string;
  readonly statistic: (baseline: readonly number[], candidate: readonly number[]) => number;
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) * (v - mean), 0) / (values.length - 1);
  return { mean, variance };
}

/** Student's two-sample t with pooled variance: the most powerful invariant test of a shift between normals of equal spread. */
function studentT(baseline: readonly number[], candidate: readonly number[]): number {
  const b = meanAndVariance(baseline);
  const c = meanAndVariance(candidate);
  const m = baseline.length;
  const n = candidate.length;
  const pooled = ((m - 1) * b.variance + (n - 1) * c.variance) / (m + n - 2);
  const se = Math.sqrt(pooled * (1 / m + 1 / n));
  return se > 0 ? (c.mean - b.mean) / se : 0;
}

export const T_TEST: OracleTest = { name: 't-test', statistic: studentT };

/** The t-test on logarithms: a rise of the mean of a log-normal by a factor is a shift of its logarithm. */
export const LOG_T_TEST: OracleTest = {
  name: 't-test on logs',
  statistic: (baseline, candidate) => studentT(baseline.map(Math.log), candidate.map(Math.log)),
};

/**
 * The score test of two Poisson rates, (Σ candidate − Σ baseline) / √(Σ both): given the total, the
 * candidate's share is binomial, and the uniformly most powerful test of a higher rate rejects for
 * a large candidate sum.
 */
export const POISSON_SCORE: OracleTest = {
  name: 'Poisson score test',
  statistic: (baseline, candidate) => {
    const b = baseline.reduce((sum, v) => sum + v, 0);
    const c = candidate.reduce((sum, v) => sum + v, 0);
    return b + c > 0 ? (c - b) / Math.sqrt(b + c) : 0;
  },
};

/** The Mann–Whitney z, one-sided: robust where spikes spoil the t-test. */
export const RANK_SUM: OracleTest = { name: 'rank-sum test', statistic: (baseline, candidate) => mannWhitneyU(baseline, candidate).z };

export interface CalibratedPower {
  /** The share of the changed series the test calls a rise. */
  readonly power: number;
  /** The share of the no-change series it calls a rise (at most alpha; less where the statistic is discrete). */
  readonly falsePositives: number;
}

/**
 * The power of "statistic > threshold" with the threshold the lowest that lets at most alpha of
 * the no-change statistics above it.
 */
export function calibratedPower(noChange: readonly number[], changed: readonly number[], alpha: number): CalibratedPower {
  const sorted = [...noChange].sort((a, b) => a - b);
  const allowed = Math.floor(alpha * sorted.length);
  const threshold = sorted[sorted.length - 1 - allowed] as number;
  const above = (values: readonly number[]): number => values.filter((v) => v > threshold).length / values.length;
  return { power: above(changed), falsePositives: above(noChange) };
}
