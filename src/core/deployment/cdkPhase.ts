/**
 * The CDK part of a deploy, between `cdk synth` (the last step) and the change set: the stack's
 * template read from the cloud assembly the synth just wrote, its file assets published where the
 * template expects them, and both kept on the record. An assembly is deployed only once all its
 * assets are published: a template whose Lambda code is not in the bucket must never go out.
 */
import { relative, resolve } from 'node:path';
import { describeTemplate, readTemplateFile, type LoadedTemplate } from '../aws/template';
import { readCdkStack, type CdkStackArtifact } from '../cdk/assembly';
import { checkPublishable, publishFileAssets } from '../cdk/publishAssets';
import { assemblyDir } from '../cdk/synthStep';
import { DeployGuardError } from '../errors';
import type { CdkConfig, EnvironmentConfig } from '../pipeline/types';
import type { DeploymentRun } from './deploymentRun';

/** CDK templates read the bootstrap version from SSM through this parameter's default. */
export const BOOTSTRAP_VERSION_PARAMETER = 'BootstrapVersion';

/** The stack read from the cloud assembly the synth just wrote. */
export interface CdkAssembly {
  readonly stack: CdkStackArtifact;
  readonly template: LoadedTemplate;
  /** Parameter values the deploy adds to deployguard.yaml's (the bootstrap version's SSM name). */
  readonly parameterDefaults: Readonly<Record<string, string>>;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Reads the stack's template and assets from the assembly; refuses what cannot be deployed, before any call. */
export async function readCdkAssembly(run: DeploymentRun, repoRoot: string, cdk: CdkConfig, env: EnvironmentConfig): Promise<CdkAssembly> {
  const { record } = run;
  const dir = resolve(repoRoot, assemblyDir(cdk));
  const stack = await readCdkStack(dir, cdk.stack);
  checkPublishable(stack);
  if (stack.account && stack.account !== record.account) {
    throw new DeployGuardError(
      'AccountMismatch',
      `CDK stack ${stack.displayName} is bound to account ${stack.account}, but environment ${env.name} deploys to ${record.account}`,
      { hint: 'use the environment of that account, or leave the stack environment-agnostic (no env in the app)' },
    );
  }
  if (stack.region && stack.region !== env.region) {
    throw new DeployGuardError(
      'ConfigInvalid',
      `CDK stack ${stack.displayName} is bound to region ${stack.region}, but environment ${env.name} deploys to ${env.region}`,
      { hint: 'use an environment in that region, or leave the stack environment-agnostic (no env in the app)' },
    );
  }
  const template = describeTemplate(await readTemplateFile(repoRoot, relative(repoRoot, stack.templateFile)));
  run.log(
    `Cloud assembly: stack ${stack.displayName}, template ${relative(repoRoot, stack.templateFile)} (${template.bytes.toLocaleString('en-US')} bytes), ${stack.fileAssets.length} file asset(s)`,
  );
  return { stack, template, parameterDefaults: bootstrapVersionDefault(template) };
}

/** Publishes the stack's file assets and keeps where each went on the record. */
export async function publishCdkAssets(
  run: DeploymentRun,
  assembly: CdkAssembly,
  env: EnvironmentConfig,
  signal: AbortSignal,
): Promise<void> {
  const { record } = run;
  const assets = await publishFileAssets(
    run.clients,
    assembly.stack,
    { account: record.account, region: env.region, partition: partitionOf(env.region) },
    signal,
    (line) => run.log(line),
  );
  const uploaded = assets.filter((a) => a.uploaded).length;
  run.log(`Assets: ${uploaded} uploaded, ${assets.length - uploaded} already published`);
  record.cdk = {
    stack: assembly.stack.displayName,
    assets: assets.map((a) => ({ id: a.id, displayName: a.displayName, bucket: a.bucket, key: a.key, uploaded: a.uploaded })),
  };
  await run.save();
}

/**
 * The bootstrap version parameter is sent as its declared default, the SSM parameter's name
 * (`/cdk-bootstrap/<qualifier>/version`), on create and update alike: CloudFormation resolves it
 * from SSM each time and the template's own rule checks the version, as with `cdk deploy`.
 * Never a number Deploy Guard looked up (the parameter's type is an SSM parameter name), and
 * never UsePreviousValue (the name the previous template used).
 */
function bootstrapVersionDefault(template: LoadedTemplate): Record<string, string> {
  if (!template.parameters.some((p) => p.key === BOOTSTRAP_VERSION_PARAMETER && p.hasDefault)) return {};
  try {
    const parsed = JSON.parse(template.body) as { Parameters?: Record<string, { Default?: unknown }> };
    const value = parsed.Parameters?.[BOOTSTRAP_VERSION_PARAMETER]?.Default;
    return typeof value === 'string' ? { [BOOTSTRAP_VERSION_PARAMETER]: value } : {};
  } catch {
    return {};
  }
}
