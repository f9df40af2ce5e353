/**
 * The last lines of a run's log file, for a panel that opens a run it did not watch (a finished
 * run from history, or one resumed after a window reload). Streams the file once, keeping only a
 * ring of the newest lines, so a large log costs its window, not its size.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface LogTail {
  readonly lines: string[];
  /** Lines in the whole file. */
  readonly total: number;
}

export async function readLogTail(path: string, maxLines: number): Promise<LogTail> {
  const ring: string[] = new Array<string>(maxLines);
  let total = 0;
  let partial = '';
  const decoder = new StringDecoder('utf8'); // invalid UTF-8 becomes U+FFFD, never an exception
  const push = (line: string) => {
    ring[total % maxLines] = line;
    total++;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = partial + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      push(text.slice(start, nl));
      start = nl + 1;
    }
    partial = text.slice(start);
  }
  partial += decoder.end();
  if (partial.length > 0) push(partial);
  const kept = Math.min(total, maxLines);
  const lines: string[] = [];
  for (let k = total - kept; k < total; k++) lines.push(ring[k % maxLines]!);
  return { lines, total };
}

/** The same window of a log already in memory (one read from the team history, capped there). */
export function tailOfText(text: string, maxLines: number): LogTail {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { lines: lines.slice(Math.max(0, lines.length - maxLines)), total: lines.length };
}
