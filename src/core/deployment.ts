/**
 * One deployment's state machine (DESIGN.md §3):
 *
 *   queued → running-steps → deploying → watching → stable
 *
 * with the exits `failed`, `unchanged`, `cancelled`, `needs-attention`, and those the health
 * watch decides (`rolled-back`, `rollback-failed`). Every transition is written to the record
 * (atomically) and emitted as a typed event; every mutating AWS call is preceded by a journal
 * entry, so a crash resumes the deployment instead of starting a second one.
 *
 * Also here: the manual rollback (redeploy a stable record), `recover` (ContinueUpdateRollback)
 * and resuming interrupted deployments.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { AwsClients, type ClientOptions } from './aws/clients';
import { chooseEndpoint } from './aws/endpoint';
import { accountId } from './aws/identity';
import { buildParameters, parametersForRedeploy } from './aws/parameters';
import { continueUpdateRollback } from './aws/recover';
import { describeStack, getTemplateBody, deleteChangeSet, describeChangeSet } from './aws/stackApi';
import { bucketOfTemplateUrl, deployStack, followStack, type StackDeployResult } from './aws/stackDeploy';
import type { StackPollers } from './aws/stackPoller';
import { interpretStackStatus, isSettledHealthy } from './aws/stackStatus';
import { checkTemplateSize, declaredParameters, describeTemplate, readTemplateFile, sha256 } from './aws/template';
import { DeploymentRun, statusForError, tokenFor } from './deploymentRun';
import { DeployGuardError, errorMessage, isCancellation } from './errors';
import type { EngineEventSink, PlannedChange } from './events';
import { watchAfterDeploy, type AfterDeployResult } from './health/afterDeploy';
import { checkAlarmsBeforeDeploy, rollbackConfigurationFor, type HealthPreflight } from './health/beforeDeploy';
import type { AlarmReading } from './health/types';
import { newDeploymentId } from './history/paths';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord, type JournalEntry, type ParameterRecord } from './history/record';
import type { HistoryStore, StackHistory } from './history/store';
import type { StackLock } from './history/lock';
import type { Logger } from './logger';
import type { DeploymentKind, StepRecord } from './model';
import type { EnvironmentConfig, PipelineConfig } from './pipeline/types';
import { pipelineSecrets, resolveVariables, resolveVariablesIn, type VariableContext } from './pipeline/variables';
import { runSteps as realRunSteps, type RunStepsOptions, type StepsResult } from './pipeline/runSteps';
import type { ConfirmRollback } from './rollback/afterUnhealthy';
import { rollbackTokenFor } from './rollback/afterUnhealthy';
import { createMasker, type Masker } from './secrets';
import type { Clock } from './time';
import { systemClock } from './time';

/** Tunables; tests shorten them, production keeps the defaults. */
export interface EngineTiming {
  readonly changeSetPollMs?: number;
  /** Give up following a stack after polls fail for this long (needs a person). */
  readonly lostContactMs?: number;
  readonly acceptWithoutEventsMs?: number;
  readonly lockHeartbeatMs?: number;
  readonly lockStaleMs?: number;
}

/** What every deployment needs from its surroundings (the engine facade builds one). */
export interface EngineContext {
  readonly history: HistoryStore;
  readonly pollers: StackPollers;
  readonly emit: EngineEventSink;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly timing?: EngineTiming;
  readonly clientOptions?: ClientOptions;
  /** The step runner; default the pipeline's runSteps (tests may inject another). */
  readonly runSteps?: (options: RunStepsOptions) => Promise<StepsResult>;
}

/** Where the environment's AWS calls go; shared by deploy, rollback, recover and history. */
export interface AwsSelection {
  readonly pipeline: PipelineConfig;
  readonly environment: string;
  /** From user settings or a CLI flag (trusted); the file's endpoint is honoured only on loopback. */
  readonly userEndpoint?: string;
  /** From user settings; the environment's own `profile:` wins. */
  readonly userProfile?: string;
  /** For `${env:VAR}` and AWS_ENDPOINT_URL; default process.env. */
  readonly processEnv?: NodeJS.ProcessEnv;
  readonly git?: { readonly sha: string; readonly shortSha?: string; readonly branch?: string; readonly dirty?: boolean };
}

