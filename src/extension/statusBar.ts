import * as vscode from 'vscode';
import { statusRow } from '../core/deploymentStatus';
import { holderIdentity } from '../core/history/holder';
import { Commands } from './commands';
import type { EngineHost } from './engineHost';
import { statusWords } from './format';
import {
  elsewhereStatusBarText,
  elsewhereTooltip,
  runningElsewhere,
  statusBarSubject,
  statusBarText,
  type ReadEnvironment,
} from './statusBarText';

/** The histories the Deployments view read, and when it read them again. */
export interface ReadHistories {
  readEnvironments(): Iterable<ReadEnvironment>;
  readonly onDidReadHistory: vscode.Event<void>;
}

/**
 * One status-bar item with the state of the deployment most recently active in this window, or,
 * when none runs here, of one of the workspace's environments running on another machine or a CI
 * runner (`prod: deploying — CI run 4711`), as the Deployments view's last read of the team
 * history says (read even while the view was never shown: TeamHistoryWatch); that read's
 * refresher keeps it current and the item returns to this window's state when it ends. It follows the engine's events and those reads; a one-second ticker runs only
 * while the bake countdown is on screen. Clicking it shows the run.
 */
export class DeploymentStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('deployGuard.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];
  private ticker: NodeJS.Timeout | undefined;
  /** This machine as records name it (`ana@laptop`). */
  private readonly here = holderIdentity().name;

  constructor(
    private readonly host: EngineHost,
    private readonly histories?: ReadHistories,
  ) {
    this.item.name = 'Deploy Guard';
    this.subscriptions.push(host.onChange(() => this.render()));
    if (histories) this.subscriptions.push(histories.onDidReadHistory(() => this.render()));
  }

  private render(): void {
    const running = new Set(this.host.live.running().map((d) => d.id));
    const elsewhere = this.histories ? runningElsewhere(this.histories.readEnvironments(), this.here, running) : undefined;
    const subject = statusBarSubject(this.host.live.focused(), elsewhere);
    if (!subject) {
      this.stopTicker();
      this.item.hide();
      return;
    }
    if (subject.kind === 'elsewhere') {
      const e = subject.deployment;
      this.item.text = elsewhereStatusBarText(e);
      this.item.tooltip = elsewhereTooltip(e, Date.now());
      this.item.command = { command: Commands.showRun, title: 'Show Run', arguments: [{ deploymentId: e.record.id }] };
      this.item.backgroundColor = undefined;
      this.stopTicker();
      this.item.show();
      return;
    }
    const d = subject.deployment;
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
    if (!counting) this.stopTicker();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  dispose(): void {
    this.stopTicker();
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
