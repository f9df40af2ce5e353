// The metric-verdict benchmark: seeded synthetic series judged by judgeMetric and by a reference
// implementation of Kayenta's classifier, side by side on the same series. Prints figures only.
//   false positives: no change between baseline and candidate (the share called a regression)
//   detection: a +30 % mean shift after the deploy (the share called a regression), beside the
//     power of the most powerful classical test for each family at 1 % false positives
//     (verdictOracle.ts): whether the target is reachable at all at that noise
//   analysis time: 100 metrics of 1,440 points per window
import { cpus, loadavg } from 'node:os';
import { judgeMetric, DEFAULT_TOLERANCE } from '../../src/core/health/metrics/verdict';
import { kayentaClassify } from './kayentaReference';
import { calibratedPower, LOG_T_TEST, POISSON_SCORE, RANK_SUM, T_TEST, type OracleTest } from './verdictOracle';
import { benchSettings } from './support/settings';
import { seeded } from '../../test/support/seeded';

const settings = benchSettings({ series: 'number', timingRuns: 'number' });
const SERIES = settings.series;
const SEED = 20261204;

class Random {
  private readonly next: () => number;
  private spare: number | undefined;
  constructor(seed: number) {
    this.next = seeded(seed);
  }
  uniform(): number {
    return this.next();
  }
  /** Box–Muller, keeping the second value for the next call. */
  normal(): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** Knuth's multiplication method (fine for λ up to a few hundred in doubles). */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

interface Family {
  readonly name: string;
  /** n values at `level` × the family's usual mean (level 1.3 = a +30 % mean shift). */
  readonly sample: (rng: Random, n: number, level: number) => number[];
  /** The most powerful classical test(s) of a rise for this family: the yardstick for detection. */
  readonly oracle: readonly OracleTest[];
}

const times = (n: number, f: () => number): number[] => Array.from({ length: n }, f);
const lognormal = (sigma: number) => (rng: Random, n: number, level: number) =>
  times(n, () => 100 * level * Math.exp(sigma * rng.normal() - (sigma * sigma) / 2));

// The oracle of the spiky mixture is the best of three (none is the likelihood-ratio test of the mixture).
const FAMILIES: readonly Family[] = [
  { name: 'normal, CV 10 %', sample: (rng, n, level) => times(n, () => 100 * level + 10 * rng.normal()), oracle: [T_TEST] },
  { name: 'normal, CV 25 %', sample: (rng, n, level) => times(n, () => 100 * level + 25 * rng.normal()), oracle: [T_TEST] },
  { name: 'log-normal, CV 15 %', sample: lognormal(0.15), oracle: [LOG_T_TEST] },
  { name: 'log-normal, CV 50 %', sample: lognormal(0.47), oracle: [LOG_T_TEST] },
  { name: 'Poisson, mean 50', sample: (rng, n, level) => times(n, () => rng.poisson(50 * level)), oracle: [POISSON_SCORE] },
  { name: 'Poisson, mean 2', sample: (rng, n, level) => times(n, () => rng.poisson(2 * level)), oracle: [POISSON_SCORE] },
  {
    name: 'spiky: CV 10 %, 5 % × 2–5',
    sample: (rng, n, level) => times(n, () => level * (100 + 10 * rng.normal()) * (rng.uniform() < 0.05 ? 2 + 3 * rng.uniform() : 1)),
    oracle: [T_TEST, LOG_T_TEST, RANK_SUM],
  },
];

interface Judge {
  readonly name: string;
  readonly regressed: (baseline: number[], candidate: number[]) => boolean;
}

const ours = (tolerance: number): Judge => ({
  name: `ours, tolerance ${Math.round(tolerance * 100)} %`,
  regressed: (b, c) => judgeMetric(b, c, { bad: 'increase', tolerance }).kind === 'regressed',
});
const kayenta = (confidence: number): Judge => ({
  name: `Kayenta, ${Math.round(confidence * 100)} %`,
  regressed: (b, c) => kayentaClassify(b, c, { direction: 'increase', confidence }) === 'High',
});

/** The `SERIES` seeded series of a case (baseline at level 1, candidate at `level`), the same on every run and for every judge. */
function* seriesOf(familyIndex: number, n: number, level: number): Generator<{ baseline: number[]; candidate: number[] }> {
  const family = FAMILIES[familyIndex] as Family;
  const rng = new Random(SEED + familyIndex * 7919 + n * 104729 + Math.round(level * 1000));
  for (let s = 0; s < SERIES; s++) {
    const baseline = family.sample(rng, n, 1);
    const candidate = family.sample(rng, n, level);
    yield { baseline, candidate };
  }
}

/** The share of a case's series each judge calls a regression. */
function rates(familyIndex: number, n: number, level: number, judges: readonly Judge[]): number[] {
  const hits = judges.map(() => 0);
  for (const { baseline, candidate } of seriesOf(familyIndex, n, level)) {
    judges.forEach((judge, j) => {
      if (judge.regressed(baseline, candidate)) hits[j] = (hits[j] as number) + 1;
    });
  }
  return hits.map((h) => h / SERIES);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

function comparison(): void {
  const pair = [ours(DEFAULT_TOLERANCE), kayenta(0.98)];
  console.log(
    `Same seeded series for both judges, ${SERIES} per case; a regression = ours "regressed", Kayenta "High" (direction increase).`,
  );
  console.log(
    `ours = Mann–Whitney at 98 % + whole interval beyond ±${Math.round(DEFAULT_TOLERANCE * 100)} % + mean gate; Kayenta = 98 %, band ±0.25 × |HL|, meanRatio ≥ 1.0`,
  );
  console.log('');
  const columns = (cells: readonly string[]): string => cells.map((c, k) => c.padStart(k % 2 === 0 ? 12 : 9)).join('');
  console.log(`${''.padEnd(28)}${'false positives, no change'.padStart(38)}   ${'detection, +30 % mean'.padStart(21)}`);
  console.log(`${''.padEnd(28)}${'20|20 samples'.padStart(21)}${'60|60 samples'.padStart(21)}${'20|20 samples'.padStart(21)}`);
  console.log(`${'series'.padEnd(28)}${columns(['ours', 'Kayenta', 'ours', 'Kayenta', 'ours', 'Kayenta'])}`);
  FAMILIES.forEach((family, i) => {
    const [fpOurs, fpKayenta] = rates(i, 20, 1, pair) as [number, number];
    const [fp60Ours, fp60Kayenta] = rates(i, 60, 1, pair) as [number, number];
    const [detOurs, detKayenta] = rates(i, 20, 1.3, pair) as [number, number];
    console.log(`${family.name.padEnd(28)}${columns([fpOurs, fpKayenta, fp60Ours, fp60Kayenta, detOurs, detKayenta].map(pct))}`);
  });
}

/** The one-sided false-positive rate the oracle tests are held to: the verdict's own ceiling. */
const ORACLE_ALPHA = 0.01;

/**
 * Detection of the +30 % shift at 20|20 beside the best a test could do: each family's oracle
 * test, calibrated on that family's no-change series and run on the same +30 % series the judges
 * saw. Where the oracle stays under 95 %, no judge can meet that target at that noise with 20
 * samples a side.
 */
function oracleDetection(): void {
  const pair = [ours(DEFAULT_TOLERANCE), kayenta(0.98)];
  console.log('');
  console.log(
    `Detection, +30 % mean, 20|20, beside the most powerful test for the family (one-sided, its threshold the ${100 - ORACLE_ALPHA * 100}th percentile`,
  );
  console.log(
    `of its statistic on the family's no-change series, so at most ${ORACLE_ALPHA * 100} % false positives there; it knows the family and the direction):`,
  );
  console.log(`${''.padEnd(49)}${''.padEnd(20)}${'at most 1 % FP'.padStart(18)}${'at our FP'.padStart(18)}`);
  console.log(
    `${'series'.padEnd(28)}${'ours'.padStart(9)}${'Kayenta'.padStart(9)}   ${'best test'.padEnd(20)}${['power', 'its FP', 'power', 'its FP'].map((c) => c.padStart(9)).join('')}`,
  );
  FAMILIES.forEach((family, i) => {
    const statistics = (level: number): number[][] => {
      const byTest: number[][] = family.oracle.map(() => []);
      for (const { baseline, candidate } of seriesOf(i, 20, level))
        family.oracle.forEach((test, t) => (byTest[t] as number[]).push(test.statistic(baseline, candidate)));
      return byTest;
    };
    const noChange = statistics(1);
    const changed = statistics(1.3);
    const results = family.oracle.map((test, t) => ({
      test,
      ...calibratedPower(noChange[t] as number[], changed[t] as number[], ORACLE_ALPHA),
    }));
    const best = results.reduce((a, b) => (b.power > a.power ? b : a));
    const [detOurs, detKayenta] = rates(i, 20, 1.3, pair) as [number, number];
    // The same test held to the false-positive rate ours showed on these no-change series.
    const [fpOurs] = rates(i, 20, 1, [pair[0] as Judge]) as [number];
    const t = family.oracle.indexOf(best.test);
    const atOurs = calibratedPower(noChange[t] as number[], changed[t] as number[], fpOurs);
    const cells = [best.power, best.falsePositives, atOurs.power, atOurs.falsePositives].map((x) => pct(x).padStart(9)).join('');
    console.log(
      `${family.name.padEnd(28)}${pct(detOurs).padStart(9)}${pct(detKayenta).padStart(9)}   ${best.test.name.padEnd(20)}${cells}`,
    );
  });
}

function operatingPoints(): void {
  const judges = [ours(0), ours(0.05), ours(0.1), ours(0.15), kayenta(0.95), kayenta(0.98), kayenta(0.99)];
  const fp = judges.map(() => 0);
  const detection = judges.map(() => 0);
  FAMILIES.forEach((_family, i) => {
    rates(i, 20, 1, judges).forEach((r, j) => (fp[j] = (fp[j] as number) + r / FAMILIES.length));
    rates(i, 20, 1.3, judges).forEach((r, j) => (detection[j] = (detection[j] as number) + r / FAMILIES.length));
  });
  console.log('');
  console.log('Operating points, 20|20, averaged over the series families above (compare detection at similar false positives):');
  console.log(`${'judge'.padEnd(28)}${'false positives'.padStart(16)}${'detection'.padStart(12)}`);
  judges.forEach((judge, j) =>
    console.log(`${judge.name.padEnd(28)}${pct(fp[j] as number).padStart(16)}${pct(detection[j] as number).padStart(12)}`),
  );
}

function analysisTime(): void {
  const POINTS = 1440;
  const METRICS = 100;
  const RUNS = settings.timingRuns;
  const rng = new Random(SEED);
  const family = FAMILIES[2] as Family;
  const windows = times(METRICS, () => 0).map(() => ({
    baseline: family.sample(rng, POINTS, 1),
    candidate: family.sample(rng, POINTS, 1.05),
  }));
  // CPU time of this process next to wall time: on a shared, loaded machine the wall clock also
  // counts the time other processes held the CPU.
  const run = (points: number): { wall: number; cpu: number } => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const w of windows) judgeMetric(w.baseline.slice(0, points), w.candidate.slice(0, points), { bad: 'increase' });
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
  };
  run(POINTS); // warm up the JIT
  run(POINTS / 2);
  for (const points of [POINTS / 2, POINTS]) {
    const samples = times(RUNS, () => 0).map(() => run(points));
    const wall = samples.map((s) => s.wall).sort((a, b) => a - b);
    const cpu = samples.map((s) => s.cpu).sort((a, b) => a - b);
    const mid = Math.floor(RUNS / 2);
    console.log(
      `  ${METRICS} metrics × ${points.toLocaleString('en-US')}|${points.toLocaleString('en-US')} points: wall median ${(wall[mid] as number).toFixed(1)} ms, best ${(wall[0] as number).toFixed(1)} ms; CPU median ${(cpu[mid] as number).toFixed(1)} ms, best ${(cpu[0] as number).toFixed(1)} ms (${RUNS} runs)`,
    );
  }
}

/** CPU time of a plain loop over 10 million doubles: how fast this machine is right now, to scale the figures above by. */
function calibration(): number {
  const values = new Float64Array(10_000_000).fill(1.5);
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const cpu = process.cpuUsage();
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i] as number;
    const used = process.cpuUsage(cpu);
    if (sum !== 15_000_000) throw new Error('calibration loop miscounted');
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

function main(): void {
  const started = performance.now();
  comparison();
  oracleDetection();
  operatingPoints();
  console.log('');
  const [load1] = loadavg();
  console.log(
    `Analysis time (judgeMetric: fences, rank test, Hodges–Lehmann interval), ${cpus().length} CPUs, load ${(load1 ?? 0).toFixed(1)}:`,
  );
  analysisTime();
  console.log(`  machine speed: a plain loop summing 10 million doubles takes ${calibration().toFixed(1)} ms of CPU here`);
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s, ${SERIES} series per case)`);
}

main();
