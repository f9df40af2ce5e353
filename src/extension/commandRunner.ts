import * as vscode from 'vscode';
import { DeployGuardError, errorMessage, isCancellation } from '../core/errors';
import type { Logger } from '../core/logger';
import { Commands, type CommandId } from './commands';

const VIEW_LOGS = 'View Logs';

/**
 * The one wrapper every command runs through: logs start and duration, keeps cancellation
 * silent, and logs a failure once and shows it once, with View Logs. Command bodies are then
 * only the happy path.
 */
export function registerCommand<A extends unknown[]>(id: CommandId, logger: Logger, handler: (...args: A) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, (...args: A) => runReported(logger, `command ${id}`, () => handler(...args)));
}

/**
 * Runs one user action the way every command runs (a button in a webview is a command by
 * another door): start and duration logged, cancellation silent, a failure logged once and
 * shown once. Never rejects.
 */
export async function runReported(logger: Logger, what: string, action: () => unknown): Promise<void> {
  const started = Date.now();
  logger.debug(`${what} started`);
  try {
    await action();
    logger.debug(`${what} finished in ${Date.now() - started} ms`);
  } catch (err) {
    if (isCancellation(err)) {
      logger.debug(`${what} cancelled`);
      return;
    }
    showError(logger, err, `${what.charAt(0).toUpperCase()}${what.slice(1)} failed`);
  }
}

/** Logs an error once and shows it once; View Logs opens the output channel. */
export function showError(logger: Logger, err: unknown, context: string): void {
  logger.error(`${context}: ${errorMessage(err)}`);
  const hint = DeployGuardError.is(err) && err.hint ? ` — ${err.hint}` : '';
  void vscode.window.showErrorMessage(`${errorMessage(err)}${hint}`, VIEW_LOGS).then((choice) => {
    if (choice === VIEW_LOGS) void vscode.commands.executeCommand(Commands.viewLogs);
  });
}
