import type { PipelineConfig } from './types';

/**
 * One line saying what a valid pipeline file will do, for `deployguard validate` and the editor's
 * "Validate Pipeline File": the steps, what is deployed when the template is built by a tool rather
 * than written by hand, and the environments. A CDK pipeline usually has no steps of its own, so
 * "0 steps" alone would read as if nothing ran.
 */
export function describePipeline(config: PipelineConfig): string {
  const count = config.steps.length;
  const steps = count === 0 ? 'no steps' : `${count} step${count === 1 ? '' : 's'}`;
  const cdk = config.stack.cdk;
  const built = cdk ? `, then the CDK stack ${cdk.stack} synthesised in ${cdk.cwd ?? 'the repository root'}` : '';
  return `${steps}${built}, environments ${Object.keys(config.environments).join(', ')}`;
}