export interface DeployRequest extends AwsSelection {
  readonly repoRoot: string;
  readonly skipSteps?: boolean;
  /** Overrides the environment's bake (the CLI's --bake). */
  readonly bakeMs?: number;
  /** `cli`, `command`, `push`, `save`… (kept on the record). */
  readonly trigger?: string;
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

export interface DeploymentOutcome {
  readonly record: DeploymentRecord;
  /** The CLI exit code for it (0 stable/unchanged, 1 failed, 3 rolled back, 4 needs a person). */
  readonly exitCode: number;
  /** Interrupted deployments of this stack that were finished first. */
  readonly resumed: readonly DeploymentRecord[];
}

/** The environment, its AWS target and clients, with the endpoint rules applied. */
export function selectEnvironment(ctx: EngineContext, sel: AwsSelection, onRetry?: ClientOptions['onRetry']): { env: EnvironmentConfig; clients: AwsClients } {
  const env = sel.pipeline.environments[sel.environment];
  if (!env) {
    const known = Object.keys(sel.pipeline.environments).join(', ') || 'none';
    throw new DeployGuardError('Usage', `deployguard.yaml has no environment "${sel.environment}" (it has: ${known})`);
  }
  const endpoint = chooseEndpoint({ fileEndpoint: env.endpoint, userEndpoint: sel.userEndpoint, env: sel.processEnv ?? process.env });
  const profile = env.profile ?? (sel.userProfile || undefined);
  const clients = new AwsClients(
    { region: env.region, ...(profile ? { profile } : {}), ...(endpoint.endpoint ? { endpoint: endpoint.endpoint } : {}) },
    { ...ctx.clientOptions, ...(onRetry ? { onRetry } : {}) },
  );
  return { env, clients };
}

function variableContext(sel: AwsSelection, deploymentId: string): VariableContext {
  return {
    envName: sel.environment,
    ...(sel.git ? { git: { sha: sel.git.sha, shortSha: sel.git.shortSha ?? sel.git.sha.slice(0, 7), ...(sel.git.branch ? { branch: sel.git.branch } : {}) } } : {}),
    deploymentId,
    processEnv: sel.processEnv ?? process.env,
  };
}

/** The stack name of an environment (variables resolved; `${deployment.id}` is not allowed there). */
export function stackNameFor(sel: AwsSelection): string {
  return resolveVariables(sel.pipeline.stack.name, variableContext(sel, 'none'), 'stack.name');
}

/** The history of the environment's stack (needs the account: one STS call). */
export async function openStackHistory(ctx: EngineContext, sel: AwsSelection, signal?: AbortSignal): Promise<{ stackHistory: StackHistory; clients: AwsClients; env: EnvironmentConfig }> {
  const { env, clients } = selectEnvironment(ctx, sel);
  const account = await accountId(clients, signal);
  const stackHistory = ctx.history.stack({ account, region: env.region, stackName: stackNameFor(sel) });
  return { stackHistory, clients, env };
}

// ---------------------------------------------------------------------------------------------
// deploy
// ---------------------------------------------------------------------------------------------

export async function runDeployment(ctx: EngineContext, request: DeployRequest): Promise<DeploymentOutcome> {
  const signal = request.signal ?? new AbortController().signal;
  const id = newDeploymentId((ctx.clock ?? systemClock).now());
  const vars = variableContext(request, id);
  const stackConfig = request.pipeline.stack;
  let run: DeploymentRun | undefined;
  const { env, clients } = selectEnvironment(ctx, request, (n) =>
    run?.notice('warning', n.kind === 'throttle' ? 'throttled' : 'retrying', `${n.service} ${n.operation}: ${n.name}; retrying with backoff`),
  );
  let lock: StackLock | undefined;
  try {
    // Everything that can be checked without AWS is checked first: a bad template or variable
    // must not cost a call, let alone a change set.
    const stackName = resolveVariables(stackConfig.name, { ...vars, deploymentId: undefined }, 'stack.name');
    const parameterValues = resolveVariablesIn(stackConfig.parameters, vars, 'stack.parameters');
    const tags = resolveVariablesIn(stackConfig.tags, vars, 'stack.tags');
    const template = describeTemplate(await readTemplateFile(request.repoRoot, stackConfig.template));
    checkTemplateSize(template, stackConfig.templateBucket);
    const masker = createMasker(pipelineSecrets(request.pipeline, request.processEnv ?? process.env));
    const preview = buildParameters(template.parameters, parameterValues, undefined);
    for (const s of preview.secrets) masker.addSecret(s);
    if (preview.undeclared.length > 0) {
      throw new DeployGuardError('ConfigInvalid', `stack.parameters sets ${preview.undeclared.join(', ')}, which the template ${stackConfig.template} does not declare`, {
        hint: 'remove them from deployguard.yaml or declare them under Parameters in the template',
      });
    }

    const account = await accountId(clients, signal);
    const stackHistory = ctx.history.stack({ account, region: env.region, stackName });
    lock = await stackHistory.acquireLock({
      deploymentId: id,
      holder: request.holder ?? 'deployguard',
      ...(ctx.timing?.lockHeartbeatMs ? { heartbeatMs: ctx.timing.lockHeartbeatMs } : {}),
      ...(ctx.timing?.lockStaleMs ? { staleMs: ctx.timing.lockStaleMs } : {}),
    });

    // A deployment interrupted by a crash or a reload is finished first (reattached by stack ARN
    // and token), never started over.
    const resumed = await resumeInterrupted(ctx, stackHistory, clients, env, request, signal, lock);
    const sameAsResumed = resumed.find(
      (r) => r.template.sha256 === template.sha256 && sameParameters(r.parameters, preview.record) && r.commit === request.git?.sha && r.status !== 'cancelled',
    );
    if (sameAsResumed) {
      return { record: sameAsResumed, exitCode: exitOf(sameAsResumed), resumed };
    }

    await captureBaselineIfFirst(ctx, stackHistory, clients, env, stackName, signal);

    const record: DeploymentRecord = {
      schemaVersion: HISTORY_SCHEMA_VERSION,
      id,
      kind: 'deploy',
      environment: request.environment,
      stackName,
      region: env.region,
      account,
      ...(request.git ? { commit: request.git.sha, ...(request.git.branch ? { branch: request.git.branch } : {}), dirty: request.git.dirty ?? false } : {}),
      trigger: request.trigger ?? 'cli',
      template: { body: template.body, sha256: template.sha256 },
      parameters: preview.record,
      tags,
      capabilities: [...stackConfig.capabilities],
      clientRequestToken: tokenFor(id),
      status: 'queued',
      startedAt: new Date().toISOString(),
      steps: request.skipSteps ? [] : request.pipeline.steps.map((s): StepRecord => ({ name: s.name, status: 'pending' })),
      logFile: stackHistory.logPath(id),
    };
    run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, masker, ctx.logger);
    await run.save();
    await run.journal('started');
    run.emit({
      type: 'deployment-started',
      kind: 'deploy',
      environment: request.environment,
      stackName,
      region: env.region,
      account,
      ...(request.git ? { commit: request.git.sha, ...(request.git.branch ? { branch: request.git.branch } : {}) } : {}),
      ...(record.trigger ? { trigger: record.trigger } : {}),
      steps: record.steps.map((s) => s.name),
    });
    if (lock.tookOverFrom) run.notice('warning', 'lock-taken-over', `Took over the stack lock from ${lock.tookOverFrom.holder} (pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.host}), which stopped answering`);

    const final = await driveDeployment(ctx, run, request, env, template, parameterValues, tags, signal);
    return { record: final, exitCode: run.exitCode, resumed };
  } catch (err) {
    if (!run) throw err;
    const status = statusForError(err);
    const hint = DeployGuardError.is(err) && err.hint ? ` (${err.hint})` : '';
    run.notice(status === 'cancelled' ? 'info' : 'error', 'deployment-ended', `${errorMessage(err)}${hint}`);
    const record = await run.finish(status, `${errorMessage(err)}${hint}`);
    return { record, exitCode: run.exitCode, resumed: [] };
  } finally {
    await lock?.release();
    clients.dispose();
  }
}

