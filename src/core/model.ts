/**
 * The engine's vocabulary: what a deployment is and the states it moves through
 * (DESIGN.md §3–§4). Shared by the engine, the history store, the CLI and every view.
 */

/**
 * queued → running-steps → deploying → watching → stable, with the exits DESIGN.md §3 names.
 * Only `stable` records may be rollback targets.
 */
export type DeploymentStatus =
  | 'queued'
  | 'running-steps'
  | 'deploying'
  | 'watching'
  | 'stable'
  | 'unchanged'
  | 'failed'
  | 'cancelled'
  | 'unhealthy'
  | 'rolling-back'
  | 'rolled-back'
  | 'rollback-failed'
  | 'needs-attention';

/** Statuses after which nothing more happens to a record. */
export const FINAL_STATUSES: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>([
  'stable',
  'unchanged',
  'failed',
  'cancelled',
  'rolled-back',
  'rollback-failed',
  'needs-attention',
]);

export function isFinal(status: DeploymentStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** Why a record exists: a normal deploy, a rollback (automatic or by hand), or the captured baseline. */
export type DeploymentKind = 'deploy' | 'rollback' | 'baseline';

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'timed-out' | 'cancelled' | 'skipped';

export interface StepRecord {
  readonly name: string;
  status: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
}

/** CLI exit codes, the same everywhere (issue 4 §6). */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  RolledBack: 3,
  NeedsPerson: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
