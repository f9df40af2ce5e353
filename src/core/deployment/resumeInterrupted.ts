import { hostname } from 'node:os';
import type { AwsClients } from '../aws/clients';
import { deleteChangeSet, describeChangeSet, describeStack } from '../aws/stackApi';
import { followStack } from '../aws/stackDeploy';
import { classifyAwsError, toDeployGuardError } from '../aws/awsErrors';
import { isFinal, statusRow } from '../deploymentStatus';
import { DeployGuardError, errorMessage } from '../errors';
import type { DeploymentRecord, JournalEntry } from '../history/record';
import type { StackLock } from '../history/lock';
import { writerGoneHere } from '../history/journal';
import type { StackHistory } from '../history/store';
import type { EnvironmentConfig } from '../pipeline/types';
import { endRecordedProcessGroup, type GroupEnding } from '../process';
import { createMasker } from '../secrets';
import { afterStackOperation, type BakeRequest } from './bakePhase';
import { DeploymentRun, statusForError } from './deploymentRun';
import { followTiming, type EngineContext } from './engineContext';
import { openEnding, openReason } from './inDoubt';
import { allowedTopics, tellTeam } from './notifyPhase';
import { finishRecover } from './recoverStack';
import { finishRestore } from './restoreVerification';
import { describeDifference, readAgainstTarget } from './targetMatch';
import { reportDamagedHistory } from './stackRecords';

export interface ResumeOptions {
  /**
   * Leave deployments a run left in doubt or unverified (journal `in-doubt`) for a person to
   * reattach to: the editor's automatic reattach after a reload does, its "Watch" action does not.
   */
  readonly leaveInDoubt?: boolean;
}

/**
 * Finishes deployments of this stack that a crash or a reload left open (journal without
 * `finished`), and those a run left open on purpose (journal `in-doubt`: outcome unknown, or live
 * and not verified). The caller holds the lock, so their writer is gone. Never starts a new
 * operation: an unexecuted change set is dropped (nothing was deployed); an executing one is
 * followed by its stack ARN and token to its end, then watched like a fresh deploy; a live,
 * unverified one is watched (a new bake) while the stack still runs it. One that stops again
 * without an outcome stays open (inDoubt.ts).
 */