function exitOf(record: DeploymentRecord): number {
  switch (record.status) {
    case 'stable':
    case 'unchanged':
      return 0;
    case 'rolled-back':
      return 3;
    case 'needs-attention':
    case 'rollback-failed':
    case 'unhealthy':
      return 4;
    default:
      return 1;
  }
}

function sameParameters(a: readonly ParameterRecord[], b: readonly ParameterRecord[]): boolean {
  const key = (list: readonly ParameterRecord[]) => JSON.stringify([...list].sort((x, y) => x.key.localeCompare(y.key)));
  return key(a) === key(b);
}

async function driveDeployment(
  ctx: EngineContext,
  run: DeploymentRun,
  request: DeployRequest,
  env: EnvironmentConfig,
  template: ReturnType<typeof describeTemplate>,
  parameterValues: Record<string, string>,
  tags: Record<string, string>,
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  const { record } = run;

  // Steps.
  if (!request.skipSteps && request.pipeline.steps.length > 0) {
    await run.setStatus('running-steps');
    const result = await runPipelineSteps(ctx, run, request, signal);
    if (result.status !== 'succeeded') {
      const reason = result.status === 'cancelled' ? 'cancelled during the steps' : result.message;
      return run.finish(result.status === 'cancelled' ? 'cancelled' : 'failed', `${reason}; the stack was not touched`);
    }
  }

  // Health preflight: guarded alarms read before the deploy (the watch's baseline) and the
  // CloudFormation rollback triggers.
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
    if (preflight) record.extra = { ...(record.extra ?? {}), healthPreflight: preflight };
  }
  const triggers = [...new Set([...(request.rollbackTriggers ?? []), ...(rollbackConfigurationFor(preflight)?.RollbackTriggers.map((t) => t.Arn) ?? [])])].slice(0, 5);
  if (triggers.length > 0) record.rollbackTriggers = triggers;

  // The stack.
  await run.setStatus('deploying');
  const stackConfig = request.pipeline.stack;
  const result = await deployStack({
    clients: run.clients,
    poller: (stackId) => run.poller(stackId),
    stackName: record.stackName,
    template,
    ...(stackConfig.templateBucket ? { templateBucket: stackConfig.templateBucket } : {}),
    parameters: (existing) => {
      const built = buildParameters(template.parameters, parameterValues, existing);
      record.parameters = built.record;
      for (const key of built.record.filter((p) => p.usePreviousValue).map((p) => p.key)) {
        run.log(`Parameter ${key} is not set in deployguard.yaml: keeping the stack's current value (UsePreviousValue)`);
      }
      return built.sdk;
    },
    tags,
    capabilities: stackConfig.capabilities,
    ...(triggers.length > 0 ? { rollbackTriggers: triggers } : {}),
    token: record.clientRequestToken!,
    changeSetName: `deployguard-${record.id}`,
    ...(request.replaceFailedStack ? { replaceFailedStack: true } : {}),
    waitIfBusyMs: request.waitIfBusyMs ?? 0,
    ...(ctx.timing?.changeSetPollMs ? { changeSetPollMs: ctx.timing.changeSetPollMs } : {}),
    followTiming: followTiming(ctx),
    hooks: run.stackHooks(request.confirmChanges),
    signal,
  });
  return afterStackOperation(ctx, run, env, result, request, signal);
}

