// `npm run bench -- team [pairs] [--quick]`: the team history on S3 against moto. (a) deploy wall
// time with the S3 store vs the local folder (alternating runs of the bundled CLI) and the S3
// requests of one deploy with 10 and with 1,000 records already in the bucket, from a cold cache
// (a fresh CI runner); (b) `deployguard history ENV` of a stack with 1,000 records, cold cache;
// (c) 10 CLIs with 10 homes deploying one stack at the same moment: how many deploy, and how long
// each refusal takes. The work is in teamMain.ts (run under tsx: it hosts the fault proxy that
// counts the S3 requests).
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { pairs: 5, seedLarge: 1000, contenders: 10 },
  quick: { pairs: 1, seedLarge: 50, contenders: 3 },
  positional: ['pairs'],
  main: 'teamMain.ts',
});
