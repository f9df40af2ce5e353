/** The change set's planned changes and this operation's stack events (failures highlighted). */
import type { ChangeView, StackEventView } from '../../shared/protocol';
import { el } from '../dom';
import { formatTime } from '../format';
import { createGrid } from '../toolkit';

export class StackView {
  readonly element = el('div', 'stack');
  private readonly changesTitle = el('h2', 'section-title', 'Planned changes');
  private readonly changes = el('ul', 'changes');
  private readonly eventsTitle = el('h2', 'section-title', 'Stack events');
  private readonly empty = el('p', 'empty', 'No stack events yet: they appear here while the stack updates.');
  private readonly grid = createGrid(['Time', 'Resource', 'Type', 'Status', 'Reason'], '7em 1.2fr 1.2fr 1.3fr 3fr');
  private count = 0;

  constructor() {
    this.grid.element.classList.add('events-grid');
    this.element.append(this.changesTitle, this.changes, this.eventsTitle, this.empty, this.grid.element);
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
    this.append(events);
  }

  append(events: readonly StackEventView[]): void {
    for (const e of events) {
      this.grid.addRow(
        [formatTime(e.timestamp), e.logicalId, e.resourceType, e.status, e.reason ?? ''],
        e.failed ? 'event failed' : 'event',
      );
    }
    this.count += events.length;
    this.empty.hidden = this.count > 0;
    this.grid.element.hidden = this.count === 0;
  }

  get size(): number {
    return this.count;
  }
}
