/**
 * The incident note: after a deployment is rolled back, fails or needs a person, the answers a
 * person needs at once, in one place — what fired, when, what changed, what was restored, what
 * to look at next. Kept in the deployment's record (`incident`), printed by
 * `deployguard incident`, opened and copied from the editor.
 *
 * Composing it is pure (`composeIncidentNote`: records and commit facts in, note out), and so is
 * its Markdown (`incidentMarkdown`). Gathering the facts (history, git) is writeIncident.ts.
 */
import { statusRow } from '../deploymentStatus';
import type { PlannedChange, StackEventFacts } from '../events';
import type { DeploymentRecord } from '../history/record';
import type { DeploymentStatus } from '../model';
import { changedProperties, changedResources, unifiedDiff, type PropertyChange } from '../template/templateText';

export const INCIDENT_NOTE_VERSION = 1;

/** The final statuses that get a note: every one that means something went wrong. */
export function needsIncidentNote(status: DeploymentStatus): boolean {
  const outcome = statusRow(status).outcome;
  return outcome === 'failed' || outcome === 'rolled-back' || outcome === 'needs-person';
}

/** What set it off. */
export interface IncidentSignal {
  /** `alarm` or `metric` (the health watch), `stack` (a failed resource), `step` (a failed step), `other`. */
  readonly kind: 'alarm' | 'metric' | 'stack' | 'step' | 'other';
  /** The alarm, metric, resource's logical id or step. */
  readonly name?: string;
  readonly reason: string;
  /** The values behind it: the alarm's datapoints as CloudWatch states them, or the metric's bake values. */
  readonly datapoints?: readonly string[];
  /** For `stack`: the failed resource's type and the failed event's id (to jump to it). */
  readonly resourceType?: string;
  readonly eventId?: string;
}

/** When things happened (ISO); absent when it did not happen or is not known. */
export interface IncidentTimes {
  readonly deployStartedAt: string;
  readonly firstBadSignalAt?: string;
  readonly decidedAt?: string;
  readonly rollbackStartedAt?: string;
  readonly restoredAt?: string;
  readonly verifiedAt?: string;
  readonly finishedAt?: string;
}

export interface IncidentCommit {
  readonly sha: string;
  readonly subject: string;
  readonly author: string;
}

export interface IncidentResourceChange extends PlannedChange {
  /** Properties whose values differ between the good and the bad template. */
  readonly properties?: readonly PropertyChange[];
}

export interface IncidentChanges {
  /** The deployment's change set, each resource with the properties that differ. */
  readonly resources: readonly IncidentResourceChange[];
  /** The commits in the bad version and not in the good one, newest first. */
  readonly commits?: readonly IncidentCommit[];
  /** Why the commits are not listed (no repository, a commit git does not have…). */
  readonly commitsUnavailable?: string;
  /** A unified diff of the good and the bad template; absent when they are the same or unknown. */
  readonly templateDiff?: string;
}

export interface IncidentRestore {
  /** The version compared with (and, when `restored`, put back): its record. */
  readonly deploymentId: string;
  readonly commit?: string;
  /** Whether the stack now runs it again. */
  readonly restored: boolean;
  /** The rollback's own record. */
  readonly rollbackDeploymentId?: string;
  /** `verified`: its alarms were OK at the end of the verification window; `still-unhealthy`: they were not; `not-verified`: nothing watched it. */
  readonly verification: 'verified' | 'still-unhealthy' | 'not-verified';
  readonly verificationReason?: string;
}

export interface IncidentNote {
  readonly version: typeof INCIDENT_NOTE_VERSION;
  readonly deploymentId: string;
  readonly environment: string;
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly status: DeploymentStatus;
  /** One line: "prod rolled back: alarm orders-5xx fired". */
  readonly headline: string;
  readonly reason?: string;
  /** The deployed commit (the bad version). */
  readonly commit?: string;
  readonly fired: IncidentSignal;
  readonly times: IncidentTimes;
  readonly changes: IncidentChanges;
  /** The good version: what was restored, or what the stack ran before when nothing was. */
  readonly restore?: IncidentRestore;
  readonly next: readonly string[];
  readonly writtenAt: string;
}

