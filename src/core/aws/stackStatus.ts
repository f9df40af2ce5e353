/**
 * Every CloudFormation StackStatus and what it means for Deploy Guard,
 * matched exactly in one exhaustive switch. `ROLLBACK_COMPLETE` and `UPDATE_ROLLBACK_COMPLETE`
 * share a suffix and mean opposite things, so nothing here ever matches by suffix or substring.
 * A status this table does not know (a new AWS status) is `unknown` → a person decides.
 */
import type { StackStatus } from '@aws-sdk/client-cloudformation';

/** What a deploy that finds the stack in this status before it starts should do. */
export type StartAction =
  /** No usable stack: create it (REVIEW_IN_PROGRESS counts: CloudFormation treats it as absent). */
  | 'create'
  /** Healthy and updatable. */
  | 'update'
  /** Another operation is running: wait (bounded) or refuse. */
  | 'wait'
  /** A failed create left nothing usable: only delete-and-recreate, and only on confirmation. */
  | 'replace'
  /** A person must act first (UPDATE_ROLLBACK_FAILED, DELETE_FAILED, …). */
  | 'attention';

/** How an operation we are following ended, when this status is terminal. */
export type Outcome =
  /** Not terminal: keep following. */
  | 'running'
  /** Our operation succeeded. */
  | 'succeeded'
  /** It failed and CloudFormation restored the previous state (never roll back a second time). */
  | 'failed-restored'
  /** It failed and the stack is not usable as is (failed create, failed with rollback disabled). */
  | 'failed'
  /** The stack is stuck and a person must act (UPDATE_ROLLBACK_FAILED, ROLLBACK_FAILED, …). */
  | 'attention'
  /** The stack was deleted. */
  | 'deleted';

export interface StatusMeaning {
  readonly status: string;
  readonly start: StartAction;
  readonly outcome: Outcome;
  /** One sentence for the user. */
  readonly explain: string;
}

/** Every status the SDK knows, in the SDK's order; the test checks it against the SDK enum. */
export const KNOWN_STACK_STATUSES: readonly StackStatus[] = [
  'CREATE_COMPLETE',
  'CREATE_FAILED',
  'CREATE_IN_PROGRESS',
  'DELETE_COMPLETE',
  'DELETE_FAILED',
  'DELETE_IN_PROGRESS',
  'IMPORT_COMPLETE',
  'IMPORT_IN_PROGRESS',
  'IMPORT_ROLLBACK_COMPLETE',
  'IMPORT_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_IN_PROGRESS',
  'REVIEW_IN_PROGRESS',
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'ROLLBACK_IN_PROGRESS',
  'UPDATE_COMPLETE',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_FAILED',
  'UPDATE_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_IN_PROGRESS',
];

function assertNever(value: never): never {
  throw new Error(`unhandled stack status ${String(value)}`);
}

