/**
 * One environment's state as the tree and the status bar show it: from the deployment running
 * in this window (engine events) if there is one, otherwise from its history on disk. Pure, so
 * the wording is unit-tested without VS Code.
 */
import { blamedAlarm } from '../core/health/recordedHealth';
import { currentVersion, verificationOf } from '../core/history/ledger';
import type { HolderIdentity } from '../core/history/holder';
import type { DeploymentRecord } from '../core/history/record';
import { isOpenStatus, statusRow, type DeploymentStatus } from '../core/deploymentStatus';
import { formatAge, formatCountdown, shortCommit, statusIcon, statusWords } from './format';
import type { LiveDeployment } from './liveDeployments';

export interface EnvironmentState {
  /** What the environment is doing or where it was left. */
  readonly status: DeploymentStatus | 'never-deployed';
  /** The tree row's description, e.g. `stable a1b2c3d · 5m ago`, `watching 3:12 left`. */
  readonly description: string;
  /** The status bar's words after `env: `, e.g. `stable a1b2c3d`, `watching 3:12`. */
  readonly short: string;
  /** Codicon id. */
  readonly icon: string;
  readonly running: boolean;
  /** The deployment that defines the state (live or newest in history). */
  readonly deploymentId?: string;
  /** The version the stack runs as far as the ledger knows (currentVersion): the last one found good. */
  readonly currentStable?: DeploymentRecord;
  /** The alarm blamed for the last unhealthy verdict. */
  readonly alarm?: string;
  /** The stack was left in UPDATE_ROLLBACK_FAILED: `Continue Rollback` applies. */
  readonly updateRollbackFailed: boolean;
  /** The newest deployment was left in doubt or live and not verified: `Watch the Live Version` applies. */
  readonly unverified?: true;
}

/** The current version (what the environment runs when all is well), by the ledger's links, not by list order. */
export function currentStable(records: readonly DeploymentRecord[]): DeploymentRecord | undefined {
  return currentVersion(records);
}

/** "stable a1b2c3d" only for a verified version; one nothing verified says so. */
function versionShort(stable: DeploymentRecord): string {
  switch (verificationOf(stable)?.kind) {
    case 'unguarded':
      return `deployed ${shortCommit(stable.commit)}`;
    case 'as-found':
      return 'as found';
    case 'alarms':
    case 'restored':
    case undefined:
      return `stable ${shortCommit(stable.commit)}`;
  }
}

function stableWords(stable: DeploymentRecord | undefined, now: number): string {
  if (!stable) return '';
  const when = Date.parse(stable.finishedAt ?? stable.startedAt);
  const kind = verificationOf(stable)?.kind;
  const unverified = kind === 'unguarded' ? ' (not verified)' : kind === 'as-found' ? ' (never verified)' : '';
  return `${versionShort(stable)}${unverified} · ${formatAge(when, now)}`;
}

/**
 * Who runs a record when that is another machine or a CI runner: the record names where it
 * started (`startedBy`) and it is not `here` (this machine, named as records name it). Undefined
 * for this machine's records, for records that name nobody, and when `here` is unknown.
 */
export function startedElsewhere(record: DeploymentRecord, here: string | undefined): HolderIdentity | undefined {
  return record.startedBy && here !== undefined && record.startedBy.name !== here ? record.startedBy : undefined;
}

/**
 * `here` names this machine as records do (`ana@laptop`): an unfinished record started elsewhere
 * (another machine, a CI runner) is running there, not interrupted here.
 */
