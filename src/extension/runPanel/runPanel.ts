import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';
import { errorMessage } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { isWebviewMessage, type HostToWebview, type WebviewToHost } from '../../shared/protocol';
import { FlushScheduler } from './flushScheduler';
import { buildPanelHtml } from './html';
import { countLines, type RunModel } from './runState';
import { wireDelta, wireLines, wireSnapshot } from './wire';

export const RUN_PANEL_VIEW_TYPE = 'deployGuard.run';

/**
 * A delta with this many new lines (5,000 a second at the usual interval) is a burst: the next
 * waits BURST_INTERVAL_MS (FlushScheduler.stretchNext). Measured in the panel benchmark: the last
 * of 100,000 lines reached the screen sooner and a command answered faster than at 100 ms.
 */
const BURST_LINES = 500;
const BURST_INTERVAL_MS = 400;

/** What a panel does with the user's clicks; RunPanels supplies it. */
export interface RunPanelHandlers {
  onAction(message: Exclude<WebviewToHost, { type: 'ready' | 'requestSnapshot' | 'applied' | 'fetchLog' }>, model: RunModel): void;
}

/**
 * One webview panel showing one run. Owns the panel's listeners and its flush timer.
 *
 * Protocol (src/shared/protocol.ts): nothing is posted until the webview says `ready`; then a
 * full snapshot; then deltas at most every 100 ms, each once the webview has acknowledged the
 * previous one (`applied`; FlushScheduler says why). A hidden webview drops messages, so while
 * hidden nothing is sent and becoming visible sends a fresh snapshot.
 */
export class RunPanel implements vscode.Disposable {
  private model: RunModel | undefined;
  private missing: string | undefined;
  private ready = false;
  private sentRev = -1;
  private readonly scheduler = new FlushScheduler(() => this.flush());
  private readonly subscriptions = new DisposableStore();

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly deploymentId: string,
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: RunPanelHandlers,
    private readonly logger: Logger,
    onDispose: () => void,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = this.html();
    this.subscriptions.add(panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)));
    this.subscriptions.add(
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.sendSnapshot();
      }),
    );
    this.subscriptions.add(
      panel.onDidDispose(() => {
        this.dispose();
        onDispose();
      }),
    );
  }

  /** Sets (or replaces) the run shown; sends it if the webview is listening. */
  setModel(model: RunModel): void {
    if (this.disposed) return; // closed while its run was being read from history
    this.model = model;
    this.panel.title = panelTitle(model);
    this.sendSnapshot();
  }

  /** The model changed: schedule a delta. */
  changed(): void {
    // The tab title is cheap and visible even when the panel is in a background tab, where
    // deltas wait for the next snapshot: keep it current on every change.
    if (this.model && !this.disposed) this.panel.title = panelTitle(this.model);
    this.scheduler.request();
  }

  /** Shown when the run cannot be found (e.g. restored after its record was deleted). */
  showMissing(message: string): void {
    if (!this.ready) {
      this.missing = message; // sent when the webview says ready
      return;
    }
    this.post({ type: 'missing', deploymentId: this.deploymentId, message });
  }

  dispose(): void {
    if (this.disposed) return;
    this.subscriptions.dispose(); // first: from here on `disposed` holds, so nothing more is sent
    this.scheduler.dispose();
  }

  /** Closed: the panel's listeners are gone and nothing more is sent or shown. */
  private get disposed(): boolean {
    return this.subscriptions.isDisposed;
  }

  private receive(message: unknown): void {
    if (!isWebviewMessage(message)) {
      this.logger.warn(`run panel ${this.deploymentId}: ignored a malformed message from the webview`);
      return;
    }
    if (message.type === 'applied') {
      // Flow control: the next delta goes once the webview has applied the last message.
      if (message.rev === this.sentRev) this.scheduler.acknowledged();
      return;
    }
    if (message.type === 'fetchLog') {
      // Lines are immutable by position, so an answer is right whatever was sent meanwhile.
      const model = this.model;
      if (!model || !this.ready) return;
      this.post(wireLines(model.logRange(message.from, message.to), message.from, model.logStart));
      return;
    }
    if (message.type === 'ready' || message.type === 'requestSnapshot') {
      this.ready = true;
      if (this.missing !== undefined && !this.model) this.showMissing(this.missing);
      this.sendSnapshot();
      return;
    }
    if (this.model) this.handlers.onAction(message, this.model);
  }

  private sendSnapshot(): void {
    const model = this.model;
    if (this.disposed || !model || !this.ready || !this.panel.visible) return;
    const snapshot = model.snapshot();
    model.markSent();
    this.sentRev = model.rev;
    this.post({ type: 'snapshot', rev: model.rev, snapshot: wireSnapshot(snapshot, model.logStart) });
    this.scheduler.awaitAck();
    this.panel.title = panelTitle(model);
  }

  private flush(): void {
    const model = this.model;
    // Hidden: keep the changes in the model; the snapshot on becoming visible carries them.
    if (!model || !this.ready || !this.panel.visible) return;
    const baseRev = this.sentRev;
    const delta = model.takeDelta();
    if (!delta) return;
    this.sentRev = model.rev;
    this.post({ type: 'delta', baseRev, rev: model.rev, delta: wireDelta(delta, model.logStart) });
    this.scheduler.awaitAck();
    if (delta.appendLog && countLines(delta.appendLog) >= BURST_LINES) this.scheduler.stretchNext(BURST_INTERVAL_MS);
    if (delta.header) this.panel.title = panelTitle(model);
  }

  private post(message: HostToWebview): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message).then(undefined, (err: unknown) => {
      this.logger.debug(`run panel ${this.deploymentId}: postMessage failed: ${errorMessage(err)}`);
    });
  }

  private html(): string {
    const webview = this.panel.webview;
    return buildPanelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
      bundleStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.css')).toString(),
      title: 'Deploy Guard run',
    });
  }
}

/** Scripts on (this panel needs them), and only the built webview folder and media/ readable. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function panelTitle(model: RunModel): string {
  const header = model.currentHeader;
  const env = header.environment || 'run';
  return `${env}: ${header.status}`;
}
