/**
 * The run panel feature: `registerRunPanels(context, deps)` is all the composition root calls.
 *
 * How the editor surface (editorSurface.ts) uses it:
 *   const runPanels = registerRunPanels(context, { logger, ... });
 *   context.subscriptions.push(runPanels.attach(engineEvents.event)); // an Emitter<EngineEvent>
 *   await runPanels.show(deploymentId);                               // tree item, status bar, notification
 * The `deployGuard.showRun` command is registered here and accepts a deployment id, `{ deploymentId }`,
 * or a tree element carrying `deploymentId`.
 */
import * as vscode from 'vscode';
import { DeployGuardError } from '../../core/errors';
import { registerCommand } from '../commandRunner';
import { gitCommitMessage } from '../commitDetails';
import { Commands } from '../commands';
import { PICKER_OPTIONS } from '../pickerOptions';
import { readSettings } from '../settings';
import { findRecordInHistory } from './historyLookup';
import { RunPanels, type RunPanelDeps } from './runPanels';

export { RunPanels, type EngineEventSource, type RunPanelDeps } from './runPanels';
export { RUN_PANEL_VIEW_TYPE } from './runPanel';

export function registerRunPanels(context: vscode.ExtensionContext, deps: RunPanelDeps): RunPanels {
  const panels = new RunPanels(context.extensionUri, {
    loadRecord: findRecordInHistory,
    openOnStart: () => readSettings().openRunPanel,
    commitMessage: gitCommitMessage(deps.logger),
    ...deps,
  });
  context.subscriptions.push(
    panels,
    registerCommand(Commands.showRun, deps.logger, async (arg?: unknown) => {
      const id = deploymentIdOf(arg) ?? (await pickRun(panels));
      if (id) await panels.show(id);
    }),
  );
  return panels;
}

/** Accepts `"id"`, `{ deploymentId }` or a tree element with a `deploymentId` (or `record.id`). */
export function deploymentIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { deploymentId, record } = arg as { deploymentId?: unknown; record?: { id?: unknown } };
  if (typeof deploymentId === 'string') return deploymentId;
  if (typeof record?.id === 'string') return record.id;
  return undefined;
}

async function pickRun(panels: RunPanels): Promise<string | undefined> {
  const runs = panels.knownRuns();
  if (runs.length === 0) {
    throw new DeployGuardError('NotAvailableYet', 'No deployment has run in this window yet, so there is no run to show', {
      hint: 'pick a deployment in the Deployments view to see its recorded run',
    });
  }
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.label, description: r.status, detail: r.deploymentId, id: r.deploymentId })),
    { ...PICKER_OPTIONS, title: 'Show Run', placeHolder: 'Which deployment?' },
  );
  return pick?.id;
}