function followTiming(ctx: EngineContext) {
  return {
    ...(ctx.timing?.lostContactMs ? { lostContactMs: ctx.timing.lostContactMs } : {}),
    ...(ctx.timing?.acceptWithoutEventsMs ? { acceptWithoutEventsMs: ctx.timing.acceptWithoutEventsMs } : {}),
  };
}

/** Maps a stack operation's result to the record, then runs the watch when it succeeded. */
async function afterStackOperation(
  ctx: EngineContext,
  run: DeploymentRun,
  env: EnvironmentConfig,
  result: StackDeployResult,
  request: Pick<DeployRequest, 'bakeMs' | 'confirmRollback'>,
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
  switch (result.outcome) {
    case 'succeeded':
      break;
    case 'failed-restored':
      // CloudFormation already restored the previous version: never roll back a second time.
      return run.finish('failed', `${result.reason ?? 'the update failed'} — CloudFormation rolled the stack back to the previous version (${result.status})`);
    case 'failed':
      return run.finish(
        'failed',
        `${result.reason ?? 'the operation failed'} (${result.status})${result.status === 'ROLLBACK_COMPLETE' ? '; the stack can only be deleted now: deploy again with --replace-failed-stack to recreate it' : ''}`,
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
  await run.setStatus('watching');
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
    rollbackTo: (target, opts) =>
      rollbackToRecord(ctx, {
        stackHistory: run.stackHistory,
        clients: run.clients,
        environment: env,
        target,
        reason: opts.reason,
        automatic: opts.automatic,
        rollbackOf: record.id,
        token: opts.automatic ? rollbackTokenFor(record.id) : undefined,
        signal,
      }),
    ...(request.confirmRollback ? { confirmRollback: request.confirmRollback } : {}),
  });
  if (watch.outcome === 'no-watch') return run.finish('stable', `The stack is ${result.status}`);
  if (watch.extra) record.extra = { ...(record.extra ?? {}), ...watch.extra };
  run.setExitCode(watch.exitCode);
  return run.finish(watch.status, watch.reason);
}

