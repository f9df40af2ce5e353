import type { Disposable } from '../disposable';
import { Emitter } from '../emitter';
import { DeployGuardError } from '../errors';
import type { GitRepository } from '../git/gitRepository';
import { resolveCommonDir } from '../git/refs';
import { silentLogger, tagged, type Logger } from '../logger';
import type { EnvironmentConfig } from '../pipeline/types';
import { CoalescingRunner } from './coalescingRunner';
import { deployExactCommit } from './deployCommit';
import { RefWatcher } from './refWatcher';
import { assertPushTriggerConfigured } from './triggerGuards';
import type { DeployCallback, TriggerRunEvent, TriggerState, TriggerStateEvent } from './types';

export interface PushTriggerOptions {
  readonly repo: GitRepository;
  readonly environment: EnvironmentConfig;
  readonly deploy: DeployCallback;
  /** The remote whose tracking ref is followed (default `origin`). */
  readonly remote?: string;
  readonly isTrusted: () => boolean;
  readonly logger?: Logger;
  /** Backstop re-check interval for the ref files (default 2 s). */
  readonly pollMs?: number;
  /**
   * The ref's value as seen earlier (e.g. by a light watcher set up at activation, before the
   * engine was loaded). When the ref has moved past it by the time `start()` runs, that new
   * commit is deployed at once instead of becoming the silent baseline.
   */
  readonly baseline?: string;
  /**
   * Also deploy when the ref moves because a fetch brought in someone else's push (default
   * false). Off, only commits pushed from this repository deploy: otherwise every editor with
   * autofetch on would deploy each colleague's push again.
   */
  readonly deployFetchedCommits?: boolean;
}

/**
 * Deploy on push: when `refs/remotes/<remote>/<branch>` moves to a new commit —
 * a push from VS Code, from `Save, Commit, Push and Deploy`, from a terminal, or a fetch of a
 * colleague's push — that exact commit is deployed, once. A push while a deploy runs becomes one
 * follow-up for the newest commit.
 */
export class PushTrigger implements Disposable {
  private readonly logger: Logger;
  private readonly branch: string;
  private readonly remote: string;
  private watcher: RefWatcher | undefined;
  private readonly runner: CoalescingRunner<string>;
  private readonly stateEmitter = new Emitter<TriggerStateEvent>(() => this.logger);
  private readonly runEmitter = new Emitter<TriggerRunEvent>(() => this.logger);
  private stopped = false;
  /** Every sha this trigger has deployed or queued: a ref moving back to one is not a new push. */
  private readonly seen = new Set<string>();

  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidRun = this.runEmitter.event;

  constructor(private readonly options: PushTriggerOptions) {
    this.branch = assertPushTriggerConfigured(options.environment);
    this.remote = options.remote ?? 'origin';
    this.logger = tagged(options.logger ?? silentLogger, `push:${options.environment.name}`);
    this.runner = new CoalescingRunner<string>({
      task: (sha, signal) => this.deploySha(sha, signal),
      onError: (error) => {
        this.logger.error(error instanceof Error ? error : String(error));
        this.runEmitter.fire({ type: 'error', environment: this.options.environment.name, error });
      },
      onStateChange: () => this.fireState(),
    });
  }

  /** The ref being followed, e.g. `refs/remotes/origin/main`. */
  get ref(): string {
    return `refs/remotes/${this.remote}/${this.branch}`;
  }

  get state(): TriggerState {
    if (this.stopped) return 'stopped';
    return this.runner.isRunning ? 'deploying' : 'idle';
  }

  /**
   * Starts following the ref. Its current value is the baseline, not a push: opening a window
   * never deploys. Refuses in an untrusted workspace before touching anything.
   */
  async start(): Promise<void> {
    if (!this.options.isTrusted()) {
      throw new DeployGuardError(
        'UntrustedWorkspace',
        `Deploy on push is off for ${this.options.repo.root}: the workspace is not trusted.`,
        {
          hint: 'trust the workspace to deploy from it',
        },
      );
    }
    const commonDir = await resolveCommonDir(this.options.repo.root);
    const watcher = new RefWatcher({
      commonDir,
      ref: this.ref,
      onChange: (sha) => this.onRefChanged(sha),
      ...(this.options.pollMs !== undefined ? { pollMs: this.options.pollMs } : {}),
      logger: this.logger,
    });
    this.watcher = watcher;
    const current = await watcher.start();
    if (this.options.baseline) this.seen.add(this.options.baseline);
    if (this.stopped) {
      watcher.dispose();
      return;
    }
    this.logger.info(`Following ${this.ref} (now ${current?.slice(0, 7) ?? 'absent'}).`);
    if (this.options.baseline === undefined || current === undefined) {
      if (current) this.seen.add(current);
    } else {
      this.onRefChanged(current); // moved since the caller's baseline: that push deploys now
    }
  }

  /** A hint that refs may have moved (VS Code's git extension fired onDidChange). */
  poke(): Promise<void> {
    return this.watcher?.check() ?? Promise.resolve();
  }

  /** Resolves when no deploy runs and none is pending (for tests and clean shutdown). */
  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  dispose(): void {
    this.stopped = true;
    this.watcher?.dispose();
    this.runner.dispose();
    this.fireState();
    this.stateEmitter.dispose();
    this.runEmitter.dispose();
  }

  private onRefChanged(sha: string | undefined): void {
    if (!sha || this.stopped || this.seen.has(sha)) return;
    this.seen.add(sha);
    this.logger.info(`${this.ref} moved to ${sha.slice(0, 7)}: deploying it.`);
    this.runner.request(sha);
  }

  private async deploySha(sha: string, signal: AbortSignal): Promise<void> {
    if (!this.options.isTrusted()) {
      throw new DeployGuardError('UntrustedWorkspace', `Not deploying ${sha.slice(0, 7)}: the workspace is not trusted.`);
    }
    if (!this.options.deployFetchedCommits && !(await this.pushedFromHere(sha))) {
      this.logger.info(
        `${this.ref} moved to ${sha.slice(0, 7)}, which no local branch points at (a fetch of someone else's push): not deploying it.`,
      );
      return;
    }
    const { request, result } = await deployExactCommit({
      repo: this.options.repo,
      sha,
      branch: this.branch,
      environment: this.options.environment.name,
      reason: 'push',
      deploy: this.options.deploy,
      signal,
      logger: this.logger,
      onStart: (req) => this.runEmitter.fire({ type: 'started', request: req }),
    });
    this.runEmitter.fire({ type: 'finished', request, result });
  }

  /**
   * A push from this repository leaves the tracking ref at a local branch's tip; a fetch of
   * someone else's push leaves it ahead of every local branch. (HEAD is not asked: in the middle
   * of `git pull --rebase` it is detached exactly at the fetched commit.)
   */
  private async pushedFromHere(sha: string): Promise<boolean> {
    return (await this.options.repo.branchesAt(sha)).length > 0;
  }

  private fireState(): void {
    this.stateEmitter.fire({ environment: this.options.environment.name, state: this.state, followUpPending: this.runner.hasPending });
  }
}
