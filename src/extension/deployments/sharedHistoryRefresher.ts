import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';
import type { DeploymentRecord } from '../../core/history/record';
import type { LiveDeployments } from '../liveDeployments';
import { mayRefreshNow, runsElsewhere, SHARED_HISTORY_REFRESH } from './refreshPolicy';

/** What the refresher needs from the view: the records it shows, and a way to re-read them. */
export interface RefreshableHistory {
  shownRecords(): Iterable<DeploymentRecord>;
  refresh(): void;
}

/**
 * Re-reads the Deployments view's history when someone else may have changed it (the rules are
 * in refreshPolicy.ts). The timer runs only while the view is visible, as a self-scheduling
 * loop that is cancelled when the view hides or the refresher is disposed.
 */
export class SharedHistoryRefresher implements vscode.Disposable {
  private readonly subscriptions = new DisposableStore();
  private timer: NodeJS.Timeout | undefined;
  private lastRefreshAt: number | undefined;

  constructor(
    private readonly view: vscode.TreeView<unknown>,
    private readonly history: RefreshableHistory,
    private readonly live: LiveDeployments,
  ) {
    this.subscriptions.add(
      view.onDidChangeVisibility((e) => {
        if (e.visible) {
          this.refreshSoon();
          this.schedule();
        } else this.stop();
      }),
    );
    this.subscriptions.add(
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused && this.view.visible) this.refreshSoon();
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
    this.history.refresh();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.view.visible) return;
      const here = new Set(this.live.running().map((d) => d.id));
      if (runsElsewhere(this.history.shownRecords(), here)) {
        this.lastRefreshAt = Date.now();
        this.history.refresh();
      }
      this.schedule();
    }, SHARED_HISTORY_REFRESH.runningElsewhereMs);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
