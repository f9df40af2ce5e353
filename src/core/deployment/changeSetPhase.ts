/**
 * The stack phase of a deploy: the health preflight (guarded alarms read before the deploy, the
 * watch's baseline, and CloudFormation's rollback triggers), then the change set, planned (with the
 * rollback rehearsal beside it: rehearsalPhase.ts), confirmed when the environment asks for it,
 * executed and followed to its end.
 */
import { buildParameters } from '../aws/parameters';
import { deployStack, type StackDeployResult } from '../aws/stackDeploy';
import type { LoadedTemplate } from '../aws/template';
import { checkAlarmsBeforeDeploy, rollbackConfigurationFor, type HealthPreflight } from '../health/beforeDeploy';
import type { EnvSourced } from '../history/record';
import type { EnvironmentConfig } from '../pipeline/types';
import type { DeploymentRun } from './deploymentRun';
import { changeSetTiming, followTiming, type EngineContext } from './engineContext';
import { prepareRehearsal } from './rehearsalPhase';
import type { DeployRequest } from './runDeployment';
import type { RollbackRehearsal } from '../rollback/rehearsal';

/** What the change set deploys, resolved and checked before any AWS call. */
export interface ChangeSetInputs {
  readonly template: LoadedTemplate;
  readonly parameterValues: Record<string, string>;
  readonly tags: Record<string, string>;
  /** The parameters whose values came from `${env:VAR}`: recorded by reference and fingerprint. */
  readonly parameterSources: ReadonlyMap<string, EnvSourced>;
}

export async function deployChangeSet(
  ctx: EngineContext,
  run: DeploymentRun,
  request: DeployRequest,
  env: EnvironmentConfig,
  inputs: ChangeSetInputs,
  signal: AbortSignal,
): Promise<StackDeployResult> {
  const { record } = run;
  const { template, parameterValues, tags, parameterSources } = inputs;
  const triggers = await healthPreflight(ctx, run, request, env, signal);

  const rehearsal = await prepareRehearsal(run, request, env);
  let rehearsed: RollbackRehearsal | undefined;
  const confirmChanges = request.confirmChanges;
  const hooks = run.stackHooks(confirmChanges ? (changes) => confirmChanges(changes, rehearsed) : undefined);

  await run.setStatus('deploying', undefined, { soon: true });
  const stackConfig = request.pipeline.stack;
  return deployStack({
    clients: run.clients,
    poller: (stackId) => run.poller(stackId),
    stackName: record.stackName,
    template,
    ...(stackConfig.templateBucket ? { templateBucket: stackConfig.templateBucket } : {}),
    parameters: (existing) => {
      const built = buildParameters(template.parameters, parameterValues, existing, parameterSources);
      record.parameters = built.record;
      for (const key of built.record.filter((p) => p.usePreviousValue).map((p) => p.key)) {
        run.log(`Parameter ${key} is not set in deployguard.yaml: keeping the stack's current value (UsePreviousValue)`);
      }
      return built.sdk;
    },
    tags,
    // The record's: the configured ones plus what the template needs (packagePhase.ts).
    capabilities: record.capabilities,
    ...(record.roleArn ? { roleArn: record.roleArn } : {}),
    ...(stackConfig.notificationArns ? { notificationArns: stackConfig.notificationArns } : {}),
    ...(triggers.length > 0 ? { rollbackTriggers: triggers } : {}),
    token: record.clientRequestToken!,
    changeSetName: `deployguard-${record.id}`,
    ...(request.replaceFailedStack ? { replaceFailedStack: true } : {}),
    waitIfBusyMs: request.waitIfBusyMs ?? 0,
    ...changeSetTiming(ctx),
    followTiming: followTiming(ctx),
    ...(rehearsal ? { rehearsal: rehearsal.plan } : {}),
    hooks: rehearsal
      ? {
          ...hooks,
          rollbackRehearsed: (live, changes) => {
            rehearsed = rehearsal.report(live, changes);
          },
        }
      : hooks,
    signal,
  });
}

/**
 * Reads the guarded alarms before the deploy (kept on the record as the watch's baseline) and
 * returns the change set's rollback trigger ARNs: the request's and the preflight's, at most 5
 * (CloudFormation's limit).
 */
async function healthPreflight(
  ctx: EngineContext,
  run: DeploymentRun,
  request: DeployRequest,
  env: EnvironmentConfig,
  signal: AbortSignal,
): Promise<string[]> {
  const { record } = run;
  let preflight: HealthPreflight | undefined;
  if (env.health) {
    preflight = await checkAlarmsBeforeDeploy({
      deploymentId: record.id,
      environment: env,
      stackName: record.stackName,
      clients: run.clients,
      emit: ctx.emit,
      logger: ctx.logger,
      signal,
      ...(request.yes !== undefined ? { yes: request.yes } : {}),
      ...(request.confirmAlarmsFiring ? { confirmAlarmsFiring: request.confirmAlarmsFiring } : {}),
    });
    if (preflight) record.healthPreflight = preflight;
  }
  const triggers = [
    ...new Set([...(request.rollbackTriggers ?? []), ...(rollbackConfigurationFor(preflight)?.RollbackTriggers.map((t) => t.Arn) ?? [])]),
  ].slice(0, 5);
  if (triggers.length > 0) record.rollbackTriggers = triggers;
  return triggers;
}
