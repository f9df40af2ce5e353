/**
 * The engine's vocabulary: what a deployment is and the states it moves through (the statuses
 * and their table live in deploymentStatus.ts). Shared by the engine, the history store, the CLI
 * and every view.
 */

export { ExitCode, FINAL_STATUSES, isFinal, type DeploymentStatus } from './deploymentStatus';

/** Why a record exists: a normal deploy, a rollback (automatic or by hand), or the captured baseline. */
export type DeploymentKind = 'deploy' | 'rollback' | 'baseline';

/** `interrupted`: the process running it died (a killed CLI or editor); a later run ended what it left. */
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'timed-out' | 'cancelled' | 'skipped' | 'interrupted';

export interface StepRecord {
  readonly name: string;
  status: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** Why it ended as it did, when its status alone does not say (an interrupted step). */
  reason?: string;
}
