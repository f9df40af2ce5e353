import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareSamples,
  differencesAtRanks,
  hodgesLehmann,
  kthDifference,
  mannWhitneyU,
  sortedCopy,
} from '../../../../../src/core/health/metrics/mannWhitney';
import { seeded } from '../../../../support/seeded';

function normals(random: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

function sortedDifferences(baseline: readonly number[], candidate: readonly number[]): number[] {
  return baseline.flatMap((b) => candidate.map((c) => c - b)).sort((a, b) => a - b);
}

// R's ?wilcox.test two-sample example (Hollander & Wolfe): x is the candidate, y the baseline.
const X = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const Y = [1.15, 0.88, 0.9, 0.74, 1.21];

// Two samples of 30 with no ties (m + n = 60: the normal approximation).
const B30 = [
  103.456, 108.216, 103.304, 86.968, 109.054, 104.464, 94.63, 105.811, 103.646, 102.941, 100.284, 105.467, 92.635, 98.371, 95.179, 105.988,
  100.397, 97.075, 92.181, 97.428, 100.081, 97.244, 112.941, 110.067, 72.888, 81.11, 98.252, 95.778, 102.136, 102.173,
];
const C30 = [
  129.178, 96.88, 104.224, 128.428, 114.467, 114.631, 102.86, 91.519, 109.675, 109.09, 95.726, 101.168, 107.28, 98.552, 107.017, 108.955,
  108.356, 102.937, 113.937, 116.912, 111.208, 99.818, 115.317, 102.986, 116.792, 97.282, 117.145, 107.799, 95.513, 104.861,
];

describe('Mann–Whitney U test', () => {
  // Reference p-values from scipy.stats.mannwhitneyu (exact, or asymptotic with continuity correction).
  const rows: ReadonlyArray<{ name: string; baseline: number[]; candidate: number[]; u: number; p: number; method: 'exact' | 'normal' }> = [
    { name: 'textbook example, exact', baseline: Y, candidate: X, u: 35, p: 0.2544122544122544, method: 'exact' },
    { name: 'fully separated 3 vs 3: 2 of 20 arrangements', baseline: [1, 2, 3], candidate: [4, 5, 6], u: 9, p: 0.1, method: 'exact' },
    { name: 'candidate entirely lower', baseline: [4, 5, 6], candidate: [1, 2, 3], u: 0, p: 0.1, method: 'exact' },
    {
      name: 'ties: normal with tie-corrected variance',
      baseline: [3, 4, 2, 6, 2, 5, 3, 3, 4, 5, 1, 2],
      candidate: [9, 7, 5, 10, 6, 8, 4, 7, 8, 6, 5, 9],
      u: 135,
      p: 0.00028188193098270395,
      method: 'normal',
    },
    { name: '30 vs 30: normal approximation', baseline: B30, candidate: C30, u: 664, p: 0.0015968867051760125, method: 'normal' },
    { name: 'every value tied: no evidence', baseline: [2, 2, 2, 2], candidate: [2, 2, 2], u: 6, p: 1, method: 'normal' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const result = mannWhitneyU(row.baseline, row.candidate);
      assert.equal(result.u, row.u);
      assert.equal(result.method, row.method);
      assert.ok(Math.abs(result.pValue - row.p) <= 1e-6 * Math.max(1, row.p) + 1e-9, `p ${result.pValue} vs ${row.p}`);
    });
  }

  it('is symmetric: swapping the samples mirrors U and keeps p', () => {
    const forward = mannWhitneyU(B30, C30);
    const backward = mannWhitneyU(C30, B30);
    assert.equal(backward.u, 30 * 30 - forward.u);
    assert.ok(Math.abs(backward.pValue - forward.pValue) < 1e-12);
    assert.ok(Math.abs(backward.z + forward.z) < 1e-12);
  });
});

