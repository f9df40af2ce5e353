/** Which environment a command means, where its AWS calls go, and the stack history it writes to. */
import { AwsClients, type ClientOptions } from '../aws/clients';
import { chooseEndpoint } from '../aws/endpoint';
import { accountId } from '../aws/identity';
import type { StackHistory } from '../history/store';
import { requireEnvironment } from '../pipeline/environments';
import type { EnvironmentConfig, PipelineConfig } from '../pipeline/types';
import { resolveVariables, type VariableContext } from '../pipeline/variables';
import type { EngineContext } from './engineContext';

/** Where the environment's AWS calls go; shared by deploy, rollback, recover and history. */
export interface AwsSelection {
  readonly pipeline: PipelineConfig;
  readonly environment: string;
  /** From user settings or a CLI flag (trusted); the file's endpoint is honoured only on loopback. */
  readonly userEndpoint?: string;
  /** From user settings; the environment's own `profile:` wins. */
  readonly userProfile?: string;
  /** For `${env:VAR}` and AWS_ENDPOINT_URL; default process.env. */
  readonly processEnv?: NodeJS.ProcessEnv;
  readonly git?: { readonly sha: string; readonly shortSha?: string; readonly branch?: string; readonly dirty?: boolean };
}

/** The environment, its AWS target and clients, with the endpoint rules applied. */
export function selectEnvironment(
  ctx: EngineContext,
  sel: AwsSelection,
  onRetry?: ClientOptions['onRetry'],
): { env: EnvironmentConfig; clients: AwsClients } {
  const env = requireEnvironment(sel.pipeline, sel.environment);
  const endpoint = chooseEndpoint({ fileEndpoint: env.endpoint, userEndpoint: sel.userEndpoint, env: sel.processEnv ?? process.env });
  const profile = env.profile ?? (sel.userProfile || undefined);
  const clients = new AwsClients(
    { region: env.region, ...(profile ? { profile } : {}), ...(endpoint.endpoint ? { endpoint: endpoint.endpoint } : {}) },
    { ...ctx.clientOptions, ...(onRetry ? { onRetry } : {}) },
  );
  return { env, clients };
}

/** The values `${...}` variables resolve to for one deployment. */
export function variableContext(sel: AwsSelection, deploymentId: string): VariableContext {
  return {
    envName: sel.environment,
    ...(sel.git
      ? {
          git: {
            sha: sel.git.sha,
            shortSha: sel.git.shortSha ?? sel.git.sha.slice(0, 7),
            ...(sel.git.branch ? { branch: sel.git.branch } : {}),
          },
        }
      : {}),
    deploymentId,
    processEnv: sel.processEnv ?? process.env,
  };
}

/** The stack name of an environment (variables resolved; `${deployment.id}` is not allowed there). */
export function stackNameFor(sel: AwsSelection): string {
  return resolveVariables(sel.pipeline.stack.name, variableContext(sel, 'none'), 'stack.name');
}

/** The history of the environment's stack (needs the account: one STS call). */
export async function openStackHistory(
  ctx: EngineContext,
  sel: AwsSelection,
  signal?: AbortSignal,
): Promise<{ stackHistory: StackHistory; clients: AwsClients; env: EnvironmentConfig }> {
  const { env, clients } = selectEnvironment(ctx, sel);
  let account: string;
  try {
    account = await accountId(clients, signal);
  } catch (err) {
    clients.dispose(); // nobody else holds them yet
    throw err;
  }
  const stackHistory = ctx.history.stack({ account, region: env.region, stackName: stackNameFor(sel) });
  return { stackHistory, clients, env };
}
