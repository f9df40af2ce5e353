/**
 * Log lines on the wire between the run panel's host and its webview: one UTF-8 byte array per
 * message instead of an array of strings.
 *
 * Why: VS Code carries a webview message from the extension host to the webview as JSON (a
 * string in a JSON string: escaped twice, parsed twice) and then structured-clones it into the
 * webview's frame — per line, per string. A Uint8Array instead rides VS Code's binary path
 * (`serializeBuffersForPostMessage`: extracted before the JSON and transferred, never escaped
 * or parsed), so 100,000 lines cost one TextEncoder pass here and one TextDecoder pass there.
 * Measured in the panel benchmark (README, Development).
 *
 * Nothing about the lines changes but their transport: the webview gets the same strings
 * (a lone surrogate, which the engine never produces, would arrive as U+FFFD, same length).
 */
import type { LogChunk, LogStream } from './protocol';

/** Consecutive lines of one stream (and step) inside a PackedLog. */
export interface PackedRun {
  readonly stream: LogStream;
  readonly step?: number;
  readonly count: number;
}

export interface PackedLog {
  /** Position of the first line in the run's whole log; the lines are contiguous. */
  readonly seq: number;
  readonly runs: readonly PackedRun[];
  /** UTF-8 of all lines joined by '\n' (no trailing one). */
  readonly text: Uint8Array;
  /**
   * UTF-16 length of every line, only when a line itself contains '\n' (an engine notice can),
   * so such a line is not split in two on the other side.
   */
  readonly lengths?: Uint32Array;
}

const encoder = new TextEncoder();

/** Packs contiguous chunks (as RunModel hands them out) for postMessage. */
export function packLog(chunks: readonly LogChunk[], fallbackSeq = 0): PackedLog {
  const runs: PackedRun[] = [];
  const parts: string[] = [];
  let lines = 0;
  for (const chunk of chunks) {
    if (chunk.lines.length === 0) continue;
    const last = runs[runs.length - 1];
    if (last && last.stream === chunk.stream && last.step === chunk.step) {
      runs[runs.length - 1] = { ...last, count: last.count + chunk.lines.length };
    } else {
      runs.push(
        chunk.step === undefined
          ? { stream: chunk.stream, count: chunk.lines.length }
          : { stream: chunk.stream, step: chunk.step, count: chunk.lines.length },
      );
    }
    parts.push(chunk.lines.join('\n'));
    lines += chunk.lines.length;
  }
  const joined = parts.join('\n');
  const seq = chunks.find((c) => c.lines.length > 0)?.seq ?? fallbackSeq;
  // Own ArrayBuffer of exactly this size: VS Code ships a view's whole underlying buffer.
  const text = encoder.encode(joined);
  if (lines === 0 || countNewlines(joined) === lines - 1) return { seq, runs, text };
  const lengths = new Uint32Array(lines);
  let k = 0;
  for (const chunk of chunks) for (const line of chunk.lines) lengths[k++] = line.length;
  return { seq, runs, text, lengths };
}

export interface UnpackedLog {
  readonly seq: number;
  readonly lines: string[];
  /** The stream of each line. */
  readonly streams: LogStream[];
}

const decoder = new TextDecoder('utf-8');

/**
 * The lines and their streams. Untrusted input (it came through a web page's message port):
 * counts that do not add up are cut to the lines actually present, never trusted to allocate.
 */
export function unpackLog(packed: PackedLog): UnpackedLog {
  const expected = packed.runs.reduce((n, r) => n + r.count, 0);
  if (expected === 0) return { seq: packed.seq, lines: [], streams: [] };
  const joined = decoder.decode(packed.text);
  let lines: string[];
  if (packed.lengths) {
    lines = [];
    let at = 0;
    for (const length of packed.lengths) {
      if (at > joined.length) break;
      lines.push(joined.slice(at, at + length));
      at += length + 1;
    }
  } else {
    lines = joined.split('\n');
  }
  const streams: LogStream[] = [];
  for (const run of packed.runs) {
    for (let k = 0; k < run.count && streams.length < lines.length; k++) streams.push(run.stream);
  }
  if (lines.length > streams.length) lines.length = streams.length;
  return { seq: packed.seq, lines, streams };
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}
