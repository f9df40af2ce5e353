import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillGapsWithZeros, valuesInWindow } from '../../../../../src/core/health/metrics/samples';
import {
  describeVerdict,
  formatPercent,
  judgeMetric,
  type JudgeOptions,
  type MetricVerdict,
  type MetricVerdictKind,
} from '../../../../../src/core/health/metrics/verdict';
import { seeded } from '../../../../support/seeded';

function normals(seed: number, n: number, mean: number, sd: number): number[] {
  const random = seeded(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

function poisson(seed: number, n: number, lambda: number): number[] {
  const random = seeded(seed);
  return Array.from({ length: n }, () => {
    let k = 0;
    for (let p = random(); p > Math.exp(-lambda); p *= random()) k++;
    return k;
  });
}

const latency: JudgeOptions = { bad: 'increase', label: 'Latency Average', tolerance: 0.1 };

interface Row {
  readonly name: string;
  readonly baseline: number[];
  readonly candidate: number[];
  readonly options: JudgeOptions;
  readonly kind: MetricVerdictKind;
  readonly reason?: RegExp;
}

const rows: readonly Row[] = [
  {
    name: 'same distribution → pass',
    baseline: normals(1, 30, 200, 20),
    candidate: normals(2, 30, 200, 20),
    options: latency,
    kind: 'pass',
  },
  {
    name: 'identical values → pass',
    baseline: Array.from({ length: 12 }, () => 5),
    candidate: Array.from({ length: 12 }, () => 5),
    options: latency,
    kind: 'pass',
    reason: /^Latency Average did not move \(98 % CI 0 % … 0 %\), allowed \+10 %$/,
  },
  {
    name: '+40 % latency → regressed, the reason naming the metric, the change and its interval',
    baseline: normals(3, 30, 200, 20),
    candidate: normals(4, 30, 280, 20),
    options: latency,
    kind: 'regressed',
    reason: /^Latency Average rose (3\d|4\d) % \(98 % CI \+\d+ % … \+\d+ %\), allowed \+10 %$/,
  },
  {
    name: 'a significant +5 % inside a 10 % tolerance → pass',
    baseline: normals(5, 60, 200, 4),
    candidate: normals(6, 60, 210, 4),
    options: latency,
    kind: 'pass',
  },
  {
    name: 'the same +5 % with no tolerance → regressed',
    baseline: normals(5, 60, 200, 4),
    candidate: normals(6, 60, 210, 4),
    options: { ...latency, tolerance: 0 },
    kind: 'regressed',
  },
  {
    name: 'the default tolerance is 5 %',
    baseline: normals(5, 60, 200, 4),
    candidate: normals(6, 60, 220, 4),
    options: { bad: 'increase', label: 'Latency p99' },
    kind: 'regressed',
    reason: /^Latency p99 rose (9|10|11) % \(98 % CI \+\d+ % … \+\d+ %\), allowed \+5 %$/,
  },
  {
    name: 'latency fell 30 % → improved',
    baseline: normals(7, 30, 200, 15),
    candidate: normals(8, 30, 140, 15),
    options: latency,
    kind: 'improved',
    reason: /^Latency Average fell \d+ % \(98 % CI −\d+ % … −\d+ %\), an improvement$/,
  },
  {
    name: 'requests fell 30 % where a decrease is bad → regressed',
    baseline: poisson(9, 30, 100),
    candidate: poisson(10, 30, 70),
    options: { bad: 'decrease', label: 'Requests Sum', tolerance: 0.1 },
    kind: 'regressed',
    reason: /^Requests Sum fell \d+ % \(98 % CI −\d+ % … −\d+ %\), allowed −10 %$/,
  },
  {
    name: 'requests rose where a decrease is bad → improved',
    baseline: poisson(11, 30, 100),
    candidate: poisson(12, 30, 140),
    options: { bad: 'decrease', label: 'Requests Sum', tolerance: 0.1 },
    kind: 'improved',
  },
  {
    name: 'a lone spike after the deploy is fenced, not a regression',
    baseline: normals(13, 20, 100, 5),
    candidate: [...normals(14, 19, 100, 5), 5000],
    options: latency,
    kind: 'pass',
  },
  {
    name: '4 samples after the deploy → unknown, saying how many were needed',
    baseline: normals(15, 20, 100, 5),
    candidate: normals(16, 4, 300, 5),
    options: latency,
    kind: 'unknown',
    reason: /^Latency Average: too little data: 4 samples after the deploy, 10 needed on each side$/,
  },
  {
    name: 'a short baseline → unknown',
    baseline: normals(17, 3, 100, 5),
    candidate: normals(18, 20, 100, 5),
    options: { ...latency, minSamples: 5 },
    kind: 'unknown',
    reason: /3 samples in the baseline, 5 needed on each side$/,
  },
  {
    name: 'non-finite values are not samples',
    baseline: [...normals(19, 8, 100, 5), NaN, Infinity, NaN],
    candidate: normals(20, 20, 100, 5),
    options: latency,
    kind: 'unknown',
    reason: /8 samples in the baseline/,
  },
  {
    name: 'errors from a baseline of zeros → regressed on the effect size (often-zero)',
    baseline: Array.from({ length: 20 }, () => 0),
    candidate: [0, 0, 0, 1, 2, 1, 3, 1, 2, 1, 1, 0, 2, 3, 1, 2, 1, 1, 1, 2],
    options: { bad: 'increase', label: 'Errors Sum', tolerance: 0.1 },
    kind: 'regressed',
    reason: /^Errors Sum rose from 0 to a mean of 1\.2\d? \(above the baseline in 90 % of pairs\), allowed \+10 %$/,
  },
  {
    name: 'rare errors at the same rate before and after → pass',
    baseline: [0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    candidate: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0],
    options: { bad: 'increase', label: 'Errors Sum', tolerance: 0.1 },
    kind: 'pass',
  },
];

describe('judgeMetric', () => {
  for (const row of rows) {
    it(row.name, () => {
      const verdict = judgeMetric(row.baseline, row.candidate, row.options);
      assert.equal(verdict.kind, row.kind, verdict.reason);
      if (row.reason) assert.match(verdict.reason, row.reason);
    });
  }

  it('reports the change relative to the baseline median, and an interval around it', () => {
    const verdict = judgeMetric(normals(3, 30, 200, 20), normals(4, 30, 280, 20), latency);
    assert.equal(verdict.scale, 'shift');
    const [lower, upper] = verdict.interval;
    assert.ok(verdict.relativeChange !== null && lower < verdict.relativeChange && verdict.relativeChange < upper);
    assert.ok(lower > 0.1 && upper < 0.7, `interval ${lower}..${upper}`);
    assert.ok(verdict.pValue < 0.02 && verdict.cles > 0.9);
    assert.equal(verdict.baselineN, 30);
    assert.equal(verdict.candidateN, 30);
  });

  it('counts fenced outliers and says so when they leave too few samples', () => {
    const candidate = [...normals(21, 9, 100, 1), 9000];
    const verdict = judgeMetric(normals(22, 20, 100, 1), candidate, latency);
    assert.equal(verdict.kind, 'unknown');
    assert.deepEqual(verdict.outliers, { baseline: 0, candidate: 1 });
    assert.match(verdict.reason, /9 samples after the deploy \(1 outlier set aside\)/);
  });
});

describe('describeVerdict', () => {
  const base: MetricVerdict = {
    kind: 'regressed',
    reason: '',
    baselineN: 30,
    candidateN: 30,
    outliers: { baseline: 0, candidate: 0 },
    scale: 'shift',
    relativeChange: 0.38,
    interval: [0.22, 0.51],
    confidence: 0.98,
    coverage: 0.981,
    meanChange: 0.4,
    pValue: 1e-6,
    cles: 0.95,
    baselineMedian: 100,
    candidateMedian: 138,
    baselineMean: 100,
    candidateMean: 140,
    tolerance: 0.1,
    bad: 'increase',
  };

  it('names the metric, the change, its interval and the allowance', () => {
    assert.equal(describeVerdict('Latency Average', base), 'Latency Average rose 38 % (98 % CI +22 % … +51 %), allowed +10 %');
    assert.equal(
      describeVerdict('Requests Sum', { ...base, bad: 'decrease', relativeChange: -0.25, interval: [-0.31, -0.18] }),
      'Requests Sum fell 25 % (98 % CI −31 % … −18 %), allowed −10 %',
    );
    assert.equal(
      describeVerdict('Latency Average', { ...base, kind: 'pass', relativeChange: 0.03, interval: [-0.02, 0.08] }),
      'Latency Average rose 3 % (98 % CI −2 % … +8 %), allowed +10 %',
    );
  });

  it('formats signed whole percentages', () => {
    assert.equal(formatPercent(0.384), '+38 %');
    assert.equal(formatPercent(-0.05), '−5 %');
    assert.equal(formatPercent(0.001), '0 %');
    assert.equal(formatPercent(-Infinity), '−∞');
  });
});

describe('samples from datapoints', () => {
  const window = { start: 0, end: 5 * 60_000, periodMs: 60_000 };

  it('fills the periods CloudWatch left empty with zeros, for count metrics', () => {
    const points = [
      { at: 60_000, value: 3 },
      { at: 180_000, value: 1 },
      { at: 300_000, value: 9 }, // the next window's first period
      { at: -60_000, value: 9 }, // before the window
    ];
    assert.deepEqual(fillGapsWithZeros(points, window), [0, 3, 0, 1, 0]);
    assert.throws(() => fillGapsWithZeros(points, { ...window, periodMs: 0 }), RangeError);
  });

  it('keeps only the datapoints inside the window, oldest first, for every other metric', () => {
    const points = [
      { at: 120_000, value: 2 },
      { at: 0, value: 1 },
      { at: 300_000, value: 9 },
    ];
    assert.deepEqual(valuesInWindow(points, window), [1, 2]);
  });
});
