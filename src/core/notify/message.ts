/**
 * The one message the team gets when a deployment ends badly (rolled back, failed, needs a person)
 * or, when asked, well: a Slack-compatible `text` for people and the same facts as fields for
 * machines. Pure: built from the finished record alone.
 */
import { statusRow, type DeploymentStatus, type StatusOutcome } from '../deploymentStatus';
import type { DeploymentRecord } from '../history/record';

/** Bumped when a field changes meaning; new fields may be added without it. */
export const NOTIFY_MESSAGE_VERSION = 1;

export interface NotifyMessage {
  /** For people (Slack and Slack-compatible receivers show it). */
  readonly text: string;
  readonly source: 'deployguard';
  readonly version: typeof NOTIFY_MESSAGE_VERSION;
  readonly environment: string;
  readonly stack: string;
  readonly region: string;
  readonly account: string;
  readonly deploymentId: string;
  /** The final status, e.g. `rolled-back`, `failed`, `needs-attention`. */
  readonly status: DeploymentStatus;
  /** What the status means to a person: `rolled-back`, `failed`, `needs-person`, `good`. */
  readonly verdict: StatusOutcome;
  readonly reason?: string;
  /** The alarm whose ALARM decided it, or the alarm a regressed metric is read from. */
  readonly alarm?: string;
  /** The guarded metric that regressed. */
  readonly metric?: string;
  /** The commit this deployment deployed (the bad one when it was rolled back). */
  readonly badCommit?: string;
  /** The commit a rollback restored, and its deployment. */
  readonly restoredCommit?: string;
  readonly restoredDeploymentId?: string;
  /** The rollback's own deployment record. */
  readonly rollbackDeploymentId?: string;
  readonly links: { readonly stack: string; readonly alarm?: string };
}

/** Which outcomes are told: the bad ones always, a stable deploy only when asked. */
export function isNotified(status: DeploymentStatus, onStable: boolean): boolean {
  switch (statusRow(status).outcome) {
    case 'failed':
    case 'rolled-back':
    case 'needs-person':
      return true;
    case 'good':
      return onStable && status === 'stable';
    case 'quiet':
    case 'in-progress':
      return false;
  }
}

/** The console pages a person opens first; the stack by its ARN when known (names are reused). */
function links(record: DeploymentRecord, alarm: string | undefined): NotifyMessage['links'] {
  const console = `https://${record.region}.console.aws.amazon.com`;
  const stack = record.stackId ?? record.stackName;
  return {
    stack: `${console}/cloudformation/home?region=${record.region}#/stacks/stackinfo?stackId=${encodeURIComponent(stack)}`,
    ...(alarm ? { alarm: `${console}/cloudwatch/home?region=${record.region}#alarmsV2:alarm/${encodeURIComponent(alarm)}` } : {}),
  };
}

const short = (sha: string | undefined) => (sha ? sha.slice(0, 7) : undefined);

export function notifyMessage(record: DeploymentRecord): NotifyMessage {
  const row = statusRow(record.status);
  const verdict = record.health?.verdict;
  const regressed = record.health?.metrics?.find((m) => m.verdict === 'regressed');
  const alarm = verdict?.alarm ?? regressed?.alarm;
  const rollback = record.health?.rollback;
  const restored = rollback && rollback.phase !== 'skipped' ? rollback : undefined;
  const facts = [
    alarm ? `alarm ${alarm}` : undefined,
    regressed ? `metric ${regressed.name}` : undefined,
    record.commit ? `bad commit ${short(record.commit)}` : undefined,
    restored?.targetCommit ? `restored ${short(restored.targetCommit)} (deployment ${restored.targetDeploymentId})` : undefined,
  ].filter((f): f is string => f !== undefined);
  const text = [
    `Deploy Guard: ${record.environment} (${record.stackName}, ${record.region}) ${row.words}.`,
    record.reason ? ` ${record.reason}` : '',
    facts.length > 0 ? ` — ${facts.join(', ')}` : '',
  ].join('');
  return {
    text,
    source: 'deployguard',
    version: NOTIFY_MESSAGE_VERSION,
    environment: record.environment,
    stack: record.stackName,
    region: record.region,
    account: record.account,
    deploymentId: record.id,
    status: record.status,
    verdict: row.outcome,
    ...(record.reason ? { reason: record.reason } : {}),
    ...(alarm ? { alarm } : {}),
    ...(regressed ? { metric: regressed.name } : {}),
    ...(record.commit ? { badCommit: record.commit } : {}),
    ...(restored?.targetCommit ? { restoredCommit: restored.targetCommit } : {}),
    ...(restored ? { restoredDeploymentId: restored.targetDeploymentId } : {}),
    ...(restored?.rollbackDeploymentId ? { rollbackDeploymentId: restored.rollbackDeploymentId } : {}),
    links: links(record, alarm),
  };
}
