/**
 * Spans (from ansi.ts) → DOM. Text goes in through text nodes only; styles go in as class
 * names (theme palette) or CSSOM colour values computed from validated numbers — never through
 * HTML strings or `style` attributes (which the CSP would refuse anyway).
 */
import { parseAnsiLine, xtermRgb, type AnsiColor, type SgrStyle, type Span } from './ansi';

/** Fills `row` with the line's spans, replacing what was there. */
export function renderLine(row: HTMLElement, raw: string): void {
  const spans = parseAnsiLine(raw);
  if (spans.length === 1 && !spans[0]!.style && !spans[0]!.control) {
    row.textContent = spans[0]!.text; // the common case: one plain text node
    return;
  }
  row.replaceChildren(...spans.map(renderSpan));
}

function renderSpan(span: Span): Node {
  if (span.control) {
    const marker = document.createElement('span');
    marker.className = 'ctl';
    marker.textContent = span.text;
    marker.title = 'A control character from the output, shown instead of obeyed';
    return marker;
  }
  if (!span.style) return document.createTextNode(span.text);
  const element = document.createElement('span');
  element.textContent = span.text;
  applyStyle(element, span.style);
  return element;
}

function applyStyle(element: HTMLElement, style: SgrStyle): void {
  const classes: string[] = [];
  if (style.bold) classes.push('b');
  if (style.dim) classes.push('d');
  if (style.italic) classes.push('i');
  if (style.underline) classes.push('u');
  if (style.strike) classes.push('s');
  const fg = style.inverse ? style.bg : style.fg;
  const bg = style.inverse ? style.fg : style.bg;
  if (style.inverse) {
    // Inverse of a default colour is the other default colour.
    if (!fg) classes.push('inv-fg');
    if (!bg) classes.push('inv-bg');
  }
  if (fg) setColor(element, classes, 'fg', fg);
  if (bg) setColor(element, classes, 'bg', bg);
  element.className = classes.join(' ');
}

function setColor(element: HTMLElement, classes: string[], which: 'fg' | 'bg', color: AnsiColor): void {
  if (color.kind === 'palette' && color.index < 16) {
    classes.push(`${which}${color.index}`); // follows the theme's terminal colours
    return;
  }
  const { r, g, b } = color.kind === 'rgb' ? color : xtermRgb(color.index);
  const value = `rgb(${r}, ${g}, ${b})`;
  if (which === 'fg') element.style.color = value;
  else element.style.backgroundColor = value;
}
