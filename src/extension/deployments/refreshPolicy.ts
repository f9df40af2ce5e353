import { isFinal } from '../../core/deploymentStatus';
import type { DeploymentRecord } from '../../core/history/record';

/**
 * When the Deployments view re-reads history it did not write itself: other windows, other
 * machines and CI runners add records to a shared history, and no event tells this window.
 *
 * - when the view becomes visible, and when the window regains focus while it is visible
 *   (a person looking again is the moment stale rows would mislead), at most once per
 *   `minGapMs`;
 * - every `runningElsewhereMs` while the view is visible and a deployment this window is not
 *   running is still open in the history read last (it runs somewhere else: its rows move);
 * - while the view is hidden, every `runningElsewhereMs` only while the status bar names a
 *   deployment running elsewhere (read from that history, so it must be re-read to say when it
 *   ends), and on focus then;
 * - with the view never shown, only when the workspace's history is a team store (S3) and the
 *   workspace is trusted, so the status bar can name a run elsewhere: once `firstReadDelayMs`
 *   after activation (never during it), then on focus at most once per `focusReadGapMs`; once a
 *   read shows a run elsewhere, the loop above keeps it current;
 * - never otherwise: a quiet history costs nothing.
 */
export const SHARED_HISTORY_REFRESH = {
  minGapMs: 5_000,
  runningElsewhereMs: 30_000,
  firstReadDelayMs: 5_000,
  focusReadGapMs: 30_000,
} as const;

/** True when some record is still open and this window is not the one running it. */
export function runsElsewhere(records: Iterable<DeploymentRecord>, runningHere: ReadonlySet<string>): boolean {
  for (const record of records) if (!isFinal(record.status) && !runningHere.has(record.id)) return true;
  return false;
}

/** Whether a visibility or focus refresh may run now, given the last refresh's time. */
export function mayRefreshNow(lastRefreshAt: number | undefined, now: number, minGapMs: number = SHARED_HISTORY_REFRESH.minGapMs): boolean {
  return lastRefreshAt === undefined || now - lastRefreshAt >= minGapMs;
}

/**
 * One turn of the refresher's loop: re-read through the visible view, re-read for the status bar
 * alone (the view is hidden), wait for the next turn, or end the loop.
 */
export function loopTurn(
  viewVisible: boolean,
  runsElsewhereNow: boolean,
  statusBarNamesOne: boolean,
): 'refresh-view' | 'read-for-status-bar' | 'wait' | 'stop' {
  if (viewVisible) return runsElsewhereNow ? 'refresh-view' : 'wait';
  return statusBarNamesOne ? 'read-for-status-bar' : 'stop';
}

/** What the last read of the workspace's environments says about where their history lives. */
export type HistoryKind = 'team' | 'local' | 'unknown';

/** The parts of an environment as read last that say where its history lives and whether it answered. */
export interface EnvironmentRead {
  readonly name: string;
  /** `s3://BUCKET/PREFIX` when the environment's history is a team store. */
  readonly teamHistory?: string;
  /** The team history did not answer: these records are this machine's copy. */
  readonly stale?: string;
  /** The history could not be read at all (no credentials, no bucket). */
  readonly error?: { readonly message: string };
}

/**
 * Where the environments' history lives, as the engine resolved it on the last read: `team` when
 * any environment's is a team store; `unknown` when one could not be read (no credentials, offline:
 * it may be a team store, so reads go on, quietly); `local` when every one was read from this
 * machine's folder (no other machine's run reaches it: reads for the status bar would learn nothing).
 */
export function historyKind(environments: Iterable<EnvironmentRead>): HistoryKind {
  let unknown = false;
  for (const env of environments) {
    if (env.teamHistory !== undefined) return 'team';
    if (env.error) unknown = true;
  }
  return unknown ? 'unknown' : 'local';
}

/** The moment a window with the Deployments view hidden might read the team history for its status bar. */
export interface BackgroundReadState {
  readonly trusted: boolean;
  /** The setting and deployguard.yaml name a team store (`s3://…`), read without the engine. */
  readonly namesTeamStore: boolean;
  /** What the last read said; `unknown` before the first. */
  readonly kind: HistoryKind;
  readonly viewVisible: boolean;
  readonly statusBarNamesOne: boolean;
  /** When history was last read, by anyone (the view, an engine event, the refresher, this). */
  readonly lastReadAt: number | undefined;
  readonly now: number;
}

/**
 * Whether to read now (the deferred first read, or a window focus) so the status bar learns of a
 * run elsewhere without the view: only a trusted workspace whose history is a team store, never
 * while the view or the refresher's loop already reads (visible view, a run named), and at most
 * once per `focusReadGapMs` after the last read of any kind.
 */
export function backgroundReadDue(s: BackgroundReadState, gapMs: number = SHARED_HISTORY_REFRESH.focusReadGapMs): boolean {
  if (!s.trusted || !s.namesTeamStore || s.kind === 'local') return false;
  if (s.viewVisible || s.statusBarNamesOne) return false;
  return s.lastReadAt === undefined || s.now - s.lastReadAt >= gapMs;
}

/**
 * The first reason a read did not reach every environment's history (`prod: …`), for the one log
 * line a failed background read may write; undefined when every one answered.
 */
export function readProblem(environments: Iterable<EnvironmentRead>): string | undefined {
  for (const env of environments) {
    if (env.error) return `${env.name}: ${env.error.message}`;
    if (env.stale !== undefined) return `${env.name}: ${env.stale}`;
  }
  return undefined;
}
