import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';

/** The part of VS Code's git extension API (vscode.git, API version 1) used here. */
interface GitApi {
  readonly repositories: ReadonlyArray<{ readonly state: { onDidChange: vscode.Event<void> } }>;
  onDidOpenRepository: vscode.Event<{ readonly state: { onDidChange: vscode.Event<void> } }>;
}

/**
 * Calls `onChange` when VS Code's git extension sees a repository change (a push or fetch from
 * Source Control). Only when that extension is already active: Deploy Guard never activates it,
 * and the ref-file watch works without it.
 */
export function listenToGitExtension(onChange: () => void): vscode.Disposable {
  // A store, not an array: a repository opened after dispose is unsubscribed at once, not leaked.
  const subscriptions = new DisposableStore();
  try {
    const extension = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>('vscode.git');
    if (extension?.isActive) {
      const api = extension.exports.getAPI(1);
      for (const repo of api.repositories) subscriptions.add(repo.state.onDidChange(onChange));
      subscriptions.add(api.onDidOpenRepository((repo) => subscriptions.add(repo.state.onDidChange(onChange))));
    }
  } catch {
    // The git extension is disabled or its API changed: the ref-file watch still works.
  }
  return subscriptions;
}
