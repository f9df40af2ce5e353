import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Disposable } from '../disposable';
import { Emitter } from '../emitter';
import { DeployGuardError, errorMessage } from '../errors';
import type { GitRepository } from '../git/gitRepository';
import { silentLogger, tagged, type Logger } from '../logger';
import type { EnvironmentConfig } from '../pipeline/types';
import { CoalescingRunner } from './coalescingRunner';
import { assertSaveTriggerAllowed } from './triggerGuards';
import type { DeployCallback, TriggerDeployRequest, TriggerRunEvent, TriggerState, TriggerStateEvent } from './types';

export const DEFAULT_SAVE_DEBOUNCE_MS = 1500;

export interface SaveTriggerOptions {
  readonly repo: GitRepository;
  readonly environment: EnvironmentConfig;
  readonly deploy: DeployCallback;
  readonly isTrusted: () => boolean;
  /** Quiet time after the last save before deploying (`deployGuard.saveDebounce`, default 1.5 s). */
  readonly debounceMs?: number;
  readonly logger?: Logger;
}

/**
 * Deploy on save, like `cdk watch`: saves inside the repository that git does not
 * ignore are debounced into one deploy of the working tree as it is (commit + dirty flag
 * recorded). Saves during a deploy coalesce into exactly one follow-up with the newest state.
 * The caller feeds saves in: VS Code's onDidSaveTextDocument, or a file-system watcher in the CLI.
 */
export class SaveTrigger implements Disposable {
  private readonly logger: Logger;
  private readonly root: string;
  private readonly debounceMs: number;
  private readonly runner: CoalescingRunner<readonly string[]>;
  private readonly stateEmitter = new Emitter<TriggerStateEvent>(() => this.logger);
  private readonly runEmitter = new Emitter<TriggerRunEvent>(() => this.logger);
  private timer: NodeJS.Timeout | undefined;
  /** Accepted saves since the last deploy request. */
  private batch = new Set<string>();
  /** Saves waiting for the next batched ignore check. */
  private readonly unchecked = new Set<string>();
  /** Ignore checks in flight, so `settled()` can wait for them. */
  private readonly checks = new Set<Promise<void>>();
  private paused = false;
  private stopped = false;

  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidRun = this.runEmitter.event;

  constructor(private readonly options: SaveTriggerOptions) {
    assertSaveTriggerAllowed(options.environment);
    this.root = resolve(options.repo.root);
    this.debounceMs = options.debounceMs ?? DEFAULT_SAVE_DEBOUNCE_MS;
    this.logger = tagged(options.logger ?? silentLogger, `save:${options.environment.name}`);
    this.runner = new CoalescingRunner<readonly string[]>({
      task: (files, signal) => this.deployWorkingTree(files, signal),
      onError: (error) => {
        this.logger.error(error instanceof Error ? error : String(error));
        this.runEmitter.fire({ type: 'error', environment: this.options.environment.name, error });
      },
      // A follow-up covers every file saved while the previous deploy ran.
      merge: (pending, newer) => [...new Set([...pending, ...newer])],
      onStateChange: () => this.fireState(),
    });
  }

  get state(): TriggerState {
    if (this.stopped) return 'stopped';
    if (this.runner.isRunning) return 'deploying';
    if (this.paused) return 'paused';
    return this.timer ? 'waiting' : 'idle';
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Pauses or resumes (the status-bar toggle). Saves while paused are dropped, not remembered:
   * resuming does not deploy by itself. A deploy already running finishes.
   */
  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) this.cancelWaiting();
    this.logger.info(paused ? 'Deploy on save paused.' : 'Deploy on save resumed.');
    this.fireState();
  }

  /** A file was saved. Paths outside the repository, in `.git`, or ignored by git do not count. */
  onSave(path: string): void {
    if (this.stopped || this.paused) return;
    const absolute = resolve(this.root, path);
    const rel = relative(this.root, absolute);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
    if (rel === '.git' || rel.startsWith(`.git${sep}`)) return;
    if (!this.options.isTrusted()) {
      this.logger.warn('Ignoring a save: the workspace is not trusted.');
      return;
    }
    // Saves arriving together (a file watcher reports bursts) share one `git check-ignore`.
    this.unchecked.add(absolute);
    if (this.unchecked.size === 1) {
      const check = new Promise<void>((done) => setImmediate(done)).then(() => this.accept()).finally(() => this.checks.delete(check));
      this.checks.add(check);
    }
  }

  /** Resolves when no ignore check, debounce, deploy or follow-up is outstanding. */
  async settled(): Promise<void> {
    for (;;) {
      await Promise.all([...this.checks]);
      if (this.timer) {
        await new Promise<void>((done) => {
          const off = this.stateEmitter.event(() => {
            if (!this.timer) {
              off.dispose();
              done();
            }
          });
        });
        continue;
      }
      await this.runner.whenIdle();
      if (this.checks.size === 0 && !this.timer && !this.runner.isRunning) return;
    }
  }

  dispose(): void {
    this.stopped = true;
    this.cancelWaiting();
    this.runner.dispose();
    this.fireState();
    this.stateEmitter.dispose();
    this.runEmitter.dispose();
  }

  private async accept(): Promise<void> {
    const paths = [...this.unchecked];
    this.unchecked.clear();
    let ignored: Set<string>;
    try {
      ignored = await this.options.repo.ignored(paths);
    } catch (err) {
      this.logger.warn(`Could not ask git which saved files are ignored (${errorMessage(err)}); not deploying for them.`);
      return;
    }
    const counted = paths.filter((p) => !ignored.has(p));
    if (counted.length === 0 || this.stopped || this.paused) return;
    for (const path of counted) this.batch.add(path);
    this.restartDebounce();
  }

  private restartDebounce(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const files = [...this.batch];
      this.batch = new Set();
      this.runner.request(files);
      this.fireState();
    }, this.debounceMs);
    this.fireState();
  }

  private cancelWaiting(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.batch = new Set();
  }

  /** Deploys the working tree as it is now: the newest state, read when the deploy starts. */
  private async deployWorkingTree(files: readonly string[], signal: AbortSignal): Promise<void> {
    if (!this.options.isTrusted()) {
      throw new DeployGuardError('UntrustedWorkspace', 'Not deploying on save: the workspace is not trusted.');
    }
    const commit = await this.options.repo.head(signal);
    const request: Omit<TriggerDeployRequest, 'signal'> = {
      environment: this.options.environment.name,
      commit,
      reason: 'save',
      savedFiles: files,
    };
    this.logger.info(`Deploying ${commit.shortSha}${commit.dirty ? ' with uncommitted changes' : ''} after ${files.length} saved file(s).`);
    this.runEmitter.fire({ type: 'started', request });
    const result = await this.options.deploy({ ...request, signal });
    this.runEmitter.fire({ type: 'finished', request, result });
  }

  private fireState(): void {
    this.stateEmitter.fire({ environment: this.options.environment.name, state: this.state, followUpPending: this.runner.hasPending });
  }
}
