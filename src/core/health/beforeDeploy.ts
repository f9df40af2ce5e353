/**
 * The health check before a deploy: resolve and read the guarded alarms, refuse a
 * configuration that names alarms CloudWatch does not have, report the ones already in ALARM and
 * ask before going on (`--yes`), and choose the ≤5 CloudFormation rollback triggers.
 *
 * Its result is the watch's baseline: the change-set phase keeps it on the record
 * (`healthPreflight`) and hands it back to watchAfterDeploy.
 */
import type { AwsClients } from '../aws/clients';
import { DeployGuardError } from '../errors';
import type { EngineEventSink } from '../events';
import type { Logger } from '../logger';
import type { EnvironmentConfig } from '../pipeline/types';
import { cloudWatchAlarmSource, type AlarmSource } from './alarmSource';
import { resolveGuardedAlarms, type RollbackTrigger } from './resolve';
import type { AlarmReading, AlarmState } from './types';

/** What the watch needs from before the deploy; plain JSON, stored on the record. */
export interface HealthPreflight {
  readonly checkedAt: number;
  readonly alarms: readonly string[];
  readonly baseline: Readonly<Record<string, AlarmState>>;
  readonly alreadyInAlarm: readonly string[];
  readonly rollbackTriggers: readonly RollbackTrigger[];
  readonly rollbackTriggersWhy: string;
}

export interface BeforeDeployContext {
  readonly deploymentId: string;
  readonly environment: EnvironmentConfig;
  readonly stackName: string;
  readonly clients: AwsClients;
  readonly emit: EngineEventSink;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** `--yes`: go on although guarded alarms are already in ALARM. */
  readonly yes?: boolean;
  /** Asks whether to deploy although these alarms already fire; absent when no one can be asked. */
  readonly confirmAlarmsFiring?: (alarms: readonly AlarmReading[]) => Promise<boolean>;
  /** For tests and the benchmark; default: the CloudWatch/CloudFormation clients of `clients`. */
  readonly source?: AlarmSource;
}

/** Undefined when the environment has no health section (nothing to guard). */
export async function checkAlarmsBeforeDeploy(ctx: BeforeDeployContext): Promise<HealthPreflight | undefined> {
  const health = ctx.environment.health;
  if (!health) return undefined;
  const source =
    ctx.source ?? cloudWatchAlarmSource({ cloudWatch: await ctx.clients.cloudWatch(), cloudFormation: await ctx.clients.cloudFormation() });
  const checkedAt = Date.now();
  const guarded = await resolveGuardedAlarms({
    source,
    health,
    stackName: ctx.stackName,
    logger: ctx.logger,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  ctx.emit({
    type: 'alarms-checked',
    deploymentId: ctx.deploymentId,
    at: new Date().toISOString(),
    alarms: guarded.names.map((name) => ({ name, state: guarded.baseline[name] ?? 'MISSING' })),
    alreadyInAlarm: guarded.alreadyInAlarm.map((a) => a.name),
    rollbackTriggers: guarded.rollbackTriggers.map((t) => t.name),
    rollbackTriggersWhy: guarded.rollbackTriggersWhy,
  });
  if (guarded.alreadyInAlarm.length > 0) {
    const list = guarded.alreadyInAlarm.map((a) => `${a.name}${a.reason ? ` (${a.reason})` : ''}`).join(', ');
    ctx.logger.warn(`guarded alarm(s) already in ALARM before the deploy (they will not be blamed on it): ${list}`);
    if (!ctx.yes) {
      const go = ctx.confirmAlarmsFiring ? await ctx.confirmAlarmsFiring(guarded.alreadyInAlarm) : false;
      if (!go) {
        throw new DeployGuardError('AlarmsFiring', `Not deploying ${ctx.stackName}: guarded alarm(s) already in ALARM: ${list}`, {
          hint: 'look at the alarm first; to deploy anyway run again with --yes (the alarm will not be blamed on this deploy)',
        });
      }
    }
  }
  return {
    checkedAt,
    alarms: guarded.names,
    baseline: guarded.baseline,
    alreadyInAlarm: guarded.alreadyInAlarm.map((a) => a.name),
    rollbackTriggers: guarded.rollbackTriggers,
    rollbackTriggersWhy: guarded.rollbackTriggersWhy,
  };
}

/** The RollbackConfiguration for CreateChangeSet / UpdateStack (CloudFormation's own first guard). */
export function rollbackConfigurationFor(
  preflight: HealthPreflight | undefined,
): { RollbackTriggers: { Arn: string; Type: string }[]; MonitoringTimeInMinutes: number } | undefined {
  if (!preflight || preflight.rollbackTriggers.length === 0) return undefined;
  return {
    RollbackTriggers: preflight.rollbackTriggers.map((t) => ({ Arn: t.arn, Type: t.type })),
    // Watch only while the update runs; the bake after it is our own watch.
    MonitoringTimeInMinutes: 0,
  };
}
