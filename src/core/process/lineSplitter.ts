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

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private partial = '';
  /** Characters dropped from the current over-long line; > 0 means we are skipping to its end. */
  private dropped = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH,
  ) {}

  push(chunk: Uint8Array): void {
    this.consume(this.decoder.decode(chunk, STREAM));
  }

  /** Flushes the last unterminated line (and any incomplete UTF-8 sequence, as U+FFFD). */
  end(): void {
    this.consume(this.decoder.decode());
    if (this.partial.length > 0 || this.dropped > 0) this.flushLine();
  }

  private consume(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        this.append(text.slice(start));
        return;
      }
      this.append(text.slice(start, nl));
      this.flushLine();
      start = nl + 1;
    }
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

  private flushLine(): void {
    let line = this.partial;
    if (this.dropped > 0) {
      line += cutMarker(this.dropped);
    } else if (line.endsWith('\r')) {
      line = line.slice(0, -1);
    }
    this.partial = '';
    this.dropped = 0;
    this.emit(line);
  }
}
