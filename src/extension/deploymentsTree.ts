import * as vscode from 'vscode';
import type { Disposable } from '../core/disposable';

/**
 * The Deployments view. Until the engine reports environments it is empty, which lets the
 * manifest's viewsWelcome content explain what to do.
 */
class DeploymentsTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  getChildren(): vscode.TreeItem[] {
    return [];
  }

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerDeploymentsTree(): Disposable & { refresh(): void } {
  const provider = new DeploymentsTreeProvider();
  const view = vscode.window.createTreeView('deployGuard.deployments', { treeDataProvider: provider, showCollapseAll: true });
  return {
    refresh: () => provider.refresh(),
    dispose: () => {
      view.dispose();
      provider.dispose();
    },
  };
}
