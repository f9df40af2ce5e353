import * as vscode from 'vscode';

/** The workspace folder a pipeline command is about: the active editor's, the only one, or asked. */
export async function pickWorkspaceFolder(purpose: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showInformationMessage(`Open a folder first: ${purpose} needs a repository.`);
    return undefined;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  const fromEditor = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  if (fromEditor) return fromEditor;
  if (folders.length === 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: `Folder for ${purpose}` });
}
