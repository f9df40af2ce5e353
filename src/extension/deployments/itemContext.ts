/** The tree rows' `contextValue`s, pure (no VS Code), so the menus' flags are unit-tested. */
import { isOpenStatus, statusRow, type DeploymentStatus } from '../../core/deploymentStatus';
import type { EnvironmentState } from '../environmentState';

/**
 * `contextValue`s the manifest's menus match (package.json `view/item/context`):
 *   environment [running] [hasAlarm] [updateRollbackFailed] [unverified]
 *   deployment [current] [rollbackTarget] [running] [hasAlarm] [unverified]
 * Space-separated flags after the kind, so `viewItem =~ /^deployment.*rollbackTarget/` works.
 */
export function environmentContext(state: EnvironmentState): string {
  return [
    'environment',
    state.running && 'running',
    state.alarm && 'hasAlarm',
    state.updateRollbackFailed && 'updateRollbackFailed',
    !state.running && state.unverified && 'unverified',
  ]
    .filter(Boolean)
    .join(' ');
}

export function deploymentContext(status: DeploymentStatus, isCurrent: boolean, running: boolean, alarm: string | undefined): string {
  const target = statusRow(status).rollbackTarget && !isCurrent;
  // In doubt or live and not verified, and not being watched here: `Watch the Live Version` applies.
  const unwatched = !running && isOpenStatus(status);
  return [
    'deployment',
    isCurrent && 'current',
    target && 'rollbackTarget',
    running && 'running',
    alarm && 'hasAlarm',
    unwatched && 'unverified',
  ]
    .filter(Boolean)
    .join(' ');
}
