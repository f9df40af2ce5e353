// `npm run bench -- steps [runs] [--quick]`: a step printing 100,000 lines through the step runner
// (line splitting, masking, the callback, the log file) vs the same command in plain bash.
// The work is in stepsMain.ts, run under tsx because it drives the engine from its sources.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { lines: 100_000, runs: 7 },
  quick: { lines: 10_000, runs: 1 },
  positional: ['runs'],
  main: 'stepsMain.ts',
});
