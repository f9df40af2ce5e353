import type { AwsClients } from '../aws/clients';
import { describeStack, getTemplateBody } from '../aws/stackApi';
import { sha256 } from '../aws/template';
import { DeployGuardError } from '../errors';
import { writeIncidentNote } from '../incident/writeIncident';
import { chooseRollbackTarget, currentVersion } from '../history/ledger';
import type { DeploymentRecord } from '../history/record';
import type { AwsSelection } from './awsSelection';
import { lockTiming, type EngineContext } from './engineContext';
import { tellTeamOfRecord } from './notifyPhase';
import { outcomeOf, type DeploymentOutcome } from './outcome';
import { resumeInterrupted } from './resumeInterrupted';
import { rollbackToRecord } from './rollbackToRecord';
import { withStackLock } from './stackLock';
import { parametersMatch } from './targetMatch';

export interface ManualRollbackRequest extends AwsSelection {
  /** The record to restore; default the version before what the stack runs now (the ledger's). */
  readonly to?: string;
  /** The restore's verification window; default the environment's bake. */
  readonly verifyMs?: number;
  readonly holder?: string;
  readonly waitIfBusyMs?: number;
  readonly signal?: AbortSignal;
}

/** `deployguard rollback ENV [--to ID]`: takes the lock and restores a stable record. */
export async function manualRollback(ctx: EngineContext, request: ManualRollbackRequest): Promise<DeploymentOutcome> {
  const signal = request.signal ?? new AbortController().signal;
  const lockOptions = { deploymentId: 'rollback', holder: request.holder ?? 'deployguard rollback', ...lockTiming(ctx) };
  return withStackLock(ctx, request, lockOptions, signal, async ({ stackHistory, clients, env, lock }) => {
    const resumed = await resumeInterrupted(
      ctx,
      stackHistory,
      clients,
      env,
      request.verifyMs !== undefined ? { bakeMs: request.verifyMs } : {},
      signal,
      lock,
      // A version left in doubt or unverified is what a person may be rolling back: it is not
      // baked first. The next deploy finds it no longer running and closes it.
      { leaveInDoubt: true },
    );
    const { records } = await stackHistory.list();
    let target: DeploymentRecord | undefined;
    if (request.to) {
      // A team store lists the newest records only: an older one is read by its id.
      target = records.find((r) => r.id === request.to) ?? (await stackHistory.get(request.to));
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
      lock,
      ...(request.verifyMs !== undefined ? { verifyMs: request.verifyMs } : {}),
      ...(request.waitIfBusyMs !== undefined ? { waitIfBusyMs: request.waitIfBusyMs } : {}),
      ...(request.processEnv ? { processEnv: request.processEnv } : {}),
      signal,
    });
    // The team hears of every manual rollback that ran: restored, failed or still unhealthy.
    tellTeamOfRecord(ctx, record, clients, env);
    // A rollback that failed or left the stack unhealthy gets its note too (without commits: no repository is at hand here).
    await writeIncidentNote(stackHistory, record, undefined, ctx.logger);
    return outcomeOf(record, resumed);
  });
}

/**
 * Undoes what the stack runs now, by the ledger: when it runs something other than the current
 * version (an unverified deploy left live, a change made outside Deploy Guard), the current version
 * is the way back; when it runs the current version, the version before that (chooseRollbackTarget),
 * passing over any the stack already holds.
 */
async function pickRollbackTarget(
  clients: AwsClients,
  records: readonly DeploymentRecord[],
  stackName: string,
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  const version = currentVersion(records);
  if (!version) {
    throw new DeployGuardError('NoStableTarget', `Stack ${stackName} has no stable deployment in its history to roll back to`);
  }
  const cfn = await clients.cloudFormation();
  const current = await describeStack(cfn, stackName, signal);
  const body = current ? await getTemplateBody(cfn, current.stackId, signal) : '';
  const runsNow = (r: DeploymentRecord) =>
    current !== undefined && sha256(body) === r.template.sha256 && parametersMatch(r.parameters, current.parameters);
  if (!runsNow(version)) return version;
  const choice = chooseRollbackTarget(records, version, { skip: runsNow });
  if (!choice) {
    throw new DeployGuardError('RollbackRefused', `Every stable deployment of ${stackName} is what it runs now; nothing to roll back to`, {
      hint: 'pick one explicitly with --to ID',
    });
  }
  return choice.target;
}