describe('Hodges–Lehmann shift and interval', () => {
  it('is the median of the pairwise differences', () => {
    assert.equal(hodgesLehmann([1, 2, 3], [11, 12, 13], 0.9).estimate, 10);
    // Even count of differences: the mean of the two middle ones (8, 9 | 10, 11 → 9.5).
    assert.equal(hodgesLehmann([0, 2], [9, 10], 0.9).estimate, 8.5);
    assert.ok(Math.abs(hodgesLehmann(Y, X, 0.95).estimate - 0.305) < 1e-12);
  });

  it('takes the interval bounds from the sorted differences at the exact critical rank', () => {
    const shift = hodgesLehmann(Y, X, 0.95);
    const d = sortedDifferences(Y, X);
    // m = 5, n = 10: P(U ≤ 8) = 0.01998 ≤ 0.025 < P(U ≤ 9), so k = 9 and the interval is [D(9), D(42)].
    assert.equal(shift.lower, d[8]);
    assert.equal(shift.upper, d[41]);
    assert.ok(Math.abs(shift.lower - -0.15) < 1e-12 && Math.abs(shift.upper - 0.76) < 1e-12);
    assert.ok(shift.confidence >= 0.95 && shift.confidence < 0.97, `coverage ${shift.confidence}`);
  });

  it('has no finite bounds when the samples are too small for the confidence', () => {
    const shift = hodgesLehmann([1, 2], [3, 4], 0.98);
    assert.equal(shift.lower, -Infinity);
    assert.equal(shift.upper, Infinity);
    assert.equal(shift.estimate, 2);
  });

  it('covers the true shift about as often as its confidence says', () => {
    const random = seeded(7);
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const shift = compareSamples(normals(random, 20, 100, 10), normals(random, 20, 107, 10), 0.9).shift;
      if (shift.lower <= 7 && 7 <= shift.upper) covered++;
    }
    // 90 % nominal: 400 trials put the observed share within about ±4.5 points (3 standard errors).
    assert.ok(covered / trials > 0.85 && covered / trials < 0.95, `covered ${covered} of ${trials}`);
  });

  it('selects every rank exactly as sorting all differences would, ties included', () => {
    const random = seeded(11);
    for (let trial = 0; trial < 60; trial++) {
      const m = 1 + Math.floor(random() * 40);
      const n = 1 + Math.floor(random() * 40);
      const spread = trial % 3 === 0 ? 4 : 1000; // small spreads give many tied differences
      const baseline = Array.from({ length: m }, () => Math.round(random() * spread));
      const candidate = Array.from({ length: n }, () => Math.round(random() * spread));
      const d = sortedDifferences(baseline, candidate);
      const base = sortedCopy(baseline);
      const cand = sortedCopy(candidate);
      for (let k = 0; k < d.length; k += 1 + Math.floor(d.length / 50))
        assert.equal(kthDifference(base, cand, k), d[k], `rank ${k} of ${m}×${n}`);
      assert.equal(kthDifference(base, cand, d.length - 1), d[d.length - 1]);
    }
  });

  it('selects several ranks in one search exactly as sorting all differences would, ties included', () => {
    const random = seeded(13);
    for (let trial = 0; trial < 40; trial++) {
      // 40–120 a side: 1,600–14,400 differences, past the size where they are simply listed.
      const m = 40 + Math.floor(random() * 81);
      const n = 40 + Math.floor(random() * 81);
      const spread = [3, 20, 1000, 1e6][trial % 4] as number; // small spreads give many tied differences
      const baseline = Array.from({ length: m }, () => Math.round(random() * spread));
      const candidate = Array.from({ length: n }, () => Math.round(random() * spread + (trial % 3) * 0.1 * spread));
      const d = sortedDifferences(baseline, candidate);
      const middle = Math.floor((d.length - 1) / 2);
      const edge = Math.floor(random() * d.length * 0.05);
      // The verdict's order (the median, its neighbour, the interval's ends), then ranks in no order, repeated ones and the extremes.
      const ranks = [middle, middle + 1, edge, d.length - 1 - edge, Math.floor(random() * d.length), middle, 0, d.length - 1];
      const found = differencesAtRanks(sortedCopy(baseline), sortedCopy(candidate), ranks);
      assert.deepEqual(
        found,
        ranks.map((k) => d[k]),
        `${m}×${n}, spread ${spread}`,
      );
    }
    assert.throws(() => differencesAtRanks(sortedCopy([1, 2]), sortedCopy([3]), [0, 2]), RangeError);
  });

  it('selects from large samples (many rounds before the final list) exactly', () => {
    const random = seeded(3);
    const baseline = normals(random, 300, 100, 10);
    const candidate = normals(random, 250, 105, 10);
    const d = sortedDifferences(baseline, candidate);
    const base = sortedCopy(baseline);
    const cand = sortedCopy(candidate);
    for (const k of [0, 1, 1000, 37_499, 37_500, 60_000, 74_999]) assert.equal(kthDifference(base, cand, k), d[k], `rank ${k}`);
    assert.throws(() => kthDifference(base, cand, 75_000), RangeError);
  });

  it('selects exactly from large samples with heavy ties, heavy tails and mostly zeros', () => {
    const random = seeded(5);
    const shapes: ReadonlyArray<readonly [string, () => number]> = [
      ['small counts', () => Math.floor(random() * 4)],
      ['Cauchy', () => Math.tan(Math.PI * (random() - 0.5))],
      ['mostly zero', () => (random() < 0.9 ? 0 : Math.round(random() * 1000))],
      ['constant', () => 7],
    ];
    for (const [name, draw] of shapes) {
      const baseline = Array.from({ length: 240 }, draw);
      const candidate = Array.from({ length: 210 }, draw);
      const d = sortedDifferences(baseline, candidate);
      const base = sortedCopy(baseline);
      const cand = sortedCopy(candidate);
      for (const q of [0, 0.01, 0.3, 0.475, 0.5, 0.525, 0.99]) {
        const k = Math.floor(q * d.length);
        assert.equal(kthDifference(base, cand, k), d[k], `${name}: rank ${k}`);
      }
    }
  });
});
