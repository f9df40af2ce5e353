import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';
import type { Logger } from '../../core/logger';
import { mayUseTeamHistory, namesTeamHistory } from '../openJournals';
import { readSettings } from '../settings';
import {
  backgroundReadDue,
  historyKind,
  readProblem,
  SHARED_HISTORY_REFRESH,
  type EnvironmentRead,
  type HistoryKind,
} from './refreshPolicy';

/** What the watch needs from the Deployments view's history: a read it can await, and what it read. */
export interface BackgroundReadableHistory {
  /** Reads every environment's history now, view shown or not; resolves to a failure's words, if any. */
  readQuietly(): Promise<string | undefined>;
  readEnvironments(): Iterable<EnvironmentRead>;
  /** Fires after every read, whoever asked for it. */
  readonly onDidReadHistory: vscode.Event<void>;
}

export interface TeamHistoryWatchDeps {
  readonly history: BackgroundReadableHistory;
  readonly view: { readonly visible: boolean };
  /** The status bar's own rule: while it names a run elsewhere, the SharedHistoryRefresher's loop reads. */
  readonly statusBarNamesOne: () => boolean;
  /** The workspace folder holding deployguard.yaml (undefined: no folder open). */
  readonly repoRoot: () => string | undefined;
  readonly logger: Logger;
}

/**
 * Lets the status bar learn of a deployment running on another machine or CI in a window whose
 * Deployments view was never shown: the view reads only when shown, and the refresher's loop
 * only once a read named a run. Only for a trusted workspace whose history is a team store; the
 * rules are `backgroundReadDue` (refreshPolicy.ts).
 *
 * The first read is a timer `firstReadDelayMs` after activation rather than the first window
 * focus: a window that opens focused and is worked in without leaving it gets no focus event, so
 * it would stay silent for the whole session; and activation itself stays free of file reads, the
 * engine and the AWS SDK. Later reads come on window focus. A read that fails (no credentials,
 * offline) writes one log line per outage and nothing else: the status bar shows nothing elsewhere.
 * The engine is reached only through the view's own read (the extension never calls AWS itself).
 */
export class TeamHistoryWatch implements vscode.Disposable {
  private readonly subscriptions = new DisposableStore();
  private firstRead: NodeJS.Timeout | undefined;
  private lastReadAt: number | undefined;
  private kind: HistoryKind = 'unknown';
  private reading = false;
  private failureLogged = false;

  constructor(private readonly deps: TeamHistoryWatchDeps) {
    this.subscriptions.add(
      deps.history.onDidReadHistory(() => {
        this.lastReadAt = Date.now();
        this.kind = historyKind(deps.history.readEnvironments());
      }),
    );
    this.subscriptions.add(
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused) void this.readIfDue();
      }),
    );
    // Untrusted at activation: the first read waits for trust, with the same delay.
    this.subscriptions.add(vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleFirstRead()));
    // `deployGuard.history` decides the store: what the last read said no longer holds.
    this.subscriptions.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('deployGuard.history')) this.kind = 'unknown';
      }),
    );
    this.scheduleFirstRead();
  }

  /** deployguard.yaml changed (the view's file watcher): what the last read said of its store no longer holds. */
  pipelineChanged(): void {
    this.kind = 'unknown';
  }

  dispose(): void {
    if (this.firstRead) clearTimeout(this.firstRead);
    this.firstRead = undefined;
    this.subscriptions.dispose();
  }

  private scheduleFirstRead(): void {
    if (this.firstRead || this.subscriptions.isDisposed || !vscode.workspace.isTrusted) return;
    this.firstRead = setTimeout(() => {
      this.firstRead = undefined;
      void this.readIfDue();
    }, SHARED_HISTORY_REFRESH.firstReadDelayMs);
  }

  private async readIfDue(): Promise<void> {
    if (this.reading || this.subscriptions.isDisposed || !vscode.workspace.isTrusted) return;
    this.reading = true;
    try {
      const state = {
        trusted: vscode.workspace.isTrusted,
        kind: this.kind,
        viewVisible: this.deps.view.visible,
        statusBarNamesOne: this.deps.statusBarNamesOne(),
        lastReadAt: this.lastReadAt,
        now: Date.now(),
      };
      // Every rule but the file's first: most focus changes end here, without reading deployguard.yaml.
      if (!backgroundReadDue({ ...state, namesTeamStore: true })) return;
      const root = this.deps.repoRoot();
      const setting = readSettings().history;
      const namesTeamStore = root !== undefined ? await mayUseTeamHistory(setting, root) : namesTeamHistory(setting, undefined);
      if (!backgroundReadDue({ ...state, namesTeamStore }) || this.subscriptions.isDisposed) return;
      this.lastReadAt = Date.now();
      const failure = (await this.deps.history.readQuietly()) ?? readProblem(this.deps.history.readEnvironments());
      this.noteOutcome(failure);
    } finally {
      this.reading = false;
    }
  }

  /** One line when reads start failing, none while they go on failing, and again after one worked. */
  private noteOutcome(failure: string | undefined): void {
    if (failure === undefined) {
      this.failureLogged = false;
      return;
    }
    if (this.failureLogged || this.subscriptions.isDisposed) return;
    this.failureLogged = true;
    this.deps.logger.info(
      `The team history could not be read in the background (${failure}); the status bar shows no deployment running elsewhere until it can. Retried when the window regains focus; Refresh in the Deployments view shows the details.`,
    );
  }
}
