/**
 * The end of every restore (automatic, prompted or manual): once the restored template and
 * parameters are on the stack, the rollback record is `verifying-restore` while its guarded alarms
 * are watched for the verification window. Alarms out of ALARM at the end → `stable`, verified as
 * `restored` (a version the ledger trusts); still in ALARM or unknown → `rolled-back-unhealthy`,
 * never a verified version, and never rolled back again: a person decides, because the cause may
 * not be the deployment that was undone.
 */
import type { CheckpointMetrics } from '../health/afterDeploy';
import { verifyRestore } from '../health/afterRestore';
import type { AlarmSource } from '../health/alarmSource';
import type { DeploymentRecord } from '../history/record';
import type { EnvironmentConfig } from '../pipeline/types';
import { systemClock } from '../time';
import type { DeploymentRun } from './deploymentRun';
import type { EngineContext } from './engineContext';

export interface RestoreVerificationOptions {
  readonly environment: EnvironmentConfig;
  /** The verification window; default the environment's bake. */
  readonly windowMs?: number;
  /** Alarms to watch besides the environment's guarded ones (the undone deployment's). */
  readonly alarms?: readonly string[];
  /** The undone deployment's guarded metrics and their pre-deploy baseline, judged again over the window. */
  readonly metrics?: CheckpointMetrics;
  /** What was restored, said first in the final reason (`Restored deployment X (UPDATE_COMPLETE)`). */
  readonly restored: string;
  /** Told as the window starts, so the deployment being undone can show `verifying-restore` too. */
  readonly onVerifying?: () => void;
  readonly signal: AbortSignal;
  /** Tests only: read alarms through this instead of the run's clients. */
  readonly alarmSource?: AlarmSource;
}

/** Verifies the restore of `run` (a rollback record whose stack already holds its target) and finishes it. */
export async function finishRestore(
  ctx: Pick<EngineContext, 'emit' | 'logger' | 'clock'>,
  run: DeploymentRun,
  options: RestoreVerificationOptions,
): Promise<DeploymentRecord> {
  // Without health checks nothing can watch it: the template and parameters checked on the stack are the restore's proof.
  if (!options.environment.health) return run.finish('stable', options.restored);
  const clock = ctx.clock ?? systemClock;
  await run.setStatus('verifying-restore', `${options.restored}; verifying it under the guarded alarms`);
  options.onVerifying?.();
  const result = await verifyRestore({
    record: run.record,
    environment: options.environment,
    ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}),
    ...(options.alarms ? { alarms: options.alarms } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    clients: run.clients,
    history: run.stackHistory,
    emit: ctx.emit,
    logger: ctx.logger,
    clock,
    signal: options.signal,
    ...(options.alarmSource ? { alarmSource: options.alarmSource } : {}),
  });
  switch (result.outcome) {
    case 'no-watch':
      return run.finish('stable', options.restored);
    case 'verified':
      run.record.health = result.health;
      run.record.verification = { kind: 'restored', at: new Date(clock.now()).toISOString() };
      return run.finish('stable', `${options.restored}; ${result.reason}`);
    case 'still-unhealthy':
      run.record.health = result.health;
      return run.finish(
        'rolled-back-unhealthy',
        `${options.restored}, but it is still unhealthy: ${result.reason}. The cause may not be the deployment that was undone; not rolled back again: a person must look`,
      );
  }
}
