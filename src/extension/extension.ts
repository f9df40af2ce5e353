import * as vscode from 'vscode';
import { Commands } from './commands';
import { registerCommand } from './commandRunner';
import { registerEditorSurface } from './editorSurface';
import { createLogOutput } from './logOutput';
import { registerPipelineEditor } from './pipeline';
import { registerRunPanels } from './runPanel';
import { registerStatusCommand } from './statusCommand';
import { registerDeployTriggers } from './triggers';
import { registerWorkspaceContext } from './workspaceState';

/**
 * The composition root. Nothing runs here: no step, no git, no AWS call. Each feature registers
 * itself and hands back what must be disposed.
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const activation: { ms?: number } = {};
  const { channel, logger } = createLogOutput();
  context.subscriptions.push(channel);

  context.subscriptions.push(registerWorkspaceContext());
  // The run panels (and the showRun command); the editor surface feeds them the engine's events.
  const runPanels = registerRunPanels(context, { logger });
  // Tree, status bar, notifications and the deployment commands.
  const surface = registerEditorSurface(context, { logger, runPanels });
  // Runs of other machines and CI: read from the team history through the engine host.
  runPanels.useTeamHistory((id) => surface.host.findTeamRecord(id));

  context.subscriptions.push(
    registerCommand(Commands.viewLogs, logger, () => channel.show(true)),
    // deployguard.yaml: diagnostics as you type, Create / Validate Pipeline File.
    ...registerPipelineEditor(logger),
    registerStatusCommand(logger, () => activation.ms),
    // Deploy on push / on save, the save toggle and Save, Commit, Push and Deploy.
    ...registerDeployTriggers(context, { logger, host: surface.host }),
  );

  activation.ms = performance.now() - started;
  logger.info(`Deploy Guard activated in ${activation.ms.toFixed(1)} ms`);
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions and disposed by VS Code.
}
