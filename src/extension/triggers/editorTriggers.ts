import { isAbsolute, relative } from 'node:path';
import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';
import { Emitter } from '../../core/emitter';
import { errorMessage, isCancellation } from '../../core/errors';
import { resolveCommonDir } from '../../core/git/refs';
import type { Logger } from '../../core/logger';
import type { EnvironmentConfig } from '../../core/pipeline/types';
import type { PushTrigger, SaveTrigger, TriggerDeployRequest, TriggerRunEvent } from '../../core/triggers';
// Value import on purpose: fs.watch and a file read, no simple-git, no AWS SDK. It follows the
// refs from activation on, so a push before the engine is first loaded is not missed.
import { RefWatcher } from '../../core/triggers/refWatcher';
import { isGuardedEnvironment } from '../../core/triggers/triggerGuards';
import { changeSummary, needsConfirmation } from '../actions/deployConfirmation';
import { showError } from '../commandRunner';
import type { EngineHost } from '../engineHost';
import { loadEngine } from '../engineLoader';
import { loadPipelineTools } from '../pipeline/pipelineToolsLoader';
import { readSettings } from '../settings';

/** What the pipeline file asks of the triggers. */
interface TriggerConfig {
  /** `deployOn: [push]` environments with a branch. */
  readonly push: readonly EnvironmentConfig[];
  /** `deployOn: [save]` environments that may use it (not guarded, not prod*). */
  readonly save: readonly EnvironmentConfig[];
}

interface PushSlot {
  readonly env: EnvironmentConfig;
  /** Until the engine is loaded: remembers the ref's value and wakes the real trigger on a move. */
  light?: RefWatcher | undefined;
  baseline?: string | undefined;
  trigger?: PushTrigger;
  starting?: Promise<PushTrigger>;
}

const DEPLOY = 'Deploy';
const REMOTE = 'origin';

/**
 * The editor's deploy-on-push and deploy-on-save. Reads deployguard.yaml with the
 * light pipeline tools, follows each push environment's remote-tracking ref with a cheap
 * fs.watch from the start, and loads the engine only when something is to be deployed. Every
 * deploy goes through the EngineHost, so the tree, status bar, notifications and run panel see it.
 */
export class EditorTriggers implements vscode.Disposable {
  private config: TriggerConfig = { push: [], save: [] };
  private readonly pushSlots = new Map<string, PushSlot>();
  private readonly saveTriggers = new Map<string, SaveTrigger>();
  private readonly subscriptions = new DisposableStore();
  private readonly changed = new Emitter<void>(() => this.logger);
  private pausedInWindow = false;
  private disposed = false;
  private loading: Promise<void> | undefined;

  /** The configuration, pause state or a save trigger's state changed (the status-bar toggle). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly host: EngineHost,
    private readonly logger: Logger,
  ) {}

  get saveEnvironments(): readonly EnvironmentConfig[] {
    return this.config.save;
  }

  /** Paused by the status-bar toggle in this window, or off in the settings. */
  get savePaused(): boolean {
    return this.pausedInWindow || !readSettings().deployOnSave;
  }

  get pausedInThisWindow(): boolean {
    return this.pausedInWindow;
  }

  /** Whether any save trigger is deploying now. */
  get saveDeploying(): boolean {
    return [...this.saveTriggers.values()].some((t) => t.state === 'deploying');
  }

  setPaused(paused: boolean): void {
    this.pausedInWindow = paused;
    for (const trigger of this.saveTriggers.values()) trigger.setPaused(this.savePaused);
    this.changed.fire();
  }

  /** The push environment a push of `branch` deploys, if any. */
  pushEnvironmentFor(branch: string): EnvironmentConfig | undefined {
    return this.config.push.find((env) => env.branch === branch);
  }

