// `npm run bench -- verdict [series] [--quick]`: the metric verdict's benchmark — false positives
// with no change, detection of a +30 % shift and analysis time, for judgeMetric and a reference
// implementation of Kayenta's classifier on the same seeded series. Offline: no AWS.
// The work is in verdictMain.ts, run under tsx because it drives the verdict from its sources.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { series: 1000, timingRuns: 7 },
  quick: { series: 100, timingRuns: 3 },
  positional: ['series'],
  main: 'verdictMain.ts',
});
