import * as vscode from 'vscode';
import { DisposableStore, type Disposable } from '../core/disposable';
import { ContextKeys } from './commands';
import { DeployGuardError } from '../core/errors';

export const PIPELINE_FILE = 'deployguard.yaml';

/** Sets the context keys the welcome views read, and keeps them current as files come and go. */
export function registerWorkspaceContext(): Disposable {
  const update = async () => {
    const files = await vscode.workspace.findFiles(PIPELINE_FILE, undefined, 1);
    await vscode.commands.executeCommand('setContext', ContextKeys.hasPipelineFile, files.length > 0);
  };
  void update();
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${PIPELINE_FILE}`, false, true, false);
  const subscriptions = new DisposableStore();
  subscriptions.add(watcher);
  subscriptions.add(watcher.onDidCreate(update));
  subscriptions.add(watcher.onDidDelete(update));
  return subscriptions;
}

/**
 * Called inside every command that would run something (a step, git, a deploy): the manifest's
 * `enablement` is not enough, because commands can also be invoked programmatically.
 */
export function requireTrustedWorkspace(action: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new DeployGuardError('UntrustedWorkspace', `${action} is not allowed: this workspace is not trusted`, {
      hint: 'trust the folder (Manage Workspace Trust) if you want Deploy Guard to run its pipeline',
    });
  }
}
