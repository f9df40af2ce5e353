import { relative } from 'node:path';
import * as vscode from 'vscode';
import { PIPELINE_FILE } from '../workspaceState';
import { pickWorkspaceFolder } from './pickFolder';
import { loadPipelineTools } from './pipelineToolsLoader';

/** A CloudFormation template already in the repository, so the starter points at something real. */
async function findTemplate(folder: vscode.WorkspaceFolder): Promise<string> {
  const found = await vscode.workspace.findFiles(
    new vscode.RelativePattern(folder, '**/{template,*.template,cloudformation,stack}.{yaml,yml,json}'),
    '{**/node_modules/**,**/cdk.out/**,**/.aws-sam/**,**/dist/**}',
    1,
  );
  return found[0] ? relative(folder.uri.fsPath, found[0].fsPath).split('\\').join('/') : 'infra/template.yaml';
}

/**
 * "Deploy Guard: Create Pipeline File": writes a commented starter deployguard.yaml in the
 * folder's root and opens it. An existing file is opened, never overwritten. Runs nothing.
 */
export async function createPipelineFile(): Promise<void> {
  const folder = await pickWorkspaceFolder('the pipeline file');
  if (!folder) return;
  const target = vscode.Uri.joinPath(folder.uri, PIPELINE_FILE);
  let exists = true;
  try {
    await vscode.workspace.fs.stat(target);
  } catch {
    exists = false;
  }
  if (!exists) {
    const text = loadPipelineTools().starterPipeline({ name: folder.name, template: await findTemplate(folder) });
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  }
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
  if (exists) void vscode.window.showInformationMessage(`${PIPELINE_FILE} already exists in ${folder.name}; opened it instead.`);
}
