/**
 * Which history store a command uses for an environment: the local folder, or the team's bucket
 * (location.ts decides by precedence). A deployment checks the bucket before anything else touches
 * AWS, so an unreachable or foreign bucket refuses it before any stack change (fail closed).
 */
import { join } from 'node:path';
import type { AwsClients } from '../aws/clients';
import { HistoryBucket } from '../aws/historyBucket';
import type { HistoryBackend } from '../history/backend';
import { chooseHistoryLocation, type HistoryLocation } from '../history/location';
import { S3HistoryStore } from '../history/s3Store';
import type { EnvironmentConfig } from '../pipeline/types';
import type { AwsSelection } from './awsSelection';
import type { EngineContext } from './engineContext';

/** The location an environment's history lives at (ConfigInvalid for a malformed one). */
export function historyLocationFor(sel: AwsSelection, env: EnvironmentConfig): HistoryLocation {
  return chooseHistoryLocation({ user: sel.userHistory, environment: env.history, pipeline: sel.pipeline.history }).location;
}

/**
 * The store for `env`, for credentials of `account`. `check`: a command about to change the stack
 * first makes sure the bucket answers for that account.
 */
export async function openHistoryStore(
  ctx: EngineContext,
  sel: AwsSelection,
  env: EnvironmentConfig,
  clients: AwsClients,
  account: string,
  options: { readonly check?: boolean; readonly signal?: AbortSignal | undefined } = {},
): Promise<HistoryBackend> {
  const location = historyLocationFor(sel, env);
  switch (location.kind) {
    case 'local':
      return ctx.history;
    case 's3': {
      const bucket = new HistoryBucket(() => clients.s3(), location.bucket, account, ctx.s3Requests);
      const store = new S3HistoryStore({ bucket, prefix: location.prefix, cacheRoot: join(ctx.history.root, 'cache', 's3') });
      if (options.check) await store.check(options.signal);
      return store;
    }
  }
}
