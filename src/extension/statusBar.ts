import * as vscode from 'vscode';
import { statusRow } from '../core/deploymentStatus';
import { Commands } from './commands';
import type { EngineHost } from './engineHost';
import { statusWords } from './format';
import { statusBarText } from './statusBarText';

/**
 * One status-bar item with the state of the deployment most recently active in this window. It
 * appears with the first deployment and follows the engine's events; a one-second ticker runs
 * only while the bake countdown is on screen. Clicking it shows the run.
 */
export class DeploymentStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('deployGuard.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly host: EngineHost) {
    this.item.name = 'Deploy Guard';
    this.subscription = host.onChange(() => this.render());
  }

  private render(): void {
    const d = this.host.live.focused();
    if (!d) {
      this.item.hide();
      return;
    }
    this.item.text = statusBarText(d, Date.now());
    this.item.tooltip = [`Deploy Guard: ${d.environment} (${d.stackName}) — ${statusWords(d.status)}`, d.reason, 'Click to show the run']
      .filter(Boolean)
      .join('\n');
    this.item.command = { command: Commands.showRun, title: 'Show Run', arguments: [{ deploymentId: d.id }] };
    const { tone } = statusRow(d.status);
    // A finished run that went badly (or was rolled back) stays coloured until the next one.
    this.item.backgroundColor =
      d.finished && tone === 'bad'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : d.finished && tone === 'warn'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
    const counting = !d.finished && d.watchDeadlineMs !== undefined;
    if (counting && !this.ticker) this.ticker = setInterval(() => this.render(), 1000);
    if (!counting && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.subscription.dispose();
    this.item.dispose();
  }
}
