/**
 * Turns a byte stream into text lines: invalid UTF-8 becomes U+FFFD (never a crash), `\r\n`
 * ends a line like `\n`, and a line longer than `maxLineLength` is cut with a marker so one
 * runaway line (a minified bundle, `yes | tr -d '\n'`) cannot exhaust memory.
 */
export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024;

export function cutMarker(droppedChars: number): string {
  return ` … [line cut: ${droppedChars} more characters]`;
}

const STREAM = { stream: true } as const;
const CR = 13;

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private partial = '';
  /** Characters dropped from the current over-long line; > 0 means we are skipping to its end. */
  private dropped = 0;
  /** Complete lines of the current push, handed on together. */
  private out: string[] = [];

  /**
   * `emitLines`, when given, receives the complete lines of each pushed chunk as one array
   * (a step printing 100,000 lines then costs its consumer a few hundred calls, not 100,000);
   * otherwise `emit` receives them one by one.
   */
  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH,
    private readonly emitLines?: (lines: string[]) => void,
  ) {}

  push(chunk: Uint8Array): void {
    this.consume(this.decoder.decode(chunk, STREAM));
    this.deliver();
  }

  /** Flushes the last unterminated line (and any incomplete UTF-8 sequence, as U+FFFD). */
  end(): void {
    this.consume(this.decoder.decode());
    if (this.partial.length > 0 || this.dropped > 0) this.out.push(this.takeLine());
    this.deliver();
  }

  private consume(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (this.partial.length === 0 && this.dropped === 0 && nl - start <= this.maxLineLength) {
        // The common case: the whole line is inside this chunk and short enough.
        this.out.push(text.slice(start, nl > start && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl));
      } else {
        this.append(text.slice(start, nl));
        this.out.push(this.takeLine());
      }
      start = nl + 1;
    }
    if (start < text.length) this.append(start === 0 ? text : text.slice(start));
  }

  private deliver(): void {
    if (this.out.length === 0) return;
    const lines = this.out;
    this.out = [];
    if (this.emitLines) this.emitLines(lines);
    else for (const line of lines) this.emit(line);
  }

  private append(piece: string): void {
    if (piece.length === 0) return;
    if (this.dropped > 0) {
      this.dropped += piece.length;
      return;
    }
    const room = this.maxLineLength - this.partial.length;
    if (piece.length <= room) {
      this.partial += piece;
    } else {
      this.partial += piece.slice(0, room);
      this.dropped = piece.length - room;
    }
  }

  private takeLine(): string {
    let line = this.partial;
    if (this.dropped > 0) {
      line += cutMarker(this.dropped);
    } else if (line.endsWith('\r')) {
      line = line.slice(0, -1);
    }
    this.partial = '';
    this.dropped = 0;
    return line;
  }
}
