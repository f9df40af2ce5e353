import type { DeployOnEvent } from '../deploymentTrigger';
import type { CommitInfo } from '../git/gitRepository';

/**
 * What a trigger asks the deploy engine to do. The engine records `commit` (sha, branch, dirty)
 * in the deployment's history record.
 */
export interface TriggerDeployRequest {
  /** The environment's name in deployguard.yaml. */
  readonly environment: string;
  readonly commit: CommitInfo;
  /**
   * The folder to run the pipeline in when it is not the repository root: a temporary worktree
   * of exactly `commit.sha`, removed by the trigger after `deploy` settles. Undefined: the root.
   */
  readonly worktree?: string;
  /** Which `deployOn` event asked; it becomes the deployment's trigger. */
  readonly reason: DeployOnEvent;
  /** For saves: the files whose saves led to this deploy (absolute paths). */
  readonly savedFiles?: readonly string[];
  /** Aborted when the trigger is disposed (window closed, Ctrl+C): the engine should cancel. */
  readonly signal: AbortSignal;
}

/**
 * The injected deploy engine. It resolves when the deployment has finished (whatever its
 * outcome: a failed deploy is a result, not an exception) and rejects only when it could not run.
 */
export type DeployCallback<R = unknown> = (request: TriggerDeployRequest) => Promise<R>;

/** A trigger's state, for the status bar and the CLI's one-line updates. */
export type TriggerState = 'idle' | 'waiting' | 'deploying' | 'paused' | 'stopped';

export interface TriggerStateEvent {
  readonly environment: string;
  readonly state: TriggerState;
  /** True when a follow-up deploy is already waiting for the running one to end. */
  readonly followUpPending: boolean;
}

/** A deploy the trigger started, and how it ended. */
export type TriggerRunEvent =
  | { readonly type: 'started'; readonly request: Omit<TriggerDeployRequest, 'signal'> }
  | { readonly type: 'finished'; readonly request: Omit<TriggerDeployRequest, 'signal'>; readonly result: unknown }
  | { readonly type: 'error'; readonly environment: string; readonly error: unknown };
