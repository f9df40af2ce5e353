import * as vscode from 'vscode';
import type { Logger } from '../core/logger';

/**
 * The extension's own diagnostics: one LogOutputChannel "Deploy Guard". Users pick its level
 * with VS Code's "Developer: Set Log Level…"; pipeline output never goes here.
 */
export function createLogOutput(): { readonly channel: vscode.LogOutputChannel; readonly logger: Logger } {
  const channel = vscode.window.createOutputChannel('Deploy Guard', { log: true });
  const logger: Logger = {
    trace: (m, ...a) => channel.trace(m, ...a),
    debug: (m, ...a) => channel.debug(m, ...a),
    info: (m, ...a) => channel.info(m, ...a),
    warn: (m, ...a) => channel.warn(m, ...a),
    error: (m, ...a) => channel.error(m, ...a),
  };
  return { channel, logger };
}
