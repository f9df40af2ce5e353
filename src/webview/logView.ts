/**
 * The virtualised log: only the rows on screen exist in the DOM (a few dozen, reused), so the
 * window of LOG_WINDOW_LINES recent lines scrolls as smoothly as ten. Lines are kept raw and
 * parsed (ansi.ts) only when they scroll into view.
 *
 * The host sends only the newest LOG_TAIL_LINES of each batch (protocol.ts says why); the view
 * knows every position of the window [start, total) and fetches the lines it lacks: those about
 * to be on screen at once, all of them while a filter is set, and the rest in the background
 * once the output has been quiet for a second. A line not here yet is an empty placeholder row
 * for the one round trip it takes.
 *
 * Follow-tail keeps the newest line on screen; scrolling up turns it off, scrolling back to the
 * bottom (or ticking Follow) turns it on. The filter box shows only lines whose visible text
 * contains the query (case-insensitive).
 */
import { unpackLog, type PackedLog } from '../shared/logWire';
import { LOG_FETCH_MAX_LINES, LOG_WINDOW_LINES, type LogStream } from '../shared/protocol';
import { plainText } from './ansi';
import { renderLine } from './ansiDom';
import { createButton, createCheckbox, createTextField, setDisabled } from './toolkit';

/** Rows rendered above and below the visible ones, so a fast scroll never shows a blank band. */
const OVERSCAN = 20;
/** Lines fetched around a gap on screen, so scrolling on does not wait again at once. */
const FETCH_AROUND = 1_000;
/** Quiet output for this long: fetch the rest of the window in the background. */
const BACKFILL_AFTER_MS = 1_000;
/** An answer that never came (the host was replaced) no longer blocks the next fetch. */
const FETCH_TIMEOUT_MS = 5_000;
/** Characters that make a line need the full parser to know its visible text. */
// eslint-disable-next-line no-control-regex
const NEEDS_PARSE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

export interface LogViewOptions {
  readonly follow: boolean;
  readonly filter: string;
  readonly onStateChange: (state: { follow: boolean; filter: string }) => void;
  readonly onOpenFile: () => void;
  /** Ask the host for lines [from, to) of the window (answered through `fill`). */
  readonly onFetch: (from: number, to: number) => void;
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

  /**
   * Lines firstSeq … total-1, flat: text and stream of line k are at k - firstSeq; undefined
   * where the line has not been fetched. `start` (≥ firstSeq) is where the window begins: lines
   * before it have left the window and are dropped in batches.
   */
  private texts: (string | undefined)[] = [];
  private streams: (LogStream | undefined)[] = [];
  private firstSeq = 0;
  private start = 0;
  private total = 0;
  /** Lines start … completeTo-1 are all here (where the search for gaps resumes). */
  private completeTo = 0;
  private fetching: { readonly from: number; readonly to: number; readonly timer: ReturnType<typeof setTimeout> } | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private backfill = false;
  private stalled = false;
  /** Indices into `texts` that match the filter; undefined when there is no filter. */
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

  /** A snapshot: the window is [start, total); `packed` holds its newest lines. */
  reset(packed: PackedLog, start: number, total: number, file: string | undefined): void {
    this.firstSeq = Math.min(start, total);
    this.start = this.firstSeq;
    this.total = total;
    this.completeTo = this.start;
    this.texts = new Array<string | undefined>(total - this.firstSeq);
    this.streams = new Array<LogStream | undefined>(total - this.firstSeq);
    this.cancelFetch();
    this.stalled = false;
    this.place(packed);
    this.setFile(file);
    this.recomputeMatches();
    this.quiet();
    this.schedule();
    if (this.matches) this.fetchGap(); // a filter (kept across a reload) searches the whole window
  }

  /** A delta: the window now ends at `total` and begins at `start`; `packed` holds its newest lines. */
  append(packed: PackedLog, start: number, total: number): void {
    this.grow(start, total);
    this.stalled = false;
    const before = this.matches?.length ?? 0;
    const lastMatch = this.matches?.[before - 1] ?? -1;
    const placed = this.place(packed);
    if (this.matches) {
      if (placed.from > lastMatch) {
        // New lines after every match so far: extend the matches, O(new lines).
        for (let k = placed.from; k < placed.to; k++) if (this.matchesLine(this.texts[k]!)) this.matches.push(k);
      } else {
        this.recomputeMatches();
      }
      this.fetchGap(); // lines the tail skipped are searched too
    }
    this.quiet();
    this.schedule();
  }

  /** The host's answer to `onFetch`. */
  fill(packed: PackedLog, start: number): void {
    if (this.fetching) clearTimeout(this.fetching.timer);
    this.fetching = undefined;
    this.grow(start, this.total);
    const placed = this.place(packed);
    // The host had none of them (it holds another copy of the run): no asking again until it
    // sends something new, or this would ask forever.
    if (placed.to === placed.from) this.stalled = true;
    if (this.matches) this.recomputeMatches();
    this.schedule();
    if (this.backfill || this.matches) this.fetchGap();
  }