export function environmentState(
  live: LiveDeployment | undefined,
  records: readonly DeploymentRecord[],
  now: number,
  here?: string,
): EnvironmentState {
  const stable = currentStable(records);
  const stableShort = stable ? versionShort(stable) : 'stable';
  const base = { ...(stable ? { currentStable: stable } : {}) };

  if (live && !live.finished) {
    const running = {
      ...base,
      running: true,
      deploymentId: live.id,
      updateRollbackFailed: false,
      ...(live.alarm ? { alarm: live.alarm } : {}),
    };
    if (live.status === 'watching' && live.watchDeadlineMs !== undefined) {
      const left = formatCountdown(live.watchDeadlineMs - now);
      return { ...running, status: 'watching', description: `watching ${left} left`, short: `watching ${left}`, icon: 'eye' };
    }
    if (live.kind === 'rollback' || live.status === 'rolling-back' || live.status === 'unhealthy') {
      const row = statusRow(live.status === 'unhealthy' ? 'unhealthy' : 'rolling-back');
      return { ...running, status: live.status, description: row.words, short: row.words, icon: row.icon };
    }
    // Every busy phase before the stack is done reads as `deploying` on one line.
    const words = statusRow(live.status).busy ? 'deploying' : statusWords(live.status);
    const detail = live.status === 'running-steps' ? 'deploying · running steps' : words;
    return {
      ...running,
      status: live.status,
      description: detail,
      short: words,
      icon: statusIcon(live.status) === 'clock' ? 'sync~spin' : statusIcon(live.status),
    };
  }

  // Nothing running here: the newest record (which includes one that just finished) decides.
  const newest = records[0];
  if (!newest)
    return {
      ...base,
      status: 'never-deployed',
      description: 'not deployed yet',
      short: 'not deployed',
      icon: 'circle-large-outline',
      running: false,
      updateRollbackFailed: false,
    };
  const finished = live && live.finished && live.id === newest.id ? live : undefined;
  const status = finished?.status ?? newest.status;
  const alarm = finished?.alarm ?? blamedAlarm(newest);
  const stackStatus = finished?.stackStatus ?? newest.stackStatus;
  const common = {
    ...base,
    // Not this window's run (a CLI's, or one interrupted): nothing here can cancel it.
    running: false,
    deploymentId: newest.id,
    ...(alarm ? { alarm } : {}),
    updateRollbackFailed: stackStatus === 'UPDATE_ROLLBACK_FAILED',
  };
  const stableText = stableWords(stable, now);
  // Left open by its run: the version may be (in doubt) or is (unverified) live and nobody watched it.
  if (isOpenStatus(status)) {
    const words = statusWords(status);
    return {
      ...common,
      status,
      description: `${words}${stable ? ` · last verified ${stableText}` : ''}`,
      short: words,
      icon: statusRow(status).icon,
      unverified: true,
    };
  }
  // The health watch put the last stable version back: the environment is fine, but say so.
  if (newest.kind === 'rollback' && status === 'stable' && newest.automatic) {
    return { ...common, status: 'rolled-back', description: `rolled back · ${stableText}`, short: 'rolled back', icon: 'warning' };
  }
  switch (statusRow(status).outcome) {
    case 'good':
    case 'quiet':
      return stable
        ? { ...common, status: 'stable', description: stableText, short: stableShort, icon: 'pass' }
        : { ...common, status, description: statusWords(status), short: statusWords(status), icon: statusIcon(status) };
    case 'rolled-back':
      return { ...common, status, description: `rolled back${stable ? ` · ${stableText}` : ''}`, short: 'rolled back', icon: 'warning' };
    case 'failed':
      return { ...common, status, description: `last deploy failed${stable ? ` · ${stableText}` : ''}`, short: 'failed', icon: 'error' };
    case 'needs-person':
      return { ...common, status, description: 'needs attention', short: 'needs attention', icon: 'report' };
    case 'in-progress': {
      const elsewhere = startedElsewhere(newest, here)?.name;
      // Started on another machine or a CI runner: it runs there (the view re-reads it while it does).
      if (elsewhere)
        return { ...common, status, description: `${statusWords(status)} — ${elsewhere}`, short: statusWords(status), icon: 'sync~spin' };
      // A record left mid-flight by a process that is gone (a reload resumes it).
      return { ...common, status, description: `${statusWords(status)} (interrupted)`, short: statusWords(status), icon: 'debug-pause' };
    }
  }
}
