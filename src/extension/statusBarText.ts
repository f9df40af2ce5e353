import { formatCountdown, shortCommit, statusWords } from './format';
import type { LiveDeployment } from './liveDeployments';

/** The status bar's words for a deployment: `$(eye) prod: watching 3:12`, `$(check) prod: stable a1b2c3d`. */
export function statusBarText(d: LiveDeployment, now: number): string {
  const env = d.environment;
  if (!d.finished) {
    if (d.status === 'watching' && d.watchDeadlineMs !== undefined)
      return `$(eye) ${env}: watching ${formatCountdown(d.watchDeadlineMs - now)}`;
    if (d.kind === 'rollback' || d.status === 'rolling-back') return `$(sync~spin) ${env}: rolling back`;
    if (d.status === 'unhealthy') return `$(warning) ${env}: unhealthy`;
    return `$(sync~spin) ${env}: deploying`;
  }
  switch (d.status) {
    case 'stable':
      return d.kind === 'rollback'
        ? `$(check) ${env}: rolled back to ${shortCommit(d.commit)}`
        : `$(check) ${env}: stable ${shortCommit(d.commit)}`;
    case 'unchanged':
      return `$(check) ${env}: unchanged`;
    case 'rolled-back':
      return `$(warning) ${env}: rolled back`;
    case 'failed':
      return `$(error) ${env}: failed`;
    case 'cancelled':
      return `$(circle-slash) ${env}: cancelled`;
    default:
      return `$(report) ${env}: ${statusWords(d.status)}`;
  }
}
