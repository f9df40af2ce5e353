/** The run's header: what is deployed where, its status and elapsed time, and the actions. */
import type { RunActions, RunHeader } from '../../shared/protocol';
import { el, setText } from '../dom';
import { commitLine, formatDuration } from '../format';
import { deploymentStatus } from '../status';
import { createButton, createProgressRing, setDisabled } from '../toolkit';

export interface HeaderActions {
  cancel(): void;
  rollback(): void;
  openConsole(): void;
  openIncidentNote(): void;
  copyIncidentNote(): void;
}

export class HeaderView {
  readonly element = el('header', 'run-header');
  private readonly title = el('h1', 'run-title');
  private readonly subtitle = el('div', 'run-subtitle');
  private readonly commit = el('div', 'run-commit');
  private readonly status = el('span', 'run-status');
  private readonly statusText = el('span', 'run-status-text');
  private readonly ring = createProgressRing();
  private readonly elapsed = el('span', 'run-elapsed');
  private readonly reason = el('div', 'run-reason');
  private readonly outputs = el('div', 'run-outputs');
  private readonly cancel: HTMLElement;
  private readonly rollback: HTMLElement;
  private readonly console: HTMLElement;
  private readonly incident: HTMLElement;
  private readonly copyIncident: HTMLElement;
  private header: RunHeader | undefined;

  constructor(actions: HeaderActions) {
    this.cancel = createButton('Cancel', 'secondary', actions.cancel);
    this.cancel.id = 'action-cancel';
    this.rollback = createButton('Roll Back', 'secondary', actions.rollback);
    this.rollback.id = 'action-rollback';
    this.console = createButton('Open in AWS Console', 'secondary', actions.openConsole);
    this.console.id = 'action-console';
    this.incident = createButton('Incident Note', 'secondary', actions.openIncidentNote);
    this.incident.id = 'action-incident';
    this.incident.title = 'Open the incident note: what fired, when, what changed, what was restored, what to look at next';
    this.copyIncident = createButton('Copy Note', 'secondary', actions.copyIncidentNote);
    this.copyIncident.id = 'action-copy-incident';
    this.copyIncident.title = 'Copy the incident note as Markdown';
    this.status.append(this.ring, this.statusText);
    const left = el('div', 'run-identity');
    left.append(this.title, this.subtitle, this.commit);
    const state = el('div', 'run-state');
    state.append(this.status, this.elapsed);
    const buttons = el('div', 'run-actions');
    buttons.append(this.cancel, this.rollback, this.console, this.incident, this.copyIncident);
    const top = el('div', 'run-header-top');
    top.append(left, state, buttons);
    this.element.append(top, this.reason, this.outputs);
  }

  update(header: RunHeader, actions: RunActions): void {
    this.header = header;
    const kind = header.kind === 'rollback' ? 'Rollback of ' : header.kind === 'baseline' ? 'Baseline of ' : '';
    setText(this.title, `${kind}${header.stack || 'stack'} → ${header.environment || 'environment'}`);
    const where = [header.region, header.account].filter(Boolean).join(' · ');
    const stack = header.stackStatus ? ` · stack ${header.stackStatus}` : '';
    const target = header.rollbackTargetId ? ` · restoring ${header.rollbackTargetId}` : '';
    setText(this.subtitle, `${where}${stack}${target}${header.live ? '' : ' · from history'}`);
    setText(this.commit, commitLine(header.commit));
    const status = deploymentStatus(header.status);
    // "Stable" is the word of a verified version: one nothing verified says so, in a quieter tone.
    const verified = header.status === 'stable' ? header.verified : undefined;
    const label = verified ? verified.words.charAt(0).toUpperCase() + verified.words.slice(1) : status.label;
    const tone = verified && (verified.kind === 'unguarded' || verified.kind === 'as-found') ? 'neutral' : status.tone;
    setText(this.statusText, label);
    this.status.className = `run-status tone-${tone}`;
    this.status.dataset.status = header.status;
    this.ring.hidden = tone !== 'running' || !header.live;
    setText(this.reason, header.reason ?? '');
    this.reason.hidden = !header.reason;
    // The reason reads in the status's tone: a stable run's reason is good news, not an error.
    this.reason.className = `run-reason tone-${tone}`;
    this.showOutputs(header.outputs ?? {});
    setDisabled(this.cancel, !actions.canCancel);
    setDisabled(this.rollback, !actions.canRollback);
    setDisabled(this.console, !actions.canOpenConsole);
    // Only a run that ended badly has a note; the buttons are not there before.
    this.incident.hidden = actions.canOpenIncident !== true;
    this.copyIncident.hidden = actions.canOpenIncident !== true;
    this.tick(Date.now());
  }

  /** The stack's outputs, each `Key = value`; a click copies the value. */
  private showOutputs(outputs: Readonly<Record<string, string>>): void {
    const entries = Object.entries(outputs);
    this.outputs.hidden = entries.length === 0;
    this.outputs.replaceChildren();
    if (entries.length === 0) return;
    const label = el('span', 'run-outputs-label');
    setText(label, 'Outputs');
    this.outputs.append(label);
    for (const [key, value] of entries) {
      const item = el('button', 'run-output');
      item.title = `Copy the value of ${key}`;
      const name = el('span', 'run-output-key');
      setText(name, key);
      const text = el('code', 'run-output-value');
      setText(text, value);
      item.append(name, text);
      item.addEventListener('click', () => {
        void navigator.clipboard.writeText(value).then(() => {
          item.title = `Copied ${key}`;
        });
      });
      this.outputs.append(item);
    }
  }

  /** Called every second while the run is going. */
  tick(now: number): void {
    const h = this.header;
    if (!h?.startedAt) return setText(this.elapsed, '');
    const end = h.finishedAt ?? (h.live ? now : undefined);
    setText(this.elapsed, end === undefined ? '' : formatDuration(end - h.startedAt));
  }
}
