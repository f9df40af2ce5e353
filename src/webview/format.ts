/** Small text formatters for the panel (times, durations, countdowns). Pure. */
import type { CommitView } from '../shared/protocol';

/** `4.2s`, `1m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `3:12`, `1:02:05`: what is left of the bake. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Local wall-clock time, `22:31:05`. */
export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return '';
  return new Date(epochMs).toLocaleTimeString(undefined, { hour12: false });
}

/** `just now`, `3 min ago`, `2 h ago`. */
export function formatAgo(epochMs: number | undefined, now: number): string {
  if (epochMs === undefined) return '';
  const s = Math.max(0, Math.round((now - epochMs) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** The header's commit line: `a1b2c3d (main) + uncommitted changes — Fix the total`; '' without a commit. */
export function commitLine(commit: CommitView | undefined): string {
  if (!commit) return '';
  const branch = commit.branch ? ` (${commit.branch})` : '';
  const dirty = commit.dirty ? ' + uncommitted changes' : '';
  const message = commit.message ? ` — ${commit.message}` : '';
  return `${shortSha(commit.sha)}${branch}${dirty}${message}`;
}
