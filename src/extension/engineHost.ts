import { hostname } from 'node:os';
import * as vscode from 'vscode';
import type { DeploymentOutcome, EngineContext } from '../core/deployment';
import type { Disposable } from '../core/disposable';
import { Emitter } from '../core/emitter';
import { CancelledError, DeployGuardError, errorMessage, isCancellation } from '../core/errors';
import type { StackHistory } from '../core/history/store';
import { sleep } from '../core/time';
import type { EngineEvent, PlannedChange } from '../core/events';
import type { DeploymentRecord, JournalEntry } from '../core/history/record';
import type { Logger } from '../core/logger';
import type { LoadedPipeline } from '../core/pipeline/load';
import type { EnvironmentConfig, PipelineConfig } from '../core/pipeline/types';
import type { RollbackQuestion } from '../core/rollback/afterUnhealthy';
import type { RollbackRehearsal } from '../core/rollback/rehearsal';
import { ContextKeys } from './commands';
import { loadEngine } from './engineLoader';
import type { DeploymentTrigger } from '../core/deploymentTrigger';
import { LiveDeployments, type LiveChange } from './liveDeployments';
import { hasOpenJournalEntries, mayUseTeamHistory } from './openJournals';
import { reattachDecision, resumeLockWait, type ReattachDecision } from './reattachDecision';
import { readSettings } from './settings';
import { requireTrustedWorkspace } from './workspaceState';

export interface DeployOptions {
  /** How the deployment was asked for (kept on the record). */
  readonly trigger: DeploymentTrigger;
  /** Asked after the change set is planned (prod / `confirm: true`). */
  readonly confirmChanges?: (changes: readonly PlannedChange[], rehearsal?: RollbackRehearsal) => Promise<boolean>;
  /** A specific commit's checkout (the push trigger's temporary worktree); default the workspace. */
  readonly repoRoot?: string;
  readonly git?: { readonly sha: string; readonly shortSha?: string; readonly branch?: string; readonly dirty?: boolean };
  readonly skipSteps?: boolean;
}

export interface EngineHostDeps {
  readonly logger: Logger;
  /** Answers `rollback: prompt` (the notification with Roll Back Now / Keep This Version). */
  readonly confirmRollback: (question: RollbackQuestion) => Promise<boolean>;
  /**
   * Asked before a deploy runs the pipeline's steps: false when the user declines to run a
   * pipeline file (or script) that changed since they last approved it (pipeline/approval.ts).
   */
  readonly approvePipeline?: (repoRoot: string, approvalRoot: string) => Promise<boolean>;
}

/** An environment's team history, open: dispose() closes its AWS clients. */
export interface TeamHistory {
  readonly stackHistory: StackHistory;
  /** `s3://BUCKET/PREFIX`. */
  readonly where: string;
  dispose(): void;
}

/** One operation this window started (or reattached to), with what cancels it. */
interface OwnedRun {
  readonly environment: string;
  readonly controller: AbortController;
  deploymentId?: string;
}

/**
 * The extension's side of the engine. It loads the engine on first use, never at activation (the
 * engine loads the AWS SDK on its first AWS call), runs deployments, rollbacks and recoveries with
 * one AbortController each, and fans the engine's typed events out to every view through one
 * emitter and one `LiveDeployments` model. Views never call the engine or AWS themselves.
 */
export class EngineHost implements vscode.Disposable {
  private readonly emitter = new Emitter<EngineEvent>(() => this.deps.logger);
  private readonly changes = new Emitter<LiveChange>(() => this.deps.logger);
  readonly live = new LiveDeployments();
  private readonly runs = new Set<OwnedRun>();
  private context: EngineContext | undefined;
  private disposed = false;
  private noCredentials = false;
  private resumeCheck: Promise<void> | undefined;
  private readonly credentialsChanged = new Emitter<boolean>(() => this.deps.logger);
  /** Fires true when AWS reported missing credentials, false when that was cleared. */
  readonly onCredentialsChanged = this.credentialsChanged.event;

  /** Every engine event, as it happens (the run panels attach here). */
  readonly onEvent = this.emitter.event;
  /** The live model changed (tree, status bar, notifications). */
  readonly onChange = this.changes.event;

  constructor(private readonly deps: EngineHostDeps) {}