/** What composing a note needs besides the records: the commit facts git gave (or why it could not). */
export interface IncidentGitFacts {
  readonly commits?: readonly IncidentCommit[];
  readonly unavailable?: string;
}

/**
 * The version a bad deployment is compared with: the rollback's target when one was chosen, else
 * the version the stack ran before it (its `previous` link).
 */
export function goodVersionId(record: DeploymentRecord): string | undefined {
  // A rollback that went wrong is compared with the version it was to restore.
  if (record.kind === 'rollback') return record.rollbackTargetId;
  return record.health?.rollback?.targetDeploymentId ?? record.healthWatch?.rollback?.targetId ?? record.previous?.deploymentId;
}

/** The rollback record that undid `record`, if any. */
export function rollbackRecordOf(record: DeploymentRecord, records: readonly DeploymentRecord[]): DeploymentRecord | undefined {
  if (record.kind === 'rollback') return record; // its own restore
  const id = record.health?.rollback?.rollbackDeploymentId;
  return records.find((r) => (id !== undefined && r.id === id) || (r.kind === 'rollback' && r.rollbackOf === record.id));
}

export function composeIncidentNote(input: {
  readonly record: DeploymentRecord;
  /** The good version's record (see goodVersionId). */
  readonly good?: DeploymentRecord;
  /** The rollback's record, when one ran. */
  readonly rollback?: DeploymentRecord;
  readonly git?: IncidentGitFacts;
  /** ISO time the note is written. */
  readonly now: string;
}): IncidentNote {
  const { record, good, rollback } = input;
  const fired = firedSignal(record);
  const restore = good ? restoreOf(good, rollback) : undefined;
  const times = timesOf(record, fired, rollback);
  const changes = changesOf(record, good, input.git);
  return {
    version: INCIDENT_NOTE_VERSION,
    deploymentId: record.id,
    environment: record.environment,
    stackName: record.stackName,
    region: record.region,
    account: record.account,
    status: record.status,
    headline: headlineOf(record, fired),
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.commit ? { commit: record.commit } : {}),
    fired,
    times,
    changes,
    ...(restore ? { restore } : {}),
    next: nextSteps(record, fired, restore, changes),
    writtenAt: input.now,
  };
}

function firedSignal(record: DeploymentRecord): IncidentSignal {
  const verdict = record.health?.verdict;
  const checkpointVerdict = record.healthWatch?.verdict;
  const metric = record.health?.metrics?.find(
    (m) =>
      m.verdict === 'regressed' &&
      (verdict?.alarm === m.name || (checkpointVerdict?.kind === 'unhealthy' && checkpointVerdict.metric === m.name)),
  );
  if (metric) {
    const values = metric.bake.points.slice(-10).map(([at, value]) => `${new Date(at).toISOString()} ${round(value)}`);
    return { kind: 'metric', name: metric.name, reason: metric.reason, ...(values.length > 0 ? { datapoints: values } : {}) };
  }
  const alarm =
    verdict?.kind === 'unhealthy' ? verdict.alarm : checkpointVerdict?.kind === 'unhealthy' ? checkpointVerdict.alarm : undefined;
  if (alarm) {
    const fired = record.health?.transitions?.find((t) => t.alarm === alarm && t.to === 'ALARM');
    const recorded = record.health?.alarms.find((a) => a.name === alarm);
    const reason = fired?.reason ?? recorded?.reason ?? verdict?.reason ?? record.reason ?? 'the alarm fired';
    const datapoints = datapointsIn(reason);
    return { kind: 'alarm', name: alarm, reason, ...(datapoints.length > 0 ? { datapoints } : {}) };
  }
  const failedEvent = firstFailedEvent(record.stackEvents);
  if (failedEvent) {
    return {
      kind: 'stack',
      name: failedEvent.logicalId,
      reason: failedEvent.reason ?? failedEvent.status,
      resourceType: failedEvent.resourceType,
      eventId: failedEvent.eventId,
    };
  }
  const step = record.steps.find((s) => s.status === 'failed' || s.status === 'timed-out' || s.status === 'interrupted');
  if (step)
    return {
      kind: 'step',
      name: step.name,
      reason: `step ${step.name} ${step.status}${step.exitCode !== undefined ? ` (exit ${step.exitCode})` : ''}`,
    };
  if (verdict?.kind === 'unknown') return { kind: 'other', reason: verdict.reason };
  return { kind: 'other', reason: record.reason ?? statusRow(record.status).words };
}