async function runPipelineSteps(ctx: EngineContext, run: DeploymentRun, request: DeployRequest, signal: AbortSignal): Promise<StepsResult> {
  const runner = ctx.runSteps ?? realRunSteps;
  const { record } = run;
  const started = new Map<number, number>();
  // Lines are batched per stream and flushed every 50 ms: a step printing 100,000 lines must
  // not become 100,000 events.
  let pending: { stream: 'stdout' | 'stderr'; stepIndex: number; lines: string[] } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending && pending.lines.length > 0) run.emit({ type: 'log', stream: pending.stream, stepIndex: pending.stepIndex, lines: pending.lines });
    pending = undefined;
  };
  try {
    return await runner({
      steps: request.pipeline.steps,
      repoRoot: request.repoRoot,
      env: request.processEnv ?? process.env,
      variables: variableContext(request, record.id),
      signal,
      masker: run.masker,
      ...(record.logFile ? { logFile: record.logFile } : {}),
      onLine: (line) => {
        if (pending && (pending.stream !== line.stream || pending.stepIndex !== line.stepIndex)) flush();
        pending ??= { stream: line.stream, stepIndex: line.stepIndex, lines: [] };
        pending.lines.push(line.text);
        if (pending.lines.length >= 500) flush();
        else timer ??= setTimeout(flush, 50);
      },
      onStep: (event) => {
        flush();
        record.steps[event.stepIndex] = { ...event.step };
        const name = event.step.name;
        if (event.step.status === 'running') {
          started.set(event.stepIndex, Date.now());
          run.emit({ type: 'step-started', index: event.stepIndex, name });
        } else if (event.step.status !== 'pending') {
          run.emit({
            type: 'step-finished',
            index: event.stepIndex,
            name,
            status: event.step.status,
            ...(event.step.exitCode !== undefined ? { exitCode: event.step.exitCode } : {}),
            durationMs: event.durationMs ?? Date.now() - (started.get(event.stepIndex) ?? Date.now()),
          });
          void run.save().catch(() => undefined);
        }
      },
    });
  } finally {
    flush();
  }
}

// ---------------------------------------------------------------------------------------------
// baseline
// ---------------------------------------------------------------------------------------------

/**
 * Before the first deployment of a stack that already exists, its current template and
 * parameters are recorded as the baseline stable version, so there is always a rollback target.
 */
export async function captureBaselineIfFirst(
  ctx: EngineContext,
  stackHistory: StackHistory,
  clients: AwsClients,
  env: EnvironmentConfig,
  stackName: string,
  signal?: AbortSignal,
): Promise<DeploymentRecord | undefined> {
  const { records, damaged } = await stackHistory.list();
  for (const d of damaged) {
    ctx.emit({ type: 'notice', deploymentId: 'history', at: new Date().toISOString(), level: 'warning', code: 'history-damaged', message: `${d.problem}: ${d.path}${d.movedTo ? ` (kept at ${d.movedTo})` : ''}` });
  }
  if (records.length > 0) return undefined;
  const cfn = await clients.cloudFormation();
  const stack = await describeStack(cfn, stackName, signal);
  if (!stack || !isSettledHealthy(stack.status)) return undefined;
  const body = await getTemplateBody(cfn, stack.stackId, signal);
  let declared: ReturnType<typeof declaredParameters> = [];
  try {
    declared = declaredParameters(body);
  } catch {
    /* unparseable template: record every parameter value as it is */
  }
  const noEcho = new Set(declared.filter((p) => p.noEcho).map((p) => p.key));
  const parameters: ParameterRecord[] = [...stack.parameters.entries()].map(([key, value]) =>
    noEcho.has(key) || /^\*+$/.test(value) ? { key, noEcho: true } : { key, value },
  );
  const now = new Date().toISOString();
  const record: DeploymentRecord = {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id: newDeploymentId(Date.now() - 1),
    kind: 'baseline',
    environment: env.name,
    stackName,
    region: env.region,
    account: stackHistory.key.account,
    stackId: stack.stackId,
    trigger: 'baseline',
    template: { body, sha256: sha256(body) },
    parameters,
    tags: stack.tags,
    capabilities: [],
    status: 'stable',
    reason: `The stack as it was (${stack.status}) before Deploy Guard first deployed it`,
    stackStatus: stack.status,
    startedAt: now,
    finishedAt: now,
    steps: [],
  };
  await stackHistory.write(record);
  ctx.emit({ type: 'notice', deploymentId: record.id, at: now, level: 'info', code: 'baseline-captured', message: `Recorded the current version of ${stackName} as the baseline (rollback target)` });
  return record;
}

// ---------------------------------------------------------------------------------------------
// rollback
// ---------------------------------------------------------------------------------------------

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
  readonly trigger?: string;
  readonly signal?: AbortSignal;
}

/** The stack read again after a restore: its status, and whether it holds the target's template and parameters. */
async function readAgainstTarget(cfn: CloudFormationClient, stackName: string, target: DeploymentRecord, signal: AbortSignal) {
  const stack = await describeStack(cfn, stackName, signal);
  const body = stack ? await getTemplateBody(cfn, stack.stackId, signal) : undefined;
  return {
    status: stack?.status,
    sameTemplate: body !== undefined && sha256(body) === target.template.sha256,
    sameParameters: stack !== undefined && parametersMatch(target.parameters, stack.parameters),
  };
}

