import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { type CommandId } from './commands';
import { registerCommand } from './commandRunner';

/**
 * Commands declared in the manifest whose feature has not landed yet. They exist (so the palette
 * and menus never point at nothing) and say so plainly instead of failing.
 */
export function registerPendingCommands(ids: readonly CommandId[], logger: Logger): vscode.Disposable[] {
  return ids.map((id) =>
    registerCommand(id, logger, () => {
      void vscode.window.showInformationMessage(`Deploy Guard: "${id}" is not available yet in this version.`);
    }),
  );
}
