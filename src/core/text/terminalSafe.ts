/**
 * Text from elsewhere, made safe to print on a terminal.
 *
 * AWS text (alarm reasons, stack event reasons, error messages) and a step's output are written
 * by someone else, and a terminal obeys what it is sent: an OSC 52 sequence writes the clipboard,
 * `ESC[2J` clears the screen, a carriage return overwrites what the reader just saw, a bidi
 * override shows characters in another order than they are. So:
 * - AWS text keeps no escape at all: every ESC sequence, C0 control (except newline and tab), DEL
 *   and C1 control is removed;
 * - step output keeps colour and style (SGR, `ESC[…m`) and nothing else, the rule the run panel
 *   applies;
 * - in both, bidi embeddings, overrides, isolates and marks are shown as `⟨U+202E⟩` instead of
 *   being obeyed.
 * Pure: one pass over the string, no state carried between calls (each call is whole text).
 */

const ESC = 0x1b;
const BEL = 0x07;
const C1_CSI = 0x9b;
const C1_OSC = 0x9d;
const C1_ST = 0x9c;
/** The 8-bit forms that open a string ended by ST: DCS, SOS, PM, APC (OSC is handled with them). */
const C1_STRINGS = new Set([0x90, 0x98, 0x9e, 0x9f]);
/** The 7-bit introducers of the same strings: `ESC P`, `ESC X`, `ESC ^`, `ESC _`, and `ESC ]` (OSC). */
const ESC_STRINGS = new Set(['P', 'X', '^', '_', ']']);

/** Bidi embedding/override/isolate controls and marks: they change the order a reader sees. */
export function isBidiControl(c: number): boolean {
  return c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

function visibleCodePoint(c: number): string {
  return `⟨U+${c.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/** Where a string started at `from` (just after its introducer) ends: after BEL, ST or `ESC \`; the end of text if never. */
function endOfString(text: string, from: number, bellEnds: boolean): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === C1_ST || (bellEnds && c === BEL)) return i + 1;
    if (c === ESC) return text[i + 1] === '\\' ? i + 2 : i; // any other ESC aborts the string
  }
  return text.length;
}

/** Where a CSI whose parameters start at `from` ends, and whether it is a plain SGR. */
function endOfCsi(text: string, from: number): { end: number; sgr: boolean } {
  let i = from;
  let plainParams = true;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x3f) {
      // Parameter bytes; SGR takes only digits, ';' and ':'.
      if (!((c >= 0x30 && c <= 0x39) || c === 0x3b || c === 0x3a)) plainParams = false;
      i++;
    } else if (c >= 0x20 && c <= 0x2f) {
      plainParams = false; // intermediate bytes: never part of an SGR
      i++;
    } else if (c >= 0x40 && c <= 0x7e) {
      return { end: i + 1, sgr: plainParams && c === 0x6d };
    } else {
      return { end: i, sgr: false }; // broken sequence: drop what was read, keep the rest as text
    }
  }
  return { end: i, sgr: false };
}

function clean(text: string, keepSgr: boolean): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === ESC) {
      const next = text[i + 1];
      if (next === '[') {
        const { end, sgr } = endOfCsi(text, i + 2);
        if (sgr && keepSgr) out += text.slice(i, end);
        i = end;
      } else if (next !== undefined && ESC_STRINGS.has(next)) {
        i = endOfString(text, i + 2, next === ']');
      } else if (next !== undefined && next.charCodeAt(0) >= 0x20 && next.charCodeAt(0) <= 0x2f) {
        // nF escapes (character set choice): intermediates, then one final byte.
        let j = i + 1;
        while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
        i = Math.min(j + 1, text.length);
      } else if (next !== undefined && next.charCodeAt(0) >= 0x30 && next.charCodeAt(0) <= 0x7e) {
        i += 2; // two-character escapes: ESC c (reset), ESC 7/8, ESC M…
      } else {
        i += 1;
      }
    } else if (c === C1_CSI) {
      i = endOfCsi(text, i + 1).end; // the 8-bit form is never kept: terminals disagree on it
    } else if (c === C1_OSC || C1_STRINGS.has(c)) {
      i = endOfString(text, i + 1, c === C1_OSC);
    } else if ((c < 0x20 && c !== 0x0a && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) {
      i += 1; // other C0 (carriage return, backspace, bell…), DEL and C1 controls
    } else if (isBidiControl(c)) {
      out += visibleCodePoint(c);
      i += 1;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

/** AWS text (and any text not ours) for the terminal: no escape or control but newline and tab. */
export function terminalSafe(text: string): string {
  return clean(text, false);
}

/** A step's output for the terminal: colours and styles (SGR) stay, every other escape and control goes. */
export function stepOutputSafe(text: string): string {
  return clean(text, true);
}

/**
 * One JSON line for a terminal. JSON.stringify escapes C0 controls but writes C1 controls and
 * bidi controls as they are; both are valid JSON when escaped, and then nothing obeys them.
 */
export function jsonLineSafe(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
