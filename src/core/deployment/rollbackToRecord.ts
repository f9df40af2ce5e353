import { holderIdentity } from '../history/holder';
import type { CheckpointMetrics } from '../health/afterDeploy';
import type { StackLock } from '../history/lock';
import type { AwsClients } from '../aws/clients';
import { parametersForRedeploy, refuseSecrets, tagsForRedeploy } from '../aws/parameters';
import { describeStack, getTemplateBody } from '../aws/stackApi';
import { bucketOfTemplateUrl, deployStack } from '../aws/stackDeploy';
import { interpretStackStatus } from '../aws/stackStatus';
import { declaredParameters, describeTemplate, sha256 } from '../aws/template';
import type { DeploymentTrigger } from '../deploymentTrigger';
import { DeployGuardError, errorMessage, isCancellation } from '../errors';
import { currentVersion } from '../history/ledger';
import { newDeploymentId } from '../history/paths';
import type { DeploymentRecord } from '../history/record';
import type { StackHistory } from '../history/store';
import type { EnvironmentConfig } from '../pipeline/types';
import { createMasker } from '../secrets';
import { missingAssets } from '../cdk/publishAssets';
import { DeploymentRun, tokenFor } from './deploymentRun';
import { newRecord } from './stackRecords';
import { changeSetTiming, followTiming, type EngineContext } from './engineContext';
import { previousVersion } from './previousVersion';
import { stackPolicyAdvice } from './stackPolicyAdvice';
import { finishRestore } from './restoreVerification';
import { describeDifference, parametersMatch, readAgainstTarget } from './targetMatch';

export interface RollbackOptions {
  readonly stackHistory: StackHistory;
  readonly clients: AwsClients;
  readonly environment: EnvironmentConfig;
  /** The stable record to restore. */
  readonly target: DeploymentRecord;
  readonly reason: string;
  /** Started by the health watch (true) or a person (false). */
  readonly automatic: boolean;
  /** The deployment being undone, when there is one. */
  readonly rollbackOf?: string;
  /** ClientRequestToken to use (the health watch's deterministic one); default from the new id. */
  readonly token?: string;
  readonly waitIfBusyMs?: number;
  readonly trigger?: DeploymentTrigger;
  /** The restore's verification window; default the environment's bake. */
  readonly verifyMs?: number;
  /** Alarms to verify the restore with besides the environment's (the undone deployment's). */
  readonly alarms?: readonly string[];
  /** The undone deployment's guarded metrics and the baseline read before it: the restore is judged against that baseline. */
  readonly metrics?: CheckpointMetrics;
  /** Told as the verification window starts. */
  readonly onVerifying?: () => void;
  readonly signal?: AbortSignal;
  /** The stack lock the caller holds: once it is lost, the restore stops before its next stack change. */
  readonly lock?: StackLock | undefined;
  /** Where values the target took from `${env:VAR}` are read again (default process.env). */
  readonly processEnv?: NodeJS.ProcessEnv;
}

/**
 * Redeploys a stable record's exact template and parameters through a change set, as its own
 * deployment record (kind `rollback`). The caller holds the stack lock. Refuses a target that is
 * not stable or that equals what is deployed now. A restore that holds is then verified under the
 * environment's guarded alarms (restoreVerification.ts) before it is a stable version. NoEcho
 * parameters can only keep their current value (UsePreviousValue), and the user is told so.
 */
