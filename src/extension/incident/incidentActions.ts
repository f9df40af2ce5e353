/**
 * The editor's way into an incident: "Open Incident Note" and "Copy Incident Note" (from the
 * notification, the run panel and the tree), and "Open in Template" — from a failed stack event
 * to the resource's definition in the workspace's template, with the commit that last changed
 * those lines. Everything that parses or runs git goes through the engine bundle (loadEngine),
 * so activation stays small; nothing here calls AWS.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import * as vscode from 'vscode';
import { DeployGuardError } from '../../core/errors';
import type { DeploymentRecord } from '../../core/history/record';
import type { EngineHost } from '../engineHost';
import { loadEngine } from '../engineLoader';
import { shortCommit } from '../format';
import { requirePipeline, targetOf } from '../actions/targets';
import { findRecordInHistory } from '../runPanel/historyLookup';

/** What the incident commands are invoked with: a tree row, `{ deploymentId }`, `{ deploymentId, logicalId }`, or an id. */
export interface IncidentTarget {
  readonly deploymentId?: string;
  readonly record?: DeploymentRecord;
  readonly logicalId?: string;
}

export function incidentTargetOf(arg: unknown): IncidentTarget {
  if (typeof arg === 'string') return { deploymentId: arg };
  const target = targetOf(arg);
  const logicalId = typeof arg === 'object' && arg !== null ? (arg as { logicalId?: unknown }).logicalId : undefined;
  return {
    ...(target.deploymentId ? { deploymentId: target.deploymentId } : {}),
    ...(target.record ? { record: target.record } : {}),
    ...(typeof logicalId === 'string' && /^[A-Za-z0-9]{1,255}$/.test(logicalId) ? { logicalId } : {}),
  };
}

async function recordOf(target: IncidentTarget, what: string): Promise<DeploymentRecord> {
  if (!target.deploymentId) {
    throw new DeployGuardError(
      'Usage',
      `${what} needs a deployment: use it on a deployment in the Deployments view, its run panel or its notification`,
    );
  }
  // A tree row's record may be older than the note, which is written just after the run ends.
  const record = (await findRecordInHistory(target.deploymentId)) ?? target.record;
  if (!record) throw new DeployGuardError('Usage', `Deployment ${target.deploymentId} is not in the deployment history`);
  return record;
}

/** The note's Markdown: the one kept on the record, or composed now for a record written before notes (or just before its note). */
export async function incidentNoteMarkdown(
  host: EngineHost,
  target: IncidentTarget,
): Promise<{ record: DeploymentRecord; markdown: string }> {
  const record = await recordOf(target, 'The incident note');
  const engine = loadEngine();
  if (!engine.needsIncidentNote(record.status)) {
    throw new DeployGuardError(
      'Usage',
      `Deployment ${record.id} has no incident note: it was not rolled back, did not fail and needs no one`,
    );
  }
  let note = record.incident;
  if (!note) {
    const { records } = await host
      .historyStore()
      .stack({ account: record.account, region: record.region, stackName: record.stackName })
      .list();
    const root = host.repoRoot();
    const git = root ? new engine.GitRepository({ root, isTrusted: () => vscode.workspace.isTrusted }) : undefined;
    note = await engine.buildIncidentNote(record, records, git && vscode.workspace.isTrusted ? git : undefined);
  }
  return { record, markdown: engine.incidentMarkdown(note) };
}

/** `Open Incident Note`: an untitled Markdown document, with its preview beside it. */
export async function openIncidentNoteCommand(host: EngineHost, arg: unknown): Promise<void> {
  const { markdown } = await incidentNoteMarkdown(host, incidentTargetOf(arg));
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.window.showTextDocument(doc, { preview: false });
  await vscode.commands.executeCommand('markdown.showPreviewToSide').then(undefined, () => undefined);
}

/** `Copy Incident Note`: its Markdown on the clipboard, for a chat or a ticket. */
export async function copyIncidentNoteCommand(host: EngineHost, arg: unknown): Promise<void> {
  const { record, markdown } = await incidentNoteMarkdown(host, incidentTargetOf(arg));
  await vscode.env.clipboard.writeText(markdown);
  void vscode.window.setStatusBarMessage(
    `$(copy) Copied the incident note of ${record.environment} ${record.commit ? shortCommit(record.commit) : record.id}`,
    4000,
  );
}

/**
 * `Open in Template`: the resource's definition (the failed one unless one is named) in the
 * workspace's template, selected, and the commit that last changed those lines, in a message.
 */
export async function openResourceInTemplateCommand(host: EngineHost, arg: unknown): Promise<void> {
  const target = incidentTargetOf(arg);
  const record = await recordOf(target, 'Open in Template');
  const engine = loadEngine();
  const logicalId = target.logicalId ?? engine.firstFailedEvent(record.stackEvents)?.logicalId;
  if (!logicalId) throw new DeployGuardError('Usage', `No resource failed in deployment ${record.id}: there is nothing to open`);
  const root = host.repoRoot();
  if (!root) throw new DeployGuardError('Usage', 'Open the folder that contains deployguard.yaml first');
  const pipeline = await requirePipeline(host);
  const file = resolve(root, pipeline.stack.template);
  const path = relative(root, file);
  if (path.startsWith('..') || isAbsolute(path)) {
    throw new DeployGuardError('ConfigInvalid', `stack.template ${pipeline.stack.template} is outside the workspace`);
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const at = engine.locateResource(doc.getText(), logicalId);
  if (!at) {
    throw new DeployGuardError(
      'Usage',
      `${logicalId} is not defined under Resources in ${path} (the workspace's template may have moved on since deployment ${record.id})`,
      {
        hint: 'check out the deployed commit to see the template as it was deployed',
      },
    );
  }
  const start = new vscode.Position(at.line - 1, Math.max(0, at.column - 1));
  const editor = await vscode.window.showTextDocument(doc, { preview: false, selection: new vscode.Range(start, start) });
  editor.revealRange(
    new vscode.Range(start, new vscode.Position(at.endLine - 1, 0)),
    vscode.TextEditorRevealType.InCenterIfOutsideViewport,
  );
  if (!vscode.workspace.isTrusted) return; // git reads .git/config, which can name programs: not in an untrusted workspace
  const git = new engine.GitRepository({ root, isTrusted: () => vscode.workspace.isTrusted });
  const blamed = await git.lastChange(path, at.line, at.endLine).catch((err: unknown) => {
    throw new DeployGuardError(
      'GitFailed',
      `Opened ${logicalId} in ${path}, but git could not say who last changed it: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  const where = `${logicalId} (${path}:${at.line}-${at.endLine})`;
  if (!blamed) {
    void vscode.window.showInformationMessage(`Deploy Guard: ${where} has uncommitted changes only`);
    return;
  }
  const copy = 'Copy Commit';
  const choice = await vscode.window.showInformationMessage(
    `Deploy Guard: ${where} last changed in ${shortCommit(blamed.sha)} "${blamed.subject}" by ${blamed.author}, ${blamed.date.slice(0, 10)}`,
    copy,
  );
  if (choice === copy) await vscode.env.clipboard.writeText(blamed.sha);
}