/** The first resource that failed: the root cause, not the cascade of cancellations after it. */
export function firstFailedEvent(events: readonly StackEventFacts[] | undefined): StackEventFacts | undefined {
  const failed = (Array.isArray(events) ? events : []).filter(
    (e) => typeof e?.status === 'string' && typeof e.logicalId === 'string' && e.status.endsWith('_FAILED') && e.logicalId,
  );
  const real = failed.find((e) => !/cancelled|Resource update cancelled/i.test(e.reason ?? ''));
  return real ?? failed[0];
}

/** CloudWatch's StateReason lists the datapoints it judged: `[5.0 (04/12/26 21:30:00), 7.0 (…)]`. */
export function datapointsIn(reason: string): string[] {
  const list = /\[([^\]]*\(\d[^\]]*)\]/.exec(reason)?.[1];
  if (!list) return [];
  return list
    .split(/\),\s*/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => (p.includes('(') && !p.endsWith(')') ? `${p})` : p));
}

function timesOf(record: DeploymentRecord, fired: IncidentSignal, rollback: DeploymentRecord | undefined): IncidentTimes {
  const health = record.health;
  const iso = (ms: number | undefined) => (ms !== undefined && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined);
  let firstBad: string | undefined;
  switch (fired.kind) {
    case 'alarm':
      firstBad = iso(
        health?.transitions?.find((t) => t.alarm === fired.name && t.to === 'ALARM')?.at ??
          health?.alarms.find((a) => a.name === fired.name)?.changedAt,
      );
      break;
    case 'metric':
      firstBad = iso(health?.verdict.at);
      break;
    case 'stack':
      firstBad = record.stackEvents?.find((e) => e.eventId === fired.eventId)?.timestamp;
      break;
    case 'step':
      firstBad = record.steps.find((s) => s.name === fired.name)?.finishedAt;
      break;
    case 'other':
      break;
  }
  const decidedAt = iso(health?.verdict.at) ?? (fired.kind === 'alarm' || fired.kind === 'metric' ? undefined : record.finishedAt);
  const rollbackStartedAt = record.healthWatch?.rollback?.startedAt ?? rollback?.startedAt;
  const verifiedAt =
    rollback?.verification?.at ?? (rollback?.status === 'rolled-back-unhealthy' ? iso(rollback.health?.verdict.at) : undefined);
  return {
    deployStartedAt: record.startedAt,
    ...(firstBad ? { firstBadSignalAt: firstBad } : {}),
    ...(decidedAt ? { decidedAt } : {}),
    ...(rollbackStartedAt ? { rollbackStartedAt } : {}),
    ...(rollback?.restoredAt ? { restoredAt: rollback.restoredAt } : {}),
    ...(verifiedAt ? { verifiedAt } : {}),
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
  };
}

function changesOf(record: DeploymentRecord, good: DeploymentRecord | undefined, git: IncidentGitFacts | undefined): IncidentChanges {
  const before = good?.template.body;
  const after = record.template.body;
  const planned: readonly PlannedChange[] =
    record.changes ??
    // No change set kept (it failed before one was described): the resources the templates differ in.
    (before !== undefined
      ? changedResources(before, after).map((logicalId) => ({ action: 'Modify' as const, logicalId, resourceType: '' }))
      : []);
  const resources = planned.map((c): IncidentResourceChange => {
    const properties = before !== undefined ? changedProperties(before, after, c.logicalId) : [];
    return { ...c, ...(properties.length > 0 ? { properties } : {}) };
  });
  const diff = before !== undefined ? unifiedDiff(before, after, { from: `template of ${good!.id}`, to: `template of ${record.id}` }) : '';
  return {
    resources,
    ...(git?.commits ? { commits: git.commits } : {}),
    ...(git?.unavailable ? { commitsUnavailable: git.unavailable } : {}),
    ...(diff ? { templateDiff: diff } : {}),
  };
}

