import * as vscode from 'vscode';
import type { PipelineProblem } from '../../core/pipeline/types';

/** A pipeline problem as a Problems-panel diagnostic (positions are 1-based in problems). */
export function toDiagnostic(problem: PipelineProblem): vscode.Diagnostic {
  const start = new vscode.Position(problem.line - 1, Math.max(0, problem.column - 1));
  const end = new vscode.Position(problem.endLine - 1, Math.max(0, problem.endColumn - 1));
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(start, end.isAfter(start) ? end : start.translate(0, 1)),
    problem.message,
    problem.severity === 'warning'
      ? vscode.DiagnosticSeverity.Warning
      : problem.severity === 'info'
        ? vscode.DiagnosticSeverity.Information
        : vscode.DiagnosticSeverity.Error,
  );
  diagnostic.source = 'Deploy Guard';
  diagnostic.code = problem.code;
  return diagnostic;
}
