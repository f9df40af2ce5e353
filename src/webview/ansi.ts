/**
 * Turns one raw log line into styled text spans, and nothing else.
 *
 * Log lines come from the user's build scripts, so they are hostile input. Only SGR
 * (`ESC[…m`: colours and text styles) survives as a style. Every other escape is removed —
 * other CSI sequences (cursor moves, erase), OSC (window titles, OSC 8 hyperlinks, OSC 52
 * clipboard writes), DCS/SOS/PM/APC strings, their 8-bit C1 forms — and the characters that
 * could hide or disguise text are made visible instead of obeyed: carriage returns and
 * backspaces (overwrite tricks), other C0/C1 controls, bidi overrides and isolates, the SGR
 * "conceal" attribute, and text coloured the same as its background.
 *
 * Pure and DOM-free, so it is unit-tested in node; the renderer turns spans into text nodes.
 * Each line is parsed on its own (styles do not leak into the next line), which is what lets
 * the virtualised view parse only the lines on screen.
 */

export type AnsiColor =
  /** 0–15: the theme's terminal palette; 16–255: the xterm cube and grey ramp. */
  | { readonly kind: 'palette'; readonly index: number }
  | { readonly kind: 'rgb'; readonly r: number; readonly g: number; readonly b: number };

export interface SgrStyle {
  readonly fg?: AnsiColor;
  readonly bg?: AnsiColor;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly inverse?: boolean;
  readonly strike?: boolean;
}

export interface Span {
  readonly text: string;
  readonly style?: SgrStyle;
  /** A visible stand-in for a neutralised character (␍, ⟨U+202E⟩…), styled apart from log text. */
  readonly control?: boolean;
}

/** Longest part of one line rendered; the rest is replaced by a marker (the file has it all). */
export const MAX_LINE_CHARS = 20_000;

const ESC = 0x1b;
const BEL = 0x07;
/** 8-bit C1 forms: CSI, OSC, string terminator, and the string-introducing DCS/SOS/PM/APC. */
const C1_CSI = 0x9b;
const C1_OSC = 0x9d;
const C1_ST = 0x9c;
const C1_STRINGS = new Set([0x90, 0x98, 0x9e, 0x9f]);

/** Bidi embedding/override/isolate controls and marks that can reorder what the reader sees. */
function isBidiControl(c: number): boolean {
  return c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

interface MutableStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

class SpanBuilder {
  readonly spans: Span[] = [];
  private text = '';
  private style: SgrStyle | undefined;
  chars = 0;

  append(text: string, style: SgrStyle | undefined): void {
    if (text.length === 0) return;
    if (style !== this.style) this.flush();
    this.style = style;
    this.text += text;
    this.chars += text.length;
  }

  control(text: string): void {
    this.flush();
    this.spans.push({ text, control: true });
    this.chars += text.length;
  }

  flush(): void {
    if (this.text.length > 0) this.spans.push(this.style ? { text: this.text, style: this.style } : { text: this.text });
    this.text = '';
  }
}

/** Parses one line (without its trailing newline) into spans. Linear in the line's length. */
export function parseAnsiLine(line: string, maxChars = MAX_LINE_CHARS): Span[] {
  const out = new SpanBuilder();
  let style: SgrStyle | undefined;
  let i = 0;
  const n = line.length;
  // A trailing CR is the CRLF of a Windows tool, not an overwrite trick.
  const end = n > 0 && line.charCodeAt(n - 1) === 0x0d ? n - 1 : n;
  let plainStart = 0;

  const flushPlain = (upTo: number) => {
    if (upTo > plainStart) out.append(line.slice(plainStart, upTo), style);
  };

  while (i < end) {
    if (out.chars >= maxChars) break;
    const c = line.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      i++;
      continue;
    }
    if (c === 0x09 || (c > 0x9f && !isSpecialWide(line, i, c))) {
      i += c >= 0xd800 && c <= 0xdbff ? 2 : 1; // a valid surrogate pair stays in the plain run
      continue;
    }
    flushPlain(i);
    if (c === ESC || c === C1_CSI || c === C1_OSC || C1_STRINGS.has(c)) {
      const introducer = c === ESC ? line.charCodeAt(i + 1) : c;
      const start = c === ESC ? i + 2 : i + 1;
      if (introducer === 0x5b /* [ */ || introducer === C1_CSI) {
        const csi = readCsi(line, start, end);
        if (csi.final === 0x6d /* m */ && csi.sgr !== undefined) style = applySgr(style, csi.sgr);
        i = csi.next;
      } else if (
        introducer === 0x5d /* ] */ ||
        introducer === C1_OSC ||
        introducer === 0x50 /* P */ ||
        introducer === 0x58 /* X */ ||
        introducer === 0x5e /* ^ */ ||
        introducer === 0x5f /* _ */ ||
        C1_STRINGS.has(introducer)
      ) {
        i = skipString(line, start, end);
      } else {
        i = skipEscape(line, i + 1, end);
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out.append('\ufffd', style); // a lone surrogate: invalid UTF-16 from a bad decode
      i++;
    } else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) {
      out.control(controlPicture(c));
      i++;
    } else {
      out.control(`⟨U+${c.toString(16).toUpperCase().padStart(4, '0')}⟩`); // bidi control
      i++;
    }
    plainStart = i;
  }
  flushPlain(Math.min(i, end));
  out.flush();
  return truncate(out.spans, maxChars, line.length);
}