function restoreOf(good: DeploymentRecord, rollback: DeploymentRecord | undefined): IncidentRestore {
  const restored =
    rollback !== undefined &&
    (rollback.status === 'stable' || rollback.status === 'rolled-back-unhealthy' || rollback.restoredAt !== undefined);
  const verification: IncidentRestore['verification'] =
    rollback?.status === 'stable' && rollback.verification?.kind === 'restored' && rollback.health !== undefined
      ? 'verified'
      : rollback?.status === 'rolled-back-unhealthy'
        ? 'still-unhealthy'
        : 'not-verified';
  const reason = rollback?.health?.verdict.reason;
  return {
    deploymentId: good.id,
    ...(good.commit ? { commit: good.commit } : {}),
    restored,
    ...(rollback ? { rollbackDeploymentId: rollback.id } : {}),
    verification,
    ...(reason ? { verificationReason: reason } : {}),
  };
}

function headlineOf(record: DeploymentRecord, fired: IncidentSignal): string {
  const what = {
    alarm: `alarm ${fired.name ?? ''} fired`,
    metric: `metric ${fired.name ?? ''} regressed`,
    stack: `${fired.name ?? 'a resource'} failed`,
    step: `step ${fired.name ?? ''} failed`,
    other: fired.reason,
  }[fired.kind];
  return `${record.environment} ${statusRow(record.status).words}: ${what}`;
}

function nextSteps(
  record: DeploymentRecord,
  fired: IncidentSignal,
  restore: IncidentRestore | undefined,
  changes: IncidentChanges,
): string[] {
  const next: string[] = [];
  switch (fired.kind) {
    case 'alarm':
      next.push(
        `Open alarm ${fired.name ?? ''} in CloudWatch and read its metric around ${record.finishedAt ?? 'the bake'}: what the change did to it.`,
      );
      break;
    case 'metric':
      next.push(
        `Compare metric ${fired.name ?? ''} in the bake with its baseline (deployguard history ${record.environment}; the run panel's Health tab).`,
      );
      break;
    case 'stack':
      next.push(
        `Open the template at ${fired.name ?? 'the failed resource'} (the run panel's Stack tab, "Open in Template") and read the failure: ${fired.reason}`,
      );
      break;
    case 'step':
      next.push(`Read the log of step ${fired.name ?? ''} (the run's log file): the stack was not touched.`);
      break;
    case 'other':
      next.push(`Read the run's log and the reason: ${record.reason ?? statusRow(record.status).words}.`);
      break;
  }
  const touched = changes.resources.filter((r) => r.properties && r.properties.length > 0);
  if (touched.length > 0) {
    next.push(
      `Review the changed properties: ${touched.map((r) => `${r.logicalId} (${r.properties!.map((p) => p.property).join(', ')})`).join('; ')}.`,
    );
  }
  if (changes.commits && changes.commits.length > 0) {
    next.push(
      `Review the ${changes.commits.length} commit${changes.commits.length === 1 ? '' : 's'} between the good and the bad version, newest first.`,
    );
  }
  if (restore?.verification === 'still-unhealthy') {
    next.push(
      'The restored version is still unhealthy: the cause may not be this deployment (a dependency, traffic, data). A person must look before deploying again.',
    );
  } else if (restore && !restore.restored && record.status !== 'failed') {
    next.push(`Nothing was restored: decide whether to roll back by hand (deployguard rollback ${record.environment}).`);
  } else if (record.status === 'rollback-failed') {
    next.push(
      `The rollback failed: check the stack in the CloudFormation console, then deployguard recover ${record.environment} or rollback again.`,
    );
  }
  next.push(`Fix forward on a branch and deploy it to a non-production environment before ${record.environment}.`);
  return next;
}

// ───────────────────────────── Markdown ─────────────────────────────

