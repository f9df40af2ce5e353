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
import type { CdkConfig } from '../../core/pipeline/types';
import type { SamSource } from '../../core/template/samSource';
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
 * A built template is followed back to its source: a SAM template's generated resource to the
 * resource (or event, or Globals section) it came from; a CDK stack's resource to the line of the
 * app that made it when the cloud assembly kept a trace of it, else to the built template.
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
  if (pipeline.stack.cdk) return openCdkResource(root, pipeline.stack.cdk, logicalId, record);
  const { file, path } = inWorkspace(root, pipeline.stack.template, 'stack.template');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const text = doc.getText();
  const sam = engine.samSourceOf(text, logicalId);
  const at = sam?.generated ? engine.locatePath(text, sam.path) : engine.locateResource(text, logicalId);
  if (!at) {
    throw new DeployGuardError(
      'Usage',
      `${logicalId} is not defined under Resources in ${path}${sam ? ', nor made by SAM from a resource there' : ''} (the workspace's template may have moved on since deployment ${record.id})`,
      {
        hint: 'check out the deployed commit to see the template as it was deployed',
      },
    );
  }
  await showRange(doc, at.line, at.column, at.endLine);
  const where = sam?.generated
    ? `${logicalId}, made by SAM from ${samSourceWords(sam)} (${path}:${at.line}-${at.endLine}),`
    : `${logicalId} (${path}:${at.line}-${at.endLine})`;
  await showLastChange(root, path, at.line, at.endLine, where, logicalId);
}

/** `MyFunction`, `MyFunction's event GetOrders`, `Globals.Api`: what a SAM source path names. */
function samSourceWords(sam: SamSource): string {
  if (sam.path[0] === 'Globals') return sam.path.join('.');
  const event = sam.path.length === 5 ? sam.path[4] : undefined;
  return event ? `${sam.sourceId}'s event ${event}` : (sam.sourceId ?? sam.path.join('.'));
}

/** A CDK stack's resource: the app's line when a trace names it, else the resource in the built template. */
async function openCdkResource(root: string, cdk: CdkConfig, logicalId: string, record: DeploymentRecord): Promise<void> {
  const engine = loadEngine();
  const found = await engine.cdkResourceSource(root, cdk, logicalId);
  const construct = found.constructPath ? `construct ${found.constructPath}` : 'its construct';
  // The assembly is whatever the last synth left; a later synth may have moved lines since this deployment.
  const stale =
    found.template && record.template.body && found.template.body !== record.template.body
      ? ` (${relative(root, found.template.file)} was synthesised again since deployment ${record.id}: lines may have moved)`
      : '';
  if (found.source) {
    const { path, line, column, endLine } = found.source;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(resolve(root, path)));
    await showRange(doc, line, column ?? 1, endLine);
    const mapped = found.source.compiled ? `, mapped from ${found.source.compiled}` : '';
    const lines = endLine > line ? `${line}-${endLine}` : `${line}`;
    await showLastChange(root, path, line, endLine, `${logicalId} (${construct}, made at ${path}:${lines}${mapped})${stale}`, logicalId);
    return;
  }
  const why = `the CDK kept no trace of the line in your app that made ${logicalId}`;
  const hint = 'aws-cdk-lib records one unless the app sets aws:cdk:disable-creation-stack-traces; synthesise again to refresh cdk.out';
  if (found.template?.at) {
    const { at } = found.template;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(found.template.file));
    await showRange(doc, at.line, at.column, at.endLine);
    void vscode.window.showInformationMessage(
      `Deploy Guard: ${logicalId} is ${construct}, shown in the built template ${relative(root, found.template.file)}:${at.line}: ${why}${stale}. ${hint}.`,
    );
    return;
  }
  // No assembly in the workspace (not synthesised here, or cleaned), or one that no longer has the
  // resource: the template as it was deployed.
  const missing = found.template
    ? `${relative(root, found.template.file)} no longer defines it`
    : `there is no cloud assembly (${assemblyWords(cdk)}) in the workspace`;
  const at = engine.locateResource(record.template.body, logicalId);
  if (!at) {
    throw new DeployGuardError('Usage', `${logicalId} is not in the template deployment ${record.id} sent, and ${missing}`, {
      hint: 'run the deploy (or cdk synth) in this workspace, then Open in Template again',
    });
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: record.template.body });
  await showRange(doc, at.line, at.column, at.endLine);
  const path = found.constructPath ?? engine.cdkPathOf(record.template.body, logicalId);
  void vscode.window.showInformationMessage(
    `Deploy Guard: ${logicalId}${path ? ` is construct ${path},` : ''} shown in the template deployment ${record.id} sent: ${missing}, so the line of your app that made it is not known. Synthesise the app to get it.`,
  );
}

function assemblyWords(cdk: CdkConfig): string {
  return `${cdk.cwd ? `${cdk.cwd}/` : ''}cdk.out`;
}

/** A file the pipeline names, absolute and relative to the root; refused outside the workspace. */
function inWorkspace(root: string, name: string, setting: string): { file: string; path: string } {
  const file = resolve(root, name);
  const path = relative(root, file);
  if (path.startsWith('..') || isAbsolute(path)) {
    throw new DeployGuardError('ConfigInvalid', `${setting} ${name} is outside the workspace`);
  }
  return { file, path };
}

/** Opens `doc` with the cursor at line:column (1-based) and lines line..endLine in view. */
async function showRange(doc: vscode.TextDocument, line: number, column: number, endLine: number): Promise<void> {
  const start = new vscode.Position(line - 1, Math.max(0, column - 1));
  const editor = await vscode.window.showTextDocument(doc, { preview: false, selection: new vscode.Range(start, start) });
  editor.revealRange(new vscode.Range(start, new vscode.Position(endLine - 1, 0)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** The commit that last changed lines start..end of `path`, in a message naming `where`; none in an untrusted workspace. */
async function showLastChange(root: string, path: string, start: number, end: number, where: string, logicalId: string): Promise<void> {
  if (!vscode.workspace.isTrusted) return; // git reads .git/config, which can name programs: not in an untrusted workspace
  const engine = loadEngine();
  const git = new engine.GitRepository({ root, isTrusted: () => vscode.workspace.isTrusted });
  const blamed = await git.lastChange(path, start, end).catch((err: unknown) => {
    throw new DeployGuardError(
      'GitFailed',
      `Opened ${logicalId} in ${path}, but git could not say who last changed it: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
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
