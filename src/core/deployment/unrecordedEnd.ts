/**
 * The report of a deployment whose end could not be written to history (a full or read-only
 * disk, a team history bucket that stopped answering or denies the write). It says what the stack did, because the person cannot read it from a record, and never
 * that the deployment succeeded: once a stack change was requested, the change may be live,
 * unrecorded and unwatched. The journal line written before that change stays open, so the next
 * run of the same deploy finds the deployment and finishes recording (and watching) it.
 */
import { DeployGuardError, errorMessage } from '../errors';
import { isStorageFailure } from '../history/storageError';
import type { DeploymentRun } from './deploymentRun';

/** `err` (from finishing `run`) as an error saying what happened to the stack; other errors are returned as they are. */
export function unrecordedEnd(run: Pick<DeploymentRun, 'record' | 'stackChangeRequested'>, err: unknown): unknown {
  if (!isStorageFailure(err) && !DeployGuardError.is(err, 'HistoryUnreachable')) return err;
  const { record } = run;
  const fix = DeployGuardError.is(err) && err.hint ? err.hint : 'make the history folder writable';
  if (!run.stackChangeRequested) {
    return new DeployGuardError(
      'HistoryUnwritable',
      `Deployment ${record.id} stopped before any change to stack ${record.stackName}, and its end could not be recorded: ${errorMessage(err)}`,
      { cause: err, hint: fix },
    );
  }
  const stack = record.stackStatus
    ? `stack ${record.stackName} is ${record.stackStatus} after this deployment's change`
    : `this deployment's change to stack ${record.stackName} was requested and may be under way`;
  return new DeployGuardError(
    'HistoryUnwritable',
    `Deployment ${record.id}: ${stack}, but Deploy Guard could not record how it ended, so it is not a recorded or verified version: ${errorMessage(err)}`,
    {
      cause: err,
      hint: `${fix}; then run the same deploy again: it finds this deployment in the journal and finishes recording it`,
    },
  );
}
