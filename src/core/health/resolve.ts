/**
 * Which alarms guard an environment, read once before the deploy:
 * `alarms` (names), `alarmPrefix`, and `stackAlarms` (the stack's own alarm resources), merged.
 * A named alarm that does not exist is a configuration error *before* anything is deployed.
 */
import { DeployGuardError } from '../errors';
import type { Logger } from '../logger';
import type { HealthConfig } from '../pipeline/types';
import type { AlarmSource } from './alarmSource';
import type { AlarmReading, AlarmState } from './types';

/** CloudFormation accepts at most five rollback triggers per stack operation. */
export const MAX_ROLLBACK_TRIGGERS = 5;

export type AlarmOrigin = 'alarms' | 'alarmPrefix' | 'stackAlarms';

export interface GuardedAlarms {
  /** Sorted, unique. */
  readonly names: readonly string[];
  /** Where each name came from (a name may come from several). */
  readonly origins: Readonly<Record<string, readonly AlarmOrigin[]>>;
  /** Each alarm's state before the deploy: the baseline the watch judges against. */
  readonly baseline: Readonly<Record<string, AlarmState>>;
  /** Guarded alarms already in ALARM before the deploy: reported, the user asked, never blamed. */
  readonly alreadyInAlarm: readonly AlarmReading[];
  /** The (at most 5) alarms handed to CloudFormation as RollbackConfiguration triggers. */
  readonly rollbackTriggers: readonly RollbackTrigger[];
  /** One sentence saying which alarms became triggers and why the others did not. */
  readonly rollbackTriggersWhy: string;
  readonly readings: ReadonlyMap<string, AlarmReading>;
}

export interface RollbackTrigger {
  readonly name: string;
  readonly arn: string;
  readonly type: 'AWS::CloudWatch::Alarm';
}

export interface ResolveOptions {
  readonly source: AlarmSource;
  readonly health: HealthConfig;
  readonly stackName: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/** Resolves, validates and reads the guarded alarms. Throws ConfigInvalid for a missing named alarm. */
export async function resolveGuardedAlarms(options: ResolveOptions): Promise<GuardedAlarms> {
  const { source, health, stackName, logger, signal } = options;
  const origins = new Map<string, AlarmOrigin[]>();
  const add = (name: string, origin: AlarmOrigin) => {
    const list = origins.get(name) ?? [];
    if (!list.includes(origin)) list.push(origin);
    origins.set(name, list);
  };

  for (const name of health.alarms) add(name, 'alarms');
  const readings = new Map<string, AlarmReading>();
  if (health.alarmPrefix) {
    const matched = await source.listByPrefix(health.alarmPrefix, signal);
    for (const reading of matched) {
      add(reading.name, 'alarmPrefix');
      readings.set(reading.name, reading);
    }
    if (matched.length === 0) logger.warn(`alarmPrefix "${health.alarmPrefix}" matches no alarm`);
  }
  if (health.stackAlarms) {
    const names = await source.stackAlarmNames(stackName, signal);
    for (const name of names) add(name, 'stackAlarms');
    if (names.length === 0) {
      // On AWS a stack with no alarm resources (or not created yet); moto also never creates them.
      // Not an error: a first deploy creates them. If the bake starts with none, the watch has
      // nothing to judge and ends as needs-attention, never as stable.
      logger.info(`stackAlarms: stack ${stackName} has no AWS::CloudWatch::Alarm resources (yet)`);
    } else {
      logger.warn(
        `stackAlarms: ${names.length} guarded alarm(s) belong to stack ${stackName} itself, so a deploy that changes them changes its own judge`,
      );
    }
  }

  const names = [...origins.keys()].sort();
  const unread = names.filter((n) => !readings.has(n));
  if (unread.length > 0) for (const [name, r] of await source.read(unread, signal)) readings.set(name, r);

  const missing = health.alarms.filter((n) => !readings.has(n));
  if (missing.length > 0) {
    throw new DeployGuardError(
      'ConfigInvalid',
      `health.alarms names ${missing.length === 1 ? 'an alarm' : 'alarms'} that CloudWatch does not have: ${missing.join(', ')}`,
      { hint: 'fix the names in deployguard.yaml (or create the alarms) before deploying; nothing was deployed' },
    );
  }
  // Metrics judge a deploy on their own: a health section of metrics only needs no alarm.
  if (names.length === 0 && !health.stackAlarms && (health.metrics?.length ?? 0) === 0) {
    throw new DeployGuardError('ConfigInvalid', 'health is configured but guards no alarm: nothing could judge this deploy', {
      hint: 'list alarms under health.alarms, set a health.alarmPrefix that matches some, list health.metrics, or remove the health section',
    });
  }

  const baseline: Record<string, AlarmState> = {};
  for (const name of names) {
    const reading = readings.get(name);
    if (reading) baseline[name] = reading.state;
  }
  const alreadyInAlarm = names.map((n) => readings.get(n)).filter((r): r is AlarmReading => r?.state === 'ALARM');
  const { triggers, why } = chooseRollbackTriggers(names, origins, readings);
  logger.info(`guarding ${names.length} alarm(s); ${why}`);
  return {
    names,
    origins: Object.fromEntries(origins),
    baseline,
    alreadyInAlarm,
    rollbackTriggers: triggers,
    rollbackTriggersWhy: why,
    readings,
  };
}

/**
 * Picks CloudFormation's rollback triggers: at most 5 (its limit), never one already in ALARM
 * (CloudFormation would roll back a deploy for a fire it did not start), never one of the stack's own
 * alarms (a trigger the update deletes fails the whole operation), names listed by hand first.
 */
export function chooseRollbackTriggers(
  names: readonly string[],
  origins: ReadonlyMap<string, readonly AlarmOrigin[]>,
  readings: ReadonlyMap<string, AlarmReading>,
): { triggers: RollbackTrigger[]; why: string } {
  const rank = (name: string) => (origins.get(name)?.includes('alarms') ? 0 : 1);
  const eligible: RollbackTrigger[] = [];
  const skipped: string[] = [];
  for (const name of [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) {
    const reading = readings.get(name);
    if (!reading?.arn) skipped.push(`${name} (no ARN)`);
    else if (reading.state === 'ALARM') skipped.push(`${name} (already in ALARM)`);
    else if (origins.get(name)?.includes('stackAlarms')) skipped.push(`${name} (a resource of this stack)`);
    else eligible.push({ name, arn: reading.arn, type: 'AWS::CloudWatch::Alarm' });
  }
  const triggers = eligible.slice(0, MAX_ROLLBACK_TRIGGERS);
  const over = eligible.slice(MAX_ROLLBACK_TRIGGERS).map((t) => t.name);
  const parts = [
    triggers.length > 0
      ? `CloudFormation rollback triggers during the update: ${triggers.map((t) => t.name).join(', ')}`
      : 'no CloudFormation rollback triggers',
  ];
  if (over.length > 0) {
    parts.push(`not triggers because CloudFormation takes at most ${MAX_ROLLBACK_TRIGGERS} (still watched): ${over.join(', ')}`);
  }
  if (skipped.length > 0) parts.push(`not triggers: ${skipped.join(', ')}`);
  return { triggers, why: parts.join('; ') };
}