  /**
   * (Re)reads deployguard.yaml and re-arms the triggers. Nothing happens in an untrusted
   * workspace: not a file read, not a git process.
   */
  reload(): Promise<void> {
    this.loading = (async () => {
      if (this.disposed || !vscode.workspace.isTrusted) return;
      const root = this.host.repoRoot();
      if (!root) return;
      let next: TriggerConfig = { push: [], save: [] };
      try {
        const loaded = await loadPipelineTools().loadPipeline(root);
        if (loaded.config) next = triggerConfig(Object.values(loaded.config.environments), this.logger);
      } catch (err) {
        this.logger.warn(`deploy triggers: cannot read deployguard.yaml: ${errorMessage(err)}`);
      }
      this.config = next;
      await this.armPush(root);
      for (const [name, trigger] of this.saveTriggers) {
        if (!next.save.some((env) => env.name === name)) {
          trigger.dispose();
          this.saveTriggers.delete(name);
        }
      }
      this.changed.fire();
    })();
    return this.loading;
  }

  /** A document was saved in the editor. */
  onDidSave(document: vscode.TextDocument): void {
    if (document.uri.scheme !== 'file' || !vscode.workspace.isTrusted || this.disposed) return;
    if (document.fileName.endsWith('deployguard.yaml')) void this.reload();
    if (this.config.save.length === 0 || this.savePaused) return;
    // VS Code saves files of its own too (1.139 saves one outside the workspace while starting):
    // a save outside the repository never deploys, so it must not load the engine to create the
    // save triggers either.
    const root = this.host.repoRoot();
    const rel = root === undefined ? '' : relative(root, document.uri.fsPath);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
    for (const env of this.config.save) this.saveTrigger(env)?.onSave(document.uri.fsPath);
  }

  /**
   * Turns the light watchers into real push triggers now (loading the engine). Save, Commit,
   * Push and Deploy calls it before pushing, so its own push is seen by a running trigger.
   */
  async startPushTriggers(): Promise<void> {
    await this.loading;
    await Promise.all([...this.pushSlots.values()].map((slot) => this.upgrade(slot)));
  }

  /** A hint that refs may have moved (VS Code's git extension, or our own push). */
  poke(): void {
    for (const slot of this.pushSlots.values()) void (slot.trigger?.poke() ?? slot.light?.check());
  }

  dispose(): void {
    this.disposed = true;
    for (const slot of this.pushSlots.values()) this.disposeSlot(slot);
    this.pushSlots.clear();
    for (const trigger of this.saveTriggers.values()) trigger.dispose();
    this.saveTriggers.clear();
    this.subscriptions.dispose();
    this.changed.dispose();
  }

  private async armPush(root: string): Promise<void> {
    const wanted = new Map(this.config.push.map((env) => [`${env.name}@${env.branch}`, env]));
    for (const [key, slot] of this.pushSlots) {
      if (!wanted.has(key)) {
        this.disposeSlot(slot);
        this.pushSlots.delete(key);
      }
    }
    if (wanted.size === 0) return;
    let commonDir: string;
    try {
      commonDir = await resolveCommonDir(root);
    } catch {
      this.logger.info('deploy on push: this folder is not a git repository');
      return;
    }
    for (const [key, env] of wanted) {
      if (this.pushSlots.has(key)) continue;
      const slot: PushSlot = { env };
      slot.light = new RefWatcher({
        commonDir,
        ref: `refs/remotes/${REMOTE}/${env.branch}`,
        onChange: () => void this.upgrade(slot).catch((err: unknown) => this.report(env.name, err)),
        logger: this.logger,
      });
      slot.baseline = await slot.light.start();
      this.pushSlots.set(key, slot);
      this.logger.info(`deploy on push: ${env.name} follows ${REMOTE}/${env.branch} (now ${slot.baseline?.slice(0, 7) ?? 'absent'})`);
    }
  }