/**
 * Redeploys a stable record's exact template and parameters through a change set, as its own
 * deployment record (kind `rollback`). The caller holds the stack lock. Refuses a target that is
 * not stable or that equals what is deployed now. NoEcho parameters can only keep their current
 * value (UsePreviousValue), and the user is told so.
 */
export async function rollbackToRecord(ctx: EngineContext, options: RollbackOptions): Promise<DeploymentRecord> {
  const { target, stackHistory, clients } = options;
  const signal = options.signal ?? new AbortController().signal;
  if (target.status !== 'stable') {
    throw new DeployGuardError('RollbackRefused', `Deployment ${target.id} is ${target.status}, not stable; only stable deployments can be restored`, {
      hint: 'pick a stable one from "deployguard history ENV"',
    });
  }
  const cfn = await clients.cloudFormation();
  const current = await describeStack(cfn, target.stackName, signal);
  if (!current) {
    throw new DeployGuardError('RollbackRefused', `Stack ${target.stackName} does not exist; there is nothing to roll back`, { hint: 'deploy it instead' });
  }
  const currentBody = await getTemplateBody(cfn, current.stackId, signal);
  if (sha256(currentBody) === target.template.sha256 && parametersMatch(target.parameters, current.parameters)) {
    throw new DeployGuardError('RollbackRefused', `Deployment ${target.id} is what stack ${target.stackName} runs now (same template and parameters); nothing to roll back`);
  }

  const id = newDeploymentId();
  const declared = declaredParameters(target.template.body);
  const { sdk, previousValueKeys } = parametersForRedeploy(target.parameters, declared, new Set(current.parameters.keys()));
  const record: DeploymentRecord = {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind: 'rollback' as DeploymentKind,
    environment: target.environment,
    stackName: target.stackName,
    region: target.region,
    account: target.account,
    stackId: current.stackId,
    ...(target.commit ? { commit: target.commit } : {}),
    ...(target.branch ? { branch: target.branch } : {}),
    trigger: options.trigger ?? (options.automatic ? 'health' : 'rollback'),
    template: { ...target.template },
    parameters: target.parameters.map((p) => (previousValueKeys.includes(p.key) ? { key: p.key, usePreviousValue: true, ...(p.noEcho ? { noEcho: true } : {}) } : p)),
    tags: { ...target.tags },
    capabilities: [...target.capabilities],
    rollbackTargetId: target.id,
    automatic: options.automatic,
    clientRequestToken: options.token ?? tokenFor(id, 'rollback'),
    status: 'queued',
    reason: options.reason,
    startedAt: new Date().toISOString(),
    steps: [],
    ...(options.rollbackOf ? { extra: { rollbackOf: options.rollbackOf } } : {}),
  };
  const run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, createMasker(), ctx.logger);
  await run.save();
  await run.journal('started');
  run.emit({
    type: 'deployment-started',
    kind: 'rollback',
    environment: record.environment,
    stackName: record.stackName,
    region: record.region,
    account: record.account,
    ...(record.commit ? { commit: record.commit } : {}),
    ...(record.branch ? { branch: record.branch } : {}),
    rollbackTargetId: target.id,
    steps: [],
  });
  for (const key of previousValueKeys) {
    run.notice('warning', 'noecho-previous', `Parameter ${key} is NoEcho (or was not recorded), so its value was never stored: the rollback keeps the stack's current value (UsePreviousValue)`);
  }
  try {
    await run.setStatus('deploying', options.reason);
    const template = describeTemplate(target.template.body);
    const result = await deployStack({
      clients,
      poller: (stackId) => run.poller(stackId),
      stackName: record.stackName,
      template,
      ...(target.template.url && bucketOfTemplateUrl(target.template.url) ? { templateBucket: bucketOfTemplateUrl(target.template.url) } : {}),
      parameters: () => sdk,
      tags: record.tags,
      capabilities: record.capabilities,
      token: record.clientRequestToken!,
      changeSetName: `deployguard-${record.id}`,
      waitIfBusyMs: options.waitIfBusyMs ?? 0,
      ...(ctx.timing?.changeSetPollMs ? { changeSetPollMs: ctx.timing.changeSetPollMs } : {}),
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
          `CloudFormation reported no changes, but stack ${record.stackName} still differs from deployment ${target.id} (template or parameters): nothing was restored; redeploy that commit or update the stack by hand`,
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
            return await run.finish('stable', `Restored deployment ${target.id} (${now.status})`);
          }
          return await run.finish(
            'rollback-failed',
            `Restoring ${target.id} did not hold: stack ${record.stackName} is ${now.status ?? 'gone'}${now.status && !now.sameTemplate ? ' with a different template' : ''}; a person must look (deployguard history ${record.environment})`,
          );
        }
        if (result.outcome === 'attention') {
          return await run.finish('rollback-failed', `${result.reason ?? result.status} (${result.status}); run "deployguard recover ${record.environment}"`);
        }
        return await run.finish('rollback-failed', `Restoring ${target.id} failed: ${result.reason ?? result.status} (${result.status})`);
    }
  } catch (err) {
    const status = isCancellation(err) ? 'cancelled' : 'rollback-failed';
    return run.finish(status, `Restoring ${target.id} failed: ${errorMessage(err)}`);
  }
}

