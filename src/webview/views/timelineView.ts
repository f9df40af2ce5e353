/**
 * The Timeline tab: the run on one time axis (steps, change set, stack events, alarms, metric
 * verdicts, the verdict, the rollback and its verification), filterable by kind; each entry opens
 * its detail (a tab of this panel, or the rollback's own run).
 */
import type { TimelineEntry, TimelineKind, TimelineLink } from '../../core/timeline/timelineTypes';
import { el } from '../dom';
import { formatTime } from '../format';
import { createCheckbox } from '../toolkit';

/** The kinds, in filter order, with the words the filter shows (the core's list, copied: the webview imports no core values). */
const KINDS: readonly (readonly [TimelineKind, string])[] = [
  ['status', 'Status'],
  ['step', 'Steps'],
  ['change-set', 'Change set'],
  ['stack-event', 'Stack events'],
  ['alarm', 'Alarms'],
  ['metric', 'Metrics'],
  ['verdict', 'Verdict'],
  ['rollback', 'Rollback'],
  ['verification', 'Verification'],
];

export class TimelineView {
  readonly element = el('div', 'timeline');
  private readonly filters = el('div', 'timeline-filters');
  private readonly list = el('ol', 'timeline-list');
  private readonly empty = el('p', 'empty', 'Nothing has happened yet: the timeline fills as the run goes.');
  private entries: readonly TimelineEntry[] = [];
  private readonly hidden: Set<TimelineKind>;

  constructor(
    private readonly open: (link: TimelineLink) => void,
    hiddenKinds: readonly string[],
    private readonly onFilter: (hidden: readonly TimelineKind[]) => void,
  ) {
    this.hidden = new Set(KINDS.map(([k]) => k).filter((k) => hiddenKinds.includes(k)));
    for (const [kind, label] of KINDS) {
      const box = createCheckbox(label, !this.hidden.has(kind), (checked) => {
        if (checked) this.hidden.delete(kind);
        else this.hidden.add(kind);
        this.onFilter([...this.hidden]);
        this.render();
      });
      box.dataset.kind = kind;
      box.classList.add('timeline-filter');
      this.filters.append(box);
    }
    this.element.append(this.filters, this.empty, this.list);
  }

  update(entries: readonly TimelineEntry[]): void {
    this.entries = entries;
    this.render();
  }

  get size(): number {
    return this.entries.length;
  }

  private render(): void {
    const shown = this.entries.filter((e) => !this.hidden.has(e.kind));
    this.empty.hidden = shown.length > 0;
    this.list.replaceChildren(
      ...shown.map((e) => {
        const item = el('li', `timeline-entry kind-${e.kind} tone-${e.tone}`);
        item.dataset.kind = e.kind;
        item.dataset.id = e.id;
        item.append(
          el('span', 'timeline-time', formatTime(e.at)),
          el('span', 'timeline-kind', e.kind),
          el('span', 'timeline-title', e.title),
        );
        if (e.detail) item.append(el('span', 'timeline-detail', e.detail));
        const link = e.link;
        if (link) {
          item.tabIndex = 0;
          item.setAttribute('role', 'link');
          item.title = 'Show the detail';
          item.addEventListener('click', () => this.open(link));
          item.addEventListener('keydown', (event) => {
            if (event.key === 'Enter') this.open(link);
          });
        }
        return item;
      }),
    );
  }
}
