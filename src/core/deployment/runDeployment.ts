/**
 * A deploy from start to end: the inputs checked without AWS, the stack lock, interrupted
 * deployments finished first, the baseline, a new record, then the phases in order: steps →
 * change set → bake. Whatever ends the run early becomes the record's final status.
 */
import { buildParameters, checkParameterValues, type BuiltParameters } from '../aws/parameters';
import { describeStack } from '../aws/stackApi';
import type { StackDeployResult } from '../aws/stackDeploy';
import { checkTemplateSize, type LoadedTemplate } from '../aws/template';
import { stepsToRun } from '../cdk/synthStep';
import { isOpenStatus, statusRow } from '../deploymentStatus';
import type { DeploymentTrigger } from '../deploymentTrigger';
import { DeployGuardError, errorMessage } from '../errors';
import type { PlannedChange } from '../events';
import type { AlarmReading } from '../health/types';
import { holderIdentity } from '../history/holder';
import { GitRepository } from '../git/gitRepository';
import { writeIncidentNote, type IncidentGit } from '../incident/writeIncident';
import { newDeploymentId } from '../history/paths';
import type { DeploymentRecord, EnvSourced } from '../history/record';
import type { StackLock } from '../history/lock';
import type { StepRecord } from '../model';
import type { EnvironmentConfig, StackConfig } from '../pipeline/types';
import { pipelineSecrets, resolveVariables, resolveVariablesIn } from '../pipeline/variables';
import type { ConfirmRollback } from '../rollback/afterUnhealthy';
import type { RollbackRehearsal } from '../rollback/rehearsal';
import { envSourcedValues } from '../secrets/envSourced';
import { createMasker, type Masker } from '../secrets';
import { systemClock } from '../time';
import { pinnedAccountId, selectEnvironment, variableContext, type AwsSelection } from './awsSelection';
import { afterStackOperation } from './bakePhase';
import { captureBaselineIfFirst } from './baseline';
import { recordTemplate, TEMPLATE_NOT_MADE, templateAfterSteps, templateAfterStepsRan, templateBeforeSteps } from './builtTemplate';
import { publishCdkAssets, readCdkAssembly } from './cdkPhase';
import { deployChangeSet, type ChangeSetInputs } from './changeSetPhase';
import { DeploymentRun, statusForError, tokenFor } from './deploymentRun';
import { lockTiming, type EngineContext } from './engineContext';
import { outcomeOf, type DeploymentOutcome } from './outcome';
import { checkPackaging, packageForDeploy } from './packagePhase';
import { readPreviousVersion, readStackAsFound } from './previousVersion';
import { resumeInterrupted } from './resumeInterrupted';
import { openHistoryStore } from './historySelection';
import { openEnding, openReason, sameParameters, unverifiedLiveVersion } from './inDoubt';
import { allowedTopics, tellTeam } from './notifyPhase';
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
  /**
   * Asked after the change set is planned (prod `confirm: true`); absent = no question. The rollback
   * rehearsal comes with it when one was planned, so the question can say what a rollback would destroy.
   */
  readonly confirmChanges?: (changes: readonly PlannedChange[], rehearsal?: RollbackRehearsal) => Promise<boolean>;
  /**
   * Plan the change set a rollback would need before deploying (never executed): true always, false
   * never; absent = for guarded and `prod*` environments (the `--rehearse-rollback` flags, the setting).
   */
  readonly rehearseRollback?: boolean;
  readonly confirmRollback?: ConfirmRollback;
  /**
   * Whether git may run in repoRoot (the editor passes its workspace trust); the incident note
   * lists the commits between the good and the bad version with it. Default: trusted (the CLI).
   */
  readonly isTrusted?: () => boolean;
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
  let topics: readonly string[] = [];
  try {
    // Everything that can be checked without AWS is checked first: a bad template or variable
    // must not cost a call, let alone a change set.
    const stackName = resolveVariables(stackConfig.name, { ...vars, deploymentId: undefined }, 'stack.name');
    // The environment's own parameters and tags override the stack's of the same key.
    const rawParameters = { ...stackConfig.parameters, ...env.parameters };
    const rawTags = { ...stackConfig.tags, ...env.tags };
    const parameterValues = resolveVariablesIn(rawParameters, vars, 'stack.parameters');
    checkParameterValues(parameterValues);
    const tags = resolveVariablesIn(rawTags, vars, 'stack.tags');
    const roleArn = stackConfig.roleArn ? resolveVariables(stackConfig.roleArn, vars, 'stack.roleArn') : undefined;
    // A template a step makes is read after the steps (templateBeforeSteps says undefined); a CDK
    // stack's only once `cdk synth` (its last step) has run, never from an assembly an earlier
    // synth left (cdkPhase.ts).
    const template = stackConfig.cdk
      ? undefined
      : await templateBeforeSteps(request.repoRoot, stackConfig.template, request.pipeline.steps, request.skipSteps);
    const masker = createMasker(pipelineSecrets(request.pipeline, request.processEnv ?? process.env));
    // A value built from ${env:VAR} is a secret: the record keeps where it came from and its
    // fingerprint, never the value (the log masks it; history must not keep it either).
    const parameterSources = envSourcedValues(rawParameters, parameterValues, vars);
    const tagSources = envSourcedValues(rawTags, tags, vars);
    const preview = template ? checkTemplateInputs(template, stackConfig, parameterValues, parameterSources, masker) : undefined;

    const account = await pinnedAccountId(clients, env, signal);
    // A team store that does not answer refuses the deploy at the lock, its first call, before any stack change.
    const store = await openHistoryStore(ctx, request, env, clients, account);
    const stackHistory = store.stack({ account, region: env.region, stackName });
    const startedBy = holderIdentity(request.processEnv ?? process.env);
    lock = await stackHistory.acquireLock({
      deploymentId: id,
      holder: request.holder ?? 'deployguard',
      environment: request.environment,
      identity: startedBy,
      ...lockTiming(ctx),
    });

    // The stack as found is read beside the journal: when nothing was left to resume, nothing
    // changed it in between (the lock is held); when a run was resumed, it is read again.
    const foundEarly = readStackAsFound(clients, stackName, signal);
    foundEarly.catch(() => undefined); // awaited below, or not needed
    // A deployment interrupted by a crash or a reload is finished first (reattached by stack ARN
    // and token), never started over.
    const resumed = await resumeInterrupted(ctx, stackHistory, clients, env, request, signal, lock);
    // A deployment still in doubt after its reattach (credentials still refused, say) is what
    // this run reports: deploying over a version nobody has watched would bury it.
    const stillOpen = resumed.find((r) => isOpenStatus(r.status));
    if (stillOpen) return outcomeOf(stillOpen, resumed);
    // A template the steps make is not known yet: nothing to compare, the steps run again.
    const sameAsResumed = resumed.find(
      (r) =>
        template !== undefined &&
        preview !== undefined &&
        !templateAfterSteps(request.pipeline.steps, request.skipSteps) &&
        r.template.sha256 === template.sha256 &&
        // The preview is built without the stack's keys: it leaves out what the resumed record
        // kept as UsePreviousValue (keys deployguard.yaml does not set).
        sameParameters(
          r.parameters.filter((p) => p.usePreviousValue !== true),
          preview.record,
        ) &&
        r.commit === request.git?.sha &&
        r.status !== 'cancelled',
    );
    if (sameAsResumed) {
      return outcomeOf(sameAsResumed, resumed);
    }

    const found = resumed.length === 0 ? await foundEarly : await readStackAsFound(clients, stackName, signal);
    await captureBaselineIfFirst(ctx, stackHistory, env, stackName, found, id);
    const previous = await readPreviousVersion(stackHistory, found);

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
      startedBy,
      template: template ? { body: template.body, sha256: template.sha256 } : TEMPLATE_NOT_MADE,
      parameters: preview?.record ?? [],
      tags: Object.fromEntries(Object.entries(tags).filter(([key]) => !tagSources.has(key))),
      ...(tagSources.size > 0 ? { secretTags: Object.fromEntries(tagSources) } : {}),
      capabilities: [...stackConfig.capabilities],
      ...(roleArn ? { roleArn } : {}),
      clientRequestToken: tokenFor(id),
      previous,
      steps: stepsToRun(request.pipeline, request.skipSteps).map((s): StepRecord => ({ name: s.name, status: 'pending' })),
      logFile: stackHistory.logPath(id),
    };
    run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, masker, ctx.logger);
    run.holdsLock(lock);
    run.open();
    run.announce();
    for (const [code, message] of earlyRetries.splice(0)) run.notice('warning', code, message);
    topics = allowedTopics(run, env);
    if (lock.tookOverFrom)
      run.notice(
        'warning',
        'lock-taken-over',
        lock.tookOverFrom.pid === -1
          ? `Replaced ${lock.tookOverFrom.holder}: no deployment held it`
          : `Took over the stack lock from ${lock.tookOverFrom.holder} (pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.host}), which stopped answering`,
      );

    const final = await driveDeployment(ctx, run, request, env, { template, parameterValues, tags, parameterSources }, signal);
    tellTeam(ctx, run, topics);
    await writeIncidentNote(stackHistory, final, incidentGit(request), ctx.logger);
    return { record: final, exitCode: run.exitCode, resumed };
  } catch (err) {
    if (!run) throw err;
    const hint = DeployGuardError.is(err) && err.hint ? ` (${err.hint})` : '';
    const open = openEnding(err, run.stopFacts(), signal);
    if (open) {
      const cancelled = statusForError(err, signal) === 'cancelled';
      const reason = openReason(open, `${errorMessage(err)}${hint}`, cancelled);
      run.notice('warning', 'deployment-in-doubt', reason);
      try {
        const record = await run.leaveOpen(open, reason);
        return { record, exitCode: run.exitCode, resumed: [] };
      } catch (unwritten) {
        // Left open needs a write too: a history that refuses it must still say what the stack did.
        throw unrecordedEnd(run, unwritten);
      }
    }
    const status = statusForError(err, signal);
    run.notice(status === 'cancelled' ? 'info' : 'error', 'deployment-ended', `${errorMessage(err)}${hint}`);
    try {
      const record = await run.finish(status, `${errorMessage(err)}${hint}`);
      await writeIncidentNote(run.stackHistory, record, incidentGit(request), ctx.logger);
      tellTeam(ctx, run, topics);
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

/** Git for the incident note's commit list, when the deploy came from a commit. */
function incidentGit(request: DeployRequest): IncidentGit | undefined {
  if (!request.git) return undefined;
  return new GitRepository({
    root: request.repoRoot,
    isTrusted: request.isTrusted ?? (() => true),
    ...(request.processEnv ? { env: request.processEnv } : {}),
  });
}

/**
 * The checks a template allows without AWS: its size (inline or through the bucket) and the
 * parameters the file sets that it does not declare. NoEcho values join the masker.
 */
function checkTemplateInputs(
  template: LoadedTemplate,
  stackConfig: StackConfig,
  parameterValues: Record<string, string>,
  parameterSources: ReadonlyMap<string, EnvSourced>,
  masker: Masker,
): BuiltParameters {
  checkTemplateSize(template, stackConfig.templateBucket);
  checkPackaging(template, stackConfig);
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
  return preview;
}

/** The phases in order; each may end the run (a failed step never touches the stack). */
async function driveDeployment(
  ctx: EngineContext,
  run: DeploymentRun,
  request: DeployRequest,
  env: EnvironmentConfig,
  inputs: Omit<ChangeSetInputs, 'template'> & { readonly template: LoadedTemplate | undefined },
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  let template = inputs.template;
  let parameterValues = inputs.parameterValues;
  const { steps, stack } = request.pipeline;
  // A CDK stack always has steps: `cdk synth` comes last (stepsToRun).
  if (stepsToRun(request.pipeline, request.skipSteps).length > 0) {
    // A build is not started for a run whose history cannot be written.
    await run.opened();
    await run.setStatus('running-steps', undefined, { soon: true });
    const stepsStartedAt = Date.now();
    const result = await runPipelineSteps(ctx, run, request, signal);
    if (result.status !== 'succeeded') {
      const reason = result.status === 'cancelled' ? 'cancelled during the steps' : result.message;
      return run.finish(result.status === 'cancelled' ? 'cancelled' : 'failed', `${reason}; the stack was not touched`);
    }
    // What the steps left is what goes out, read from the tree they ran in.
    const assembly = stack.cdk ? await readCdkAssembly(run, request.repoRoot, stack.cdk, env) : undefined;
    template = assembly
      ? assembly.template
      : await templateAfterStepsRan(request.repoRoot, stack.template, steps, stepsStartedAt, (message) =>
          run.notice('warning', 'template-not-rewritten', message),
        );
    if (assembly) parameterValues = { ...assembly.parameterDefaults, ...parameterValues };
    const preview = checkTemplateInputs(template, stack, parameterValues, inputs.parameterSources, run.masker);
    // Checked before anything is uploaded; deployed only once every asset is published.
    if (assembly) await publishCdkAssets(run, assembly, env, signal);
    recordTemplate(run.record, template);
    run.record.parameters = preview.record;
    await run.save();
  }
  if (!template) throw new DeployGuardError('Internal', `The template ${stack.template} was never read`);
  template = await packageForDeploy(run, request.repoRoot, stack, template, signal);
  checkTemplateSize(template, stack.templateBucket);
  // What packaging recorded (the uploaded template, the capabilities it needs) matters once the
  // stack runs it: saved by the time the change is executed, not waited for now.
  run.saveSoon();
  const result = await deployChangeSet(ctx, run, request, env, { ...inputs, template, parameterValues }, signal);
  return afterStackOperation(ctx, run, env, await watchIfUnverified(run, env, result, signal), request, signal);
}

/**
 * Nothing to change is `unchanged` only when the version the stack runs was verified. When a
 * record sent this same version out and its bake never ended, the stack runs a version nobody
 * watched: this deployment watches it (the bake) instead, as if it had just gone out.
 */
async function watchIfUnverified(
  run: DeploymentRun,
  env: EnvironmentConfig,
  result: StackDeployResult,
  signal: AbortSignal,
): Promise<StackDeployResult> {
  if (result.kind !== 'unchanged' || !env.health) return result;
  const { records } = await run.stackHistory.list();
  const unwatched = unverifiedLiveVersion(
    records.filter((r) => r.id !== run.id),
    { templateSha256: run.record.template.sha256, parameters: run.record.parameters },
  );
  if (!unwatched) return result;
  const stack = await describeStack(await run.clients.cloudFormation(), result.stackId || run.record.stackName, signal);
  if (!stack) return result;
  run.record.stackId = stack.stackId;
  run.notice(
    'warning',
    'watching-live-version',
    `The stack already runs this version, deployed by ${unwatched.id} (${statusRow(unwatched.status).words}) and never verified: watching it now`,
  );
  return { kind: 'executed', stackId: stack.stackId, changes: [], status: stack.status, outcome: 'succeeded', stack };
}