export async function resumeInterrupted(
  ctx: EngineContext,
  stackHistory: StackHistory,
  clients: AwsClients,
  env: EnvironmentConfig,
  request: BakeRequest,
  signal: AbortSignal,
  lock: StackLock,
  options: ResumeOptions = {},
): Promise<DeploymentRecord[]> {
  const { open: all, damaged } = await stackHistory.journal.openOperations();
  const open = options.leaveInDoubt ? all.filter((e) => e.phase !== 'in-doubt') : all;
  reportDamagedHistory(ctx.emit, damaged);
  const finished: DeploymentRecord[] = [];
  const loaded = await Promise.all(
    open.map(async (entry) => ({ entry, record: await stackHistory.get(entry.deploymentId).catch(() => undefined) })),
  );
  // A restore ends before the deployment it undoes resumes: that one's outcome follows from the
  // restore's (restored and verified, still unhealthy, or failed), never from one left half-way.
  loaded.sort((a, b) => Number(a.record?.kind !== 'rollback') - Number(b.record?.kind !== 'rollback'));
  for (const { entry, record } of loaded) {
    // No record (it stopped before writing one: it changed nothing), or a record that already
    // says how it ended (it stopped after writing that, before closing its journal): the journal
    // is closed and nothing is resumed.
    if (!record || isFinal(record.status)) {
      await stackHistory.journal.append({ deploymentId: entry.deploymentId, phase: 'finished' });
      continue;
    }
    const run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, createMasker(), ctx.logger);
    run.holdsLock(lock);
    run.notice(
      'warning',
      'resuming',
      entry.phase === 'in-doubt'
        ? `Reattaching to deployment ${record.id}, left ${statusRow(record.status).words} (by ${entry.owner})`
        : `Resuming deployment ${record.id}, interrupted while ${entry.phase} (by ${entry.owner})`,
    );
    await endLeftoverSteps(run, entry);
    // A resumed restore the health watch started is told as part of the deployment it undoes, which
    // resumes after it: told on its own it would be a second message about one rollback.
    const tells = !(record.kind === 'rollback' && record.automatic === true);
    const topics = tells ? allowedTopics(run, env) : [];
    // Only an end is told: a record left open again is resumed (and told) by a later run.
    const tell = () => {
      if (tells && statusRow(run.record.status).final) tellTeam(ctx, run, topics, { resumed: true });
    };
    try {
      finished.push(await resumeOne(ctx, run, entry, env, request, signal));
      tell();
    } catch (err) {
      const stillOpen = openEnding(err, run.stopFacts(), signal);
      if (stillOpen) {
        const cancelled = statusForError(err, signal) === 'cancelled';
        const hint = DeployGuardError.is(err) && err.hint ? ` (${err.hint})` : '';
        const record = await run.leaveOpen(stillOpen, openReason(stillOpen, `${errorMessage(err)}${hint}`, cancelled));
        if (cancelled) throw err;
        finished.push(record);
        continue;
      }
      if (statusForError(err, signal) === 'cancelled') {
        // Cancelled by the user while reattached (e.g. the editor's Cancel after a reload): the
        // record ends as cancelled, like any deployment, instead of staying open for a next resume.
        await run.finish('cancelled', 'Cancelled after resuming an interrupted deployment').catch(() => undefined);
        throw err;
      }
      finished.push(await run.finish(statusForError(err), `Resuming after an interruption failed: ${errorMessage(err)}`));
      tell();
    }
  }
  if (open.length > 0) await stackHistory.journal.compact().catch(() => undefined);
  return finished;
}

async function resumeOne(
  ctx: EngineContext,
  run: DeploymentRun,
  entry: JournalEntry,
  env: EnvironmentConfig,
  request: BakeRequest,
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  const { record } = run;
  const cfn = await run.clients.cloudFormation();
  const token = entry.clientRequestToken ?? record.clientRequestToken;
  const stackId = entry.stackId ?? record.stackId;

  // A restore already on the stack: only its verification window was interrupted (its checkpoint resumes it).
  if (record.kind === 'rollback' && record.status === 'verifying-restore') {
    return finishRestore(ctx, run, {
      environment: env,
      restored: `Restored deployment ${record.rollbackTargetId ?? '(unknown)'} (verification resumed)`,
      ...(request.bakeMs !== undefined ? { windowMs: request.bakeMs } : {}),
      signal,
    });
  }
  // Live and never verified: watched again from the start (a new bake), while the stack runs it.
  if (record.status === 'unverified' && stackId) {
    const now = await readAgainstTarget(cfn, stackId, record, signal);
    if (!now.exists || !now.sameTemplate || !now.sameParameters)
      return run.finish('cancelled', `Not watched: the stack no longer runs this version (${describeDifference(now)})`);
    if (record.healthWatch?.verdict === undefined) delete record.healthWatch;
    run.operationSent = true;
  }
  // In doubt: the change set may never have been executed; if it was (or that cannot be read), follow it.
  if (record.status === 'in-doubt') return reattachInDoubt(ctx, run, entry, env, request, signal);
  // Already past the stack: only the watch was interrupted (or it was never verified).
  if ((record.status === 'watching' || record.status === 'unverified') && stackId && token) {
    const stack = await describeStack(cfn, stackId, signal);
    return afterStackOperation(
      ctx,
      run,
      env,
      {
        kind: 'executed',
        stackId,
        changes: record.changes ?? [],
        status: stack?.status ?? 'UNKNOWN',
        outcome: 'succeeded',
        ...(stack ? { stack } : {}),
      },
      request,
      signal,
    );
  }
  switch (entry.phase) {
    case 'started':
    case 'change-set-requested':
    case 'change-set-created':
    case 'execute-requested': {
      let executed = false;
      // By id once one was answered, else by the name the entry before the call gave it, in the
      // stack named by ARN or by name (a new stack's ARN comes with the change set's answer).
      const changeSet = entry.changeSetId ?? record.changeSetId ?? entry.changeSetName;
      if (changeSet) {
        const stack = stackId ?? record.stackName;
        try {
          const cs = await describeChangeSet(cfn, changeSet, stack, signal);
          executed = cs.executionStatus?.startsWith('EXECUTE_') === true;
          if (!executed) await deleteChangeSet(cfn, changeSet, stack);
        } catch {
          executed = entry.phase === 'execute-requested';
        }
      }
      if (!executed)
        return run.finish('cancelled', `Interrupted (${entry.phase}) before the change set was executed; the stack was not changed`);
      break;
    }
    case 'step-started':
      return run.finish('cancelled', 'Interrupted during the pipeline steps; the stack was not changed');
    case 'executing':
    case 'cancel-requested':
    case 'continue-rollback-requested':
      break;
    case 'delete-requested':
      return run.finish('cancelled', 'Interrupted while deleting the failed stack to recreate it; deploy again to create it');
    case 'in-doubt':
      // Left open but neither in doubt nor unverified (no stack ARN to watch by): follow what can be.
      break;
    case 'finished':
      return record;
  }
  return followAndBake(ctx, run, entry, env, request, signal, Date.parse(entry.at) - 5_000);
}

