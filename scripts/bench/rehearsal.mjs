// `npm run bench -- rehearsal [deploys] [--quick]`: what the rollback rehearsal costs a deploy —
// extra AWS calls and wall time, with and without it, alternating, against moto through the fault
// proxy (which counts the calls): (a) the stack runs the version a rollback would restore (the
// usual case), (b) the stack drifted from it, so the live → target change set is planned too.
// The work is in rehearsalMain.ts (run under tsx: it drives the engine from its sources).
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { deploys: 10 },
  quick: { deploys: 2 },
  positional: ['deploys'],
  main: 'rehearsalMain.ts',
});
