/**
 * A history record (src/core/history/record.ts) → the panel's run model, for a run the panel did not watch:
 * a finished run, or one in progress after a window reload (live events then continue on it).
 * No `vscode` import.
 */
import { verificationOf, verificationWords } from '../../core/history/ledger';
import type { DeploymentRecord } from '../../core/history/record';
import { timelineFromRecords } from '../../core/timeline/timeline';
import type { VerifiedView } from '../../shared/protocol';
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
  const verified = verifiedView(record);
  if (verified) model.setHeader({ verified });
  if (record.outputs && Object.keys(record.outputs).length > 0) model.setHeader({ outputs: record.outputs });
  model.setSteps(
    record.steps.map((s) => {
      const startedAt = time(s.startedAt);
      const finishedAt = time(s.finishedAt);
      return {
        name: s.name,
        status: s.status,
        ...(startedAt !== undefined ? { startedAt } : {}),
        ...(finishedAt !== undefined ? { finishedAt } : {}),
        ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
      };
    }),
  );
  if (record.changes) model.setChanges(record.changes);
  for (const e of Array.isArray(record.stackEvents) ? record.stackEvents : []) {
    // Read defensively: a record written by another version may hold anything.
    if (typeof e?.eventId !== 'string' || typeof e.logicalId !== 'string' || typeof e.status !== 'string') continue;
    model.addStackEvent({
      id: e.eventId,
      timestamp: Date.parse(e.timestamp),
      logicalId: typeof e.stackPath === 'string' ? `${e.stackPath} › ${e.logicalId}` : e.logicalId,
      resourceType: typeof e.resourceType === 'string' ? e.resourceType : '',
      status: e.status,
      ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
      failed: isFailedResourceStatus(e.status),
    });
  }
  // Typed and trusted: the history store validated the section (and migrated older shapes) when it read the record.
  const { health } = record;
  if (health) {
    model.applyHealth({ type: 'watch-started', at: health.bakeStartedAt ?? 0, endsAt: health.bakeEndsAt ?? 0, alarms: health.alarms });
    model.applyHealth({ type: 'verdict', verdict: health.verdict });
    if (health.rollback) {
      const startedAt = time(record.healthWatch?.rollback?.startedAt);
      model.applyHealth({ type: 'rollback', rollback: { ...health.rollback, ...(startedAt !== undefined ? { startedAt } : {}) } });
    }
    model.setMetricCharts(health);
  }
  // Without the rollback's record for now: the panel adds it once read (runPanels.ts).
  model.setTimeline(timelineFromRecords(record));
  return model;
}

function time(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** How a stable record was verified, for the header; undefined for any other record. */
export function verifiedView(record: DeploymentRecord): VerifiedView | undefined {
  const verification = verificationOf(record);
  const words = verificationWords(record);
  return verification && words ? { kind: verification.kind, words } : undefined;
}
