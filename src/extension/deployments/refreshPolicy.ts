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
 * - never otherwise: a quiet history costs nothing.
 */
export const SHARED_HISTORY_REFRESH = {
  minGapMs: 5_000,
  runningElsewhereMs: 30_000,
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
