/**
 * After the stack operation: its result becomes the record's status, and a successful one is
 * baked (the health watch), which may restore the previous stable record by itself.
 */
import type { StackDeployResult } from '../aws/stackDeploy';
import { interpretStackStatus } from '../aws/stackStatus';
import { watchAfterDeploy, type AfterDeployResult } from '../health/afterDeploy';
import type { DeploymentRecord } from '../history/record';
import type { EnvironmentConfig } from '../pipeline/types';
import { systemClock } from '../time';
import type { DeploymentRun } from './deploymentRun';
import type { EngineContext } from './engineContext';
import { rollbackToRecord } from './rollbackToRecord';
import { stackPolicyAdvice } from './stackPolicyAdvice';
import type { DeployRequest } from './runDeployment';

/** What the bake needs from the request (a resumed deployment has only these). */
export type BakeRequest = Pick<DeployRequest, 'bakeMs' | 'confirmRollback' | 'processEnv'>;

/** Maps a stack operation's result to the record, then runs the watch when it succeeded. */
export async function afterStackOperation(
  ctx: EngineContext,
  run: DeploymentRun,
  env: EnvironmentConfig,
  result: StackDeployResult,
  request: BakeRequest,
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  const { record } = run;
  switch (result.kind) {
    case 'unchanged':
      return run.finish('unchanged', 'The change set contained no changes; nothing was deployed');
    case 'declined':
      return run.finish('cancelled', 'The planned changes were not confirmed; nothing was deployed');
    case 'executed':
      break;
  }
  record.stackStatus = result.status;
  const policy = stackPolicyAdvice(record.stackName, result.failedResource);
  switch (result.outcome) {
    case 'succeeded':
      break;
    case 'failed-restored':
      // CloudFormation already restored the previous version: never roll back a second time.
      return run.finish(
        'failed',
        `${result.reason ?? 'the update failed'} — CloudFormation rolled the stack back to the previous version (${result.status})${policy}`,
      );
    case 'failed':
      return run.finish(
        'failed',
        `${result.reason ?? 'the operation failed'} (${result.status})${policy}${result.status === 'ROLLBACK_COMPLETE' ? '; the stack can only be deleted now: deploy again with --replace-failed-stack to recreate it' : ''}`,
      );
    case 'attention':
      return run.finish(
        'needs-attention',
        `${result.reason ?? interpretStackStatus(result.status).explain} (${result.status})${result.status === 'UPDATE_ROLLBACK_FAILED' ? `; run "deployguard recover ${record.environment}" to continue the rollback` : ''}`,
      );
    case 'deleted':
      return run.finish('failed', `The stack was deleted while deploying (${result.status})`);
  }

  const outputs = result.stack?.outputs ?? {};
  if (Object.keys(outputs).length > 0) {
    record.outputs = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, run.masker.mask(v)]));
    for (const [k, v] of Object.entries(record.outputs)) run.log(`Output ${k} = ${v}`);
  }

  // The watch.
  await run.setStatus('watching', undefined, { soon: true });
  const watch: AfterDeployResult = await watchAfterDeploy({
    record,
    environment: env,
    ...(request.bakeMs !== undefined ? { bakeMs: request.bakeMs } : {}),
    clients: run.clients,
    history: run.stackHistory,
    emit: ctx.emit,
    logger: ctx.logger,
    clock: ctx.clock ?? systemClock,
    signal,
    deploymentStartedAt: run.startedAt,
    // The watch decides whether and where to roll back; this only restores. The restore carries
    // the deployment's fixed token: after a crash the watch finds it recorded by that token
    // instead of starting a second one.
    restore: (req) =>
      rollbackToRecord(ctx, {
        stackHistory: run.stackHistory,
        clients: run.clients,
        environment: env,
        target: req.target,
        reason: req.reason,
        automatic: true,
        lock: run.heldLock,
        rollbackOf: req.rollbackOf.id,
        token: req.clientRequestToken,
        // The restore is verified as long as the bake (--bake sets both), under this deployment's alarms too.
        ...(request.bakeMs !== undefined ? { verifyMs: request.bakeMs } : {}),
        ...(req.rollbackOf.healthWatch ? { alarms: req.rollbackOf.healthWatch.alarms } : {}),
        // ...and judged against the baseline read before this deployment, never against its bake.
        ...(req.rollbackOf.healthWatch?.metrics ? { metrics: req.rollbackOf.healthWatch.metrics } : {}),
        ...(req.onVerifying ? { onVerifying: req.onVerifying } : {}),
        signal: req.signal ?? signal,
        ...(request.processEnv ? { processEnv: request.processEnv } : {}),
      }),
    showStatus: (status, reason) => run.showStatus(status, reason),
    ...(request.confirmRollback ? { confirmRollback: request.confirmRollback } : {}),
  });
  if (watch.outcome === 'no-watch') return run.finish('stable', `The stack is ${result.status}`);
  if (watch.health) record.health = watch.health;
  run.setExitCode(watch.exitCode);
  return run.finish(watch.status, watch.reason);
}
