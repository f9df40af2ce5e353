/**
 * A history record (DESIGN.md §4) → the panel's run model, for a run the panel did not watch:
 * a finished run, or one in progress after a window reload (live events then continue on it).
 * No `vscode` import.
 */
import type { DeploymentRecord } from '../../core/history/record';
import type { AlarmView, HealthView, RollbackView, VerdictView } from '../../shared/protocol';
import { isFailedResourceStatus, RunModel } from './runState';

export function modelFromRecord(record: DeploymentRecord, live: boolean): RunModel {
  const model = new RunModel({
    deploymentId: record.id,
    kind: record.kind,
    environment: record.environment,
    stack: record.stackName,
    region: record.region,
    account: record.account,
    status: record.status,
    live,
  });
  model.setHeader({
    reason: record.reason,
    stackStatus: record.stackStatus,
    rollbackTargetId: record.rollbackTargetId,
    commit: record.commit ? { sha: record.commit, branch: record.branch, dirty: record.dirty } : undefined,
    startedAt: time(record.startedAt),
    finishedAt: time(record.finishedAt),
  });
  model.setSteps(
    record.steps.map((s) => ({
      name: s.name,
      status: s.status,
      startedAt: time(s.startedAt),
      finishedAt: time(s.finishedAt),
      exitCode: s.exitCode,
    })),
  );
  if (record.changes) model.setChanges(record.changes);
  for (const e of Array.isArray(record.stackEvents) ? record.stackEvents : []) {
    // Read defensively: a record written by another version may hold anything.
    if (typeof e?.eventId !== 'string' || typeof e.logicalId !== 'string' || typeof e.status !== 'string') continue;
    model.addStackEvent({
      id: e.eventId,
      timestamp: Date.parse(e.timestamp),
      logicalId: e.logicalId,
      resourceType: typeof e.resourceType === 'string' ? e.resourceType : '',
      status: e.status,
      reason: typeof e.reason === 'string' ? e.reason : undefined,
      failed: isFailedResourceStatus(e.status),
    });
  }
  const health = healthFromExtra(record.extra);
  if (health) {
    model.applyHealth({ type: 'watch-started', at: health.bakeStartedAt ?? 0, endsAt: health.bakeEndsAt ?? 0, alarms: health.alarms });
    if (health.verdict) model.applyHealth({ type: 'verdict', verdict: health.verdict });
    if (health.rollback) model.applyHealth({ type: 'rollback', rollback: health.rollback });
  }
  return model;
}

function time(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The health watch keeps its facts in `record.extra.health` (the store never interprets `extra`).
 * Read defensively: a record written by another version may hold anything.
 */
export function healthFromExtra(extra: Record<string, unknown> | undefined): HealthView | undefined {
  const raw = extra?.['health'];
  if (typeof raw !== 'object' || raw === null) return undefined;
  const h = raw as Record<string, unknown>;
  const alarms: AlarmView[] = Array.isArray(h['alarms'])
    ? h['alarms'].flatMap((a: unknown) => {
        if (typeof a !== 'object' || a === null) return [];
        const { name, state, changedAt, updatedAt, preExisting, reason } = a as Record<string, unknown>;
        if (typeof name !== 'string' || typeof state !== 'string' || !ALARM_STATES.has(state)) return [];
        const at = num(changedAt) ?? num(updatedAt);
        return [{ name, state: state as AlarmView['state'], changedAt: at, preExisting: preExisting === true, reason: str(reason) }];
      })
    : [];
  const verdict = h['verdict'] as Record<string, unknown> | undefined;
  const rollback = h['rollback'] as Record<string, unknown> | undefined;
  const verdictView: VerdictView | undefined =
    verdict && (verdict['kind'] === 'healthy' || verdict['kind'] === 'unhealthy' || verdict['kind'] === 'unknown')
      ? { kind: verdict['kind'], alarm: str(verdict['alarm']), reason: str(verdict['reason']), at: num(verdict['at']) }
      : undefined;
  const rollbackView: RollbackView | undefined =
    rollback && typeof rollback['phase'] === 'string' && ROLLBACK_PHASES.has(rollback['phase'])
      ? {
          phase: rollback['phase'] as RollbackView['phase'],
          targetDeploymentId: str(rollback['targetDeploymentId']),
          targetCommit: str(rollback['targetCommit']),
          rollbackDeploymentId: str(rollback['rollbackDeploymentId']),
          reason: str(rollback['reason']),
          at: num(rollback['at']),
        }
      : undefined;
  return { alarms, bakeStartedAt: num(h['bakeStartedAt']), bakeEndsAt: num(h['bakeEndsAt']), verdict: verdictView, rollback: rollbackView };
}

const ALARM_STATES = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA', 'MISSING', 'UNREAD']);
const ROLLBACK_PHASES = new Set(['started', 'succeeded', 'failed', 'skipped']);

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
