/**
 * The virtualised log: only the rows on screen exist in the DOM (a few dozen, reused), so the
 * window of LOG_WINDOW_LINES recent lines scrolls as smoothly as ten. Lines are kept raw and
 * parsed (ansi.ts) only when they scroll into view.
 *
 * Follow-tail keeps the newest line on screen; scrolling up turns it off, scrolling back to the
 * bottom (or ticking Follow) turns it on. The filter box shows only lines whose visible text
 * contains the query (case-insensitive).
 */
import { unpackLog, type PackedLog } from '../shared/logWire';
import { LOG_WINDOW_LINES, type LogStream } from '../shared/protocol';
import { plainText } from './ansi';
import { renderLine } from './ansiDom';
import { createButton, createCheckbox, createTextField, setDisabled } from './toolkit';

/** Rows rendered above and below the visible ones, so a fast scroll never shows a blank band. */
const OVERSCAN = 20;
/** Characters that make a line need the full parser to know its visible text. */
// eslint-disable-next-line no-control-regex
const NEEDS_PARSE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

export interface LogViewOptions {
  readonly follow: boolean;
  readonly filter: string;
  readonly onStateChange: (state: { follow: boolean; filter: string }) => void;
  readonly onOpenFile: () => void;
}

export class LogView {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly status: HTMLElement;
  private readonly followBox: HTMLElement & { checked: boolean };
  private readonly openFile: HTMLElement;
  private readonly pool: HTMLElement[] = [];

