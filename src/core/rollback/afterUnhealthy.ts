/**
 * What happens when the watch finds a deployment unhealthy, in the order that keeps a rollback
 * from making things worse (each rule a way automated rollbacks have done harm):
 *  1. a rollback is never itself rolled back automatically, and a deployment gets at most one;
 *  2. the target is the version the stack ran before this deployment, the nearest verified one
 *     (chooseRollbackTarget: by the ledger's links, never by id order); the stack as first found
 *     only when nothing was ever verified, and then the message says so; none → notify only;
 *  3. a target identical to what is deployed would change nothing → notify only;
 *  4. the policy: `off` reports, `prompt` asks (no one to ask → report, exit 3), `auto` goes on;
 *  5. compare-and-swap: the stack must still be idle at *this* deployment's version;
 *  6. the stable template and parameters are redeployed through a change set with their own,
 *     fixed ClientRequestToken (the engine's manual-rollback path, whose record is written before
 *     its first AWS call, so a resumed watch finds it and never starts a second one);
 *  7. the stable version must then really be back (GetTemplate and parameters), else rollback-failed;
 *  8. the restore is verified under the guarded alarms for a window: still in ALARM or unknown at
 *     its end → rolled-back-unhealthy (a person decides; never a second rollback).
 * Never deletes a stack, skips resources or touches a stack policy.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { requestTokenFor } from '../aws/requestToken';
import { errorMessage, isCancellation } from '../errors';
import { chooseRollbackTarget, targetWords } from '../history/ledger';
import type { DeploymentRecord } from '../history/record';
import type { Logger } from '../logger';
import { ExitCode, statusRow, type DeploymentStatus } from '../deploymentStatus';
import type { RollbackPolicy } from '../pipeline/types';
import type { RollbackFinishedEvent, RollbackStartedEvent } from '../health/events';
import { checkStillOurs, readStack, stackMatchesRecord, type StackSnapshot } from './stackSnapshot';

/**
 * Redeploys a stable record through a change set (the engine's manual-rollback path) and returns
 * the rollback's own history record. The one port from the watch to the engine's restore.
 */
export type RestoreStable = (request: RestoreRequest) => Promise<DeploymentRecord>;

export interface RestoreRequest {
  /** The stable record whose exact template and parameters go back. */
  readonly target: DeploymentRecord;
  /** The deployment being undone. */
  readonly rollbackOf: DeploymentRecord;
  /** Fixed per unhealthy deployment, so a retried call is the same operation, never a second one. */
  readonly clientRequestToken: string;
  readonly reason: string;
  /** Told as the restore's verification window starts (the undone deployment shows `verifying-restore`). */
  readonly onVerifying?: () => void;
  readonly signal?: AbortSignal;
}

/** What a person is asked under `rollback: prompt`. */
export interface RollbackQuestion {
  readonly deployment: DeploymentRecord;
  readonly target: DeploymentRecord;
  readonly alarm: string;
  readonly reason: string;
}

/** Answers `prompt`: true = roll back now, false = keep this version. */
export type ConfirmRollback = (question: RollbackQuestion) => Promise<boolean>;

/** What the rollback handling has done so far for one deployment (kept in its watch checkpoint). */
export interface RollbackMark {
  readonly token: string;
  readonly targetId: string;
  readonly startedAt: string;
}

