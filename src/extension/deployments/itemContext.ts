/** The tree rows' `contextValue`s, pure (no VS Code), so the menus' flags are unit-tested. */
import { isOpenStatus, statusRow, type DeploymentStatus } from '../../core/deploymentStatus';
import type { EnvironmentState } from '../environmentState';

/**
 * `contextValue`s the manifest's menus match (package.json `view/item/context`):
 *   environment [running] [hasAlarm] [updateRollbackFailed] [unverified]
 *   deployment [current] [rollbackTarget] [running] [hasAlarm] [unverified] [incident] [failedResource]
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

export function deploymentContext(
  status: DeploymentStatus,
  isCurrent: boolean,
  running: boolean,
  alarm: string | undefined,
  facts: { readonly failedResource?: boolean } = {},
): string {
  const row = statusRow(status);
  const target = row.rollbackTarget && !isCurrent;
  // A finished deployment that went wrong has an incident note (the same rule as the engine's needsIncidentNote).
  const incident = row.final && (row.outcome === 'failed' || row.outcome === 'rolled-back' || row.outcome === 'needs-person');
  // In doubt or live and not verified, and not being watched here: `Watch the Live Version` applies.
  const unwatched = !running && isOpenStatus(status);
  return [
    'deployment',
    isCurrent && 'current',
    target && 'rollbackTarget',
    running && 'running',
    alarm && 'hasAlarm',
    unwatched && 'unverified',
    incident && 'incident',
    facts.failedResource && 'failedResource',
  ]
    .filter(Boolean)
    .join(' ');
}
