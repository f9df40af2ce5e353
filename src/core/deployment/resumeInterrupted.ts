import type { AwsClients } from '../aws/clients';
import { deleteChangeSet, describeChangeSet, describeStack } from '../aws/stackApi';
import { followStack } from '../aws/stackDeploy';
import { errorMessage, isCancellation } from '../errors';
import type { DeploymentRecord, JournalEntry } from '../history/record';
import type { StackLock } from '../history/lock';
import type { StackHistory } from '../history/store';
import type { EnvironmentConfig } from '../pipeline/types';
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
  _lock: StackLock,
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
    run.notice('warning', 'resuming', `Resuming deployment ${record.id}, interrupted while ${entry.phase} (by ${entry.owner})`);
    try {
      finished.push(await resumeOne(ctx, run, entry, env, request, signal));
    } catch (err) {
      if (isCancellation(err)) {
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