export interface AfterUnhealthyOptions {
  readonly deployment: DeploymentRecord;
  readonly alarm: string;
  /** Set when a metric regression, not an alarm, made the deployment unhealthy (`alarm` then names the metric too). */
  readonly metric?: string;
  readonly reason: string;
  readonly policy: RollbackPolicy;
  /** Every record of the stack, in any order (for the rollback target). */
  readonly records: readonly DeploymentRecord[];
  readonly cloudFormation: CloudFormationClient;
  /** The stack as read when the verdict came (started early to save time); default: read it here. */
  readonly stackNow?: Promise<StackSnapshot | undefined>;
  readonly restore: RestoreStable;
  /** For `prompt`; absent when no one can be asked (CLI without a terminal). */
  readonly confirm?: ConfirmRollback;
  /** Set when a rollback of this deployment was already started (a resumed watch): never a second one. */
  readonly alreadyStarted?: RollbackMark;
  /** Records the intent as the rollback starts (the engine's rollback record, written before its first AWS call, is the durable proof). */
  readonly markStarted: (mark: RollbackMark) => Promise<void>;
  readonly emit: (event: RollbackStartedEvent | RollbackFinishedEvent) => void;
  /** Told as the restore's verification window starts. */
  readonly verifying?: () => void;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

export interface AfterUnhealthyOutcome {
  /** The unhealthy deployment's final status. */
  readonly status: DeploymentStatus;
  readonly reason: string;
  readonly exitCode: ExitCode;
  readonly targetId?: string;
  readonly rollbackDeploymentId?: string;
}

/** The deterministic token of a deployment's one automatic rollback. */
export function rollbackTokenFor(deploymentId: string): string {
  return requestTokenFor(deploymentId, 'rollback');
}

export async function afterUnhealthy(options: AfterUnhealthyOptions): Promise<AfterUnhealthyOutcome> {
  const { deployment, logger } = options;
  const at = () => new Date().toISOString();
  const notRolledBack = (reason: string, exitCode: ExitCode = ExitCode.NeedsPerson, targetId?: string): AfterUnhealthyOutcome => {
    const target = targetId !== undefined ? { targetId } : {};
    options.emit({ type: 'rollback-finished', deploymentId: deployment.id, at: at(), outcome: 'not-rolled-back', ...target, reason });
    logger.warn(reason);
    return { status: 'needs-attention', reason, exitCode, ...target };
  };
  const unhealthy = `unhealthy: ${options.reason}`;

  if (options.alreadyStarted) return verifyStarted(options, options.alreadyStarted);

  if (deployment.kind === 'rollback') {
    return notRolledBack(`${unhealthy}; this deployment is itself a rollback, which is never rolled back automatically`);
  }
  const target = chooseRollbackTarget(options.records, deployment)?.target;
  if (!target) return notRolledBack(`${unhealthy}; there is no stable deployment to return to, so nothing was rolled back`);
  if (sameVersion(target, deployment)) {
    return notRolledBack(
      `${unhealthy}; the last stable deployment ${target.id} has the same template and parameters, so a rollback would change nothing`,
      ExitCode.NeedsPerson,
      target.id,
    );
  }
  if (options.policy === 'off') {
    return notRolledBack(
      `${unhealthy}; rollback is off for this environment, so ${target.id} was not restored`,
      ExitCode.NeedsPerson,
      target.id,
    );
  }
  if (options.policy === 'prompt') {
    if (!options.confirm) {
      // `prompt` without anyone to ask (CI, no terminal): exit 3, as the README's exit-code table
      // promises, and nothing rolled back.
      return notRolledBack(
        `${unhealthy}; rollback is "prompt" and no one could be asked, so it was not rolled back (run "deployguard rollback ${deployment.environment}" to restore ${target.id})`,
        ExitCode.RolledBack,
        target.id,
      );
    }
    const yes = await options.confirm({ deployment, target, alarm: options.alarm, reason: options.reason });
    if (!yes) return notRolledBack(`${unhealthy}; kept this version as asked`, ExitCode.NeedsPerson, target.id);
  }

  // Compare-and-swap: act only on the stack exactly as this deployment left it.
  let snapshot;
  try {
    snapshot = await (options.stackNow ?? readStack(options.cloudFormation, deployment.stackId ?? deployment.stackName, options.signal));
  } catch (err) {
    if (isCancellation(err)) throw err;
    return notRolledBack(
      `${unhealthy}; the stack could not be read before rolling back (${errorMessage(err)}), so nothing was done`,
      ExitCode.NeedsPerson,
      target.id,
    );
  }
  const ours = checkStillOurs(snapshot, deployment);
  if (!ours.same) return notRolledBack(`${unhealthy}; not rolled back because ${ours.why}`, ExitCode.NeedsPerson, target.id);

  const mark: RollbackMark = { token: rollbackTokenFor(deployment.id), targetId: target.id, startedAt: at() };
  await options.markStarted(mark);
  return runRestore(options, target, mark);
}

async function runRestore(options: AfterUnhealthyOptions, target: DeploymentRecord, mark: RollbackMark): Promise<AfterUnhealthyOutcome> {
  const { deployment, logger } = options;
  const cause = options.metric !== undefined ? `metric ${options.metric} regressed` : `alarm ${options.alarm} fired`;
  const reason = `${cause} after deployment ${deployment.id}: restoring ${targetWords(target)}`;
  options.emit({
    type: 'rollback-started',
    deploymentId: deployment.id,
    at: new Date().toISOString(),
    targetId: target.id,
    ...(target.commit ? { targetCommit: target.commit } : {}),
    clientRequestToken: mark.token,
    reason,
  });
  logger.info(reason);
  let rollbackRecord: DeploymentRecord | undefined;
  try {
    rollbackRecord = await options.restore({
      target,
      rollbackOf: deployment,
      clientRequestToken: mark.token,
      reason,
      ...(options.verifying ? { onVerifying: options.verifying } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Whatever happened, the stack decides: verify below rather than trusting the error.
    logger.error(`the rollback to ${target.id} failed: ${errorMessage(err)}`);
    return verify(options, target, mark, undefined, errorMessage(err));
  }
  return verify(options, target, mark, rollbackRecord, undefined);
}

/** A resumed watch whose rollback was already started: never start a second one; check what happened. */
async function verifyStarted(options: AfterUnhealthyOptions, mark: RollbackMark): Promise<AfterUnhealthyOutcome> {
  const target = options.records.find((r) => r.id === mark.targetId);
  const rollbackRecord = options.records.find((r) => r.kind === 'rollback' && r.clientRequestToken === mark.token);
  if (!target) {
    const reason = `a rollback to ${mark.targetId} was started earlier but that record is gone; not trying again`;
    options.emit({
      type: 'rollback-finished',
      deploymentId: options.deployment.id,
      at: new Date().toISOString(),
      outcome: 'rollback-failed',
      reason,
    });
    return { status: 'rollback-failed', reason, exitCode: ExitCode.NeedsPerson, targetId: mark.targetId };
  }
  return verify(options, target, mark, rollbackRecord, undefined);
}

async function verify(
  options: AfterUnhealthyOptions,
  target: DeploymentRecord,
  mark: RollbackMark,
  rollbackRecord: DeploymentRecord | undefined,
  failure: string | undefined,
): Promise<AfterUnhealthyOutcome> {
  options.logger.debug(`verifying rollback ${mark.token} to ${target.id}`);
  const { deployment } = options;
  let problem = failure;
  if (!problem && rollbackRecord && !restoredBy(rollbackRecord.status)) {
    problem = `the rollback deployment ${rollbackRecord.id} ended ${rollbackRecord.status}${rollbackRecord.reason ? `: ${rollbackRecord.reason}` : ''}`;
  }
  let snapshot;
  try {
    snapshot = await readStack(options.cloudFormation, deployment.stackId ?? deployment.stackName, options.signal);
  } catch (err) {
    if (isCancellation(err)) throw err;
    problem = problem ?? `the stack could not be read after the rollback (${errorMessage(err)})`;
  }
  if (snapshot && !problem) {
    const match = stackMatchesRecord(snapshot, target);
    if (!match.same) problem = `after the rollback ${match.why}`;
    else if (!['UPDATE_COMPLETE', 'CREATE_COMPLETE', 'IMPORT_COMPLETE'].includes(snapshot.status)) {
      problem = `after the rollback the stack is ${snapshot.status}`;
    }
  }
  const at = new Date().toISOString();
  const rollbackId = rollbackRecord ? { rollbackDeploymentId: rollbackRecord.id } : {};
  if (problem) {
    const reason = `unhealthy: ${options.reason}; rolling back to ${target.id} failed: ${problem}. Not retried: a person must look`;
    options.emit({
      type: 'rollback-finished',
      deploymentId: deployment.id,
      at,
      outcome: 'rollback-failed',
      targetId: target.id,
      ...rollbackId,
      reason,
    });
    return {
      status: 'rollback-failed',
      reason,
      exitCode: ExitCode.NeedsPerson,
      targetId: target.id,
      ...rollbackId,
    };
  }
  if (rollbackRecord?.status === 'rolled-back-unhealthy') {
    // The version is back but its alarms did not recover: something besides this deployment may be
    // wrong. A person decides; rolling back again (or further) could only make it worse.
    const why = rollbackRecord.health?.verdict.reason ?? 'its alarms did not recover';
    const reason = `unhealthy: ${options.reason}; rolled back to ${targetWords(target)}, but it is still unhealthy (${why}). The cause may not be this deployment; not rolled back again: a person must look`;
    options.emit({
      type: 'rollback-finished',
      deploymentId: deployment.id,
      at,
      outcome: 'rolled-back',
      targetId: target.id,
      rollbackDeploymentId: rollbackRecord.id,
      reason,
    });
    return {
      status: 'rolled-back-unhealthy',
      reason,
      exitCode: ExitCode.NeedsPerson,
      targetId: target.id,
      rollbackDeploymentId: rollbackRecord.id,
    };
  }
  const reason = `rolled back to ${targetWords(target)}, which is current again: ${options.reason}`;
  options.emit({
    type: 'rollback-finished',
    deploymentId: deployment.id,
    at,
    outcome: 'rolled-back',
    targetId: target.id,
    ...rollbackId,
    reason,
  });
  return { status: 'rolled-back', reason, exitCode: ExitCode.RolledBack, targetId: target.id, ...rollbackId };
}

/**
 * Same template and same stored parameter values (a value from the environment by its
 * fingerprint): redeploying one over the other changes nothing.
 */
function sameVersion(a: DeploymentRecord, b: DeploymentRecord): boolean {
  if (a.template.sha256 !== b.template.sha256) return false;
  const values = (r: DeploymentRecord) =>
    JSON.stringify([...r.parameters].map((p) => [p.key, p.value ?? p.sha256 ?? null, Boolean(p.usePreviousValue)]).sort());
  return values(a) === values(b);
}

/**
 * A rollback record in this status put its target back (stable, unchanged, or itself restored;
 * or restored but still unhealthy, which the caller reports as such).
 */
function restoredBy(status: DeploymentStatus): boolean {
  const { outcome } = statusRow(status);
  return outcome === 'good' || outcome === 'rolled-back' || status === 'rolled-back-unhealthy';
}
