import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { cancelCommand, continueRollbackCommand, rollbackCommand, rollbackToThisCommand } from './actions/rollbackCommands';
import { watchLiveVersionCommand } from './actions/watchLiveVersion';
import { deployCommand } from './actions/deployCommand';
import { copyCommitCommand, copyOutputCommand, openAlarmCommand, openStackCommand } from './actions/linkCommands';
import { registerCommand } from './commandRunner';
import { Commands } from './commands';
import { registerDeploymentsTree } from './deployments/deploymentsTree';
import { DeployProgress } from './deployProgress';
import { EngineHost } from './engineHost';
import { confirmPipelineRun } from './pipeline/approval';
import { copyIncidentNoteCommand, openIncidentNoteCommand, openResourceInTemplateCommand } from './incident/incidentActions';
import { DeploymentNotifications } from './notifications';
import type { RunPanels } from './runPanel';
import { ignoredWorkspaceValues, onSettingsChanged } from './settings';
import { DeploymentStatusBar } from './statusBar';

export interface EditorSurface {
  /** Runs deployments and fans their events out; other features (triggers) deploy through it. */
  readonly host: EngineHost;
  /** Re-reads the Deployments view. */
  refresh(): void;
}

/**
 * The editor surface: the engine host, the Deployments tree, the status bar, progress
 * and outcome notifications, and the deployment commands. Registering costs no file read, no
 * git, no AWS call and does not load the engine: all of that happens on first use.
 */
export function registerEditorSurface(context: vscode.ExtensionContext, deps: { logger: Logger; runPanels: RunPanels }): EditorSurface {
  const { logger, runPanels } = deps;
  // The host asks the notifications for `prompt` decisions; the notifications listen to the host.
  const holder: { notifications?: DeploymentNotifications } = {};
  const host = new EngineHost({
    logger,
    confirmRollback: (q) => holder.notifications!.confirmRollback(q),
    approvePipeline: (root, approvalRoot) => confirmPipelineRun(context, root, { approvalRoot }),
  });
  const notifications = (holder.notifications = new DeploymentNotifications(host, logger));
  const tree = registerDeploymentsTree(host, logger);
  const refresh = () => {
    host.clearCredentialsProblem();
    tree.refresh();
  };

  const ignored = ignoredWorkspaceValues();
  if (ignored.length > 0)
    logger.warn(
      `ignoring workspace values of ${ignored.map((k) => `deployGuard.${k}`).join(', ')}: these are read from user settings only`,
    );

  context.subscriptions.push(
    host,
    notifications,
    tree,
    new DeploymentStatusBar(host, tree.provider),
    new DeployProgress(host),
    runPanels.attach(host.onEvent),
    onSettingsChanged(() => {
      host.settingsChanged();
      tree.refresh();
    }),
    registerCommand(Commands.deploy, logger, (arg?: unknown) => deployCommand(host, arg)),
    registerCommand(Commands.cancel, logger, (arg?: unknown) => cancelCommand(host, arg)),
    registerCommand(Commands.rollbackToThis, logger, (arg?: unknown) => rollbackToThisCommand(host, arg)),
    registerCommand(Commands.rollback, logger, (arg?: unknown) => rollbackCommand(host, arg, (id) => notifications.answer(id, true))),
    registerCommand(Commands.continueRollback, logger, (arg?: unknown) => continueRollbackCommand(host, arg)),
    registerCommand(Commands.watchLiveVersion, logger, (arg?: unknown) => watchLiveVersionCommand(host, arg)),
    registerCommand(Commands.openStackInConsole, logger, (arg?: unknown) => openStackCommand(host, arg)),
    registerCommand(Commands.openAlarm, logger, (arg?: unknown) => openAlarmCommand(host, arg)),
    registerCommand(Commands.copyCommit, logger, (arg?: unknown) => copyCommitCommand(arg)),
    registerCommand(Commands.openIncidentNote, logger, (arg?: unknown) => openIncidentNoteCommand(host, arg)),
    registerCommand(Commands.copyIncidentNote, logger, (arg?: unknown) => copyIncidentNoteCommand(host, arg)),
    registerCommand(Commands.openResourceInTemplate, logger, (arg?: unknown) => openResourceInTemplateCommand(host, arg)),
    registerCommand(Commands.copyOutput, logger, (key?: unknown, value?: unknown) => copyOutputCommand(key, value)),
    registerCommand(Commands.refresh, logger, refresh),
  );
  // Reconciliation, not new work: a deployment a reload or crash interrupted is reattached to
  // (its watch and automatic rollback must go on even if the view stays closed). A file check;
  // the engine loads only when there is something to reattach to.
  void host
    .resumeInterruptedDeployments()
    .catch((err: unknown) => logger.error(`Reattaching to interrupted deployments failed: ${errorMessage(err)}`));
  logger.debug(`editor surface registered${vscode.workspace.isTrusted ? '' : ' (untrusted workspace: nothing will run)'}`);
  return { host, refresh };
}
