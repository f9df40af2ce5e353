import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';
import type { DeploymentRecord } from '../../core/history/record';
import type { LiveDeployments } from '../liveDeployments';
import { loopTurn, mayRefreshNow, runsElsewhere, SHARED_HISTORY_REFRESH } from './refreshPolicy';

/** What the refresher needs from the view: the records it shows, and ways to re-read them. */
export interface RefreshableHistory {
  shownRecords(): Iterable<DeploymentRecord>;
  /** Re-reads through the view (it reads when VS Code asks for its rows: only while visible). */
  refresh(): void;
  /** Re-reads now, whether or not the view is visible. */
  readNow(): void;
  /** Fires after every read. */
  readonly onDidReadHistory: vscode.Event<void>;
}

/**
 * Re-reads the Deployments view's history when someone else may have changed it (the rules are
 * in refreshPolicy.ts). The timer runs while the view is visible, and while it is hidden only as
 * long as the status bar names a deployment running elsewhere (`statusBarNamesOne`), as a
 * self-scheduling loop that is cancelled when neither holds or the refresher is disposed.
 */
export class SharedHistoryRefresher implements vscode.Disposable {
  private readonly subscriptions = new DisposableStore();
  private timer: NodeJS.Timeout | undefined;
  private lastRefreshAt: number | undefined;

  constructor(
    private readonly view: vscode.TreeView<unknown>,
    private readonly history: RefreshableHistory,
    private readonly live: LiveDeployments,
    private readonly statusBarNamesOne: () => boolean = () => false,
  ) {
    this.subscriptions.add(
      view.onDidChangeVisibility((e) => {
        if (e.visible) {
          this.refreshSoon();
          this.schedule();
        } else if (!this.statusBarNamesOne()) this.stop();
      }),
    );
    this.subscriptions.add(
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused && (this.view.visible || this.statusBarNamesOne())) this.refreshSoon();
      }),
    );
    // A read (by the view, an engine event, or this loop) may show something running elsewhere:
    // the loop goes on while the status bar names it, even with the view hidden.
    this.subscriptions.add(
      history.onDidReadHistory(() => {
        if (this.view.visible || this.statusBarNamesOne()) this.schedule();
      }),
    );
    if (view.visible) this.schedule();
  }

  dispose(): void {
    this.stop();
    this.subscriptions.dispose();
  }

  private refreshSoon(): void {
    const now = Date.now();
    if (!mayRefreshNow(this.lastRefreshAt, now)) return;
    this.lastRefreshAt = now;
    if (this.view.visible) this.history.refresh();
    else this.history.readNow();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const here = new Set(this.live.running().map((d) => d.id));
      const turn = loopTurn(this.view.visible, runsElsewhere(this.history.shownRecords(), here), this.statusBarNamesOne());
      switch (turn) {
        case 'stop':
          return;
        case 'wait':
          break;
        case 'refresh-view':
          this.lastRefreshAt = Date.now();
          this.history.refresh();
          break;
        case 'read-for-status-bar':
          this.lastRefreshAt = Date.now();
          this.history.readNow();
          break;
      }
      this.schedule();
    }, SHARED_HISTORY_REFRESH.runningElsewhereMs);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