function meaningOf(status: StackStatus): Omit<StatusMeaning, 'status'> {
  switch (status) {
    case 'CREATE_COMPLETE':
      return { start: 'update', outcome: 'succeeded', explain: 'The stack was created.' };
    case 'UPDATE_COMPLETE':
      return { start: 'update', outcome: 'succeeded', explain: 'The stack was updated.' };
    case 'IMPORT_COMPLETE':
      return { start: 'update', outcome: 'succeeded', explain: 'Resources were imported into the stack.' };
    case 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS':
      // The update succeeded and the stack is usable; CloudFormation is deleting old resources.
      return { start: 'wait', outcome: 'succeeded', explain: 'The update succeeded; CloudFormation is still removing replaced resources.' };
    case 'UPDATE_ROLLBACK_COMPLETE':
      return {
        start: 'update',
        outcome: 'failed-restored',
        explain: 'The update failed and CloudFormation restored the previous version; the stack is healthy at that version.',
      };
    case 'IMPORT_ROLLBACK_COMPLETE':
      return { start: 'update', outcome: 'failed-restored', explain: 'The import failed and CloudFormation restored the previous state.' };
    case 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS':
      return {
        start: 'wait',
        outcome: 'running',
        explain: 'The update failed; CloudFormation restored the previous version and is removing new resources.',
      };
    case 'CREATE_IN_PROGRESS':
      return { start: 'wait', outcome: 'running', explain: 'The stack is being created.' };
    case 'UPDATE_IN_PROGRESS':
      return { start: 'wait', outcome: 'running', explain: 'The stack is being updated.' };
    case 'ROLLBACK_IN_PROGRESS':
      return { start: 'wait', outcome: 'running', explain: 'The stack creation failed; CloudFormation is removing its resources.' };
    case 'UPDATE_ROLLBACK_IN_PROGRESS':
      return { start: 'wait', outcome: 'running', explain: 'The update failed; CloudFormation is rolling back to the previous version.' };
    case 'DELETE_IN_PROGRESS':
      return { start: 'wait', outcome: 'running', explain: 'The stack is being deleted.' };
    case 'IMPORT_IN_PROGRESS':
      return { start: 'wait', outcome: 'running', explain: 'Resources are being imported into the stack.' };
    case 'IMPORT_ROLLBACK_IN_PROGRESS':
      return { start: 'wait', outcome: 'running', explain: 'The import failed; CloudFormation is rolling it back.' };
    case 'REVIEW_IN_PROGRESS':
      // A CREATE change set was made but never executed: CloudFormation treats the stack as absent.
      return { start: 'create', outcome: 'running', explain: 'The stack exists only as an unexecuted change set.' };
    case 'ROLLBACK_COMPLETE':
      return {
        start: 'replace',
        outcome: 'failed',
        explain: 'Creating the stack failed and CloudFormation removed its resources; the stack can only be deleted and created again.',
      };
    case 'CREATE_FAILED':
      return {
        start: 'attention',
        outcome: 'failed',
        explain: 'Creating the stack failed and its resources were kept (rollback disabled).',
      };
    case 'UPDATE_FAILED':
      return { start: 'attention', outcome: 'failed', explain: 'The update failed with rollback disabled; the stack is partly updated.' };
    case 'UPDATE_ROLLBACK_FAILED':
      return {
        start: 'attention',
        outcome: 'attention',
        explain: 'The update failed and so did the rollback; the stack cannot be updated until the rollback is continued.',
      };
    case 'ROLLBACK_FAILED':
      return { start: 'attention', outcome: 'attention', explain: 'The stack creation failed and removing its resources failed too.' };
    case 'IMPORT_ROLLBACK_FAILED':
      return { start: 'attention', outcome: 'attention', explain: 'The import failed and so did its rollback.' };
    case 'DELETE_FAILED':
      return { start: 'attention', outcome: 'attention', explain: 'Deleting the stack failed; some resources remain.' };
    case 'DELETE_COMPLETE':
      return { start: 'create', outcome: 'deleted', explain: 'The stack was deleted.' };
    default:
      return assertNever(status);
  }
}

const KNOWN = new Set<string>(KNOWN_STACK_STATUSES);

/** What `status` means; anything not in the table needs a person (never a guess). */
export function interpretStackStatus(status: string | undefined): StatusMeaning {
  if (status === undefined) return { status: 'NONE', start: 'create', outcome: 'deleted', explain: 'The stack does not exist.' };
  if (!KNOWN.has(status)) {
    return {
      status,
      start: 'attention',
      outcome: 'attention',
      explain: `CloudFormation reports a status Deploy Guard does not know (${status}); not guessing what it means.`,
    };
  }
  return { status, ...meaningOf(status as StackStatus) };
}

/** Stack statuses a baseline (the version running before our first deploy) may be captured in. */
export function isSettledHealthy(status: string | undefined): boolean {
  const m = interpretStackStatus(status);
  return m.start === 'update';
}