  /** The window of recent lines, flat: text and stream of line k; its seq is firstSeq + k. */
  private texts: string[] = [];
  private streams: LogStream[] = [];
  private firstSeq = 0;
  private total = 0;
  /** Indices into `lines` that match the filter; undefined when there is no filter. */
  private matches: number[] | undefined;
  private query: string;
  private filterText: string;
  private follow: boolean;
  private rowHeight = 18;
  private frame = 0;
  private lastScrollTop = 0;
  private programmaticTop = -1;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: LogViewOptions) {
    this.follow = options.follow;
    this.filterText = options.filter;
    this.query = options.filter.toLowerCase();
    this.element = div('log');
    const toolbar = div('log-toolbar');
    const filter = createTextField('Filter log', options.filter, (value) => this.setFilter(value));
    filter.classList.add('log-filter');
    this.followBox = createCheckbox('Follow', this.follow, (checked) => this.setFollow(checked));
    this.followBox.classList.add('log-follow');
    this.status = div('log-status');
    this.status.setAttribute('aria-live', 'polite');
    this.openFile = createButton('Open Full Log File', 'secondary', () => options.onOpenFile());
    this.openFile.classList.add('log-open-file');
    setDisabled(this.openFile, true);
    toolbar.append(filter, this.followBox, this.status, this.openFile);

    this.viewport = div('log-viewport');
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute('role', 'log');
    this.viewport.setAttribute('aria-label', 'Run log');
    this.spacer = div('log-spacer');
    this.rows = div('log-rows');
    this.spacer.append(this.rows);
    this.viewport.append(this.spacer);
    this.element.append(toolbar, this.viewport);

    this.viewport.addEventListener('scroll', () => this.onScroll(), { passive: true });
    window.addEventListener('resize', () => this.layout());
    if (this.query) this.recomputeMatches();
  }

  /** Call once the element is in the document (to measure the row height). */
  mount(): void {
    const probe = div('log-row');
    probe.textContent = 'Mg';
    probe.style.height = 'auto';
    this.rows.append(probe);
    this.rowHeight = Math.max(14, Math.ceil(probe.getBoundingClientRect().height) || 18);
    probe.remove();
    this.viewport.style.setProperty('--row-h', `${this.rowHeight}px`);
    this.layout();
  }

  /** Sizes the viewport to the space left in the window (the tab view has no fixed height). */
  layout(): void {
    if (this.viewport.offsetParent === null) return; // hidden tab: measured when shown
    const top = this.viewport.getBoundingClientRect().top;
    this.viewport.style.height = `${Math.max(120, window.innerHeight - top - 12)}px`;
    this.schedule();
  }

  reset(packed: PackedLog, total: number, file: string | undefined): void {
    const log = unpackLog(packed);
    this.texts = log.lines;
    this.streams = log.streams;
    this.firstSeq = log.seq;
    this.total = total;
    if (this.texts.length > LOG_WINDOW_LINES) this.trimFront(this.texts.length - LOG_WINDOW_LINES);
    this.setFile(file);
    this.recomputeMatches();
    this.schedule();
  }

  append(packed: PackedLog, total: number): void {
    const log = unpackLog(packed);
    if (log.lines.length > 0 && log.seq !== this.firstSeq + this.texts.length) {
      // A gap (more lines arrived than the window holds): start the window afresh.
      this.texts = [];
      this.streams = [];
      this.firstSeq = log.seq;
      if (this.matches) this.matches = [];
    }
    const start = this.texts.length;
    if (start === 0) {
      this.texts = log.lines;
      this.streams = log.streams;
    } else {
      for (let k = 0; k < log.lines.length; k++) {
        this.texts.push(log.lines[k]!);
        this.streams.push(log.streams[k]!);
      }
    }
    this.total = Math.max(total, this.total);
    if (this.matches) {
      for (let k = start; k < this.texts.length; k++) if (this.matchesLine(this.texts[k]!)) this.matches.push(k);
    }
    const excess = this.texts.length - LOG_WINDOW_LINES;
    // Trim in chunks so a steady stream does not copy the window on every batch.
    if (excess > LOG_WINDOW_LINES / 10) this.trimFront(excess);
    this.schedule();
  }

  setFile(file: string | undefined): void {
    setDisabled(this.openFile, file === undefined);
  }

  private trimFront(count: number): void {
    this.texts = this.texts.slice(count);
    this.streams = this.streams.slice(count);
    this.firstSeq += count;
    if (this.matches) this.matches = this.matches.filter((i) => i >= count).map((i) => i - count);
    if (!this.follow) {
      // Keep the same lines in view while older ones leave the window.
      this.setScrollTop(Math.max(0, this.viewport.scrollTop - count * this.rowHeight));
    }
  }

  private setFilter(value: string): void {
    clearTimeout(this.filterTimer);
    // Debounced: filtering 100,000 lines on every keystroke would make typing lag.
    this.filterTimer = setTimeout(() => {
      this.filterText = value;
      this.query = value.toLowerCase();
      this.recomputeMatches();
      this.options.onStateChange({ follow: this.follow, filter: value });
      this.schedule();
    }, 120);
  }

  private setFollow(follow: boolean): void {
    if (this.follow === follow) return;
    this.follow = follow;
    if (this.followBox.checked !== follow) this.followBox.checked = follow;
    this.options.onStateChange({ follow, filter: this.filterText });
    if (follow) this.schedule();
  }

  private recomputeMatches(): void {
    if (!this.query) {
      this.matches = undefined;
      return;
    }
    const matches: number[] = [];
    for (let k = 0; k < this.texts.length; k++) if (this.matchesLine(this.texts[k]!)) matches.push(k);
    this.matches = matches;
  }

  private matchesLine(raw: string): boolean {
    const text = NEEDS_PARSE.test(raw) ? plainText(raw) : raw;
    return text.toLowerCase().includes(this.query);
  }

  private onScroll(): void {
    const top = this.viewport.scrollTop;
    const programmatic = Math.abs(top - this.programmaticTop) < 2;
    this.programmaticTop = -1;
    if (!programmatic) {
      const atBottom = top + this.viewport.clientHeight >= this.viewport.scrollHeight - this.rowHeight;
      if (top < this.lastScrollTop && !atBottom) this.setFollow(false);
      else if (atBottom && !this.follow) this.setFollow(true);
    }
    this.lastScrollTop = top;
    this.schedule();
  }

  private setScrollTop(top: number): void {
    this.programmaticTop = top;
    this.viewport.scrollTop = top;
    this.lastScrollTop = this.viewport.scrollTop;
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const count = this.matches ? this.matches.length : this.texts.length;
    const h = this.rowHeight;
    this.spacer.style.height = `${count * h}px`;
    if (this.follow) {
      const bottom = Math.max(0, count * h - this.viewport.clientHeight);
      if (Math.abs(this.viewport.scrollTop - bottom) >= 1) this.setScrollTop(bottom);
    }
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / h) - OVERSCAN);
    const visible = Math.ceil(this.viewport.clientHeight / h) + 2 * OVERSCAN;
    const last = Math.min(count, first + visible);
    this.rows.style.transform = `translateY(${first * h}px)`;

    while (this.pool.length < last - first) {
      const row = div('log-row');
      this.pool.push(row);
      this.rows.append(row);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k]!;
      const index = first + k;
      if (index >= last) {
        row.hidden = true;
        continue;
      }
      row.hidden = false;
      const at = this.matches ? this.matches[index]! : index;
      const key = String(this.firstSeq + at);
      if (row.dataset.seq === key) continue; // already showing this line
      row.dataset.seq = key;
      row.className = `log-row ${this.streams[at]}`;
      renderLine(row, this.texts[at]!);
    }
    this.updateStatus(count);
  }

  private updateStatus(shown: number): void {
    const earlier = this.total - this.texts.length;
    const parts: string[] = [];
    if (this.matches) parts.push(`${shown.toLocaleString()} of ${this.texts.length.toLocaleString()} lines match`);
    else parts.push(`${this.total.toLocaleString()} lines`);
    if (earlier > 0) parts.push(`${earlier.toLocaleString()} earlier lines only in the log file`);
    const text = parts.join(' · ');
    if (this.status.textContent !== text) this.status.textContent = text;
  }
}

function div(className: string): HTMLElement {
  const element = document.createElement('div');
  element.className = className;
  return element;
}
