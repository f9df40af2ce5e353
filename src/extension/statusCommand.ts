import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { Commands } from './commands';
import { isEngineLoaded } from './engineLoader';

/** What the real-VS-Code tests check about activation cost. */
export interface ExtensionStatus {
  /** Whether dist/engine.js (the engine) is in this extension host's module cache. */
  readonly engineLoaded: boolean;
  /** Whether dist/aws-sdk.js (the AWS SDK, loaded on the first AWS call) is in the module cache. */
  readonly awsSdkLoaded: boolean;
  /** How long activate() took, in milliseconds. */
  readonly activationMs: number | undefined;
}

/**
 * The internal, palette-hidden `deployGuard._status` command: returns ExtensionStatus and logs
 * it, so a test driving the real workbench can read it from the log. It asks Node's module cache
 * rather than trusting the loader's own flag, so a stray `require` elsewhere is caught too.
 */
export function registerStatusCommand(logger: Logger, activationMs: () => number | undefined): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.status, (): ExtensionStatus => {
    const cached = (file: RegExp) => Object.keys(require.cache).some((path) => file.test(path));
    const status: ExtensionStatus = {
      engineLoaded: isEngineLoaded() || cached(/[\\/]dist[\\/]engine\.js$/),
      awsSdkLoaded: cached(/[\\/]dist[\\/]aws-sdk\.js$/),
      activationMs: activationMs(),
    };
    logger.info(`status ${JSON.stringify(status)}`);
    return status;
  });
}
