import type { LineCounter } from 'yaml';
import { PIPELINE_LIMITS } from './limits';
import type { PipelineProblem, ProblemSeverity } from './types';

/** A [start, end) offset range in the source text. */
export type SourceRange = readonly [number, number] | readonly [number, number, number];

/** Collects problems with positions computed from source offsets. */
export class ProblemList {
  readonly items: PipelineProblem[] = [];
  private readonly seen = new Set<string>();
  private dropped = 0;

  constructor(
    readonly file: string,
    private readonly lineCounter?: LineCounter,
  ) {}

  add(range: SourceRange | undefined, message: string, code: string, severity: ProblemSeverity = 'error'): void {
    if (this.full) {
      this.dropped++;
      return;
    }
    const [start, end] = range ?? [0, 0];
    const from = this.position(start);
    const to = this.position(Math.max(end, start + 1));
    const key = `${from.line}:${from.col}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push({
      file: this.file,
      line: from.line,
      column: from.col,
      endLine: to.line,
      endColumn: to.col,
      message,
      severity,
      code,
    });
  }

  /** Adds a problem at an explicit 1-based line and column (for checks that run before parsing). */
  addAt(line: number, column: number, message: string, code: string): void {
    this.items.push({ file: this.file, line, column, endLine: line, endColumn: column + 1, message, severity: 'error', code });
  }

  /** True once the report holds as many problems as it will show; further ones are only counted. */
  get full(): boolean {
    return this.items.length >= PIPELINE_LIMITS.maxProblems;
  }

  /** Counts problems that will not be shown (checks stop early once the list is full). */
  drop(count: number): void {
    this.dropped += count;
  }

  get hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error');
  }

  /** Sorted by position, with a closing line when problems were dropped. */
  finish(): PipelineProblem[] {
    const sorted = [...this.items].sort((a, b) => a.line - b.line || a.column - b.column);
    if (this.dropped > 0) {
      const last = sorted[sorted.length - 1]!;
      sorted.push({ ...last, message: `${this.dropped} more problems not shown`, code: 'too-many-problems' });
    }
    return sorted;
  }

  private position(offset: number): { line: number; col: number } {
    if (!this.lineCounter) return { line: 1, col: 1 };
    const pos = this.lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  }
}
