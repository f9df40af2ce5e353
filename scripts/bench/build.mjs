// `npm run bench -- build [rounds] [--quick]`: the sample CDK app (test/fixtures/cdk-app, a Lambda
// function from a local folder) deployed by `deployguard deploy` against moto, split by phase —
// synth (the `cdk synth` step), publish (reading the assembly and uploading its assets), deploy
// (change set to the end) — then deployed again with unchanged code (nothing may be uploaded),
// and the same app with `cdk deploy` side by side on a fresh moto (ratio). The CDK comes from the
// test cache (test/support/cdkToolchain.ts). The work is in buildMain.ts, run under tsx.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { rounds: 3 },
  quick: { rounds: 1 },
  positional: ['rounds'],
  main: 'buildMain.ts',
});
