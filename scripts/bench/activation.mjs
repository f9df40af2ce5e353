// `npm run bench -- activation [trials] [--quick]`: Deploy Guard's activation in a real VS Code
// (code-server + Chromium, the end-to-end harness) on the demo's sample repository: activate()'s
// own time, the time from VS Code starting to activate it to active, and whether activation loaded
// the engine (and with it the AWS SDK). TRIALS in the environment changes the full form. The work
// is in activationMain.ts, run under tsx.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { trials: Number(process.env.TRIALS ?? 5) },
  quick: { trials: 1 },
  positional: ['trials'],
  main: 'activationMain.ts',
});
