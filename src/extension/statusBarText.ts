import { statusRow } from '../core/deploymentStatus';
import { formatCountdown, shortCommit } from './format';
import type { LiveDeployment } from './liveDeployments';

/**
 * The status bar's words for a deployment: `$(eye) prod: watching 3:12`, `$(eye) prod: verifying
 * restore 2:31`, `$(check) prod: stable a1b2c3d` (`deployed, not verified` when no bake watched it).
 */
export function statusBarText(d: LiveDeployment, now: number): string {
  const env = d.environment;
  if (!d.finished) {
    if (d.status === 'watching' && d.watchDeadlineMs !== undefined)
      return `$(eye) ${env}: watching ${formatCountdown(d.watchDeadlineMs - now)}`;
    if (d.status === 'verifying-restore')
      return `$(eye) ${env}: verifying restore${d.watchDeadlineMs !== undefined ? ` ${formatCountdown(d.watchDeadlineMs - now)}` : ''}`;
    if (d.kind === 'rollback' || d.status === 'rolling-back') return `$(sync~spin) ${env}: rolling back`;
    if (d.status === 'unhealthy') return `$(warning) ${env}: unhealthy`;
    return `$(sync~spin) ${env}: deploying`;
  }
  if (d.status === 'stable') {
    if (d.kind === 'rollback') return `$(check) ${env}: rolled back to ${shortCommit(d.commit)}`;
    // Without a bake (no `health`), nothing verified it: not the word a verified version gets.
    if (d.kind === 'deploy' && !d.watched) return `$(pass) ${env}: deployed, not verified ${shortCommit(d.commit)}`;
    return `$(check) ${env}: stable ${shortCommit(d.commit)}`;
  }
  // Nothing to deploy reads as a success here, not with the tree's circle-slash.
  if (d.status === 'unchanged') return `$(check) ${env}: unchanged`;
  const row = statusRow(d.status);
  return `$(${row.icon}) ${env}: ${row.words}`;
}
