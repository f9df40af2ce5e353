/** Which environment a command means, where its AWS calls go, and the stack history it writes to. */
import { AwsClients, type ClientOptions } from '../aws/clients';
import { chooseEndpoint } from '../aws/endpoint';
import { accountId } from '../aws/identity';
import type { StackHistory } from '../history/backend';
import { DeployGuardError } from '../errors';
import { requireEnvironment } from '../pipeline/environments';
import type { EnvironmentConfig, PipelineConfig } from '../pipeline/types';
import { resolveVariables, type VariableContext } from '../pipeline/variables';
import type { EngineContext } from './engineContext';
import { openHistoryStore } from './historySelection';

/** Where the environment's AWS calls go; shared by deploy, rollback, recover and history. */
export interface AwsSelection {
  readonly pipeline: PipelineConfig;
  readonly environment: string;
  /** From user settings or a CLI flag (trusted); the file's endpoint is honoured only on loopback. */
  readonly userEndpoint?: string;
  /** From user settings; the environment's own `profile:` wins. */
  readonly userProfile?: string;
  /** Where history lives, from the CLI's --history, DEPLOYGUARD_HISTORY or the user setting: wins over the file. */
  readonly userHistory?: string;
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

/**
 * The account the credentials belong to, refused when the environment is pinned to another one.
 * Every command that writes to AWS learns its account here first, so wrong credentials stop it
 * before its first write (and before its history is opened under the wrong account).
 */
export async function pinnedAccountId(clients: AwsClients, env: EnvironmentConfig, signal?: AbortSignal): Promise<string> {
  const account = await accountId(clients, signal);
  assertAccountPin(env, account);
  return account;
}

/** Throws AccountMismatch when `env.account` is set and is not `account`. */
export function assertAccountPin(env: EnvironmentConfig, account: string): void {
  if (env.account === undefined || env.account === account) return;
  const theirs = account === 'unknown' ? 'an account AWS did not name' : account;
  throw new DeployGuardError(
    'AccountMismatch',
    `Environment ${env.name} is pinned to account ${env.account} but the credentials are for ${theirs}: sign in to the right account or profile`,
    {
      hint: `use credentials for account ${env.account} (environments.${env.name}.profile, --profile, or AWS_PROFILE); nothing was changed`,
    },
  );
}

/** The history of the environment's stack (needs the account: one STS call). */
export async function openStackHistory(
  ctx: EngineContext,
  sel: AwsSelection,
  signal?: AbortSignal,
  options: { readonly check?: boolean } = {},
): Promise<{ stackHistory: StackHistory; clients: AwsClients; env: EnvironmentConfig }> {
  const { env, clients } = selectEnvironment(ctx, sel);
  let store;
  let account: string;
  try {
    account = await pinnedAccountId(clients, env, signal);
    store = await openHistoryStore(ctx, sel, env, clients, account, { ...options, signal });
  } catch (err) {
    clients.dispose(); // nobody else holds them yet
    throw err;
  }
  const stackHistory = store.stack({ account, region: env.region, stackName: stackNameFor(sel) });
  return { stackHistory, clients, env };
}