/**
 * A deployment left in doubt: its change set is read again. Never executed: dropped, nothing
 * changed. Executed, or still unreadable: followed by stack ARN and token from the deployment's
 * start (the operation began before the run that left it), then baked.
 */
async function reattachInDoubt(
  ctx: EngineContext,
  run: DeploymentRun,
  entry: JournalEntry,
  env: EnvironmentConfig,
  request: BakeRequest,
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  const { record } = run;
  const stackId = entry.stackId ?? record.stackId;
  const changeSetId = entry.changeSetId ?? record.changeSetId;
  if (changeSetId && stackId) {
    const cfn = await run.clients.cloudFormation();
    let executed: boolean;
    try {
      const cs = await describeChangeSet(cfn, changeSetId, stackId, signal);
      executed = cs.executionStatus?.startsWith('EXECUTE_') === true;
    } catch (err) {
      // Gone: consumed by its execution. Unreadable for another reason: this run cannot know either.
      if (classifyAwsError(err).kind !== 'changeSetNotFound') throw toDeployGuardError(err, `Reading change set ${changeSetId}`);
      executed = true;
    }
    if (!executed) {
      await deleteChangeSet(cfn, changeSetId, stackId);
      return run.finish('cancelled', 'The change set was never executed; the stack was not changed');
    }
  }
  return followAndBake(ctx, run, entry, env, request, signal, Date.parse(record.startedAt), { onlyIfStillRunsIt: true });
}

