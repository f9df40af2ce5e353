/**
 * `cdk synth` as one more step of the pipeline, run after the project's own steps (which install
 * its dependencies) through the same step runner: its output reaches the run panel and the log,
 * it has a timeout, and its process group is journalled and ended like any step's. It runs the
 * project's own CDK CLI (node_modules/.bin/cdk beside cdk.json), never one Deploy Guard brings:
 * the assembly must be what the project's pinned CDK makes. The stack and app reach the script as
 * environment variables, never spliced into its text.
 */
import { posix } from 'node:path';
import type { CdkConfig, PipelineConfig, StepConfig } from '../pipeline/types';

export const SYNTH_STEP_NAME = 'cdk synth';

/** Where the assembly is written, relative to the CDK app's folder: always synthesised afresh. */
export const CDK_OUT = 'cdk.out';

// No --debug-app (CDK_DEBUG) and nothing turned off: "Open in Template" maps a resource back to
// the app's line through the creation trace aws-cdk-lib keeps for every resource by default
// (aws:cdk:creationStack), and keeping it costs nothing measurable — the sample app's synthesis
// takes the same CPU with the traces, without them and under CDK_DEBUG (4.38 s, 4.40 s, 4.38 s,
// medians of 8; `npm run bench -- synthTraces`). CDK_DEBUG adds nothing that mapping reads, and
// the CLI warns that it slows synthesis. An app that turns the traces off keeps them off: its
// resources then open in the built template, with their construct paths.
const SYNTH_SCRIPT = [
  'cli=./node_modules/.bin/cdk',
  'if [ ! -x "$cli" ]; then',
  '  echo "No CDK CLI at $PWD/node_modules/.bin/cdk: Deploy Guard synthesises with the project\'s own CDK CLI (aws-cdk in its package.json). Add a step that installs it, such as npm ci, before the deploy." >&2',
  '  exit 127',
  'fi',
  `set -- synth --quiet --output ${CDK_OUT}`,
  'if [ -n "${DEPLOYGUARD_CDK_APP:-}" ]; then set -- "$@" --app "$DEPLOYGUARD_CDK_APP"; fi',
  'exec "$cli" "$@" "$DEPLOYGUARD_CDK_STACK"',
].join('\n');

export function cdkSynthStep(cdk: CdkConfig): StepConfig {
  return {
    name: SYNTH_STEP_NAME,
    run: SYNTH_SCRIPT,
    ...(cdk.cwd ? { cwd: cdk.cwd } : {}),
    env: { DEPLOYGUARD_CDK_STACK: cdk.stack, ...(cdk.app ? { DEPLOYGUARD_CDK_APP: cdk.app } : {}) },
  };
}

/**
 * The steps a deploy runs: the pipeline's (none with --skip-steps), then `cdk synth` for a CDK
 * stack, which is never skipped: deploying an assembly left from an earlier synth would deploy
 * a stale template.
 */
export function stepsToRun(pipeline: PipelineConfig, skipSteps: boolean | undefined): StepConfig[] {
  const own = skipSteps ? [] : [...pipeline.steps];
  return pipeline.stack.cdk ? [...own, cdkSynthStep(pipeline.stack.cdk)] : own;
}

/** The assembly folder, relative to the repository root. */
export function assemblyDir(cdk: CdkConfig): string {
  return posix.join(cdk.cwd ?? '.', CDK_OUT);
}
