/**
 * The one message the team gets when a deployment ends badly (rolled back, failed, needs a person)
 * or, when asked, well: a Slack-compatible `text` for people and the same facts as fields for
 * machines. Pure: built from the finished record alone.
 */
import { statusRow, type DeploymentStatus, type StatusOutcome } from '../deploymentStatus';
import type { DeploymentRecord } from '../history/record';

/**
 * What ended: a deploy, the restore the health watch started, one a person asked for
 * (`deployguard rollback`), or a continued failed rollback (`deployguard recover`).
 */
export type NotifyKind = 'deploy' | 'automatic-rollback' | 'manual-rollback' | 'recover';

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
  /** What ended (absent in messages of version 1 senders before it was added: a deploy). */
  readonly kind?: NotifyKind;
  /** Finished by a later run after the one that started it was interrupted. */
  readonly resumed?: true;
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

/**
 * Which outcomes are told: the bad ones always, a good end only when asked — a stable deploy, or a
 * completed recover (`rolled-back`, read as good by notifyOutcome) — never an `unchanged` one,
 * which changed nothing. `outcome` is the record's own reading (notifyOutcome) where it differs
 * from its status's.
 */
export function isNotified(status: DeploymentStatus, onStable: boolean, outcome: StatusOutcome = statusRow(status).outcome): boolean {
  switch (outcome) {
    case 'failed':
    case 'rolled-back':
    case 'needs-person':
      return true;
    case 'good':
      return onStable && status !== 'unchanged';
    case 'quiet':
    case 'in-progress':
      return false;
  }
}

export function notifyKind(record: DeploymentRecord): NotifyKind {
  if (record.kind !== 'rollback') return 'deploy';
  if (record.recover) return 'recover';
  return record.automatic ? 'automatic-rollback' : 'manual-rollback';
}

/**
 * What the end means to a person: a manual rollback whose restore held and was verified (a stable
 * record) has rolled the environment back, which the team must hear of; a completed recover is
 * what the person asked for, so it is good news, told only like a stable deploy.
 */
export function notifyOutcome(record: DeploymentRecord): StatusOutcome {
  const kind = notifyKind(record);
  if (kind === 'manual-rollback' && record.status === 'stable') return 'rolled-back';
  if (kind === 'recover' && record.status === 'rolled-back') return 'good';
  return statusRow(record.status).outcome;
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

/**
 * What a rollback record restored: a manual rollback's record is the restore itself (its commit
 * is the restored one, not a bad one); a deploy's is in its health section.
 */
function restoredBy(record: DeploymentRecord, kind: NotifyKind) {
  if (kind === 'manual-rollback' && record.rollbackTargetId) {
    return {
      targetDeploymentId: record.rollbackTargetId,
      rollbackDeploymentId: record.id,
      ...(record.commit ? { targetCommit: record.commit } : {}),
    };
  }
  const rollback = record.health?.rollback;
  return rollback && rollback.phase !== 'skipped' ? rollback : undefined;
}

export function notifyMessage(record: DeploymentRecord, options: { readonly resumed?: boolean } = {}): NotifyMessage {
  const row = statusRow(record.status);
  const kind = notifyKind(record);
  const verdict = record.health?.verdict;
  const regressed = record.health?.metrics?.find((m) => m.verdict === 'regressed');
  const alarm = verdict?.alarm ?? regressed?.alarm;
  const restored = restoredBy(record, kind);
  // Only a deploy's commit is the one rolled away from; a rollback's or recover's is what it restored.
  const badCommit = kind === 'deploy' ? record.commit : undefined;
  const facts = [
    alarm ? `alarm ${alarm}` : undefined,
    regressed ? `metric ${regressed.name}` : undefined,
    badCommit ? `bad commit ${short(badCommit)}` : undefined,
    restored?.targetCommit ? `restored ${short(restored.targetCommit)} (deployment ${restored.targetDeploymentId})` : undefined,
  ].filter((f): f is string => f !== undefined);
  const what = kind === 'manual-rollback' ? 'manual rollback ' : kind === 'recover' ? 'recover ' : '';
  const words = kind === 'manual-rollback' && record.status === 'stable' ? 'rolled back and verified' : row.words;
  const text = [
    `Deploy Guard: ${record.environment} (${record.stackName}, ${record.region}) ${what}${options.resumed ? 'resumed, ' : ''}${words}.`,
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
    verdict: notifyOutcome(record),
    kind,
    ...(options.resumed ? { resumed: true as const } : {}),
    ...(record.reason ? { reason: record.reason } : {}),
    ...(alarm ? { alarm } : {}),
    ...(regressed ? { metric: regressed.name } : {}),
    ...(badCommit ? { badCommit } : {}),
    ...(restored?.targetCommit ? { restoredCommit: restored.targetCommit } : {}),
    ...(restored ? { restoredDeploymentId: restored.targetDeploymentId } : {}),
    ...(restored?.rollbackDeploymentId ? { rollbackDeploymentId: restored.rollbackDeploymentId } : {}),
    links: links(record, alarm),
  };
}
