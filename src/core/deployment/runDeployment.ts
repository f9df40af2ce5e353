/**
 * A deploy from start to end: the inputs checked without AWS, the stack lock, interrupted
 * deployments finished first, the baseline, a new record, then the phases in order: steps →
 * change set → bake. Whatever ends the run early becomes the record's final status.
 */
import { buildParameters, checkParameterValues } from '../aws/parameters';
import { checkTemplateSize, describeTemplate, readTemplateFile } from '../aws/template';
import type { DeploymentTrigger } from '../deploymentTrigger';
import { DeployGuardError, errorMessage } from '../errors';
import type { PlannedChange } from '../events';
import type { AlarmReading } from '../health/types';
import { holderIdentity } from '../history/holder';
import { newDeploymentId } from '../history/paths';
import type { DeploymentRecord, ParameterRecord } from '../history/record';
import type { StackLock } from '../history/lock';
import type { StepRecord } from '../model';
import type { EnvironmentConfig } from '../pipeline/types';
import { pipelineSecrets, resolveVariables, resolveVariablesIn } from '../pipeline/variables';
import type { ConfirmRollback } from '../rollback/afterUnhealthy';
import { envSourcedValues } from '../secrets/envSourced';
import { createMasker } from '../secrets';
import { systemClock } from '../time';
import { pinnedAccountId, selectEnvironment, variableContext, type AwsSelection } from './awsSelection';
import { afterStackOperation } from './bakePhase';
import { captureBaselineIfFirst } from './baseline';
import { deployChangeSet, type ChangeSetInputs } from './changeSetPhase';
import { DeploymentRun, statusForError, tokenFor } from './deploymentRun';
import { lockTiming, type EngineContext } from './engineContext';
import { outcomeOf, type DeploymentOutcome } from './outcome';
import { readPreviousVersion } from './previousVersion';
import { resumeInterrupted } from './resumeInterrupted';
import { openHistoryStore } from './historySelection';
import { newRecord } from './stackRecords';
import { unrecordedEnd } from './unrecordedEnd';
import { runPipelineSteps } from './stepsPhase';

export interface DeployRequest extends AwsSelection {
  readonly repoRoot: string;
  readonly skipSteps?: boolean;
  /** Overrides the environment's bake (the CLI's --bake). */
  readonly bakeMs?: number;
  /** `cli`, `command`, `push`, `save`… (kept on the record). */
  readonly trigger?: DeploymentTrigger;
  /** Who holds the stack lock, shown to a refused second deploy: `cli`, `vscode`. */
  readonly holder?: string;
  readonly replaceFailedStack?: boolean;
  /** Wait this long for another stack operation to finish; 0 (default) refuses at once. */
  readonly waitIfBusyMs?: number;
  /** Extra alarm ARNs for the change set's RollbackConfiguration (the health preflight adds its own). */
  readonly rollbackTriggers?: readonly string[];
  /** `--yes`: go on without asking (alarms already firing). */
  readonly yes?: boolean;
  /** Asked when guarded alarms already fire before the deploy (absent and no --yes: the deploy is refused). */
  readonly confirmAlarmsFiring?: (alarms: readonly AlarmReading[]) => Promise<boolean>;
  /** Asked after the change set is planned (prod `confirm: true`); absent = no question. */
  readonly confirmChanges?: (changes: readonly PlannedChange[]) => Promise<boolean>;
  readonly confirmRollback?: ConfirmRollback;
  readonly signal?: AbortSignal;
}

