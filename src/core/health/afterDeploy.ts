/**
 * The watch phase after a successful stack update (DESIGN.md §3 `watching`). OWNED BY THE HEALTH
 * ENGINEER (issue 5): this first version only carries the signature the deployment state machine
 * calls (src/core/deployment.ts) and is to be replaced by the real watch.
 */
import type { AwsClients } from '../aws/clients';
import { DeployGuardError } from '../errors';
import type { EngineEventSink } from '../events';
import type { DeploymentRecord } from '../history/record';
import type { StackHistory } from '../history/store';
import type { Logger } from '../logger';
import type { DeploymentStatus } from '../model';
import type { EnvironmentConfig } from '../pipeline/types';
import type { Clock } from '../time';

export interface AfterDeployContext {
  /** The deployment being watched (status `watching`, its stack update complete). */
  readonly record: DeploymentRecord;
  readonly environment: EnvironmentConfig;
  /** Overrides health.bakeMs (the CLI's --bake). */
  readonly bakeMs?: number;
  readonly clients: AwsClients;
  readonly history: StackHistory;
  readonly emit: EngineEventSink;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** When the deployment started (epoch ms): alarms already in ALARM before it are not blamed on it. */
  readonly deploymentStartedAt: number;
  /**
   * Redeploys a stable record (the lock is already held by this deployment); returns the new
   * rollback record. Use it for the automatic rollback.
   */
  readonly rollbackTo: (target: DeploymentRecord, opts: { reason: string; automatic: boolean }) => Promise<DeploymentRecord>;
}

export type AfterDeployResult =
  /** The environment has no health config: the deployment is stable as soon as the stack is. */
  | { readonly outcome: 'no-watch' }
  /** The watch ended: `status` is the deployment's final status (stable, rolled-back, …). */
  | {
      readonly outcome: 'finished';
      readonly status: DeploymentStatus;
      readonly reason?: string;
      /** Facts to keep on the record (alarms, verdict, rollback record id). */
      readonly extra?: Record<string, unknown>;
    };

export async function watchAfterDeploy(ctx: AfterDeployContext): Promise<AfterDeployResult> {
  if (!ctx.environment.health) return { outcome: 'no-watch' };
  throw new DeployGuardError('NotAvailableYet', `The health watch for environment "${ctx.environment.name}" is not available yet`);
}
