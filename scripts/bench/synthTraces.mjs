// `npm run bench -- synthTraces [rounds] [--quick]`: what the creation traces "Open in Template"
// maps a CDK resource back to the app's line with cost the synthesis. The sample CDK app
// (test/fixtures/cdk-app) run as `cdk synth` runs it, in three ways interleaved per round: as
// aws-cdk-lib does by default (traces kept), with the traces turned off (the app's context
// aws:cdk:disable-creation-stack-traces), and under CDK_DEBUG=true (what `--debug-app` sets).
// The CDK comes from the test cache (test/support/cdkToolchain.ts). The work is in synthTracesMain.ts.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { rounds: 8 },
  quick: { rounds: 1 },
  positional: ['rounds'],
  main: 'synthTracesMain.ts',
});
