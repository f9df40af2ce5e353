import * as vscode from 'vscode';
import { DisposableStore, type Disposable } from '../../core/disposable';
import { errorMessage } from '../../core/errors';
import type { EngineEvent } from '../../core/events';
import type { DeploymentRecord } from '../../core/history/record';
import type { Logger } from '../../core/logger';
import { isOpenStatus } from '../../core/deploymentStatus';
import { isFinal } from '../../core/model';
import { timelineFromRecords } from '../../core/timeline/timeline';
import { LOG_WINDOW_LINES, readPanelUiState, type WebviewToHost } from '../../shared/protocol';
import { runReported } from '../commandRunner';
import { Commands } from '../commands';
import { setCommitSubject, type CommitMessageLookup } from './commitMessage';
import { alarmConsoleUrl, stackConsoleUrl } from './consoleUrls';
import { modelFromRecord, verifiedView } from './fromRecord';
import { readLogTail, tailOfText } from './logTail';
import { RUN_PANEL_VIEW_TYPE, RunPanel, webviewOptions } from './runPanel';
import { RunModel } from './runState';

/** A source of engine events: an `Emitter<EngineEvent>`'s `event`, or anything shaped like it. */
export type EngineEventSource = (listener: (event: EngineEvent) => void) => Disposable;

/** What the panels need from the rest of the extension; everything but the logger is optional. */
export interface RunPanelDeps {
  readonly logger: Logger;
  /** Finds a deployment's history record by id (any stack). Used for finished and restored runs. */
  readonly loadRecord?: (deploymentId: string) => Promise<DeploymentRecord | undefined>;
  /** The commit's message for the header (its subject is shown). */
  readonly commitMessage?: CommitMessageLookup;
  /** Cancel button. Default: runs `Commands.cancel` with `{ deploymentId }`. */
  readonly cancel?: (deploymentId: string) => unknown;
  /** Roll Back button. Default: runs `Commands.rollback` with `{ deploymentId }`. */
  readonly rollback?: (deploymentId: string) => unknown;
  /** Whether a panel opens by itself when a deployment starts (the `openRunPanel` setting). */
  readonly openOnStart?: () => boolean;
}

/** A record another machine wrote (the team history), and how to read its log from there. */
export type TeamRecordLookup = (
  deploymentId: string,
) => Promise<{ readonly record: DeploymentRecord; readonly log: () => Promise<string | undefined> } | undefined>;

/** Finished runs kept in memory after their panel closed (live runs are always kept). */
const KEEP_FINISHED = 3;

/**
 * The run panels: one per deployment, fed by engine events, restored after a window reload.
 *
 * Host API (for the editor surface):
 *   - `show(deploymentId)` opens or reveals the run's panel (live or from history);
 *   - `attach(source)` feeds it engine events (dispose the result to stop);
 *   - `knownRuns()` lists the runs seen in this window, newest first.
 */
