import { hostname } from 'node:os';
import type { AwsClients } from '../aws/clients';
import { deleteChangeSet, describeChangeSet, describeStack } from '../aws/stackApi';
import { followStack } from '../aws/stackDeploy';
import { errorMessage } from '../errors';
import type { DeploymentRecord, JournalEntry } from '../history/record';
import type { StackLock } from '../history/lock';
import type { StackHistory } from '../history/store';
import type { EnvironmentConfig } from '../pipeline/types';
import { endRecordedProcessGroup, type GroupEnding } from '../process';
import { createMasker } from '../secrets';
import { afterStackOperation, type BakeRequest } from './bakePhase';
import { DeploymentRun, statusForError } from './deploymentRun';
import { followTiming, type EngineContext } from './engineContext';
import { finishRestore } from './restoreVerification';
import { reportDamagedHistory } from './stackRecords';

/**
 * Finishes deployments of this stack that a crash or a reload left open (journal without
 * `finished`). The caller holds the lock, so their writer is gone. Never starts a new operation:
 * an unexecuted change set is dropped (nothing was deployed); an executing one is followed by
 * its stack ARN and token to its end, then watched like a fresh deploy.
 */
export async function resumeInterrupted(
  ctx: EngineContext,
  stackHistory: StackHistory,
  clients: AwsClients,
  env: EnvironmentConfig,
  request: BakeRequest,
  signal: AbortSignal,
  lock: StackLock,
): Promise<DeploymentRecord[]> {
  const { open, damaged } = await stackHistory.journal.openOperations();
  reportDamagedHistory(ctx.emit, damaged);
  const finished: DeploymentRecord[] = [];
  const loaded = await Promise.all(
    open.map(async (entry) => ({ entry, record: await stackHistory.get(entry.deploymentId).catch(() => undefined) })),
  );
  // A restore ends before the deployment it undoes resumes: that one's outcome follows from the
  // restore's (restored and verified, still unhealthy, or failed), never from one left half-way.
  loaded.sort((a, b) => Number(a.record?.kind !== 'rollback') - Number(b.record?.kind !== 'rollback'));
  for (const { entry, record } of loaded) {
    if (!record) {
      await stackHistory.journal.append({ deploymentId: entry.deploymentId, phase: 'finished' });
      continue;
    }
    const run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, createMasker(), ctx.logger);
    run.holdsLock(lock);
    run.notice('warning', 'resuming', `Resuming deployment ${record.id}, interrupted while ${entry.phase} (by ${entry.owner})`);
    await endLeftoverSteps(run, entry);
    try {
      finished.push(await resumeOne(ctx, run, entry, env, request, signal));
    } catch (err) {
      if (statusForError(err, signal) === 'cancelled') {
        // Cancelled by the user while reattached (e.g. the editor's Cancel after a reload): the
        // record ends as cancelled, like any deployment, instead of staying open for a next resume.
        await run.finish('cancelled', 'Cancelled after resuming an interrupted deployment').catch(() => undefined);
        throw err;
      }
      finished.push(await run.finish(statusForError(err), `Resuming after an interruption failed: ${errorMessage(err)}`));
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
  // Already past the stack: only the watch was interrupted.
  if (record.status === 'watching' && stackId && token) {
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
      if (entry.changeSetId && stackId) {
        try {
          const cs = await describeChangeSet(cfn, entry.changeSetId, stackId, signal);
          executed = cs.executionStatus?.startsWith('EXECUTE_') === true;
          if (!executed) await deleteChangeSet(cfn, entry.changeSetId, stackId);
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
    case 'finished':
      return record;
  }
  if (!stackId || !token)
    return run.finish('needs-attention', 'Interrupted mid-deploy, but the journal has no stack ARN or token to reattach with');
  await run.setStatus(record.kind === 'rollback' ? 'rolling-back' : 'deploying', `Reattached to ${token} after an interruption`);
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
    Date.parse(entry.at) - 5_000,
  );
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
  if (record.status !== 'running-steps' || !writerDeadHere(entry.owner)) return;
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

/** Whether the journal's writer (`pid@host`) ran on this host and no longer runs. */
function writerDeadHere(owner: string): boolean {
  const at = owner.indexOf('@');
  const pid = Number(owner.slice(0, at));
  if (at < 0 || owner.slice(at + 1) !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
