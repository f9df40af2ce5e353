import * as vscode from 'vscode';
import { Commands } from '../commands';
import { PIPELINE_FILE } from '../workspaceState';
import type { PipelineDiagnostics } from './diagnostics';
import { isPipelineDocument } from './diagnostics';
import { pickWorkspaceFolder } from './pickFolder';

const SHOW_PROBLEMS = 'Show Problems';

/**
 * "Deploy Guard: Validate Pipeline File": validates the open pipeline file (or the folder's),
 * fills the Problems panel and says the result. Reads only: safe in an untrusted workspace.
 */
export async function validatePipelineFile(diagnostics: PipelineDiagnostics): Promise<void> {
  let document = vscode.window.activeTextEditor?.document;
  if (!document || !isPipelineDocument(document)) {
    const folder = await pickWorkspaceFolder('validation');
    if (!folder) return;
    const uri = vscode.Uri.joinPath(folder.uri, PIPELINE_FILE);
    try {
      document = await vscode.workspace.openTextDocument(uri);
    } catch {
      const create = 'Create Pipeline File';
      const choice = await vscode.window.showWarningMessage(`${folder.name} has no ${PIPELINE_FILE}.`, create);
      if (choice === create) await vscode.commands.executeCommand(Commands.createPipelineFile);
      return;
    }
  }
  const result = diagnostics.validateNow(document);
  const name = vscode.workspace.asRelativePath(document.uri);
  if (result.errors === 0) {
    const warnings = result.warnings > 0 ? ` (${result.warnings} warning${result.warnings === 1 ? '' : 's'})` : '';
    void vscode.window.showInformationMessage(`${name} is valid: ${result.summary ?? ''}${warnings}`);
    return;
  }
  const choice = await vscode.window.showErrorMessage(
    `${name} has ${result.errors} problem${result.errors === 1 ? '' : 's'}; nothing can run until they are fixed.`,
    SHOW_PROBLEMS,
  );
  if (choice === SHOW_PROBLEMS) await vscode.commands.executeCommand('workbench.actions.view.problems');
}