export async function rollbackToRecord(ctx: EngineContext, options: RollbackOptions): Promise<DeploymentRecord> {
  const { target, stackHistory, clients } = options;
  const signal = options.signal ?? new AbortController().signal;
  if (target.status !== 'stable') {
    throw new DeployGuardError(
      'RollbackRefused',
      `Deployment ${target.id} is ${target.status}, not stable; only stable deployments can be restored`,
      {
        hint: 'pick a stable one from "deployguard history ENV"',
      },
    );
  }
  const cfn = await clients.cloudFormation();
  const current = await describeStack(cfn, target.stackName, signal);
  if (!current) {
    throw new DeployGuardError('RollbackRefused', `Stack ${target.stackName} does not exist; there is nothing to roll back`, {
      hint: 'deploy it instead',
    });
  }
  const currentBody = await getTemplateBody(cfn, current.stackId, signal);
  if (sha256(currentBody) === target.template.sha256 && parametersMatch(target.parameters, current.parameters)) {
    throw new DeployGuardError(
      'RollbackRefused',
      `Deployment ${target.id} is what stack ${target.stackName} runs now (same template and parameters); nothing to roll back`,
    );
  }

  // A CDK version's template names its code by bucket and key: restored only while that code is there.
  const gone = target.cdk ? await missingAssets(clients, target.cdk.assets, signal) : [];
  if (gone.length > 0) {
    throw new DeployGuardError(
      'RollbackRefused',
      `Deployment ${target.id}'s CDK assets are no longer in their bucket: ${gone.join(', ')}; its template would deploy without its code`,
      { hint: 'check the bucket (a lifecycle rule, or someone emptied it); redeploy that commit instead, which publishes them again' },
    );
  }

  const linkTo = options.rollbackOf ?? currentVersion((await stackHistory.list()).records)?.id;
  const id = newDeploymentId();
  const declared = declaredParameters(target.template.body);
  const secrets = { deploymentId: target.id, current: current.parameters, processEnv: options.processEnv ?? process.env };
  const refused: string[] = [];
  const { sdk, previousValueKeys } = parametersForRedeploy(
    target.parameters,
    declared,
    new Set(current.parameters.keys()),
    secrets,
    refused,
  );
  const tags = tagsForRedeploy(target.tags, target.secretTags, secrets, refused);
  refuseSecrets(refused);
  const record: DeploymentRecord = {
    ...newRecord(),
    id,
    kind: 'rollback',
    environment: target.environment,
    stackName: target.stackName,
    region: target.region,
    account: target.account,
    stackId: current.stackId,
    ...(target.commit ? { commit: target.commit } : {}),
    ...(target.branch ? { branch: target.branch } : {}),
    trigger: options.trigger ?? (options.automatic ? 'health' : 'rollback'),
    startedBy: holderIdentity(),
    template: { ...target.template },
    parameters: target.parameters.map((p) =>
      previousValueKeys.includes(p.key) ? { key: p.key, usePreviousValue: true, ...(p.noEcho ? { noEcho: true } : {}) } : p,
    ),
    tags: { ...target.tags },
    ...(target.secretTags ? { secretTags: { ...target.secretTags } } : {}),
    capabilities: [...target.capabilities],
    // The same assets, already in place: nothing is uploaded by a rollback.
    ...(target.cdk ? { cdk: { stack: target.cdk.stack, assets: target.cdk.assets.map((a) => ({ ...a, uploaded: false })) } } : {}),
    // The role the restored version was deployed with: today's role may not manage what it made.
    ...(target.roleArn ? { roleArn: target.roleArn } : {}),
    rollbackTargetId: target.id,
    automatic: options.automatic,
    clientRequestToken: options.token ?? tokenFor(id, 'rollback'),
    previous: previousVersion(linkTo, current, currentBody),
    reason: options.reason,
    steps: [],
    ...(options.rollbackOf ? { rollbackOf: options.rollbackOf } : {}),
  };
  const run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, createMasker(), ctx.logger);
  if (options.lock) run.holdsLock(options.lock);
  await run.save();
  await run.journal('started');
  run.announce();
  for (const key of previousValueKeys) {
    run.notice(
      'warning',
      'noecho-previous',
      `Parameter ${key} is NoEcho (or was not recorded), so its value was never stored: the rollback keeps the stack's current value (UsePreviousValue)`,
    );
  }
  try {
    await run.setStatus('deploying', options.reason);
    const template = describeTemplate(target.template.body);
    const templateBucket = target.template.url ? bucketOfTemplateUrl(target.template.url) : undefined;
    const result = await deployStack({
      clients,
      poller: (stackId) => run.poller(stackId),
      stackName: record.stackName,
      template,
      ...(templateBucket ? { templateBucket } : {}),
      parameters: () => sdk,
      tags,
      capabilities: record.capabilities,
      ...(record.roleArn ? { roleArn: record.roleArn } : {}),
      token: record.clientRequestToken!,
      changeSetName: `deployguard-${record.id}`,
      waitIfBusyMs: options.waitIfBusyMs ?? 0,
      ...changeSetTiming(ctx),
      followTiming: followTiming(ctx),
      hooks: run.stackHooks(),
      signal,
    });
    switch (result.kind) {
      case 'unchanged': {
        // We checked above that the stack differed from the target, so "no changes" is only
        // believed once the stack is read again and really matches (an emulator can answer a
        // parameter-only change set with "no changes"). Otherwise nothing was restored: say so.
        const now = await readAgainstTarget(cfn, record.stackName, target, signal);
        if (now.sameTemplate && now.sameParameters) {
          return await run.finish('unchanged', `Stack ${record.stackName} already matches deployment ${target.id}`);
        }
        return await run.finish(
          'rollback-failed',
          `CloudFormation reported no changes, but stack ${record.stackName} still differs from deployment ${target.id} (${describeDifference(now)}): nothing was restored; redeploy that commit or update the stack by hand`,
        );
      }
      case 'declined':
        return await run.finish('cancelled', 'The rollback was not confirmed');
      case 'executed':
        record.stackStatus = result.status;
        if (result.outcome === 'succeeded') {
          // A restore is believed only once the stack is read again and really holds the target's
          // template at a successful status (a poller can report the previous operation's end).
          const now = await readAgainstTarget(cfn, record.stackName, target, signal);
          if (now.status && interpretStackStatus(now.status).outcome === 'succeeded' && now.sameTemplate) {
            record.restoredAt = new Date().toISOString();
            return await finishRestore(ctx, run, {
              environment: options.environment,
              restored: `Restored deployment ${target.id} (${now.status})`,
              ...(options.verifyMs !== undefined ? { windowMs: options.verifyMs } : {}),
              ...(options.alarms ? { alarms: options.alarms } : {}),
              ...(options.metrics ? { metrics: options.metrics } : {}),
              ...(options.onVerifying ? { onVerifying: options.onVerifying } : {}),
              signal,
            });
          }
          return await run.finish(
            'rollback-failed',
            `Restoring ${target.id} did not hold: stack ${record.stackName} is ${now.status ?? 'gone'}${now.status && !now.sameTemplate ? ' with a different template' : ''}; a person must look (deployguard history ${record.environment})`,
          );
        }
        if (result.outcome === 'attention') {
          return await run.finish(
            'rollback-failed',
            `${result.reason ?? result.status} (${result.status}); run "deployguard recover ${record.environment}"`,
          );
        }
        return await run.finish(
          'rollback-failed',
          `Restoring ${target.id} failed: ${result.reason ?? result.status} (${result.status})${stackPolicyAdvice(record.stackName, result.failedResource)}`,
        );
    }
  } catch (err) {
    const status = isCancellation(err) ? 'cancelled' : 'rollback-failed';
    return run.finish(status, `Restoring ${target.id} failed: ${errorMessage(err)}`);
  }
}
