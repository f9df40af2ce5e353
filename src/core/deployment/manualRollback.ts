import type { AwsClients } from '../aws/clients';
import { describeStack, getTemplateBody } from '../aws/stackApi';
import { sha256 } from '../aws/template';
import { DeployGuardError } from '../errors';
import type { DeploymentRecord } from '../history/record';
import type { AwsSelection } from './awsSelection';
import { lockTiming, type EngineContext } from './engineContext';
import { outcomeOf, type DeploymentOutcome } from './outcome';
import { resumeInterrupted } from './resumeInterrupted';
import { rollbackToRecord } from './rollbackToRecord';
import { withStackLock } from './stackLock';
import { parametersMatch } from './targetMatch';

export interface ManualRollbackRequest extends AwsSelection {
  /** The record to restore; default the newest stable one that differs from what runs now. */
  readonly to?: string;
  readonly holder?: string;
  readonly waitIfBusyMs?: number;
  readonly signal?: AbortSignal;
}

/** `deployguard rollback ENV [--to ID]`: takes the lock and restores a stable record. */
export async function manualRollback(ctx: EngineContext, request: ManualRollbackRequest): Promise<DeploymentOutcome> {
  const signal = request.signal ?? new AbortController().signal;
  const lockOptions = { deploymentId: 'rollback', holder: request.holder ?? 'deployguard rollback', ...lockTiming(ctx) };
  return withStackLock(ctx, request, lockOptions, signal, async ({ stackHistory, clients, env, lock }) => {
    const resumed = await resumeInterrupted(ctx, stackHistory, clients, env, {}, signal, lock);
    const { records } = await stackHistory.list();
    let target: DeploymentRecord | undefined;
    if (request.to) {
      target = records.find((r) => r.id === request.to);
      if (!target)
        throw new DeployGuardError('Usage', `No deployment ${request.to} in the history of ${stackHistory.key.stackName}`, {
          hint: `see "deployguard history ${request.environment}"`,
        });
    } else {
      target = await pickRollbackTarget(clients, records, stackHistory.key.stackName, signal);
    }
    const record = await rollbackToRecord(ctx, {
      stackHistory,
      clients,
      environment: env,
      target,
      reason: `Manual rollback to ${target.id}${target.commit ? ` (commit ${target.commit.slice(0, 7)})` : ''}`,
      automatic: false,
      ...(request.waitIfBusyMs !== undefined ? { waitIfBusyMs: request.waitIfBusyMs } : {}),
      signal,
    });
    return outcomeOf(record, resumed);
  });
}

/** The newest stable record whose template or parameters differ from what the stack runs now. */
async function pickRollbackTarget(
  clients: AwsClients,
  records: readonly DeploymentRecord[],
  stackName: string,
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  const stable = records.filter((r) => r.status === 'stable');
  if (stable.length === 0) {
    throw new DeployGuardError('NoStableTarget', `Stack ${stackName} has no stable deployment in its history to roll back to`);
  }
  const cfn = await clients.cloudFormation();
  const current = await describeStack(cfn, stackName, signal);
  const body = current ? await getTemplateBody(cfn, current.stackId, signal) : '';
  const differs = stable.find((r) => !(current && sha256(body) === r.template.sha256 && parametersMatch(r.parameters, current.parameters)));
  if (!differs) {
    throw new DeployGuardError('RollbackRefused', `Every stable deployment of ${stackName} is what it runs now; nothing to roll back to`, {
      hint: 'pick one explicitly with --to ID',
    });
  }
  return differs;
}