export class RunPanels implements vscode.Disposable {
  private readonly models = new Map<string, RunModel>();
  private readonly panels = new Map<string, RunPanel>();
  private readonly subscriptions = new DisposableStore();
  private teamRecord: TeamRecordLookup | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: RunPanelDeps,
  ) {
    this.subscriptions.add(
      vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => this.restore(panel, state),
      }),
    );
  }

  /** Feeds engine events to the panels. */
  attach(source: EngineEventSource): vscode.Disposable {
    const subscription = source((event) => this.onEvent(event));
    return { dispose: () => subscription.dispose() };
  }

  /** Opens (or reveals) the panel of a run: live if this window is watching it, else from history. */
  async show(deploymentId: string, options: { preserveFocus?: boolean } = {}): Promise<void> {
    const open = this.panels.get(deploymentId);
    if (open) {
      open.panel.reveal(undefined, options.preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      RUN_PANEL_VIEW_TYPE,
      'Deploy Guard run',
      { viewColumn: vscode.ViewColumn.Active, ...(options.preserveFocus !== undefined ? { preserveFocus: options.preserveFocus } : {}) },
      { ...webviewOptions(this.extensionUri), retainContextWhenHidden: false },
    );
    await this.adopt(panel, deploymentId);
  }

  /**
   * Where runs of other machines are found once the engine host exists (it is created after the
   * panels): the team history the environments' deploys use.
   */
  useTeamHistory(lookup: TeamRecordLookup): void {
    this.teamRecord = lookup;
  }

  /** Runs this window has seen, newest first (for a quick pick). */
  knownRuns(): { deploymentId: string; label: string; status: string }[] {
    return [...this.models.values()].reverse().map((m) => {
      const h = m.currentHeader;
      return { deploymentId: h.deploymentId, label: `${h.environment} · ${h.stack}`, status: h.status };
    });
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.panel.dispose();
    this.panels.clear();
    this.subscriptions.dispose();
  }

  private async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const ui = readPanelUiState(state);
    if (!ui) {
      panel.dispose(); // nothing trustworthy to restore
      return;
    }
    await this.adopt(panel, ui.deploymentId);
  }

  private async adopt(panel: vscode.WebviewPanel, deploymentId: string): Promise<void> {
    const runPanel = new RunPanel(
      panel,
      deploymentId,
      this.extensionUri,
      { onAction: (message, model) => void this.onAction(message, model) },
      this.deps.logger,
      () => {
        this.panels.delete(deploymentId);
        this.forgetFinished();
      },
    );
    this.panels.set(deploymentId, runPanel);
    const model = this.models.get(deploymentId) ?? (await this.loadModel(deploymentId));
    if (!model) {
      runPanel.showMissing(`Deployment ${deploymentId} is not in this window's runs or in the deployment history.`);
      return;
    }
    runPanel.setModel(model);
  }

  /** A run this window did not watch: its history record plus the tail of its log file. */
  private async loadModel(deploymentId: string): Promise<RunModel | undefined> {
    let record: DeploymentRecord | undefined;
    try {
      record = await this.deps.loadRecord?.(deploymentId);
    } catch (err) {
      this.deps.logger.warn(`run panel: cannot read the record of ${deploymentId}: ${errorMessage(err)}`);
    }
    // Not on this machine: another machine's (or CI's) run, from the team history, log included.
    let teamLog: (() => Promise<string | undefined>) | undefined;
    if (!record && this.teamRecord) {
      try {
        const found = await this.teamRecord(deploymentId);
        record = found?.record;
        teamLog = found?.log;
      } catch (err) {
        this.deps.logger.warn(`run panel: cannot read the record of ${deploymentId} from the team history: ${errorMessage(err)}`);
      }
    }
    if (!record) return undefined;
    const model = this.models.get(deploymentId) ?? modelFromRecord(record, !isFinal(record.status) && !isOpenStatus(record.status));
    this.models.set(deploymentId, model);
    if (teamLog) {
      try {
        const text = await teamLog();
        if (text !== undefined) {
          const tail = tailOfText(text, LOG_WINDOW_LINES);
          model.seedLog(tail.lines, tail.total, undefined); // its file is on the machine that ran it
        }
      } catch (err) {
        this.deps.logger.warn(`run panel: cannot read the log of ${deploymentId} from the team history: ${errorMessage(err)}`);
      }
    } else if (record.logFile) {
      try {
        const tail = await readLogTail(record.logFile, LOG_WINDOW_LINES);
        model.seedLog(tail.lines, tail.total, record.logFile);
      } catch (err) {
        this.deps.logger.warn(`run panel: cannot read the log ${record.logFile}: ${errorMessage(err)}`);
      }
    }
    void this.fillCommitMessage(model);
    void this.fillTimeline(model, record);
    return model;
  }

  /**
   * A finished run's timeline from its record and, when it was rolled back, its rollback's record
   * (the restore and its verification happen on that run): one time axis for both.
   */
  private async fillTimeline(model: RunModel, record: DeploymentRecord): Promise<void> {
    if (!isFinal(record.status)) return;
    const rollbackId = record.health?.rollback?.rollbackDeploymentId;
    let rollback: DeploymentRecord | undefined;
    try {
      rollback = rollbackId ? await this.deps.loadRecord?.(rollbackId) : undefined;
    } catch (err) {
      this.deps.logger.debug(`run panel: rollback record ${rollbackId ?? ''} not readable: ${errorMessage(err)}`);
    }
    model.setTimeline(timelineFromRecords(record, rollback));
    this.panels.get(model.deploymentId)?.changed();
  }

  private onEvent(event: EngineEvent): void {
    let model = this.models.get(event.deploymentId);
    if (!model) {
      model = new RunModel({ deploymentId: event.deploymentId, live: true });
      this.models.set(event.deploymentId, model);
      if (event.type !== 'deployment-started') void this.completeFromRecord(model);
    }
    model.apply(event);
    if (event.type === 'deployment-started') {
      void this.fillCommitMessage(model);
      void this.completeFromRecord(model);
      // A deploy-on-save is the background dev loop (like `cdk watch`): it must not put a panel
      // over the one the user is reading; the status bar shows it and a click opens its run.
      // The health watch's own rollback is told in the panel of the deployment it undoes.
      const quiet = event.trigger === 'save' || (event.kind === 'rollback' && event.trigger === 'health');
      if (!quiet && this.deps.openOnStart?.() && !this.panels.has(event.deploymentId)) {
        void this.show(event.deploymentId, { preserveFocus: true });
      }
    }
    if (event.type === 'deployment-finished') {
      void this.completeFromRecord(model);
      this.forgetFinished();
    }
    this.panels.get(event.deploymentId)?.changed();
  }

  /** The record knows what events do not carry: the log file's path (and, for a resumed run, the header). */
  private async completeFromRecord(model: RunModel): Promise<void> {
    try {
      const record = await this.deps.loadRecord?.(model.deploymentId);
      if (!record) return;
      if (record.logFile) model.setLogFile(record.logFile);
      if (isFinal(record.status)) await this.fillTimeline(model, record);
      const verified = verifiedView(record);
      if (verified) model.setHeader({ verified });
      if (record.outputs && Object.keys(record.outputs).length > 0) model.setHeader({ outputs: record.outputs });
      if (!model.currentHeader.environment) {
        model.setHeader({
          environment: record.environment,
          stack: record.stackName,
          region: record.region,
          account: record.account,
          kind: record.kind,
          ...(record.commit && !model.currentHeader.commit
            ? { commit: { sha: record.commit, ...(record.branch ? { branch: record.branch } : {}), dirty: record.dirty === true } }
            : {}),
        });
        void this.fillCommitMessage(model);
      }
      this.panels.get(model.deploymentId)?.changed();
    } catch (err) {
      this.deps.logger.debug(`run panel: record of ${model.deploymentId} not readable yet: ${errorMessage(err)}`);
    }
  }

  private async fillCommitMessage(model: RunModel): Promise<void> {
    if (await setCommitSubject(model, this.deps.commitMessage, this.deps.logger)) this.panels.get(model.deploymentId)?.changed();
  }

  private async onAction(
    message: Exclude<WebviewToHost, { type: 'ready' | 'requestSnapshot' | 'applied' | 'fetchLog' }>,
    model: RunModel,
  ): Promise<void> {
    const id = model.deploymentId; // never from the message: a panel acts on its own run only
    const actions = model.actions();
    const header = model.currentHeader;
    await runReported(this.deps.logger, `run panel ${id}: ${message.type}`, async () => {
      switch (message.type) {
        case 'cancel':
          if (!actions.canCancel) return;
          await (this.deps.cancel ? this.deps.cancel(id) : vscode.commands.executeCommand(Commands.cancel, { deploymentId: id }));
          return;
        case 'rollback':
          if (!actions.canRollback) return;
          await (this.deps.rollback ? this.deps.rollback(id) : vscode.commands.executeCommand(Commands.rollback, { deploymentId: id }));
          return;
        case 'openConsole': {
          const url = header.region ? stackConsoleUrl(header.region, header.stack) : undefined;
          if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
          return;
        }
        case 'openAlarm': {
          // Only an alarm this run guards: the name came from the webview, which is untrusted.
          if (!model.alarmNames.includes(message.alarm) || !header.region) return;
          const url = alarmConsoleUrl(header.region, message.alarm);
          if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
          return;
        }
        case 'openIncidentNote':
          if (!actions.canOpenIncident) return;
          await vscode.commands.executeCommand(Commands.openIncidentNote, { deploymentId: id });
          return;
        case 'copyIncidentNote':
          if (!actions.canOpenIncident) return;
          await vscode.commands.executeCommand(Commands.copyIncidentNote, { deploymentId: id });
          return;
        case 'openInTemplate':
          // Only a resource of this run that failed: the id came from the webview, which is untrusted.
          if (!model.failedResources.includes(message.logicalId)) return;
          await vscode.commands.executeCommand(Commands.openResourceInTemplate, { deploymentId: id, logicalId: message.logicalId });
          return;
        case 'openRun':
          // Only a run this run's timeline links to (its rollback).
          if (!model.linkedRuns.includes(message.deploymentId)) return;
          await this.show(message.deploymentId);
          return;
        case 'openLogFile': {
          const file = model.logFilePath;
          if (file) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
          return;
        }
      }
    });
  }

  /** Bounded memory: finished runs without an open panel are dropped beyond the newest few. */
  private forgetFinished(): void {
    const finished = [...this.models.values()].filter(
      (m) => (isFinal(m.status) || isOpenStatus(m.status)) && !this.panels.has(m.deploymentId),
    );
    for (const model of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.models.delete(model.deploymentId);
  }
}
