import { isAbsolute, relative } from 'node:path';
import type { PipelineProblem } from '../../core/pipeline';
import { terminalSafe } from '../../core/text/terminalSafe';

/** A path as the user would type it: relative to the working folder when inside it. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * `PATH:LINE:COL: message` (warnings say so), the format editors and CI annotators understand.
 * Messages quote the file, which a cloned repository controls: printed without its escapes.
 */
export function formatProblem(problem: PipelineProblem, cwd: string): string {
  const severity = problem.severity === 'warning' ? 'warning: ' : problem.severity === 'info' ? 'note: ' : '';
  return terminalSafe(`${displayPath(problem.file, cwd)}:${problem.line}:${problem.column}: ${severity}${problem.message}`);
}
