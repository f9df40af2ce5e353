import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { registerCommand } from '../commandRunner';
import { Commands } from '../commands';
import type { EngineHost } from '../engineHost';
import { onSettingsChanged } from '../settings';
import { EditorTriggers } from './editorTriggers';
import { listenToGitExtension } from './gitExtension';
import { saveCommitPushDeploy } from './saveCommitPushDeploy';
import { SaveToggleStatusBar, toggleDeployOnSave } from './saveToggle';

/**
 * Deploy on push, deploy on save, the status-bar toggle and `Save, Commit, Push and Deploy`
 * Registering reads nothing and starts no git: the pipeline file is read just after
 * activation (trusted workspaces only), and the engine is loaded on the first triggered deploy.
 */
export function registerDeployTriggers(context: vscode.ExtensionContext, deps: { logger: Logger; host: EngineHost }): vscode.Disposable[] {
  const { logger, host } = deps;
  const triggers = new EditorTriggers(host, logger);
  const toggle = new SaveToggleStatusBar(triggers);
  const reload = () => void triggers.reload().catch((err: unknown) => logger.warn(`deploy triggers: ${errorMessage(err)}`));
  // After activation returns: activation itself stays free of file reads.
  const startup = setTimeout(reload, 0);
  const pipelineWatcher = vscode.workspace.createFileSystemWatcher('**/deployguard.yaml');
  return [
    triggers,
    toggle,
    { dispose: () => clearTimeout(startup) },
    pipelineWatcher,
    pipelineWatcher.onDidChange(reload),
    pipelineWatcher.onDidCreate(reload),
    pipelineWatcher.onDidDelete(reload),
    vscode.workspace.onDidGrantWorkspaceTrust(reload),
    vscode.workspace.onDidSaveTextDocument((document) => triggers.onDidSave(document)),
    onSettingsChanged(() => triggers.setPaused(triggers.pausedInThisWindow)),
    listenToGitExtension(() => triggers.poke()),
    registerCommand(Commands.saveCommitPushDeploy, logger, () =>
      saveCommitPushDeploy({ host, triggers, logger, state: context.workspaceState }),
    ),
    registerCommand(Commands.toggleDeployOnSave, logger, () => toggleDeployOnSave(triggers)),
  ];
}

export { EditorTriggers };
