/**
 * Words and numbers the editor surface shows (tree, status bar, notifications), with no `vscode`
 * import so they are unit-tested in plain Node.
 */
import { UNGUARDED_WORDS, verificationOf } from '../core/history/ledger';
import type { DeploymentRecord } from '../core/history/record';
import { statusRow, type DeploymentStatus } from '../core/deploymentStatus';
export { formatCountdown } from '../core/time';

export function shortCommit(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : 'no commit';
}

/** `just now`, `42s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAge(fromMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - fromMs) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** `850 ms`, `12s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * A finished record's status in words: "stable" only for a version that was verified; one nothing
 * verified says so (its status is `stable` all the same, as a rollback target of last resort).
 */
export function recordStatusWords(record: DeploymentRecord): string {
  switch (verificationOf(record)?.kind) {
    case 'unguarded':
      return UNGUARDED_WORDS;
    case 'as-found':
      return 'as found (never verified)';
    case 'alarms':
    case 'restored':
    case undefined:
      return statusWords(record.status);
  }
}

/** Human words for a status, e.g. `rolled back`, `needs attention` (from the status table). */
export function statusWords(status: DeploymentStatus): string {
  return statusRow(status).words;
}

/** The codicon for a status (tree rows and the status bar). */
export function statusIcon(status: DeploymentStatus): string {
  return statusRow(status).icon;
}

/** Theme colour id for a status icon; undefined = the default foreground. */
export function statusColor(status: DeploymentStatus): string | undefined {
  return statusRow(status).iconColor;
}

/** The first line of a commit message, cut to `max` characters. */
export function subjectLine(message: string | undefined, max = 72): string | undefined {
  const first = message?.split('\n', 1)[0]?.trim();
  if (!first) return undefined;
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
