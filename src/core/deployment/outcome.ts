import type { DeploymentRecord } from '../history/record';
import { exitCodeFor } from './deploymentRun';

/** What a deploy, a manual rollback or a recover hands back to the CLI and the editor. */
export interface DeploymentOutcome {
  readonly record: DeploymentRecord;
  /** The CLI exit code for it (0 stable/unchanged, 1 failed, 3 rolled back, 4 needs a person). */
  readonly exitCode: number;
  /** Interrupted deployments of this stack that were finished first. */
  readonly resumed: readonly DeploymentRecord[];
}

/** The outcome of a finished record, its exit code taken from its status. */
export function outcomeOf(record: DeploymentRecord, resumed: readonly DeploymentRecord[] = []): DeploymentOutcome {
  return { record, exitCode: exitCodeFor(record.status), resumed };
}