  /** The workspace folder whose deployguard.yaml this window deploys (the first one that has it). */
  repoRoot(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** Reads and validates deployguard.yaml (loads the engine). Undefined without a workspace. */
  async loadPipeline(): Promise<LoadedPipeline | undefined> {
    const root = this.repoRoot();
    if (!root) return undefined;
    return loadEngine().loadPipeline(root);
  }

  /** The history store, with the folder from user settings only. */
  historyStore(): InstanceType<ReturnType<typeof loadEngine>['HistoryStore']> {
    const { HistoryStore } = loadEngine();
    const folder = readSettings().historyFolder;
    return folder ? new HistoryStore(folder) : new HistoryStore();
  }

  /**
   * The team history an environment's deploys use (the setting, else the environment's, else the
   * file's `history:`), opened through the engine as the CLI's `history` opens it: one STS call for
   * the account, then the bucket. Undefined when the environment's history is the local folder.
   * The caller disposes the result (it holds the AWS clients).
   */
  async teamHistory(pipeline: PipelineConfig, environment: EnvironmentConfig, signal?: AbortSignal): Promise<TeamHistory | undefined> {
    const engine = loadEngine();
    const settings = readSettings();
    const { location } = engine.chooseHistoryLocation({
      user: settings.history,
      environment: environment.history,
      pipeline: pipeline.history,
    });
    if (location.kind === 'local') return undefined;
    const sel = {
      pipeline,
      environment: environment.name,
      ...(settings.endpoint ? { userEndpoint: settings.endpoint } : {}),
      ...(settings.profile ? { userProfile: settings.profile } : {}),
      ...(settings.history ? { userHistory: settings.history } : {}),
    };
    const { stackHistory, clients } = await engine.openStackHistory(this.engineContext(), sel, signal);
    return { stackHistory, where: location.url, dispose: () => clients.dispose() };
  }

  /**
   * A record another machine wrote, from the team history of the workspace's environments (the
   * local folder is read first by the caller). Its log, read from the same store.
   */
  async findTeamRecord(deploymentId: string): Promise<{ record: DeploymentRecord; log: () => Promise<string | undefined> } | undefined> {
    const loaded = await this.loadPipeline();
    const pipeline = loaded?.config;
    if (!pipeline) return undefined;
    for (const env of Object.values(pipeline.environments)) {
      const team = await this.teamHistory(pipeline, env);
      if (!team) continue;
      try {
        const record = await team.stackHistory.get(deploymentId);
        if (record) return { record, log: () => this.teamLog(pipeline, env, deploymentId) };
      } finally {
        team.dispose();
      }
    }
    return undefined;
  }

  private async teamLog(pipeline: PipelineConfig, env: EnvironmentConfig, deploymentId: string): Promise<string | undefined> {
    const team = await this.teamHistory(pipeline, env);
    if (!team) return undefined;
    try {
      return await team.stackHistory.readLog(deploymentId);
    } finally {
      team.dispose();
    }
  }

  /**
   * The settings changed (history folder, endpoint, profile): the next operation builds its
   * context afresh. Running ones keep theirs; the shared pollers stay with them.
   */
  settingsChanged(): void {
    if (this.runs.size === 0) this.context = undefined;
  }

  /** Whether this window is running something on the environment now. */
  isBusy(environment: string): boolean {
    return [...this.runs].some((r) => r.environment === environment);
  }

  /** Deploys the workspace (or a given checkout) to an environment; resolves when it has finished. */
  async deploy(environment: string, options: DeployOptions): Promise<DeploymentOutcome> {
    requireTrustedWorkspace('Deploying');
    const root = options.repoRoot ?? this.requireRoot();
    const pipeline = await this.validPipeline(root);
    // A push deploys from a worktree of the workspace's repository: approved as that repository.
    const approvalRoot = this.repoRoot() ?? root;
    if (
      !options.skipSteps &&
      pipeline.steps.length > 0 &&
      this.deps.approvePipeline &&
      !(await this.deps.approvePipeline(root, approvalRoot))
    ) {
      throw new CancelledError('Running the pipeline');
    }
    const git = options.git ?? (await this.headCommit(root));
    const settings = readSettings();
    return this.own(environment, (signal) =>
      loadEngine().runDeployment(this.engineContext(), {
        pipeline,
        environment,
        repoRoot: root,
        isTrusted: () => vscode.workspace.isTrusted,
        ...(git ? { git } : {}),
        ...(settings.endpoint ? { userEndpoint: settings.endpoint } : {}),
        ...(settings.profile ? { userProfile: settings.profile } : {}),
        ...(settings.history ? { userHistory: settings.history } : {}),
        trigger: options.trigger,
        holder: 'vscode',
        ...(options.skipSteps ? { skipSteps: true } : {}),
        ...(options.confirmChanges ? { confirmChanges: options.confirmChanges } : {}),
        ...(settings.rehearseRollback ? {} : { rehearseRollback: false }),
        confirmAlarmsFiring: (alarms) =>
          confirmAlarmsFiring(
            environment,
            alarms.map((a) => a.name),
          ),
        confirmRollback: (q) => this.deps.confirmRollback(q),
        signal,
      }),
    );
  }

  /** Restores a stable record of the environment (a manual rollback, recorded as its own deployment). */
  async rollback(environment: string, targetId: string | undefined): Promise<DeploymentOutcome> {
    requireTrustedWorkspace('Rolling back');
    const pipeline = await this.validPipeline(this.requireRoot());
    const settings = readSettings();
    return this.own(environment, (signal) =>
      loadEngine().manualRollback(this.engineContext(), {
        pipeline,
        environment,
        ...(targetId ? { to: targetId } : {}),
        ...(settings.endpoint ? { userEndpoint: settings.endpoint } : {}),
        ...(settings.profile ? { userProfile: settings.profile } : {}),
        ...(settings.history ? { userHistory: settings.history } : {}),
        holder: 'vscode rollback',
        signal,
      }),
    );
  }

  /** ContinueUpdateRollback on a stack left in UPDATE_ROLLBACK_FAILED. */
  async continueRollback(environment: string): Promise<DeploymentOutcome> {
    requireTrustedWorkspace('Continuing a rollback');
    const pipeline = await this.validPipeline(this.requireRoot());
    const settings = readSettings();
    return this.own(environment, (signal) =>
      loadEngine().recoverStack(this.engineContext(), {
        pipeline,
        environment,
        ...(settings.endpoint ? { userEndpoint: settings.endpoint } : {}),
        ...(settings.profile ? { userProfile: settings.profile } : {}),
        ...(settings.history ? { userHistory: settings.history } : {}),
        holder: 'vscode recover',
        signal,
      }),
    );
  }

  /**
   * Once per window (on activation, and again harmlessly when the Deployments view first shows):
   * if a journal has a deployment a reload or a crash interrupted, reattach to it so its watch —
   * and its automatic rollback — go on. A plain file check first: when nothing is in flight the
   * engine is not loaded.
   */
  resumeInterruptedDeployments(): Promise<void> {
    return (this.resumeCheck ??= this.resumeAll());
  }

  private async resumeAll(): Promise<void> {
    const root = this.repoRoot();
    if (!vscode.workspace.isTrusted || !root) return;
    const settings = readSettings();
    // A team bucket's journal is read through the engine (an AWS call): only when one may be in use.
    if (!(await hasOpenJournalEntries(settings.historyFolder)) && !(await mayUseTeamHistory(settings.history, root))) return;
    const loaded = await this.loadPipeline();
    if (!loaded?.config) return;
    const pipeline = loaded.config;
    const engine = loadEngine();
    await Promise.all(
      Object.values(pipeline.environments).map(async (env) => {
        let stackName = pipeline.stack.name;
        try {
          stackName = engine.stackNameFor({ pipeline, environment: env.name });
        } catch {
          return;
        }
        await this.resumeInFlight(env.name, stackName, env.region).catch((err: unknown) => {
          // A team history this window cannot read (offline, a bucket not made yet) left nothing
          // in flight that it knows of, and a deploy refuses loudly when tried: a warning, not an error.
          if (DeployGuardError.is(err, 'HistoryUnreachable', 'HistoryBucketForeign'))
            this.deps.logger.warn(`Could not look for ${env.name} deployments to reattach to: ${errorMessage(err)}`);
          else this.deps.logger.error(`Reattaching to ${env.name} failed: ${errorMessage(err)}`);
        });
      }),
    );
  }

  /**
   * After a window reload or a crash: reattaches to deployments the journal says are still in
   * flight — only those; nothing new is started. The journal read is the one of the store the
   * environment's deploys use: this machine's folder (a directory read, no AWS call), or the team's
   * bucket, where a run killed on another machine or a CI runner is found too (reattachDecision.ts).
   */
  async resumeInFlight(environment: string, stackName: string, region: string, options: { inDoubtToo?: boolean } = {}): Promise<boolean> {
    if (!vscode.workspace.isTrusted || this.isBusy(environment)) return false;
    // Left in doubt or unverified by a run: reattached to by a person (inDoubtToo), not by a reload.
    const wanted = (e: JournalEntry) => options.inDoubtToo === true || e.phase !== 'in-doubt';
    const root = this.requireRoot();
    const pipeline = await this.validPipeline(root);
    const decision = await this.reattachDecisionFor(pipeline, environment, stackName, region, options.inDoubtToo === true);
    if (decision.kind === 'nothing') return false;
    if (decision.kind === 'held') {
      this.deps.logger.info(`${environment}: not reattaching, ${decision.by} holds the stack and is driving its open deployment`);
      return false;
    }
    const { open } = decision;
    this.deps.logger.info(
      options.inDoubtToo
        ? `${environment}: reattaching to ${open} deployment(s) in doubt or not verified`
        : `${environment}: ${open} deployment(s) were interrupted (window reload, crash, or a run stopped elsewhere); reattaching`,
    );
    const settings = readSettings();
    const engine = loadEngine();
    await this.own(environment, async (signal) => {
      const ctx = this.engineContext();
      const sel = {
        pipeline,
        environment,
        ...(settings.endpoint ? { userEndpoint: settings.endpoint } : {}),
        ...(settings.profile ? { userProfile: settings.profile } : {}),
        ...(settings.history ? { userHistory: settings.history } : {}),
      };
      const { stackHistory, clients, env } = await engine.openStackHistory(ctx, sel, signal);
      try {
        const lock = await this.lockForResume(stackHistory, signal);
        try {
          // Views learn about a deployment from its `deployment-started`: announce the resumed
          // ones from their records, so the tree, status bar and panel show them live again.
          const { open: entries } = await stackHistory.journal.openOperations();
          for (const entry of entries.filter(wanted)) {
            const record = await stackHistory.get(entry.deploymentId).catch(() => undefined);
            if (record) this.announce(record);
          }
          const records = await engine.resumeInterrupted(
            ctx,
            stackHistory,
            clients,
            env,
            { confirmRollback: (q) => this.deps.confirmRollback(q) },
            signal,
            lock,
            { leaveInDoubt: options.inDoubtToo !== true },
          );
          return { record: records[records.length - 1]!, exitCode: 0, resumed: records } satisfies DeploymentOutcome;
        } finally {
          await lock.release();
        }
      } finally {
        clients.dispose();
      }
    }).catch((err: unknown) => {
      if (isCancellation(err)) return; // the user cancelled the reattached deployment
      if (DeployGuardError.is(err, 'LockHeld') && !options.inDoubtToo) {
        // Someone alive (a CLI, another window) is driving it: theirs to finish.
        this.deps.logger.info(`${environment}: not reattaching, ${errorMessage(err)}`);
        return;
      }
      throw err;
    });
    return true;
  }

  /**
   * "Watch the Live Version": the deploy's own first step alone — reattach to a deployment of this
   * environment left in doubt (follow its operation by stack ARN and token) or live and not
   * verified, and bake it. Starts no stack operation. False when there is nothing to watch.
   */
  async watchLiveVersion(environment: string): Promise<boolean> {
    requireTrustedWorkspace('Watching the live version');
    const pipeline = await this.validPipeline(this.requireRoot());
    const env = Object.hasOwn(pipeline.environments, environment) ? pipeline.environments[environment] : undefined;
    if (!env) throw new DeployGuardError('Usage', `No environment "${environment}" in deployguard.yaml`);
    const stackName = loadEngine().stackNameFor({ pipeline, environment });
    return this.resumeInFlight(environment, stackName, env.region, { inDoubtToo: true });
  }

  /** The open deployments of the environment's stack in the store its deploys use, and what to do about them. */
  private async reattachDecisionFor(
    pipeline: PipelineConfig,
    environment: string,
    stackName: string,
    region: string,
    inDoubtToo: boolean,
  ): Promise<ReattachDecision> {
    const env = Object.hasOwn(pipeline.environments, environment) ? pipeline.environments[environment] : undefined;
    const context = { inDoubtToo, host: hostname(), now: Date.now() };
    const team = env ? await this.teamHistory(pipeline, env) : undefined;
    if (team) {
      try {
        const { open } = await team.stackHistory.journal.openOperations();
        const lock = open.length > 0 ? await team.stackHistory.readLock() : undefined;
        return reattachDecision(open, lock, context);
      } finally {
        team.dispose();
      }
    }
    const store = this.historyStore();
    const keys = (await store.listStacks()).filter((k) => k.stackName === stackName && k.region === region);
    const open: JournalEntry[] = [];
    for (const key of keys) open.push(...(await store.stack(key).journal.openOperations()).open);
    // A local lock is left to the resume's own attempt, as before: a live CLI's refusal ends it.
    return reattachDecision(open, undefined, context);
  }

  /**
   * The stack lock for a resume. Right after a reload the previous extension host may still be
   * shutting down, or gone without releasing it: its lock can be taken over within seconds (this
   * machine's folder) or after its TTL (a team bucket), so wait that bounded time rather than
   * giving up on the live view (resumeLockWait).
   */
  private async lockForResume(stackHistory: StackHistory, signal: AbortSignal) {
    let deadline: number | undefined;
    for (;;) {
      try {
        return await stackHistory.acquireLock({ deploymentId: 'resume', holder: 'vscode (resuming after a reload)' });
      } catch (err) {
        if (!DeployGuardError.is(err, 'LockHeld')) throw err;
        // Only a previous editor window of this machine is worth waiting for; anyone else is alive and driving it.
        const wait = resumeLockWait(await stackHistory.readLock(), hostname());
        if (!wait) throw err;
        if (deadline === undefined) {
          deadline = Date.now() + wait.waitMs;
          this.deps.logger.info(`waiting up to ${Math.round(wait.waitMs / 1000)} s for the previous window's stack lock to expire`);
        }
        if (Date.now() > deadline) throw err;
        await sleep(wait.everyMs, signal);
      }
    }
  }

  /** Fires the events a fresh deployment would have fired, from its record (for a resumed one). */
  private announce(record: DeploymentRecord): void {
    const at = new Date().toISOString();
    this.fire({
      type: 'deployment-started',
      deploymentId: record.id,
      at: record.startedAt,
      kind: record.kind,
      environment: record.environment,
      stackName: record.stackName,
      region: record.region,
      account: record.account,
      ...(record.commit ? { commit: record.commit } : {}),
      ...(record.branch ? { branch: record.branch } : {}),
      ...(record.rollbackTargetId ? { rollbackTargetId: record.rollbackTargetId } : {}),
      steps: record.steps.map((s) => s.name),
    });
    this.fire({ type: 'deployment-status', deploymentId: record.id, at, status: record.status });
    // The resumed watch announces its own deadline (`watch-started` with `resumed: true`).
  }

  /** Cancels what this window runs on a deployment (by id) or an environment (by name). */
  cancel(target: { deploymentId?: string; environment?: string }): boolean {
    const run = [...this.runs].find(
      (r) =>
        (target.deploymentId !== undefined &&
          (r.deploymentId === target.deploymentId || this.live.get(target.deploymentId)?.parentId === r.deploymentId)) ||
        (target.environment !== undefined && r.environment === target.environment),
    );
    if (!run) return false;
    this.deps.logger.info(`cancelling ${run.deploymentId ?? run.environment}`);
    run.controller.abort(new CancelledError('The deployment'));
    return true;
  }

  /**
   * The window is closing or reloading. Running deployments are deliberately NOT cancelled: a
   * reload must not turn a deployment into a cancelled one. Their journal lets the next window
   * (or the CLI) reattach to them and finish them; this one only stops telling views about them.
   */
  dispose(): void {
    this.disposed = true;
    this.context?.notifier?.dispose();
    this.emitter.dispose();
    this.changes.dispose();
    this.credentialsChanged.dispose();
  }

  /** Runs one operation with its own AbortController, remembering which deployment it became. */
  private async own(environment: string, body: (signal: AbortSignal) => Promise<DeploymentOutcome>): Promise<DeploymentOutcome> {
    if (this.isBusy(environment)) {
      throw new DeployGuardError('LockHeld', `A deployment of ${environment} is already running in this window`, {
        hint: 'wait for it to finish, or cancel it from the Deployments view',
      });
    }
    const run: OwnedRun = { environment, controller: new AbortController() };
    this.runs.add(run);
    const listener = this.onEvent((e) => {
      if (e.type === 'deployment-started' && e.environment === environment && !run.deploymentId) run.deploymentId = e.deploymentId;
    });
    try {
      const outcome = await body(run.controller.signal);
      if (run.controller.signal.aborted && outcome.record?.status === 'cancelled') throw new CancelledError('The deployment');
      return outcome;
    } catch (err) {
      if (!isCancellation(err)) this.noteCredentials(err);
      throw err;
    } finally {
      listener.dispose();
      this.runs.delete(run);
    }
  }

  /**
   * Set when AWS said there are no (valid) credentials: the Deployments view then shows its
   * "no credentials" welcome (ContextKeys.noCredentials) until Refresh clears it.
   */
  get credentialsMissing(): boolean {
    return this.noCredentials;
  }

  clearCredentialsProblem(): void {
    if (!this.noCredentials) return;
    this.noCredentials = false;
    void vscode.commands.executeCommand('setContext', ContextKeys.noCredentials, false);
    this.credentialsChanged.fire(false);
  }

  private noteCredentials(err: unknown): void {
    if (DeployGuardError.is(err, 'CredentialsMissing', 'CredentialsExpired')) {
      this.noCredentials = true;
      void vscode.commands.executeCommand('setContext', ContextKeys.noCredentials, true);
      this.credentialsChanged.fire(true);
    }
  }

  private engineContext(): EngineContext {
    if (!this.context) {
      const engine = loadEngine();
      const logger = engine.tagged(this.deps.logger, 'engine');
      const settings = readSettings();
      this.context = {
        history: this.historyStore(),
        pollers: new engine.StackPollers(logger),
        emit: (event) => this.fire(event),
        logger,
        // Rebuilt with the context when the settings change; one being replaced finishes its own
        // deliveries (each bounded), and the current one stops with the host.
        notifier: new engine.Notifier({
          ...(settings.notifyWebhook ? { webhookUrl: settings.notifyWebhook } : {}),
          onStable: settings.notifyOnStable,
          logger: engine.tagged(this.deps.logger, 'notify'),
        }),
      };
    }
    return this.context;
  }

  private fire(event: EngineEvent): void {
    if (this.disposed) return;
    const change = this.live.apply(event);
    this.emitter.fire(event);
    if (change) this.changes.fire(change);
  }

  private requireRoot(): string {
    const root = this.repoRoot();
    if (!root) throw new DeployGuardError('Usage', 'Open the folder that contains deployguard.yaml to deploy it');
    return root;
  }

  private async validPipeline(root: string) {
    const loaded = await loadEngine().loadPipeline(root);
    if (!loaded.config) {
      const first = loaded.problems[0];
      throw new DeployGuardError(
        'ConfigInvalid',
        `deployguard.yaml has ${loaded.problems.length} problem(s)${first ? `, first at line ${first.line}: ${first.message}` : ''}`,
        {
          hint: 'fix them (see the Problems panel), then deploy again',
        },
      );
    }
    return loaded.config;
  }

  /** The commit a deploy of the working tree records; none when the folder is not a git repository. */
  private async headCommit(root: string): Promise<DeployOptions['git']> {
    const { GitRepository } = loadEngine();
    try {
      const head = await new GitRepository({ root, isTrusted: () => vscode.workspace.isTrusted, logger: this.deps.logger }).head();
      return { sha: head.sha, shortSha: head.shortSha, ...(head.branch ? { branch: head.branch } : {}), dirty: head.dirty };
    } catch (err) {
      if (DeployGuardError.is(err, 'GitFailed')) {
        this.deps.logger.warn(`deploying without a commit: ${errorMessage(err)}`);
        return undefined;
      }
      throw err;
    }
  }
}

const DEPLOY_ANYWAY = 'Deploy Anyway';

/** Guarded alarms already fire before the deploy: they will not be blamed on it, but a person decides. */
async function confirmAlarmsFiring(environment: string, alarms: readonly string[]): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(
    `Guarded alarm(s) of ${environment} are already in ALARM: ${alarms.join(', ')}`,
    {
      modal: true,
      detail:
        'They fired before this deployment, so the health watch will not blame it for them, and it cannot tell whether the new version fixes or worsens them. Deploy anyway?',
    },
    DEPLOY_ANYWAY,
  );
  return choice === DEPLOY_ANYWAY;
}

/** Listens for one engine event type. */
export function onEngineEvent<T extends EngineEvent['type']>(
  host: EngineHost,
  type: T,
  listener: (event: Extract<EngineEvent, { type: T }>) => void,
): Disposable {
  return host.onEvent((e) => {
    if (e.type === type) listener(e as Extract<EngineEvent, { type: T }>);
  });
}

export type { DeploymentOutcome, DeploymentRecord };
