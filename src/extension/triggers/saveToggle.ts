import * as vscode from 'vscode';
import { Commands } from '../commands';
import type { EditorTriggers } from './editorTriggers';

/**
 * The status-bar toggle for deploy on save: visible only when the pipeline has a `deployOn: [save]`
 * environment, it says whether saves deploy and pauses or resumes them for this window.
 */
export class SaveToggleStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('deployGuard.deployOnSave', vscode.StatusBarAlignment.Left, 49);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly triggers: EditorTriggers) {
    this.item.name = 'Deploy Guard: Deploy on Save';
    this.item.command = Commands.toggleDeployOnSave;
    this.subscription = triggers.onDidChange(() => this.render());
  }

  render(): void {
    const envs = this.triggers.saveEnvironments.map((e) => e.name);
    if (envs.length === 0 || !vscode.workspace.isTrusted) {
      this.item.hide();
      return;
    }
    const names = envs.join(', ');
    if (this.triggers.savePaused) {
      this.item.text = `$(debug-pause) Deploy on Save: paused`;
      this.item.tooltip = this.triggers.pausedInThisWindow
        ? `Saves do not deploy ${names} in this window. Click to resume.`
        : `Saves do not deploy ${names}: deployGuard.deployOnSave.enabled is off.`;
    } else {
      this.item.text = this.triggers.saveDeploying ? `$(sync~spin) Deploy on Save: ${names}` : `$(sync) Deploy on Save: ${names}`;
      this.item.tooltip = `Saving a file deploys ${names} (after a short pause). Click to pause.`;
    }
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}

/** `Deploy Guard: Pause or Resume Deploy on Save`. */
export async function toggleDeployOnSave(triggers: EditorTriggers): Promise<void> {
  if (!triggers.pausedInThisWindow && triggers.savePaused) {
    const OPEN = 'Open Settings';
    const choice = await vscode.window.showInformationMessage(
      'Deploy on save is turned off in the settings (deployGuard.deployOnSave.enabled).',
      OPEN,
    );
    if (choice === OPEN) await vscode.commands.executeCommand('workbench.action.openSettings', 'deployGuard.deployOnSave.enabled');
    return;
  }
  if (triggers.saveEnvironments.length === 0) {
    void vscode.window.showInformationMessage('No environment in deployguard.yaml deploys on save (deployOn: [save]).');
    return;
  }
  triggers.setPaused(!triggers.pausedInThisWindow);
  vscode.window.setStatusBarMessage(triggers.pausedInThisWindow ? 'Deploy on save paused' : 'Deploy on save resumed', 3000);
}