function parametersMatch(recorded: readonly ParameterRecord[], current: ReadonlyMap<string, string>): boolean {
  return recorded.every((p) => p.value === undefined || p.noEcho || current.get(p.key) === p.value);
}

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
  const { stackHistory, clients, env } = await openStackHistory(ctx, request, signal);
  try {
    const lock = await stackHistory.acquireLock({
      deploymentId: 'rollback',
      holder: request.holder ?? 'deployguard rollback',
      ...(ctx.timing?.lockHeartbeatMs ? { heartbeatMs: ctx.timing.lockHeartbeatMs } : {}),
      ...(ctx.timing?.lockStaleMs ? { staleMs: ctx.timing.lockStaleMs } : {}),
    });
    try {
      const resumed = await resumeInterrupted(ctx, stackHistory, clients, env, {}, signal, lock);
      const { records } = await stackHistory.list();
      let target: DeploymentRecord | undefined;
      if (request.to) {
        target = records.find((r) => r.id === request.to);
        if (!target) throw new DeployGuardError('Usage', `No deployment ${request.to} in the history of ${stackHistory.key.stackName}`, { hint: `see "deployguard history ${request.environment}"` });
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
      return { record, exitCode: exitOf(record), resumed };
    } finally {
      await lock.release();
    }
  } finally {
    clients.dispose();
  }
}

