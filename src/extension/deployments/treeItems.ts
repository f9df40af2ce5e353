import { holderIdentity } from '../../core/history/holder';
import * as vscode from 'vscode';
import { blamedAlarm } from '../../core/health/recordedHealth';
import { isVerified, verificationOf, verificationWords } from '../../core/history/ledger';
import type { DeploymentRecord } from '../../core/history/record';
import { needsConfirmation } from '../../core/pipeline/confirmation';
import type { DeploymentStatus } from '../../core/model';
import type { CommitDetails } from '../commitDetails';
import { Commands } from '../commands';
import { environmentState } from '../environmentState';
import { deploymentContext, environmentContext } from './itemContext';
import { formatAge, formatDuration, recordStatusWords, shortCommit, statusColor, statusIcon, statusWords, subjectLine } from '../format';
import type { LiveDeployment } from '../liveDeployments';
import { metricLines } from './metricLines';
import type { EnvironmentEntry, TreeNode } from './treeModel';

// Paragraph breaks as plain string literals: a template literal with a newline would be
// minified into a raw line break, and the activation bundle is checked for being one line.
const PARAGRAPH = '\n\n';

let machine: string | undefined;
/** This machine as records name it (`ana@laptop`), computed once. */
function thisMachine(): string {
  return (machine ??= holderIdentity().name);
}

function para(md: vscode.MarkdownString, text: string): void {
  md.appendMarkdown(text + PARAGRAPH);
}

function icon(id: string, status?: DeploymentStatus): vscode.ThemeIcon {
  const color = status ? statusColor(status) : undefined;
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

export function environmentItem(env: EnvironmentEntry, live: LiveDeployment | undefined, now: number): vscode.TreeItem {
  const state = environmentState(live, env.records, now, thisMachine());
  const item = new vscode.TreeItem(env.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `env:${env.name}`;
  item.description = state.description;
  item.iconPath = icon(state.icon, state.status === 'never-deployed' ? undefined : state.status);
  item.contextValue = environmentContext(state);
  const tooltip = new vscode.MarkdownString('', true);
  para(tooltip, `**${env.name}** — ${state.description}`);
  para(tooltip, `Stack \`${env.stackName}\` in \`${env.config.region}\`${env.config.profile ? `, profile \`${env.config.profile}\`` : ''}`);
  if (state.currentStable) {
    const words = verificationWords(state.currentStable);
    para(
      tooltip,
      `Current version: \`${shortCommit(state.currentStable.commit)}\` (${state.currentStable.id})${words ? `, ${words}` : ''}`,
    );
  }
  if (env.config.health) {
    const h = env.config.health;
    const alarms = [...h.alarms, ...(h.alarmPrefix ? [`${h.alarmPrefix}*`] : []), ...(h.stackAlarms ? ['stack alarms'] : [])];
    para(
      tooltip,
      `Guarded by ${alarms.map((a) => `\`${a}\``).join(', ') || 'no alarms'}; bake ${formatDuration(h.bakeMs)}; rollback \`${h.rollback}\``,
    );
  }
  if (needsConfirmation(env.config)) tooltip.appendMarkdown('Deploys ask for confirmation first.\n\n');
  item.tooltip = tooltip;
  return item;
}

export interface DeploymentRowInput {
  readonly env: EnvironmentEntry;
  readonly record: DeploymentRecord;
  readonly live: LiveDeployment | undefined;
  readonly currentStableId: string | undefined;
  readonly commit: CommitDetails | undefined;
  readonly now: number;
}