/** The note as Markdown: what a person pastes into a chat or an incident ticket. */
export function incidentMarkdown(note: IncidentNote): string {
  const lines: string[] = [];
  const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
  lines.push(`# Incident: ${oneLine(note.headline)}`, '');
  lines.push(
    `- **Deployment:** ${code(note.deploymentId)} (${statusRow(note.status).words})`,
    `- **Environment:** ${note.environment} · stack ${code(note.stackName)} · ${note.region} · account ${note.account}`,
  );
  if (note.commit) lines.push(`- **Deployed commit:** ${code(note.commit.slice(0, 12))}`);
  if (note.reason) lines.push(`- **Reason:** ${oneLine(note.reason)}`);
  lines.push('', '## What fired', '');
  const kind = { alarm: 'Alarm', metric: 'Metric', stack: 'Resource', step: 'Step', other: 'Cause' }[note.fired.kind];
  lines.push(
    `- **${kind}:** ${note.fired.name ? code(note.fired.name) : oneLine(note.fired.reason)}${note.fired.resourceType ? ` (${note.fired.resourceType})` : ''}`,
  );
  if (note.fired.name) lines.push(`- **Reason:** ${oneLine(note.fired.reason)}`);
  if (note.fired.datapoints && note.fired.datapoints.length > 0)
    lines.push(`- **Datapoints:** ${note.fired.datapoints.map(oneLine).join('; ')}`);
  lines.push('', '## When', '');
  const t = note.times;
  const row = (label: string, at: string | undefined, otherwise?: string) => {
    if (at) lines.push(`| ${label} | ${at} |`);
    else if (otherwise) lines.push(`| ${label} | ${otherwise} |`);
  };
  lines.push('| | UTC |', '| --- | --- |');
  row('Deploy started', t.deployStartedAt);
  row('First bad signal', t.firstBadSignalAt);
  row('Decision', t.decidedAt);
  row('Rollback started', t.rollbackStartedAt);
  row('Restore complete', t.restoredAt, note.restore?.rollbackDeploymentId ? 'not restored' : undefined);
  const verified = note.restore
    ? { verified: 'verified', 'still-unhealthy': 'NOT verified: still unhealthy', 'not-verified': 'not verified' }[
        note.restore.verification
      ]
    : undefined;
  if (note.restore?.rollbackDeploymentId) row(`Recovery ${verified ?? ''}`.trim(), t.verifiedAt, '—');
  row('Finished', t.finishedAt);
  lines.push('', '## What changed', '');
  const resources = note.changes.resources;
  if (resources.length === 0) lines.push('No resource changes are known.');
  for (const r of resources) {
    const props = r.properties?.map((p) => `${code(p.property)} ${p.change}`).join(', ');
    lines.push(
      `- ${r.action} ${code(r.logicalId)}${r.resourceType ? ` (${r.resourceType})` : ''}${r.replacement === 'True' ? ' — **REPLACED**' : ''}${props ? `: ${props}` : ''}`,
    );
  }
  lines.push('');
  if (note.changes.commits) {
    if (note.changes.commits.length === 0) lines.push('Commits: none between the good and the bad version.');
    else {
      lines.push('Commits (newest first):', '');
      for (const c of note.changes.commits) lines.push(`- ${code(c.sha.slice(0, 12))} ${oneLine(c.subject)} — ${oneLine(c.author)}`);
    }
  } else if (note.changes.commitsUnavailable) lines.push(`Commits: ${oneLine(note.changes.commitsUnavailable)}`);
  if (note.changes.templateDiff) {
    const fence = note.changes.templateDiff.includes('```') ? '~~~~' : '```';
    lines.push('', 'Template diff:', '', `${fence}diff`, note.changes.templateDiff, fence);
  }
  lines.push('', '## What was restored', '');
  const r = note.restore;
  if (!r) lines.push('Nothing: there was no earlier version to compare with or restore.');
  else if (r.restored) {
    lines.push(
      `Deployment ${code(r.deploymentId)}${r.commit ? ` (commit ${code(r.commit.slice(0, 12))})` : ''} was restored${r.rollbackDeploymentId ? ` by ${code(r.rollbackDeploymentId)}` : ''}; recovery **${verified}**${r.verificationReason ? `: ${oneLine(r.verificationReason)}` : ''}.`,
    );
  } else {
    lines.push(
      `Nothing was restored. The version before it was ${code(r.deploymentId)}${r.commit ? ` (commit ${code(r.commit.slice(0, 12))})` : ''}${r.rollbackDeploymentId ? `; rollback ${code(r.rollbackDeploymentId)} did not restore it` : ''}.`,
    );
  }
  lines.push('', '## What to look at next', '');
  for (const step of note.next) lines.push(`1. ${oneLine(step)}`);
  lines.push('', `_Written by Deploy Guard at ${note.writtenAt}._`, '');
  return lines.join('\n');
}

/** Text from AWS or git on one Markdown line: no newlines, no control characters. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