  private grow(start: number, total: number): void {
    if (total > this.total) {
      this.total = total;
      this.texts.length = total - this.firstSeq;
      this.streams.length = total - this.firstSeq;
    }
    const newStart = Math.min(Math.max(start, this.start), this.total);
    if (newStart === this.start) return;
    const moved = newStart - this.start;
    this.start = newStart;
    this.completeTo = Math.max(this.completeTo, newStart);
    if (this.matches) this.matches = this.matches.filter((i) => i >= newStart - this.firstSeq);
    if (!this.follow) {
      // Keep the same lines in view while older ones leave the window.
      this.setScrollTop(Math.max(0, this.viewport.scrollTop - moved * this.rowHeight));
    }
    // Drop what left the window in batches, so a steady stream does not copy it every time.
    if (this.start - this.firstSeq > LOG_WINDOW_LINES / 10) this.trimFront(this.start - this.firstSeq);
  }

  /** Puts the lines where they belong; returns the indices they covered. */
  private place(packed: PackedLog): { from: number; to: number } {
    const log = unpackLog(packed);
    const from = Math.max(0, log.seq - this.firstSeq, this.start - this.firstSeq);
    const to = Math.min(this.texts.length, log.seq - this.firstSeq + log.lines.length);
    for (let k = from; k < to; k++) {
      this.texts[k] = log.lines[k - (log.seq - this.firstSeq)];
      this.streams[k] = log.streams[k - (log.seq - this.firstSeq)];
    }
    return { from, to: Math.max(from, to) };
  }

  setFile(file: string | undefined): void {
    setDisabled(this.openFile, file === undefined);
  }

  private trimFront(count: number): void {
    this.texts = this.texts.slice(count);
    this.streams = this.streams.slice(count);
    this.firstSeq += count;
    if (this.matches) this.matches = this.matches.filter((i) => i >= count).map((i) => i - count);
  }

  /** New output arrived: background fetching waits until it has been quiet for a while. */
  private quiet(): void {
    this.backfill = false;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.backfill = true;
      this.fetchGap();
    }, BACKFILL_AFTER_MS);
  }

  private cancelFetch(): void {
    if (this.fetching) clearTimeout(this.fetching.timer);
    this.fetching = undefined;
  }

  /** Asks for lines [from, to) unless an answer is pending. */
  private fetch(from: number, to: number): void {
    if (this.fetching || this.stalled || to <= from) return;
    const timer = setTimeout(() => {
      this.fetching = undefined;
      this.schedule();
      if (this.backfill || this.matches) this.fetchGap();
    }, FETCH_TIMEOUT_MS);
    this.fetching = { from, to, timer };
    this.options.onFetch(from, to);
  }

  /** Fetches the first run of missing lines of the window, if any (filter or background). */
  private fetchGap(): void {
    if (this.fetching) return;
    const base = this.firstSeq;
    let k = Math.max(this.completeTo, this.start) - base;
    while (k < this.texts.length && this.texts[k] !== undefined) k++;
    this.completeTo = k + base;
    if (k >= this.texts.length) {
      this.backfill = false;
      this.updateStatus();
      return;
    }
    let end = k;
    while (end < this.texts.length && end - k < LOG_FETCH_MAX_LINES && this.texts[end] === undefined) end++;
    this.fetch(k + base, end + base);
  }

  /** Rows on screen (indices first … last-1 of the window) that have no line yet: fetch them. */
  private fetchVisible(first: number, last: number): void {
    if (this.fetching) return;
    const offset = this.start - this.firstSeq;
    let lo = -1;
    let hi = -1;
    for (let v = first; v < last; v++) {
      if (this.texts[offset + v] === undefined) {
        if (lo < 0) lo = v;
        hi = v;
      }
    }
    if (lo < 0) return;
    const from = this.start + Math.max(0, lo - FETCH_AROUND);
    const to = Math.min(this.total, this.start + hi + 1 + FETCH_AROUND, from + LOG_FETCH_MAX_LINES);
    this.fetch(from, to);
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
      if (this.matches) this.fetchGap(); // a filter searches the whole window
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
    for (let k = this.start - this.firstSeq; k < this.texts.length; k++) {
      const text = this.texts[k];
      if (text !== undefined && this.matchesLine(text)) matches.push(k);
    }
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
    const offset = this.start - this.firstSeq;
    const count = this.matches ? this.matches.length : this.texts.length - offset;
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
      const at = this.matches ? this.matches[index]! : offset + index;
      const text = this.texts[at];
      const key = text === undefined ? `${this.firstSeq + at}?` : String(this.firstSeq + at);
      if (row.dataset.seq === key) continue; // already showing this line
      row.dataset.seq = key;
      if (text === undefined) {
        row.className = 'log-row pending'; // fetched below; filled on the answer
        row.textContent = '';
        continue;
      }
      row.className = `log-row ${this.streams[at]}`;
      renderLine(row, text);
    }
    if (!this.matches) this.fetchVisible(first, last);
    this.updateStatus();
  }

  private updateStatus(): void {
    const inWindow = this.total - this.start;
    const parts: string[] = [];
    if (this.matches) {
      const searching = this.completeTo < this.total || this.fetching !== undefined;
      parts.push(`${this.matches.length.toLocaleString()} of ${inWindow.toLocaleString()} lines match${searching ? ' (searching…)' : ''}`);
    } else {
      parts.push(`${this.total.toLocaleString()} lines`);
    }
    if (this.start > 0) parts.push(`${this.start.toLocaleString()} earlier lines only in the log file`);
    const text = parts.join(' · ');
    if (this.status.textContent !== text) this.status.textContent = text;
    // Whether every line of the window is here (the benchmark measures the heap after that).
    this.element.dataset.complete = String(this.completeTo >= this.total);
  }
}

function div(className: string): HTMLElement {
  const element = document.createElement('div');
  element.className = className;
  return element;
}
