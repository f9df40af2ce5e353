import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';
import { errorMessage } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { ContextKeys } from '../commands';
import { PIPELINE_FILE } from '../workspaceState';
import { loadPipelineTools } from './pipelineToolsLoader';
import { toDiagnostic } from './problemDiagnostics';

const DEBOUNCE_MS = 300;

export function isPipelineDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && basename(document.uri.fsPath) === PIPELINE_FILE;
}

function isWorkspaceRootPipeline(uri: vscode.Uri): boolean {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder !== undefined && vscode.Uri.joinPath(folder.uri, PIPELINE_FILE).fsPath === uri.fsPath;
}

export interface PipelineDiagnostics extends vscode.Disposable {
  /** Validates a document now (the Validate command) and returns its problem count. */
  validateNow(document: vscode.TextDocument): { errors: number; warnings: number; summary?: string };
}

/**
 * Problems in deployguard.yaml appear in the Problems panel as the user types (debounced).
 * It only parses text and looks at files the pipeline names: no process, no git, no AWS, so it
 * is safe in an untrusted workspace too. Documents already open at activation are validated
 * after a short delay, never during activation itself.
 */
export function registerPipelineDiagnostics(logger: Logger): PipelineDiagnostics {
  const collection = vscode.languages.createDiagnosticCollection('deployguard');
  const timers = new Map<string, NodeJS.Timeout>();

  const validateNow = (document: vscode.TextDocument) => {
    const key = document.uri.toString();
    const pending = timers.get(key);
    if (pending) clearTimeout(pending);
    timers.delete(key);
    const started = performance.now();
    const result = loadPipelineTools().validatePipelineText(document.getText(), {
      file: document.uri.fsPath,
      repoRoot: dirname(document.uri.fsPath),
    });
    collection.set(document.uri, result.problems.map(toDiagnostic));
    const errors = result.problems.filter((p) => p.severity === 'error').length;
    const warnings = result.problems.filter((p) => p.severity === 'warning').length;
    logger.debug(
      `validated ${document.uri.fsPath}: ${errors} errors, ${warnings} warnings in ${(performance.now() - started).toFixed(1)} ms`,
    );
    if (isWorkspaceRootPipeline(document.uri)) {
      void vscode.commands.executeCommand('setContext', ContextKeys.pipelineInvalid, errors > 0);
    }
    const config = result.config;
    const summary = config ? loadPipelineTools().describePipeline(config) : undefined;
    return { errors, warnings, ...(summary !== undefined ? { summary } : {}) };
  };

  const schedule = (document: vscode.TextDocument, delay = DEBOUNCE_MS) => {
    if (!isPipelineDocument(document)) return;
    const key = document.uri.toString();
    const pending = timers.get(key);
    if (pending) clearTimeout(pending);
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        try {
          validateNow(document);
        } catch (err) {
          logger.error(`could not validate ${document.uri.fsPath}: ${errorMessage(err)}`);
        }
      }, delay),
    );
  };

  const subscriptions = new DisposableStore();
  subscriptions.add(collection);
  subscriptions.add(vscode.workspace.onDidOpenTextDocument((d) => schedule(d, 0)));
  subscriptions.add(vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)));
  subscriptions.add(vscode.workspace.onDidSaveTextDocument((d) => schedule(d, 0)));
  subscriptions.add(
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (!isPipelineDocument(d)) return;
      const pending = timers.get(d.uri.toString());
      if (pending) clearTimeout(pending);
      timers.delete(d.uri.toString());
      collection.delete(d.uri);
    }),
  );
  for (const document of vscode.workspace.textDocuments) schedule(document, 500);

  return {
    validateNow,
    dispose() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      subscriptions.dispose();
    },
  };
}