/** The newest stable record whose template or parameters differ from what the stack runs now. */
async function pickRollbackTarget(clients: AwsClients, records: readonly DeploymentRecord[], stackName: string, signal: AbortSignal): Promise<DeploymentRecord> {
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

// ---------------------------------------------------------------------------------------------
// recover (UPDATE_ROLLBACK_FAILED)
// ---------------------------------------------------------------------------------------------

export interface RecoverRequest extends AwsSelection {
  /** Resources to skip; only ever what a person named (they stay inconsistent with the template). */
  readonly resourcesToSkip?: readonly string[];
  readonly holder?: string;
  readonly signal?: AbortSignal;
}

/** `deployguard recover ENV`: ContinueUpdateRollback on a stack in UPDATE_ROLLBACK_FAILED. */
export async function recoverStack(ctx: EngineContext, request: RecoverRequest): Promise<DeploymentOutcome> {
  const signal = request.signal ?? new AbortController().signal;
  const { stackHistory, clients, env } = await openStackHistory(ctx, request, signal);
  try {
    const id = newDeploymentId();
    const lock = await stackHistory.acquireLock({ deploymentId: id, holder: request.holder ?? 'deployguard recover' });
    try {
      const cfn = await clients.cloudFormation();
      const stackName = stackHistory.key.stackName;
      const stack = await describeStack(cfn, stackName, signal);
      if (!stack || stack.status !== 'UPDATE_ROLLBACK_FAILED') {
        throw new DeployGuardError('Usage', `Stack ${stackName} is ${stack ? `in ${stack.status}` : 'missing'}, not UPDATE_ROLLBACK_FAILED; there is nothing to recover`);
      }
      const body = await getTemplateBody(cfn, stack.stackId, signal).catch(() => '');
      const record: DeploymentRecord = {
        schemaVersion: HISTORY_SCHEMA_VERSION,
        id,
        kind: 'rollback',
        environment: request.environment,
        stackName,
        region: env.region,
        account: stackHistory.key.account,
        stackId: stack.stackId,
        trigger: 'recover',
        template: { body, sha256: sha256(body) },
        parameters: [...stack.parameters.entries()].map(([key, value]) => (/^\*+$/.test(value) ? { key, noEcho: true } : { key, value })),
        tags: stack.tags,
        capabilities: [],
        clientRequestToken: tokenFor(id, 'recover'),
        status: 'queued',
        startedAt: new Date().toISOString(),
        steps: [],
        extra: { recover: { resourcesToSkip: request.resourcesToSkip ?? [] } },
      };
      const run = new DeploymentRun(record, stackHistory, clients, ctx.pollers, ctx.emit, createMasker(), ctx.logger);
      await run.save();
      run.emit({ type: 'deployment-started', kind: 'rollback', environment: record.environment, stackName, region: env.region, account: record.account, steps: [] });
      const skip = request.resourcesToSkip ?? [];
      if (skip.length > 0) {
        run.notice('warning', 'skipping-resources', `Skipping ${skip.join(', ')}: CloudFormation marks them UPDATE_COMPLETE although they may not match the template; later updates of them may fail`);
      }
      try {
        await run.setStatus('rolling-back', 'Continuing the failed rollback (ContinueUpdateRollback)');
        await run.journal('continue-rollback-requested', { stackId: stack.stackId });
        const since = Date.now();
        await continueUpdateRollback(cfn, stack.stackId, record.clientRequestToken!, skip, signal);
        const result = await followStack(
          { poller: (sid) => run.poller(sid), stackName, token: record.clientRequestToken!, hooks: run.stackHooks(), signal, followTiming: followTiming(ctx) },
          stack.stackId,
          since,
        );
        record.stackStatus = result.status;
        const final =
          result.status === 'UPDATE_ROLLBACK_COMPLETE'
            ? await run.finish('rolled-back', 'The rollback was completed; the stack is back at its previous version (UPDATE_ROLLBACK_COMPLETE)')
            : await run.finish('needs-attention', `The continued rollback ended in ${result.status}: ${result.reason ?? ''}`);
        return { record: final, exitCode: final.status === 'rolled-back' ? 0 : exitOf(final), resumed: [] };
      } catch (err) {
        const final = await run.finish(statusForError(err) === 'cancelled' ? 'cancelled' : 'needs-attention', errorMessage(err));
        return { record: final, exitCode: exitOf(final), resumed: [] };
      }
    } finally {
      await lock.release();
    }
  } finally {
    clients.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// resume
// ---------------------------------------------------------------------------------------------

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
  request: Pick<DeployRequest, 'bakeMs' | 'confirmRollback'>,
  signal: AbortSignal,
  _lock: StackLock,
): Promise<DeploymentRecord[]> {
  const { open, damaged } = await stackHistory.journal.openOperations();
  for (const d of damaged) {
    ctx.emit({ type: 'notice', deploymentId: 'history', at: new Date().toISOString(), level: 'warning', code: 'history-damaged', message: `${d.problem}: ${d.path}${d.movedTo ? ` (kept at ${d.movedTo})` : ''}` });
  }
  const finished: DeploymentRecord[] = [];
  for (const entry of open) {
    const record = await stackHistory.get(entry.deploymentId).catch(() => undefined);
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
  request: Pick<DeployRequest, 'bakeMs' | 'confirmRollback'>,
  signal: AbortSignal,
): Promise<DeploymentRecord> {
  const { record } = run;
  const cfn = await run.clients.cloudFormation();
  const token = entry.clientRequestToken ?? record.clientRequestToken;
  const stackId = entry.stackId ?? record.stackId;

  // Already past the stack: only the watch was interrupted.
  if (record.status === 'watching' && stackId && token) {
    const stack = await describeStack(cfn, stackId, signal);
    return afterStackOperation(ctx, run, env, { kind: 'executed', stackId, changes: record.changes ?? [], status: stack?.status ?? 'UNKNOWN', outcome: 'succeeded', ...(stack ? { stack } : {}) }, request, signal);
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
      if (!executed) return run.finish('cancelled', `Interrupted (${entry.phase}) before the change set was executed; the stack was not changed`);
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
  if (!stackId || !token) return run.finish('needs-attention', 'Interrupted mid-deploy, but the journal has no stack ARN or token to reattach with');
  await run.setStatus(record.kind === 'rollback' ? 'rolling-back' : 'deploying', `Reattached to ${token} after an interruption`);
  const result = await followStack(
    { poller: (sid) => run.poller(sid), stackName: record.stackName, token, hooks: run.stackHooks(), signal, followTiming: followTiming(ctx) },
    stackId,
    Date.parse(entry.at) - 5_000,
  );
  if (record.kind === 'rollback') {
    record.stackStatus = result.status;
    return result.outcome === 'succeeded' ? run.finish('stable', `Restored (${result.status}) after resuming`) : run.finish('rollback-failed', `${result.reason ?? result.status} (${result.status})`);
  }
  return afterStackOperation(ctx, run, env, { kind: 'executed', stackId, changes: record.changes ?? [], ...result }, request, signal);
}

export type { Masker };