/** Follows the deployment's operation by stack ARN and token to its end, then bakes (or verifies a restore). */
async function followAndBake(
  ctx: EngineContext,
  run: DeploymentRun,
  entry: JournalEntry,
  env: EnvironmentConfig,
  request: BakeRequest,
  signal: AbortSignal,
  since: number,
  options: {
    /**
     * Bake only when the stack still runs this version: a deployment left in doubt may have been
     * overtaken since (a manual rollback, a change outside Deploy Guard), and its operation's
     * success then says nothing about what runs now.
     */
    readonly onlyIfStillRunsIt?: boolean;
  } = {},
): Promise<DeploymentRecord> {
  const { record } = run;
  const token = entry.clientRequestToken ?? record.clientRequestToken;
  const stackId = entry.stackId ?? record.stackId;
  if (!stackId || !token)
    return run.finish('needs-attention', 'Interrupted mid-deploy, but the journal has no stack ARN or token to reattach with');
  await run.setStatus(record.kind === 'rollback' ? 'rolling-back' : 'deploying', `Reattached to ${token} after an interruption`);
  run.operationSent = true;
  const result = await followStack(
    {
      poller: (sid) => run.poller(sid),
      stackName: record.stackName,
      token,
      hooks: run.stackHooks(),
      signal,
      followTiming: followTiming(ctx),
    },
    stackId,
    since,
  );
  // A recover continues a failed rollback: its success is UPDATE_ROLLBACK_COMPLETE, which for a
  // restore (an update to the stable version) would be a failure.
  if (record.recover) return finishRecover(run, result);
  if (record.kind === 'rollback') {
    record.stackStatus = result.status;
    return result.outcome === 'succeeded'
      ? finishRestore(ctx, run, {
          environment: env,
          restored: `Restored (${result.status}) after resuming`,
          ...(request.bakeMs !== undefined ? { windowMs: request.bakeMs } : {}),
          signal,
        })
      : run.finish('rollback-failed', `${result.reason ?? result.status} (${result.status})`);
  }
  if (options.onlyIfStillRunsIt && result.outcome === 'succeeded') {
    const now = await readAgainstTarget(await run.clients.cloudFormation(), stackId, record, signal);
    if (!now.exists || !now.sameTemplate || !now.sameParameters) {
      record.stackStatus = result.status;
      return run.finish(
        'cancelled',
        `Not watched: its update completed, but the stack no longer runs this version (${describeDifference(now)})`,
      );
    }
  }
  return afterStackOperation(ctx, run, env, { kind: 'executed', stackId, changes: record.changes ?? [], ...result }, request, signal);
}

/** How long a leftover step's process group gets between SIGTERM and SIGKILL. */
const LEFTOVER_GRACE_MS = 3_000;

/**
 * Ends what the dead writer's steps left running and marks the step `interrupted`. Only the group
 * the journal recorded, only when its writer ran on this host and is gone (a live writer — a
 * frozen window whose lock went stale — still owns its steps), and only after proving the group's
 * leader is the recorded process (endRecordedProcessGroup): a reused pid is never signalled.
 */
async function endLeftoverSteps(run: DeploymentRun, entry: JournalEntry): Promise<void> {
  const { record } = run;
  if (record.status !== 'running-steps' || !writerGoneHere(entry.owner)) return;
  const group = entry.stepGroup;
  let ending: GroupEnding | undefined;
  if (group && group.host === hostname()) {
    ending = await endRecordedProcessGroup({ pid: group.pgid, startTime: group.startTime, command: group.command }, LEFTOVER_GRACE_MS);
    if (ending === 'ended' || ending === 'survived')
      run.notice(
        ending === 'ended' ? 'info' : 'warning',
        'resuming',
        ending === 'ended'
          ? `Ended process group ${group.pgid} (${group.command}) left running by step ${group.stepIndex + 1}`
          : `Process group ${group.pgid} (${group.command}) of step ${group.stepIndex + 1} survived SIGKILL; end it by hand`,
      );
  }
  const now = new Date().toISOString();
  record.steps.forEach((step, index) => {
    const wasRunning = step.status === 'running' || (group?.stepIndex === index && step.status === 'pending');
    if (wasRunning) {
      step.status = 'interrupted';
      step.finishedAt = now;
      step.reason = `${entry.owner}, which ran it, died${group?.stepIndex === index && ending ? `; ${endingWords(ending, group.pgid)}` : ''}`;
    } else if (step.status === 'pending') {
      step.status = 'skipped';
    }
  });
  await run.save().catch(() => undefined);
}

function endingWords(ending: GroupEnding, pgid: number): string {
  switch (ending) {
    case 'ended':
      return `its process group ${pgid} was ended by the next run`;
    case 'survived':
      return `its process group ${pgid} survived SIGKILL`;
    case 'gone':
      return `its process group ${pgid} had already exited`;
    case 'not-same':
      return `pid ${pgid} now belongs to another process, left alone`;
  }
}
