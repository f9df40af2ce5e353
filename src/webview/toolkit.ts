/**
 * The only module that knows about `@vscode/webview-ui-toolkit`.
 *
 * The toolkit is deprecated upstream (archived January 2025), so every
 * component the panel uses is created here, behind plain functions. Replacing it (with
 * `@vscode-elements/elements` or plain HTML + `--vscode-*` variables) touches this file only.
 *
 * Everything here sets text through `textContent`; nothing takes HTML.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let defined = false;

/** Registers the custom elements once; before this they render as unknown inline elements. */
export function defineComponents(): void {
  if (defined) return;
  defined = true;
  provideVSCodeDesignSystem().register(
    vsCodeBadge(),
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDataGrid(),
    vsCodeDataGridCell(),
    vsCodeDataGridRow(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeProgressRing(),
    vsCodeTextField(),
  );
}

export type ButtonAppearance = 'primary' | 'secondary' | 'icon';

export function createButton(label: string, appearance: ButtonAppearance, onClick: () => void): HTMLElement {
  const button = document.createElement('vscode-button');
  button.setAttribute('appearance', appearance);
  button.textContent = label;
  button.addEventListener('click', () => {
    if (!button.hasAttribute('disabled')) onClick();
  });
  return button;
}

export function setDisabled(element: HTMLElement, disabled: boolean): void {
  element.toggleAttribute('disabled', disabled);
}

export function createBadge(text: string): HTMLElement {
  const badge = document.createElement('vscode-badge');
  badge.textContent = text;
  return badge;
}

export function createProgressRing(): HTMLElement {
  const ring = document.createElement('vscode-progress-ring');
  ring.setAttribute('aria-label', 'running');
  // The ring animates its SVG stroke, which only the main thread can paint, every frame. On a
  // layer of its own that repaints 16×16 pixels; without one it repainted the whole workbench
  // (the webview shares its renderer) 40 times a second while a run went on — measured in the
  // panel benchmark as the largest share of the renderer's time while a step printed.
  ring.style.willChange = 'transform';
  ring.style.contain = 'paint';
  return ring;
}

/** A search box; `onInput` gets its value on every edit. */
export function createTextField(placeholder: string, value: string, onInput: (value: string) => void): HTMLElement & { value: string } {
  const field = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  field.setAttribute('placeholder', placeholder);
  field.setAttribute('aria-label', placeholder);
  field.value = value;
  field.addEventListener('input', () => onInput(field.value));
  return field;
}

export function createCheckbox(label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement & { checked: boolean } {
  const box = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  box.textContent = label;
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

export interface TabSpec {
  readonly id: string;
  readonly label: string;
  readonly content: HTMLElement;
}

export interface Tabs {
  readonly element: HTMLElement;
  /** Sets the small count shown next to a tab's label. */
  setCount(id: string, count: number | undefined): void;
  select(id: string): void;
}

/** Tabs (`vscode-panels`); `onChange` gets the id of the tab the user picked. */
export function createTabs(specs: readonly TabSpec[], onChange: (id: string) => void): Tabs {
  const panels = document.createElement('vscode-panels') as HTMLElement & { activeid?: string };
  const counts = new Map<string, HTMLElement>();
  for (const spec of specs) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${spec.id}`;
    tab.append(spec.label);
    const count = createBadge('');
    count.hidden = true;
    tab.append(count);
    counts.set(spec.id, count);
    panels.append(tab);
  }
  for (const spec of specs) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${spec.id}`;
    view.append(spec.content);
    panels.append(view);
  }
  panels.addEventListener('change', () => {
    const id = panels.activeid?.replace(/^tab-/, '');
    if (id) onChange(id);
  });
  return {
    element: panels,
    setCount: (id, value) => {
      const badge = counts.get(id);
      if (!badge) return;
      badge.hidden = value === undefined;
      badge.textContent = value === undefined ? '' : String(value);
    },
    select: (id) => panels.setAttribute('activeid', `tab-${id}`),
  };
}

export interface Grid {
  readonly element: HTMLElement;
  /** Appends a row of plain-text cells; `className` marks it (e.g. `failed`). */
  addRow(cells: readonly string[], className?: string): HTMLElement;
  clear(): void;
}

/** A data grid whose rows are built from text cells (never HTML). */
export function createGrid(columns: readonly string[], widths: string): Grid {
  const grid = document.createElement('vscode-data-grid');
  grid.setAttribute('grid-template-columns', widths);
  grid.setAttribute('aria-label', columns.join(', '));
  const header = row(columns, 'header');
  grid.append(header);
  return {
    element: grid,
    addRow: (cells, className) => {
      const added = row(cells, 'default', className);
      grid.append(added);
      return added;
    },
    clear: () => {
      while (grid.lastChild && grid.lastChild !== header) grid.lastChild.remove();
    },
  };
}

function row(cells: readonly string[], type: 'header' | 'default', className?: string): HTMLElement {
  const element = document.createElement('vscode-data-grid-row');
  if (type === 'header') element.setAttribute('row-type', 'header');
  if (className) element.className = className;
  cells.forEach((text, k) => {
    const cell = document.createElement('vscode-data-grid-cell');
    if (type === 'header') cell.setAttribute('cell-type', 'columnheader');
    cell.setAttribute('grid-column', String(k + 1));
    cell.textContent = text;
    element.append(cell);
  });
  return element;
}