/** The text a reader sees for a line (what search and filter match against). */
export function visibleText(spans: readonly Span[]): string {
  let text = '';
  for (const span of spans) text += span.text;
  return text;
}

/** Plain text of a raw line, for filtering without building styles on every keystroke. */
export function plainText(line: string): string {
  return visibleText(parseAnsiLine(line));
}

function truncate(spans: Span[], maxChars: number, originalLength: number): Span[] {
  let total = 0;
  for (let k = 0; k < spans.length; k++) {
    const span = spans[k]!;
    if (total + span.text.length > maxChars) {
      const kept = spans.slice(0, k);
      const room = maxChars - total;
      if (room > 0) kept.push({ ...span, text: span.text.slice(0, room) });
      kept.push({ text: ` … line cut at ${maxChars} of ${originalLength} characters; the log file has all of it`, control: true });
      return kept;
    }
    total += span.text.length;
  }
  return spans;
}

/** A character above C1 that is not plain text: a lone surrogate or a bidi control. */
function isSpecialWide(line: string, i: number, c: number): boolean {
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = line.charCodeAt(i + 1);
    return !(next >= 0xdc00 && next <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) return true;
  return isBidiControl(c);
}

/** ␀…␟ for C0, ␡ for DEL, ⟨0x9B⟩ for C1: visible, never obeyed. */
function controlPicture(c: number): string {
  if (c < 0x20) return String.fromCharCode(0x2400 + c);
  if (c === 0x7f) return '\u2421';
  return `⟨0x${c.toString(16).toUpperCase()}⟩`;
}

interface Csi {
  readonly next: number;
  readonly final: number;
  /** Parameters when the sequence is a well-formed SGR candidate (digits, `;`, `:` only). */
  readonly sgr?: string;
}

/** Reads a CSI sequence: parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, one final 0x40–0x7E. */
function readCsi(line: string, start: number, end: number): Csi {
  let i = start;
  while (i < end) {
    const c = line.charCodeAt(i);
    if (c >= 0x30 && c <= 0x3f) i++;
    else break;
  }
  const params = line.slice(start, i);
  let intermediates = false;
  while (i < end) {
    const c = line.charCodeAt(i);
    if (c >= 0x20 && c <= 0x2f) {
      intermediates = true;
      i++;
    } else break;
  }
  if (i >= end) return { next: end, final: -1 }; // unterminated: drop the rest of the sequence
  const final = line.charCodeAt(i);
  if (final < 0x40 || final > 0x7e) return { next: i, final: -1 }; // malformed: drop what we read
  const sgrLike = !intermediates && /^[0-9;:]*$/.test(params);
  return { next: i + 1, final, ...(sgrLike ? { sgr: params } : {}) };
}

/** Skips an OSC/DCS/SOS/PM/APC string up to BEL, ST (ESC \ or 0x9C), or the end of the line. */
function skipString(line: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === BEL || c === C1_ST) return i + 1;
    if (c === ESC) return line.charCodeAt(i + 1) === 0x5c /* \ */ ? i + 2 : i; // a new escape ends it
  }
  return end;
}

/** Skips a two-character escape (ESC 7, ESC c…), including any intermediate bytes (ESC ( B). */
function skipEscape(line: string, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = line.charCodeAt(i);
    if (c >= 0x20 && c <= 0x2f) i++;
    else break;
  }
  if (i < end) {
    const c = line.charCodeAt(i);
    if (c >= 0x30 && c <= 0x7e) return i + 1;
  }
  return i;
}

