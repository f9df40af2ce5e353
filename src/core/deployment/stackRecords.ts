/** Small pieces of history bookkeeping shared by the baseline, recover and resume. */
import type { EngineEventSink } from '../events';
import { HISTORY_SCHEMA_VERSION, type DamagedEntry, type DeploymentRecord, type ParameterRecord } from '../history/record';

/** Tells the views about history files that could not be read (they were already moved aside). */
export function reportDamagedHistory(emit: EngineEventSink, damaged: readonly DamagedEntry[]): void {
  for (const d of damaged) {
    emit({
      type: 'notice',
      deploymentId: 'history',
      at: new Date().toISOString(),
      level: 'warning',
      code: 'history-damaged',
      message: `${d.problem}: ${d.path}${d.movedTo ? ` (kept at ${d.movedTo})` : ''}`,
    });
  }
}

/**
 * What every new record starts with: this version's schema, `queued`, started now. Spread it first
 * in the record's literal; the literal states what differs (a baseline is `stable` at once).
 */
export function newRecord(): Pick<DeploymentRecord, 'schemaVersion' | 'status' | 'startedAt'> {
  return { schemaVersion: HISTORY_SCHEMA_VERSION, status: 'queued', startedAt: new Date().toISOString() };
}

/**
 * A live stack's parameters as record entries. NoEcho values come back masked (`****`) and are
 * never stored: such a parameter is recorded as NoEcho without a value.
 */
export function parameterRecordsOfStack(
  parameters: ReadonlyMap<string, string>,
  noEchoKeys: ReadonlySet<string> = new Set(),
): ParameterRecord[] {
  return [...parameters.entries()].map(([key, value]) =>
    noEchoKeys.has(key) || /^\*+$/.test(value) ? { key, noEcho: true } : { key, value },
  );
}
