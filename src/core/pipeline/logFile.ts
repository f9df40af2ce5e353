import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** Default cap of a run's log file: enough for any sane build, bounded for a runaway one. */
export const DEFAULT_LOG_FILE_MAX_BYTES = 50 * 1024 * 1024;
const FLUSH_AT_BYTES = 64 * 1024;

/**
 * The full log of one run, written in large chunks (a step printing 100,000 lines must not
 * cost 100,000 writes) and capped: past the cap one marker line says how much was left out.
 * Callers pass text that is already masked.
 */
export class CappedLogFile {
  private readonly stream: WriteStream;
  private pending: string[] = [];
  private pendingBytes = 0;
  private written = 0;
  private droppedLines = 0;
  private truncated = false;
  private error: Error | undefined;

  constructor(
    readonly path: string,
    private readonly maxBytes = DEFAULT_LOG_FILE_MAX_BYTES,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'w', mode: 0o600 });
    this.stream.on('error', (err) => {
      this.error ??= err;
    });
  }

  writeLine(line: string): void {
    if (this.truncated) {
      this.droppedLines++;
      return;
    }
    // Characters, not bytes, per line (Buffer.byteLength on every line costs more than the rest of
    // the logging); exact bytes are counted per flushed chunk, so the cap drifts by one chunk at most.
    const bytes = line.length + 1;
    if (this.written + this.pendingBytes + bytes > this.maxBytes) {
      this.truncated = true;
      this.droppedLines++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= FLUSH_AT_BYTES) this.flush();
  }

  /**
   * Several lines at once, `text` being them joined by '\n' (no final one): one entry instead of
   * one per line. Near the cap it falls back to line by line, so the cut stays at a line.
   */
  writeBlock(text: string, lines: readonly string[]): void {
    if (this.truncated || this.written + this.pendingBytes + text.length + 1 > this.maxBytes) {
      for (const line of lines) this.writeLine(line);
      return;
    }
    this.pending.push(text);
    this.pendingBytes += text.length + 1;
    if (this.pendingBytes >= FLUSH_AT_BYTES) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(`${this.pending.join('\n')}\n`, 'utf8');
    this.stream.write(chunk);
    this.written += chunk.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Flushes, writes the truncation marker if needed, and closes. Rejects if the disk failed. */
  async close(): Promise<void> {
    this.flush();
    if (this.truncated) {
      this.stream.write(`… [log truncated at ${this.maxBytes} bytes: ${this.droppedLines} more lines not written]\n`);
    }
    await new Promise<void>((resolve) => this.stream.end(resolve));
    if (this.error) throw this.error;
  }
}
