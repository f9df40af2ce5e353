/**
 * Whether the editor reattaches to a stack's open deployments (journal without `finished`), from
 * the journal of the store the environment's deploys use — this machine's folder or the team's
 * bucket — and the stack lock. Pure, so the rule is unit-tested without VS Code or AWS; the
 * engine's resume (the same one a deploy runs first, on any machine) does the reattaching, and
 * taking the lock stays the authority on who may.
 */
import { holderWords } from '../core/history/holder';
import type { LockInfo } from '../core/history/lock';
import { holderTtlMs } from '../core/history/lockTtl';
import type { JournalEntry } from '../core/history/record';

/**
 * A lock is judged by the TTL its holder wrote into it, as the locks' own contenders judge it
 * (`holderTtlMs`); one that records none believable (a local lock file written before they kept
 * it) goes stale this long after its last beat: the local lock's default.
 */
const LOCAL_LOCK_STALE_MS = 30_000;

export type ReattachDecision =
  | { readonly kind: 'nothing' }
  | { readonly kind: 'reattach'; readonly open: number }
  /** A live holder (a CI run, another machine, a CLI) is driving them: theirs to finish. */
  | { readonly kind: 'held'; readonly by: string };

export interface ReattachContext {
  /** A person asked ("Watch the Live Version"): deployments left in doubt count too, and a lock's refusal is theirs to read. */
  readonly inDoubtToo: boolean;
  /** This machine's host name, as locks record it. */
  readonly host: string;
  readonly now: number;
}

/**
 * - Deployments a run left in doubt or unverified (journal `in-doubt`) wait for a person;
 *   the rest were stopped by a reload, a crash, or a killed CI runner.
 * - No lock, or a lock past its TTL: its writer is gone, wherever it ran: reattach, as the
 *   CLI's next deploy would (a run killed on another machine or a CI runner included).
 * - A lock of an editor window on this machine: the window before a reload, whose lock outlives
 *   it until its TTL: reattach (the resume waits for that lock; see `resumeLockWait`).
 * - Any other live lock: leave it to its holder.
 */
export function reattachDecision(
  open: readonly Pick<JournalEntry, 'phase'>[],
  lock: LockInfo | undefined,
  context: ReattachContext,
): ReattachDecision {
  const wanted = open.filter((e) => context.inDoubtToo || e.phase !== 'in-doubt').length;
  if (wanted === 0) return { kind: 'nothing' };
  if (context.inDoubtToo || !lock || isPreviousWindow(lock, context.host)) return { kind: 'reattach', open: wanted };
  // The holder's clock wrote heartbeatAt: a guess good enough to choose whether to try; the
  // lock's own takeover rule decides when the resume takes it.
  const lastBeat = Date.parse(lock.heartbeatAt);
  if (Number.isFinite(lastBeat) && context.now - lastBeat > holderTtlMs(lock, LOCAL_LOCK_STALE_MS))
    return { kind: 'reattach', open: wanted };
  return { kind: 'held', by: holderWords(lock) ?? `${lock.holder} on ${lock.host}` };
}

/**
 * How long a resume waits for a lock it could not take, and how often it tries again: only for
 * an editor window on this machine (the one before a reload, shutting down or gone), until that
 * lock can be taken over — a local lock within seconds, a team lock after its TTL (minutes), tried
 * less often so the bucket is not asked every second. Undefined: do not wait (someone alive).
 */
export function resumeLockWait(
  lock: LockInfo | undefined,
  host: string,
): { readonly waitMs: number; readonly everyMs: number } | undefined {
  if (!lock || !isPreviousWindow(lock, host)) return undefined;
  const ttlMs = holderTtlMs(lock, LOCAL_LOCK_STALE_MS);
  return { waitMs: Math.max(45_000, ttlMs + 15_000), everyMs: Math.max(1_000, Math.round(ttlMs / 60)) };
}

function isPreviousWindow(lock: LockInfo, host: string): boolean {
  return lock.holder.startsWith('vscode') && lock.host === host;
}
