// `npm run bench -- deploy [pairs-direct] [pairs-held] [--quick]`: wall time of `deployguard deploy
// --skip-steps` vs `aws cloudformation deploy` (awscli) on the same template against the same
// moto_server, alternating runs: (a) direct to moto, (b) through the fault proxy holding each new
// stack in CREATE_IN_PROGRESS for 20 s. Prints both ratios. The work is in deployMain.ts (run under
// tsx because it hosts the proxy from test/support); deployguard itself runs as a bundled CLI.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { pairsDirect: 5, pairsHeld: 2, holdMs: 20_000, warmUp: 1 },
  // One pair each way, no warm-up, and no hold: awscli looks at the stack right after executing
  // the change set, so any hold at all costs its 30 s waiter delay. Both tools still deploy
  // through the bundled CLI, awscli, moto and the proxy.
  quick: { pairsDirect: 1, pairsHeld: 1, holdMs: 0, warmUp: 0 },
  positional: ['pairsDirect', 'pairsHeld'],
  main: 'deployMain.ts',
});
