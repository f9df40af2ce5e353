import { continueUpdateRollback } from '../aws/recover';
import { describeStack, getTemplateBody } from '../aws/stackApi';
import { followStack } from '../aws/stackDeploy';
import { sha256 } from '../aws/template';
import { DeployGuardError, errorMessage } from '../errors';
import { newDeploymentId } from '../history/paths';
import type { DeploymentRecord } from '../history/record';
import { createMasker } from '../secrets';
import type { AwsSelection } from './awsSelection';
import { DeploymentRun, exitCodeFor, statusForError, tokenFor } from './deploymentRun';
import { followTiming, lockTiming, type EngineContext } from './engineContext';
import { allowedTopics, tellTeam } from './notifyPhase';
import { outcomeOf, type DeploymentOutcome } from './outcome';
import { withStackLock } from './stackLock';
import { newRecord, parameterRecordsOfStack } from './stackRecords';

export interface RecoverRequest extends AwsSelection {
  /** Resources to skip; only ever what a person named (they stay inconsistent with the template). */
  readonly resourcesToSkip?: readonly string[];
  readonly holder?: string;
  readonly signal?: AbortSignal;
}

/** `deployguard recover ENV`: ContinueUpdateRollback on a stack in UPDATE_ROLLBACK_FAILED. */
export async function recoverStack(ctx: EngineContext, request: RecoverRequest): Promise<DeploymentOutcome> {
  const signal = request.signal ?? new AbortController().signal;
  const id = newDeploymentId();
  return withStackLock(
    ctx,
    request,
    { deploymentId: id, holder: request.holder ?? 'deployguard recover', ...lockTiming(ctx) },
    signal,
    async ({ stackHistory, clients, env, lock }) => {
      const cfn = await clients.cloudFormation();
      const stackName = stackHistory.key.stackName;
      const stack = await describeStack(cfn, stackName, signal);
      if (!stack || stack.status !== 'UPDATE_ROLLBACK_FAILED') {
        throw new DeployGuardError(
          'Usage',
          `Stack ${stackName} is ${stack ? `in ${stack.status}` : 'missing'}, not UPDATE_ROLLBACK_FAILED; there is nothing to recover`,
        );
      }
      const body = await getTemplateBody(cfn, stack.stackId, signal).catch(() => '');
      const record: DeploymentRecord = {
        ...newRecord(),
        id,
        kind: 'rollback',
        environment: request.environment,
        stackName,
        region: env.region,
        account: stackHistory.key.account,
        stackId: stack.stackId,
        trigger: 'recover',
        template: { body, sha256: sha256(body) },
        parameters: parameterRecordsOfStack(stack.parameters),
        tags: stack.tags,
        capabilities: [],
        clientRequestToken: tokenFor(id, 'recover'),
        steps: [],
        recover: { resourcesToSkip: request.resourcesToSkip ?? [] },
      };
      const run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, createMasker(), ctx.logger);
      run.holdsLock(lock);
      await run.save();
      run.announce();
      const topics = allowedTopics(run, env);
      const skip = request.resourcesToSkip ?? [];
      if (skip.length > 0) {
        run.notice(
          'warning',
          'skipping-resources',
          `Skipping ${skip.join(', ')}: CloudFormation marks them UPDATE_COMPLETE although they may not match the template; later updates of them may fail`,
        );
      }
      try {
        await run.setStatus('rolling-back', 'Continuing the failed rollback (ContinueUpdateRollback)');
        await run.journal('continue-rollback-requested', { stackId: stack.stackId });
        const since = Date.now();
        await continueUpdateRollback(cfn, stack.stackId, record.clientRequestToken!, skip, signal);
        const result = await followStack(
          {
            poller: (sid) => run.poller(sid),
            stackName,
            token: record.clientRequestToken!,
            hooks: run.stackHooks(),
            signal,
            followTiming: followTiming(ctx),
          },
          stack.stackId,
          since,
        );
        const final = await finishRecover(run, result);
        tellTeam(ctx, run, topics);
        // A completed recover is what the person asked for: exit 0, not the "rolled back" 3.
        return { record: final, exitCode: final.status === 'rolled-back' ? 0 : exitCodeFor(final.status), resumed: [] };
      } catch (err) {
        const final = await run.finish(statusForError(err, signal) === 'cancelled' ? 'cancelled' : 'needs-attention', errorMessage(err));
        tellTeam(ctx, run, topics);
        return outcomeOf(final);
      }
    },
  );
}

/**
 * How a continued rollback ends, whether this run followed it from the start or a later run
 * reattached to it: UPDATE_ROLLBACK_COMPLETE is the stack back at its previous version (what the
 * person asked for, `rolled-back`); any other end leaves the stack for a person.
 */
export function finishRecover(
  run: DeploymentRun,
  result: { readonly status: string; readonly reason?: string },
): Promise<DeploymentRecord> {
  run.record.stackStatus = result.status;
  return result.status === 'UPDATE_ROLLBACK_COMPLETE'
    ? run.finish('rolled-back', 'The rollback was completed; the stack is back at its previous version (UPDATE_ROLLBACK_COMPLETE)')
    : run.finish('needs-attention', `The continued rollback ended in ${result.status}: ${result.reason ?? ''}`);
}
