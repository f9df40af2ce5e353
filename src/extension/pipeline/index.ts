import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { Commands } from '../commands';
import { registerCommand } from '../commandRunner';
import { createPipelineFile } from './createPipelineFile';
import { registerPipelineDiagnostics } from './diagnostics';
import { validatePipelineFile } from './validatePipelineFile';

export { confirmPipelineRun } from './approval';

/**
 * The editor's view of deployguard.yaml: diagnostics as you type, Create Pipeline File and
 * Validate Pipeline File. Registering starts nothing: the validator loads when a pipeline file
 * is first opened or a command runs.
 */
export function registerPipelineEditor(logger: Logger): vscode.Disposable[] {
  const diagnostics = registerPipelineDiagnostics(logger);
  return [
    diagnostics,
    registerCommand(Commands.createPipelineFile, logger, () => createPipelineFile()),
    registerCommand(Commands.validatePipelineFile, logger, () => validatePipelineFile(diagnostics)),
  ];
}