export async function runDeployment(ctx: EngineContext, request: DeployRequest): Promise<DeploymentOutcome> {
  const signal = request.signal ?? new AbortController().signal;
  const id = newDeploymentId((ctx.clock ?? systemClock).now());
  const vars = variableContext(request, id);
  const stackConfig = request.pipeline.stack;
  let run: DeploymentRun | undefined;
  // Retries before the run exists (the account, the lock, the stack read for the ledger's link)
  // are told once it does, in order: throttling is worth knowing whenever it happened.
  const earlyRetries: [code: string, message: string][] = [];
  const { env, clients } = selectEnvironment(ctx, request, (n) => {
    const code = n.kind === 'throttle' ? 'throttled' : 'retrying';
    const message = `${n.service} ${n.operation}: ${n.name}; retrying with backoff`;
    if (run) run.notice('warning', code, message);
    else earlyRetries.push([code, message]);
  });
  let lock: StackLock | undefined;
  try {
    // Everything that can be checked without AWS is checked first: a bad template or variable
    // must not cost a call, let alone a change set.
    const stackName = resolveVariables(stackConfig.name, { ...vars, deploymentId: undefined }, 'stack.name');
    const parameterValues = resolveVariablesIn(stackConfig.parameters, vars, 'stack.parameters');
    checkParameterValues(parameterValues);
    const tags = resolveVariablesIn(stackConfig.tags, vars, 'stack.tags');
    const template = describeTemplate(await readTemplateFile(request.repoRoot, stackConfig.template));
    checkTemplateSize(template, stackConfig.templateBucket);
    const masker = createMasker(pipelineSecrets(request.pipeline, request.processEnv ?? process.env));
    // A value built from ${env:VAR} is a secret: the record keeps where it came from and its
    // fingerprint, never the value (the log masks it; history must not keep it either).
    const parameterSources = envSourcedValues(stackConfig.parameters, parameterValues, vars);
    const tagSources = envSourcedValues(stackConfig.tags, tags, vars);
    const preview = buildParameters(template.parameters, parameterValues, undefined, parameterSources);
    for (const s of preview.secrets) masker.addSecret(s);
    if (preview.undeclared.length > 0) {
      throw new DeployGuardError(
        'ConfigInvalid',
        `stack.parameters sets ${preview.undeclared.join(', ')}, which the template ${stackConfig.template} does not declare`,
        {
          hint: 'remove them from deployguard.yaml or declare them under Parameters in the template',
        },
      );
    }

    const account = await pinnedAccountId(clients, env, signal);
    // A team store that does not answer refuses the deploy here, before the lock and any stack change.
    const store = await openHistoryStore(ctx, request, env, clients, account, { check: true, signal });
    const stackHistory = store.stack({ account, region: env.region, stackName });
    lock = await stackHistory.acquireLock({
      deploymentId: id,
      holder: request.holder ?? 'deployguard',
      environment: request.environment,
      identity: holderIdentity(request.processEnv ?? process.env),
      ...lockTiming(ctx),
    });

    // A deployment interrupted by a crash or a reload is finished first (reattached by stack ARN
    // and token), never started over.
    const resumed = await resumeInterrupted(ctx, stackHistory, clients, env, request, signal, lock);
    const sameAsResumed = resumed.find(
      (r) =>
        r.template.sha256 === template.sha256 &&
        sameParameters(r.parameters, preview.record) &&
        r.commit === request.git?.sha &&
        r.status !== 'cancelled',
    );
    if (sameAsResumed) {
      return outcomeOf(sameAsResumed, resumed);
    }

    await captureBaselineIfFirst(ctx, stackHistory, clients, env, stackName, signal, id);
    const previous = await readPreviousVersion(stackHistory, clients, stackName, signal);

    const record: DeploymentRecord = {
      ...newRecord(),
      id,
      kind: 'deploy',
      environment: request.environment,
      stackName,
      region: env.region,
      account,
      ...(request.git
        ? { commit: request.git.sha, ...(request.git.branch ? { branch: request.git.branch } : {}), dirty: request.git.dirty ?? false }
        : {}),
      trigger: request.trigger ?? 'cli',
      template: { body: template.body, sha256: template.sha256 },
      parameters: preview.record,
      tags: Object.fromEntries(Object.entries(tags).filter(([key]) => !tagSources.has(key))),
      ...(tagSources.size > 0 ? { secretTags: Object.fromEntries(tagSources) } : {}),
      capabilities: [...stackConfig.capabilities],
      clientRequestToken: tokenFor(id),
      previous,
      steps: request.skipSteps ? [] : request.pipeline.steps.map((s): StepRecord => ({ name: s.name, status: 'pending' })),
      logFile: stackHistory.logPath(id),
    };
    run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, masker, ctx.logger);
    run.holdsLock(lock);
    await run.save();
    await run.journal('started');
    run.announce();
    for (const [code, message] of earlyRetries.splice(0)) run.notice('warning', code, message);
    if (lock.tookOverFrom)
      run.notice(
        'warning',
        'lock-taken-over',
        lock.tookOverFrom.pid === -1
          ? `Replaced ${lock.tookOverFrom.holder}: no deployment held it`
          : `Took over the stack lock from ${lock.tookOverFrom.holder} (pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.host}), which stopped answering`,
      );

    const final = await driveDeployment(ctx, run, request, env, { template, parameterValues, tags, parameterSources }, signal);
    return { record: final, exitCode: run.exitCode, resumed };
  } catch (err) {
    if (!run) throw err;
    const status = statusForError(err, signal);
    const hint = DeployGuardError.is(err) && err.hint ? ` (${err.hint})` : '';
    run.notice(status === 'cancelled' ? 'info' : 'error', 'deployment-ended', `${errorMessage(err)}${hint}`);
    try {
      const record = await run.finish(status, `${errorMessage(err)}${hint}`);
      return { record, exitCode: run.exitCode, resumed: [] };
    } catch (unwritten) {
      throw unrecordedEnd(run, unwritten);
    }
  } finally {
    // A lock that cannot be removed (a read-only folder) must not hide how the run ended; it
    // stops being refreshed, so it goes stale and the next run takes it over.
    await lock?.release().catch((err: unknown) => ctx.logger.warn(`could not release the stack lock: ${errorMessage(err)}`));
    clients.dispose();
  }
}

/** The same parameters, whatever their order. */
function sameParameters(a: readonly ParameterRecord[], b: readonly ParameterRecord[]): boolean {
  const key = (list: readonly ParameterRecord[]) => JSON.stringify([...list].sort((x, y) => x.key.localeCompare(y.key)));
  return key(a) === key(b);
}

/** The phases in order; each may end the run (a failed step never touches the stack). */
async function driveDeployment(
  ctx: EngineContext,
  run: DeploymentRun,
  request: DeployRequest,
  env: EnvironmentConfig,
  inputs: ChangeSetInputs,
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  if (!request.skipSteps && request.pipeline.steps.length > 0) {
    await run.setStatus('running-steps');
    const result = await runPipelineSteps(ctx, run, request, signal);
    if (result.status !== 'succeeded') {
      const reason = result.status === 'cancelled' ? 'cancelled during the steps' : result.message;
      return run.finish(result.status === 'cancelled' ? 'cancelled' : 'failed', `${reason}; the stack was not touched`);
    }
  }
  const result = await deployChangeSet(ctx, run, request, env, inputs, signal);
  return afterStackOperation(ctx, run, env, result, request, signal);
}
