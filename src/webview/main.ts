/**
 * The run panel's browser side: builds the views, applies the host's snapshot and deltas, and
 * sends the user's clicks back. It keeps no authority of its own: the host's snapshot wins.
 */
import {
  EVENTS_WINDOW,
  readPanelUiState,
  type HealthView as Health,
  type HostToWebview,
  type PanelUiState,
  type RunActions,
  type RunHeader,
  type StepView,
  type WebviewToHost,
  type WireDelta,
  type WireSnapshot,
} from '../shared/protocol';
import { el } from './dom';
import { LogView } from './logView';
import { createTabs, defineComponents } from './toolkit';
import { HeaderView } from './views/header';
import { HealthView } from './views/healthView';
import { StackView } from './views/stackView';
import { StepsView } from './views/steps';
import { TimelineView } from './views/timelineView';
import type { TimelineEntry, TimelineLink } from '../core/timeline/timelineTypes';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PanelUiState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// Kept in this module's scope, never on `window`: a script that got in must not find it.
const vscode = acquireVsCodeApi();
const send = (message: WebviewToHost) => vscode.postMessage(message);

defineComponents();

let ui: PanelUiState | undefined = readPanelUiState(vscode.getState());
let rev = -1;
let header: RunHeader | undefined;
let actions: RunActions | undefined;
let steps: readonly StepView[] = [];

const headerView = new HeaderView({
  cancel: () => send({ type: 'cancel' }),
  rollback: () => send({ type: 'rollback' }),
  openConsole: () => send({ type: 'openConsole' }),
  openIncidentNote: () => send({ type: 'openIncidentNote' }),
  copyIncidentNote: () => send({ type: 'copyIncidentNote' }),
});
const stepsView = new StepsView();
const logView = new LogView({
  follow: ui?.follow ?? true,
  filter: ui?.filter ?? '',
  onStateChange: (state) => saveUi(state),
  onOpenFile: () => send({ type: 'openLogFile' }),
  onFetch: (from, to) => send({ type: 'fetchLog', from, to }),
});
const stackView = new StackView((logicalId) => send({ type: 'openInTemplate', logicalId }));
const timelineView = new TimelineView(
  (link) => openLink(link),
  ui?.hiddenKinds ?? [],
  (hidden) => saveUi({ hiddenKinds: hidden }),
);
const healthView = new HealthView((alarm) => send({ type: 'openAlarm', alarm }));
const tabs = createTabs(
  [
    { id: 'log', label: 'Log', content: logView.element },
    { id: 'stack', label: 'Stack', content: stackView.element },
    { id: 'health', label: 'Health', content: healthView.element },
    { id: 'timeline', label: 'Timeline', content: timelineView.element },
  ],
  (tab) => {
    saveUi({ tab });
    requestAnimationFrame(() => logView.layout());
  },
);
const notice = el('div', 'notice');
notice.hidden = true;

const root = document.getElementById('root') ?? document.body;
root.replaceChildren(headerView.element, notice, stepsView.element, tabs.element);
logView.mount();
if (ui?.tab) tabs.select(ui.tab);

function saveUi(patch: Partial<Omit<PanelUiState, 'deploymentId'>>): void {
  if (!header) return;
  ui = { ...ui, ...patch, deploymentId: header.deploymentId };
  vscode.setState(ui);
}

/** A timeline entry's detail: a tab of this panel (and the row in it), or another run's panel. */
function openLink(link: TimelineLink): void {
  if (header && link.deploymentId !== header.deploymentId) {
    send({ type: 'openRun', deploymentId: link.deploymentId });
    return;
  }
  tabs.select(link.tab);
  saveUi({ tab: link.tab });
  if (link.tab === 'stack') requestAnimationFrame(() => stackView.reveal(link.ref));
  if (link.tab === 'log') requestAnimationFrame(() => logView.layout());
}

function updateTimeline(entries: readonly TimelineEntry[] | undefined): void {
  if (!entries) return;
  timelineView.update(entries);
  tabs.setCount('timeline', entries.length > 0 ? entries.length : undefined);
}

function applySnapshot(snapshot: WireSnapshot): void {
  notice.hidden = true;
  header = snapshot.header;
  actions = snapshot.actions;
  steps = snapshot.steps;
  const now = Date.now();
  headerView.update(header, actions);
  stepsView.update(steps, now);
  logView.reset(snapshot.log.packed, snapshot.log.start, snapshot.log.total, snapshot.log.file);
  stackView.setChanges(snapshot.changes);
  stackView.reset(snapshot.events.slice(-EVENTS_WINDOW));
  healthView.update(snapshot.health, now, false);
  healthView.setCharts(snapshot.metrics ?? [], true, header.startedAt);
  updateCounts(snapshot.health);
  updateTimeline(snapshot.timeline ?? []);
  saveUi({});
  document.title = `${header.environment}: ${header.status}`;
}

function applyDelta(delta: WireDelta): void {
  const now = Date.now();
  if (delta.header) header = delta.header;
  if (delta.actions) actions = delta.actions;
  if ((delta.header || delta.actions) && header && actions) headerView.update(header, actions);
  if (delta.steps) {
    steps = delta.steps;
    stepsView.update(steps, now);
  }
  if (delta.logFile !== undefined) logView.setFile(delta.logFile);
  if (delta.appendLog) logView.append(delta.appendLog, delta.logStart ?? 0, delta.logTotal ?? 0);
  if (delta.changes) stackView.setChanges(delta.changes);
  if (delta.appendEvents) stackView.append(delta.appendEvents);
  if (delta.health) healthView.update(delta.health, now);
  if (delta.metrics) healthView.setCharts(delta.metrics, false, header?.startedAt);
  updateCounts(delta.health);
  updateTimeline(delta.timeline);
}

/** Tab badges: how many stack events; how many guarded alarms are in ALARM (none: no badge). */
function updateCounts(health: Health | undefined): void {
  tabs.setCount('stack', stackView.size > 0 ? stackView.size : undefined);
  if (!health) return;
  const firing = health.alarms.filter((a) => a.state === 'ALARM').length;
  tabs.setCount('health', firing > 0 ? firing : undefined);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  switch (message?.type) {
    case 'snapshot':
      rev = message.rev;
      applySnapshot(message.snapshot);
      send({ type: 'applied', rev });
      break;
    case 'delta':
      if (message.baseRev !== rev) {
        // We missed something (hidden, reloaded): a delta on the wrong base would show a wrong run.
        send({ type: 'requestSnapshot' });
        return;
      }
      rev = message.rev;
      applyDelta(message.delta);
      send({ type: 'applied', rev });
      break;
    case 'logLines':
      logView.fill(message.packed, message.start);
      break;
    case 'missing':
      notice.hidden = false;
      notice.textContent = message.message;
      break;
    default:
      break; // not ours
  }
});

// Elapsed time and the bake countdown move every second; the run's state does not come from here.
setInterval(() => {
  const now = Date.now();
  headerView.tick(now);
  healthView.tick(now);
  if (steps.some((s) => s.status === 'running')) stepsView.update(steps, now);
}, 1000);

send({ type: 'ready' });