export function deploymentItem({ env, record, live, currentStableId, commit, now }: DeploymentRowInput): vscode.TreeItem {
  // The record on disk may lag the engine by an event: the live status wins while it runs.
  const status = live?.status ?? record.status;
  const running = live !== undefined && !live.finished;
  const isCurrent = record.id === currentStableId;
  const subject = subjectLine(commit?.message, 60);
  const kindWord =
    record.kind === 'rollback'
      ? record.automatic
        ? 'automatic rollback'
        : 'rollback'
      : record.kind === 'baseline'
        ? 'baseline'
        : undefined;
  const label = `${shortCommit(record.commit)}${subject ? ` ${subject}` : ''}`;
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `dep:${record.id}`;
  const started = Date.parse(record.startedAt);
  const duration = durationOf(record, live, now);
  const who = commit?.author ?? record.trigger;
  // A finished record says how it was verified ("stable" only for a verified version).
  const words = live && !live.finished ? statusWords(status) : recordStatusWords({ ...record, status });
  const unverified = isVerified({ ...record, status }) ? undefined : words;
  item.description = [
    isCurrent ? ['● current', unverified].filter(Boolean).join(' · ') : words,
    kindWord,
    who,
    formatAge(started, now),
    duration,
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = icon(isCurrent ? 'star-full' : statusIcon(status), status);
  const alarm = live?.alarm ?? blamedAlarm(record);
  item.contextValue = deploymentContext(status, isCurrent, running, alarm, {
    failedResource: (record.stackEvents ?? []).some((e) => e.status.endsWith('_FAILED')),
  });
  item.tooltip = deploymentTooltip(env, record, status, {
    subject: commit?.message,
    who,
    duration,
    alarm,
    isCurrent,
    reason: live?.reason ?? record.reason,
  });
  item.command = { command: Commands.showRun, title: 'Show Run', arguments: [{ deploymentId: record.id }] };
  item.accessibilityInformation = {
    label: `${env.name} deployment ${shortCommit(record.commit)}, ${words}${isCurrent ? ', current version' : ''}`,
  };
  return item;
}

function durationOf(record: DeploymentRecord, live: LiveDeployment | undefined, now: number): string | undefined {
  if (live?.durationMs !== undefined) return formatDuration(live.durationMs);
  if (record.finishedAt) return formatDuration(Date.parse(record.finishedAt) - Date.parse(record.startedAt));
  return live && !live.finished ? formatDuration(now - Date.parse(record.startedAt)) : undefined;
}

function deploymentTooltip(
  env: EnvironmentEntry,
  record: DeploymentRecord,
  status: DeploymentStatus,
  more: {
    subject: string | undefined;
    who: string | undefined;
    duration: string | undefined;
    alarm: string | undefined;
    isCurrent: boolean;
    reason: string | undefined;
  },
): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  para(
    md,
    `$(${statusIcon(status).replace('~spin', '')}) **${recordStatusWords({ ...record, status })}**${more.isCurrent ? ' — the current version' : ''}`,
  );
  const verified = verificationWords({ ...record, status });
  const alarms = verificationOf({ ...record, status })?.alarms ?? [];
  if (verified) para(md, `${escape(verified)}${alarms.length > 0 ? `: ${alarms.map((a) => `\`${a}\``).join(', ')}` : ''}`);
  if (more.reason) para(md, `${escape(more.reason)}`);
  para(md, `**${env.name}** · \`${record.stackName}\` · ${record.region} · account ${record.account}`);
  if (record.commit) {
    para(
      md,
      `Commit \`${shortCommit(record.commit)}\`${record.branch ? ` on \`${record.branch}\`` : ''}${record.dirty ? ' (with uncommitted changes)' : ''}`,
    );
  }
  if (more.subject) para(md, `> ${escape(subjectLine(more.subject, 200) ?? '')}`);
  md.appendMarkdown(`Started ${new Date(record.startedAt).toLocaleString()}${more.who ? ` by ${escape(more.who)}` : ''}`);
  if (record.finishedAt) md.appendMarkdown(`, finished ${new Date(record.finishedAt).toLocaleTimeString()}`);
  if (more.duration) md.appendMarkdown(` (${more.duration})`);
  md.appendMarkdown(PARAGRAPH);
  if (record.startedBy) {
    const { name, ci, url } = record.startedBy;
    para(md, `Ran on ${escape(name)}${ci ? ` (${escape(ci)})` : ''}${url ? ` · ${escape(url)}` : ''}`);
  }
  const steps = record.steps.filter((s) => s.startedAt && s.finishedAt);
  if (steps.length > 0) {
    para(
      md,
      `Steps: ${steps.map((s) => `${s.name} ${s.status} ${formatDuration(Date.parse(s.finishedAt!) - Date.parse(s.startedAt!))}`).join(' · ')}`,
    );
  }
  if (more.alarm) para(md, `Alarm: \`${more.alarm}\``);
  for (const line of metricLines(record)) para(md, line);
  if (record.rollbackTargetId) para(md, `Restores deployment \`${record.rollbackTargetId}\``);
  md.appendMarkdown(`\`${record.id}\``);
  return md;
}

/** A stack output: its key, the value beside it; a click copies the value. */
export function outputItem(node: Extract<TreeNode, { kind: 'output' }>): vscode.TreeItem {
  const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.description = node.value;
  item.iconPath = new vscode.ThemeIcon('symbol-constant');
  item.tooltip = new vscode.MarkdownString().appendText(
    `Output ${node.key} of ${node.env.stackName}\n\n${node.value}\n\nClick to copy the value.`,
  );
  item.contextValue = 'output';
  item.command = { command: Commands.copyOutput, title: 'Copy Output Value', arguments: [node.key, node.value] };
  return item;
}

export function messageItem(node: Extract<TreeNode, { kind: 'message' }>): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  if (node.detail) item.description = node.detail;
  item.iconPath = new vscode.ThemeIcon(
    node.severity === 'error' ? 'error' : node.severity === 'warning' ? 'warning' : 'info',
    node.severity === 'error'
      ? new vscode.ThemeColor('list.errorForeground')
      : node.severity === 'warning'
        ? new vscode.ThemeColor('list.warningForeground')
        : undefined,
  );
  item.tooltip = [node.label, node.detail, node.hint && `What to do: ${node.hint}`].filter(Boolean).join('\n');
  item.contextValue = `message ${node.severity}`;
  return item;
}

/** Markdown special characters in text from records (reasons from AWS, commit messages). */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
