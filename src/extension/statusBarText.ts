import { statusRow } from '../core/deploymentStatus';
import { formatCountdown, shortCommit } from './format';
import type { LiveDeployment } from './liveDeployments';

/**
 * The status bar's words for a deployment: `$(eye) prod: watching 3:12`, `$(eye) prod: verifying
 * restore 2:31`, `$(check) prod: stable a1b2c3d`.
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
  if (d.status === 'stable')
    return d.kind === 'rollback'
      ? `$(check) ${env}: rolled back to ${shortCommit(d.commit)}`
      : `$(check) ${env}: stable ${shortCommit(d.commit)}`;
  // Nothing to deploy reads as a success here, not with the tree's circle-slash.
  if (d.status === 'unchanged') return `$(check) ${env}: unchanged`;
  const row = statusRow(d.status);
  return `$(${row.icon}) ${env}: ${row.words}`;
}
