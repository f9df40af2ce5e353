/**
 * Typed errors for the whole engine. Callers decide by `code` (through `DeployGuardError.is`),
 * never by message text. Every message says what happened, to what, and what to do next.
 */
export type DeployGuardErrorCode =
  | 'Cancelled'
  | 'ConfigInvalid'
  | 'Usage'
  | 'UntrustedWorkspace'
  | 'StepFailed'
  | 'StepTimedOut'
  | 'StackBusy'
  | 'StackFailed'
  | 'StackNeedsAttention'
  | 'StackNotFound'
  /** A stack operation was requested, but whether CloudFormation started it cannot be known now. */
  | 'OutcomeUnknown'
  | 'TemplateTooLarge'
  /** The template a step was expected to make is not there once the steps have run. */
  | 'TemplateNotBuilt'
  | 'InsufficientCapabilities'
  | 'CredentialsMissing'
  | 'AccountMismatch'
  | 'EndpointRejected'
  | 'AwsRequestFailed'
  | 'AwsThrottled'
  | 'QuotaExceeded'
  | 'CredentialsExpired'
  | 'EndpointUnreachable'
  | 'AlarmNotFound'
  | 'AlarmsFiring'
  | 'LockHeld'
  /** Another holder took the stack lock over while this deployment ran (its heartbeat was refused). */
  | 'LockLost'
  | 'HistoryDamaged'
  | 'HistoryUnwritable'
  /** The team's history store (S3) did not answer or refused these credentials. */
  | 'HistoryUnreachable'
  /** Another writer changed a record of the team's history since this one read it. */
  | 'HistoryConflict'
  /** The history bucket belongs to another account than the credentials'. */
  | 'HistoryBucketForeign'
  | 'NoStableTarget'
  | 'RollbackRefused'
  | 'RollbackFailed'
  | 'GitFailed'
  | 'PushRejected'
  | 'NotAvailableYet'
  /** The project uses something Deploy Guard cannot deploy yet (a CDK container image asset). */
  | 'NotSupported'
  /** The CDK bootstrap resources the assembly needs (its assets bucket) are missing. */
  | 'BootstrapMissing'
  | 'Internal';

export interface DeployGuardErrorOptions {
  readonly cause?: unknown;
  /** A short next step shown to the user, e.g. `run "Continue Rollback"`. */
  readonly hint?: string;
}

/**
 * Marks a DeployGuardError wherever its class came from. The editor's activation bundle and the
 * engine bundle each carry their own copy of this module, so an error the engine throws is no
 * `instanceof` the extension's class: `is` asks for this mark (a registered symbol, the same in
 * every copy) instead.
 */
const DEPLOY_GUARD_ERROR: unique symbol = Symbol.for('deployguard.DeployGuardError');

export class DeployGuardError extends Error {
  override readonly name = 'DeployGuardError';
  readonly hint: string | undefined;
  readonly [DEPLOY_GUARD_ERROR] = true;

  constructor(
    readonly code: DeployGuardErrorCode,
    message: string,
    options: DeployGuardErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }

  /** True when `err` is a DeployGuardError, optionally of one of the given codes. */
  static is(err: unknown, ...codes: DeployGuardErrorCode[]): err is DeployGuardError {
    if (!(err instanceof Error) || (err as Partial<Record<typeof DEPLOY_GUARD_ERROR, unknown>>)[DEPLOY_GUARD_ERROR] !== true) return false;
    return codes.length === 0 || codes.includes((err as DeployGuardError).code);
  }

  /** Wraps any error with context on the way up, keeping an existing DeployGuardError's code. */
  static chain(err: unknown, code: DeployGuardErrorCode, context: string): DeployGuardError {
    if (DeployGuardError.is(err)) {
      return new DeployGuardError(err.code, `${context}: ${err.message}`, {
        cause: err,
        ...(err.hint !== undefined ? { hint: err.hint } : {}),
      });
    }
    return new DeployGuardError(code, `${context}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Raised (or passed to reject) when the user or a parent operation cancels. Shown to nobody. */
export class CancelledError extends DeployGuardError {
  constructor(what = 'Operation') {
    super('Cancelled', `${what} was cancelled`);
  }
}

export function isCancellation(err: unknown): boolean {
  return DeployGuardError.is(err, 'Cancelled') || (err instanceof Error && err.name === 'AbortError');
}

/** The message of anything thrown, without assuming it is an Error. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