/** Applies SGR parameters to a style; unknown codes are ignored, never guessed at. */
export function applySgr(current: SgrStyle | undefined, params: string): SgrStyle | undefined {
  const style: MutableStyle = { ...current };
  const parts = params === '' ? ['0'] : params.split(';');
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (part.includes(':')) {
      applyColonForm(style, part.split(':'));
      continue;
    }
    const code = part === '' ? 0 : Number(part);
    if (!Number.isInteger(code)) continue;
    if (code === 38 || code === 48) {
      const { color, used } = readExtendedColor(parts, k + 1);
      if (color) style[code === 38 ? 'fg' : 'bg'] = color;
      k += used;
      continue;
    }
    applyCode(style, code);
  }
  return normalise(style);
}

function applyCode(style: MutableStyle, code: number): void {
  if (code === 0) {
    for (const key of Object.keys(style) as (keyof MutableStyle)[]) delete style[key];
  } else if (code === 1) style.bold = true;
  else if (code === 2) style.dim = true;
  else if (code === 3) style.italic = true;
  else if (code === 4 || code === 21) style.underline = true;
  else if (code === 7) style.inverse = true;
  else if (code === 9) style.strike = true;
  else if (code === 22) {
    delete style.bold;
    delete style.dim;
  } else if (code === 23) delete style.italic;
  else if (code === 24) delete style.underline;
  else if (code === 27) delete style.inverse;
  else if (code === 29) delete style.strike;
  else if (code >= 30 && code <= 37) style.fg = { kind: 'palette', index: code - 30 };
  else if (code === 39) delete style.fg;
  else if (code >= 40 && code <= 47) style.bg = { kind: 'palette', index: code - 40 };
  else if (code === 49) delete style.bg;
  else if (code >= 90 && code <= 97) style.fg = { kind: 'palette', index: code - 90 + 8 };
  else if (code >= 100 && code <= 107) style.bg = { kind: 'palette', index: code - 100 + 8 };
  // 8 (conceal) and 28 (reveal) are ignored on purpose: nothing in a log may be hidden.
}

/** `38:5:N`, `38:2::R:G:B` / `38:2:R:G:B`, `4:3` (curly underline) and friends. */
function applyColonForm(style: MutableStyle, sub: string[]): void {
  const code = Number(sub[0]);
  if (code === 38 || code === 48) {
    let color: AnsiColor | undefined;
    if (sub[1] === '5') color = paletteColor(sub[2]);
    else if (sub[1] === '2') {
      const rgb = sub.length >= 6 ? sub.slice(3, 6) : sub.slice(2, 5);
      color = rgbColor(rgb[0], rgb[1], rgb[2]);
    }
    if (color) style[code === 38 ? 'fg' : 'bg'] = color;
  } else if (code === 4) {
    if (sub[1] === '0') delete style.underline;
    else style.underline = true;
  }
}

function readExtendedColor(parts: string[], at: number): { color: AnsiColor | undefined; used: number } {
  const mode = parts[at];
  if (mode === '5') return { color: paletteColor(parts[at + 1]), used: 2 };
  if (mode === '2') return { color: rgbColor(parts[at + 1], parts[at + 2], parts[at + 3]), used: 4 };
  return { color: undefined, used: mode === undefined ? 0 : 1 };
}

function paletteColor(text: string | undefined): AnsiColor | undefined {
  const index = Number(text);
  return Number.isInteger(index) && index >= 0 && index <= 255 ? { kind: 'palette', index } : undefined;
}

function rgbColor(r?: string, g?: string, b?: string): AnsiColor | undefined {
  const values = [r, g, b].map((v) => Number(v));
  if (values.some((v) => !Number.isInteger(v) || v < 0 || v > 255) || [r, g, b].some((v) => v === undefined || v === '')) {
    return undefined;
  }
  return { kind: 'rgb', r: values[0]!, g: values[1]!, b: values[2]! };
}

function sameColor(a: AnsiColor, b: AnsiColor): boolean {
  if (a.kind === 'palette' && b.kind === 'palette') return a.index === b.index;
  if (a.kind === 'rgb' && b.kind === 'rgb') return a.r === b.r && a.g === b.g && a.b === b.b;
  return false;
}

/** An empty style becomes undefined; text the colour of its background loses the background. */
function normalise(style: MutableStyle): SgrStyle | undefined {
  if (style.fg && style.bg && sameColor(style.fg, style.bg)) delete style.bg;
  return Object.keys(style).length === 0 ? undefined : style;
}

/** RGB of xterm palette entries 16–255 (the 6×6×6 cube and the grey ramp). */
export function xtermRgb(index: number): { r: number; g: number; b: number } {
  if (index >= 232) {
    const v = 8 + (index - 232) * 10;
    return { r: v, g: v, b: v };
  }
  const n = index - 16;
  const level = (k: number) => (k === 0 ? 0 : 55 + k * 40);
  return { r: level(Math.floor(n / 36)), g: level(Math.floor(n / 6) % 6), b: level(n % 6) };
}
