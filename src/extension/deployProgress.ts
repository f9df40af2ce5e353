import * as vscode from 'vscode';
import { statusRow } from '../core/deploymentStatus';
import type { EngineEvent } from '../core/events';
import type { EngineHost } from './engineHost';
import { shortCommit } from './format';

/**
 * A cancellable progress notification while a deployment's steps and stack update run ("prod:
 * running step Test (2/3)", "prod: UPDATE_IN_PROGRESS"). It closes when the bake starts or the
 * deployment ends (the status table's `busy` phases); its Cancel button cancels the deployment. The bake itself is shown by the
 * status bar's countdown, not a notification that would sit there for minutes.
 */
export class DeployProgress implements vscode.Disposable {
  private readonly open = new Map<string, { report: (message: string) => void; close: () => void }>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly host: EngineHost) {
    this.subscription = host.onEvent((event) => this.onEvent(event));
  }

  dispose(): void {
    this.subscription.dispose();
    for (const p of this.open.values()) p.close();
    this.open.clear();
  }

  private onEvent(event: EngineEvent): void {
    const d = this.host.live.get(event.deploymentId);
    if (!d || d.parentId) return;
    if (event.type === 'deployment-started') {
      this.start(event.deploymentId, `${d.environment}: ${d.kind === 'rollback' ? 'rolling back' : `deploying ${shortCommit(d.commit)}`}`);
      return;
    }
    const progress = this.open.get(event.deploymentId);
    if (!progress) return;
    if (event.type === 'deployment-finished' || (event.type === 'deployment-status' && !statusRow(event.status).busy)) {
      progress.close();
      this.open.delete(event.deploymentId);
      return;
    }
    const message = messageFor(event);
    if (message) progress.report(message);
  }

  private start(deploymentId: string, title: string): void {
    if (this.open.has(deploymentId)) return;
    let close!: () => void;
    let report: (message: string) => void = () => undefined;
    const done = new Promise<void>((resolve) => (close = resolve));
    this.open.set(deploymentId, { report: (m) => report(m), close: () => close() });
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Deploy Guard: ${title}`, cancellable: true },
      (progress, token) => {
        report = (message) => progress.report({ message });
        const cancel = token.onCancellationRequested(() => this.host.cancel({ deploymentId }));
        return done.finally(() => cancel.dispose());
      },
    );
  }
}

function messageFor(event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'deployment-status':
      return event.status === 'deploying' ? 'updating the stack' : event.status === 'running-steps' ? 'running steps' : undefined;
    case 'step-started':
      return `step ${event.index + 1}: ${event.name}`;
    case 'change-set-planned':
      return event.empty ? 'no changes' : `${event.changes.length} planned change(s)`;
    case 'stack-status':
      return event.status;
    // Nothing to show for these.
    case 'deployment-started':
    case 'deployment-finished':
    case 'step-finished':
    case 'log':
    case 'stack-event':
    case 'notice':
    case 'alarms-checked':
    case 'watch-started':
    case 'alarm-changed':
    case 'watch-verdict':
    case 'metric-verdict':
    case 'metric-points':
    case 'rollback-started':
    case 'rollback-finished':
      return undefined;
  }
}
