/**
 * No version stays live unverified. A run that stops without knowing how its stack operation
 * ended, or stops during the bake, leaves its record open (`in-doubt`, `unverified`) instead of
 * closing it; the next run of the stack reattaches to it (resumeInterrupted.ts) and watches it.
 * And a deploy whose change set is empty is `unchanged` only when the version the stack runs was
 * verified: one that went out and was never watched is watched now. Pure, so every case is a
 * table test.
 */
import { isOpenStatus, type DeploymentStatus } from '../deploymentStatus';
import { DeployGuardError, isCancellation } from '../errors';
import { currentVersion, isVerified } from '../history/ledger';
import type { DeploymentRecord, ParameterRecord } from '../history/record';

/** The two ways a record stays open after its run ends. */
export type OpenStatus = Extract<DeploymentStatus, 'in-doubt' | 'unverified'>;

/** What the run knew when it stopped. */
export interface StopFacts {
  /** The status views last heard (the record's, or the watch's `unhealthy`/`rolling-back` it does not keep). */
  readonly status: DeploymentStatus;
  /** CloudFormation accepted this run's stack operation (its execute call answered, or a reattach). */
  readonly operationSent: boolean;
  /** The bake reached a verdict: what follows is the verdict's (a rollback, a person), not a doubt. */
  readonly verdictKnown: boolean;
}

/**
 * Whether a run stopped by `err` leaves its record open, and how; `undefined`: it is closed as
 * usual (statusForError). The rules, in order:
 * - the execute's answer was lost and the change set could not be read: in doubt;
 * - a record reattached to and stopped again before anything changed: as it was;
 * - stopped while following an operation CloudFormation accepted (credentials expired, contact
 *   lost): in doubt. A person's cancel there asks CloudFormation to roll the update back, and is
 *   the cancel it always was;
 * - stopped during the bake, before a verdict, for any reason (Ctrl+C included): the version is
 *   live and not verified.
 */
export function openEnding(err: unknown, facts: StopFacts, signal?: AbortSignal): OpenStatus | undefined {
  if (DeployGuardError.is(err, 'OutcomeUnknown')) return 'in-doubt';
  if (isOpenStatus(facts.status)) return facts.status;
  const cancelled = isCancellation(err) || signal?.aborted === true;
  if (facts.status === 'deploying' && facts.operationSent && !cancelled) return 'in-doubt';
  if (facts.status === 'watching' && !facts.verdictKnown) return 'unverified';
  return undefined;
}

/** The record's reason when it is left open: what happened and what the next run does. */
export function openReason(status: OpenStatus, cause: string, cancelled: boolean): string {
  switch (status) {
    case 'in-doubt':
      return `In doubt: ${cause}`;
    case 'unverified':
      return `Live, not verified: ${cancelled ? 'the bake was stopped' : `the bake stopped (${cause})`} before a verdict; run the same deploy again to watch it`;
  }
}

/** The same parameters, whatever their order. */
export function sameParameters(a: readonly ParameterRecord[], b: readonly ParameterRecord[]): boolean {
  const key = (list: readonly ParameterRecord[]) => JSON.stringify([...list].sort((x, y) => x.key.localeCompare(y.key)));
  return key(a) === key(b);
}

/** A version: its template and parameters as recorded. */
export interface VersionFacts {
  readonly templateSha256: string;
  readonly parameters: readonly ParameterRecord[];
}

function isVersion(record: DeploymentRecord, version: VersionFacts): boolean {
  return record.template.sha256 === version.templateSha256 && sameParameters(record.parameters, version.parameters);
}

/**
 * A stack status that says the operation went out and did not end in a rollback: the version it
 * deployed is (or will be) what the stack runs.
 */
function wentOut(stackStatus: string | undefined): boolean {
  return stackStatus !== undefined && /^(CREATE|UPDATE)_/.test(stackStatus) && !/ROLLBACK|FAILED/.test(stackStatus);
}

/**
 * When a deploy finds nothing to change: the record that deployed this version and was never
 * verified, which the deploy watches instead of reporting `unchanged`; `undefined` when the
 * ledger's current version is this version and verified (then it is `unchanged`), or when no
 * record sent this version out unwatched (a stack as found, changed outside Deploy Guard).
 * Open records count, and closed ones whose operation went out but whose bake never ended
 * (records of runs stopped before this rule existed, a create that could not be cancelled).
 */
export function unverifiedLiveVersion(history: readonly DeploymentRecord[], version: VersionFacts): DeploymentRecord | undefined {
  const current = currentVersion(history);
  if (current && isVerified(current) && isVersion(current, version)) return undefined;
  return history.find(
    (r) =>
      r.kind === 'deploy' &&
      isVersion(r, version) &&
      (isOpenStatus(r.status) ||
        ((r.status === 'cancelled' || r.status === 'needs-attention') && r.healthWatch?.verdict === undefined && wentOut(r.stackStatus))),
  );
}
