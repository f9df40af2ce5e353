/** The change set's planned changes and this operation's stack events (failures highlighted). */
import type { ChangeView, StackEventView } from '../../shared/protocol';
import { el } from '../dom';
import { formatTime } from '../format';
import { createButton, createGrid } from '../toolkit';

export class StackView {
  readonly element = el('div', 'stack');
  private readonly changesTitle = el('h2', 'section-title', 'Planned changes');
  private readonly changes = el('ul', 'changes');
  private readonly eventsTitle = el('h2', 'section-title', 'Stack events');
  /** One row a resource that failed, each with its way to the template. */
  private readonly failed = el('ul', 'failed-resources');
  private readonly failedIds = new Set<string>();
  private readonly rowsById = new Map<string, HTMLElement>();
  private readonly empty = el('p', 'empty', 'No stack events yet: they appear here while the stack updates.');
  private readonly grid = createGrid(['Time', 'Resource', 'Type', 'Status', 'Reason'], '7em 1.2fr 1.2fr 1.3fr 3fr');
  private count = 0;

  constructor(private readonly openInTemplate: (logicalId: string) => void = () => undefined) {
    this.grid.element.classList.add('events-grid');
    this.failed.hidden = true;
    this.element.append(this.changesTitle, this.changes, this.failed, this.eventsTitle, this.empty, this.grid.element);
    this.setChanges([]);
  }

  setChanges(changes: readonly ChangeView[]): void {
    this.changesTitle.hidden = changes.length === 0;
    this.changes.replaceChildren(
      ...changes.map((c) => {
        const replaces = c.replacement === 'True';
        const item = el('li', `change action-${String(c.action).toLowerCase()}${replaces ? ' replaces' : ''}`);
        item.append(
          el('span', 'change-action', String(c.action)),
          el('span', 'change-id', c.logicalId),
          el('span', 'change-type', c.resourceType),
        );
        if (replaces) item.append(el('span', 'change-replace', 'REPLACES the resource'));
        else if (c.replacement === 'Conditional') item.append(el('span', 'change-maybe', 'may replace'));
        return item;
      }),
    );
  }

  reset(events: readonly StackEventView[]): void {
    this.grid.clear();
    this.count = 0;
    this.failedIds.clear();
    this.failed.replaceChildren();
    this.rowsById.clear();
    this.append(events);
  }

  append(events: readonly StackEventView[]): void {
    for (const e of events) {
      const row = this.grid.addRow(
        [formatTime(e.timestamp), e.logicalId, e.resourceType, e.status, e.reason ?? ''],
        e.failed ? 'event failed' : 'event',
      );
      this.rowsById.set(e.id, row);
      if (e.status.endsWith('_FAILED') && !this.failedIds.has(e.logicalId)) this.addFailed(e);
    }
    this.count += events.length;
    this.empty.hidden = this.count > 0;
    this.grid.element.hidden = this.count === 0;
  }

  get size(): number {
    return this.count;
  }

  /** Scrolls to a stack event's row and marks it (a timeline entry's detail). */
  reveal(eventId: string | undefined): void {
    for (const row of this.element.querySelectorAll('.event.revealed')) row.classList.remove('revealed');
    const row = eventId ? this.rowsById.get(eventId) : undefined;
    if (!row) return;
    row.classList.add('revealed');
    row.scrollIntoView({ block: 'center' });
  }

  private addFailed(e: StackEventView): void {
    this.failedIds.add(e.logicalId);
    const item = el('li', 'failed-resource');
    item.dataset.logicalId = e.logicalId;
    item.append(el('span', 'failed-id', `${e.logicalId} ${e.status}`), el('span', 'failed-reason', e.reason ?? ''));
    const open = createButton('Open in Template', 'secondary', () => this.openInTemplate(e.logicalId));
    open.classList.add('open-in-template');
    open.title = `Open the template at ${e.logicalId}'s definition and show the commit that last changed it`;
    item.append(open);
    this.failed.append(item);
    this.failed.hidden = false;
  }
}