  /** The engine-backed trigger for a slot, started with the light watcher's baseline. */
  private upgrade(slot: PushSlot): Promise<PushTrigger> {
    if (slot.trigger) return Promise.resolve(slot.trigger);
    slot.starting ??= (async () => {
      const engine = loadEngine();
      const root = this.host.repoRoot()!;
      const repo = new engine.GitRepository({ root, isTrusted: () => vscode.workspace.isTrusted, logger: this.logger });
      const trigger = new engine.PushTrigger({
        repo,
        environment: slot.env,
        remote: REMOTE,
        deploy: (request) => this.deploy(slot.env, request),
        isTrusted: () => vscode.workspace.isTrusted,
        logger: this.logger,
        ...(slot.baseline ? { baseline: slot.baseline } : {}),
      });
      this.subscriptions.add(trigger.onDidRun((event) => this.onRun(event)));
      slot.light?.dispose();
      slot.light = undefined;
      slot.trigger = trigger;
      await trigger.start();
      return trigger;
    })();
    return slot.starting;
  }

  private saveTrigger(env: EnvironmentConfig): SaveTrigger | undefined {
    const existing = this.saveTriggers.get(env.name);
    if (existing) return existing;
    const root = this.host.repoRoot();
    if (!root) return undefined;
    const engine = loadEngine();
    const repo = new engine.GitRepository({ root, isTrusted: () => vscode.workspace.isTrusted, logger: this.logger });
    const trigger = new engine.SaveTrigger({
      repo,
      environment: env,
      deploy: (request) => this.deploy(env, request),
      isTrusted: () => vscode.workspace.isTrusted,
      debounceMs: readSettings().saveDebounceMs,
      logger: this.logger,
    });
    this.subscriptions.add(trigger.onDidRun((event) => this.onRun(event)));
    this.subscriptions.add(trigger.onDidChangeState(() => this.changed.fire()));
    this.saveTriggers.set(env.name, trigger);
    return trigger;
  }

  /** Every triggered deploy goes through the host, like a deploy from the palette. */
  private deploy(env: EnvironmentConfig, request: TriggerDeployRequest) {
    const { commit } = request;
    return this.host.deploy(env.name, {
      trigger: request.reason,
      ...(request.worktree ? { repoRoot: request.worktree } : {}),
      git: { sha: commit.sha, shortSha: commit.shortSha, ...(commit.branch ? { branch: commit.branch } : {}), dirty: commit.dirty },
      ...(needsConfirmation(env)
        ? {
            confirmChanges: async (changes) => {
              const choice = await vscode.window.showWarningMessage(
                `A push of ${commit.branch ?? commit.shortSha} wants to deploy ${commit.shortSha} to ${env.name}`,
                {
                  modal: true,
                  detail: `${env.name} asks for confirmation before its stack changes (${env.region}).\n\nPlanned changes:\n${changeSummary(changes)}`,
                },
                DEPLOY,
              );
              return choice === DEPLOY;
            },
          }
        : {}),
    });
  }

  private onRun(event: TriggerRunEvent): void {
    if (event.type === 'error') this.report(event.environment, event.error);
  }

  private report(environment: string, err: unknown): void {
    if (isCancellation(err) || (err as { code?: unknown } | undefined)?.code === 'Cancelled') return;
    showError(this.logger, err, `Triggered deploy of ${environment} failed`);
  }

  private disposeSlot(slot: PushSlot): void {
    slot.light?.dispose();
    slot.trigger?.dispose();
    void slot.starting?.then(
      (t) => t.dispose(),
      () => undefined,
    );
  }
}

/** Push environments need a branch; save environments must not be guarded (the validator says so too). */
function triggerConfig(envs: readonly EnvironmentConfig[], logger: Logger): TriggerConfig {
  const push = envs.filter((env) => env.deployOn.includes('push') && env.branch);
  const save = envs.filter((env) => {
    if (!env.deployOn.includes('save')) return false;
    const guarded = isGuardedEnvironment(env);
    if (guarded) logger.warn(`deploy on save: ${env.name} is guarded or prod*, so saves never deploy it`);
    return !guarded;
  });
  return { push, save };
}
