// `npm run bench -- detection [all|latency|rate] [--quick]`: the health watch's benchmark — how soon
// an alarm leads to the rollback's first write call, and the AWS calls a bake makes per guarded
// alarm count. TRIALS and RATE_WINDOW_MS in the environment change the full form. The work is in
// detectionMain.ts, run under tsx because it drives the engine from its TypeScript sources.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: {
    which: 'all',
    trials: Number(process.env.TRIALS ?? 20),
    rateWindowMs: Number(process.env.RATE_WINDOW_MS ?? 20_000),
    alarmCounts: '1,10,100',
  },
  quick: { which: 'all', trials: 1, rateWindowMs: 3_000, alarmCounts: '1,10' },
  positional: ['which'],
  main: 'detectionMain.ts',
});
