import * as vscode from 'vscode';
import { isVerified } from '../core/history/ledger';
import { errorMessage } from '../core/errors';
import { isOpenStatus, statusRow } from '../core/deploymentStatus';
import type { Logger } from '../core/logger';
import type { RollbackQuestion } from '../core/rollback/afterUnhealthy';
import { Commands } from './commands';
import type { EngineHost } from './engineHost';
import { recordStatusWords, shortCommit, statusWords } from './format';
import type { LiveChange, LiveDeployment } from './liveDeployments';
import { Actions, failedActions, needsPersonActions, rolledBackActions } from './notificationActions';
import { readSettings } from './settings';

function version(d: { commit?: string; id: string }): string {
  return d.commit ? shortCommit(d.commit) : d.id;
}

function because(reason: string | undefined): string {
  return reason ? `: ${reason}` : '';
}

/**
 * The notifications that say how a deployment ended, each naming the environment, the version
 * and the reason, with buttons that do what they say. A stable deployment is quiet (the status
 * bar says so) unless the user turned on `deployGuard.notifications.success`. A cancelled one is
 * silent: the user asked for it.
 */
export class DeploymentNotifications implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  private readonly pending = new Map<string, (rollBack: boolean) => void>();

  constructor(
    private readonly host: EngineHost,
    private readonly logger: Logger,
  ) {
    this.subscription = host.onChange((change) => this.onChange(change));
  }

  dispose(): void {
    this.subscription.dispose();
  }

  /**
   * `rollback: prompt`: asks whether to roll back an unhealthy deployment. View Logs opens the
   * run and asks again; closing the notification keeps the version (nothing is done to the stack
   * without a yes), which is logged.
   */
  async confirmRollback(q: RollbackQuestion): Promise<boolean> {
    const d = q.deployment;
    // "the stable" only for a verified target; otherwise the question says what it is.
    const to = isVerified(q.target) ? `the stable ${version(q.target)}` : `${version(q.target)}, ${recordStatusWords(q.target)}`;
    const message = `Deploy Guard: ${d.environment} — ${version(d)} is unhealthy (alarm ${q.alarm}${because(q.reason)}). Roll back to ${to}?`;
    // The run panel's Roll Back button may answer first (see answer()).
    const external = new Promise<boolean>((resolve) => this.pending.set(d.id, resolve));
    try {
      for (;;) {
        const choice = await Promise.race([
          vscode.window.showWarningMessage(message, Actions.rollBackNow, Actions.keepThisVersion, Actions.viewLogs),
          external.then((yes) => (yes ? Actions.rollBackNow : Actions.keepThisVersion)),
        ]);
        if (choice === Actions.viewLogs) {
          await this.showRun(d.id);
          continue;
        }
        const rollBack = choice === Actions.rollBackNow;
        this.logger.info(`${d.environment}: ${rollBack ? 'rolling back' : 'keeping'} ${d.id} (${choice ?? 'notification closed'})`);
        return rollBack;
      }
    } finally {
      this.pending.delete(d.id);
    }
  }

  /** Answers a pending `prompt` question from elsewhere (the run panel); false when none is pending. */
  answer(deploymentId: string, rollBack: boolean): boolean {
    const resolve = this.pending.get(deploymentId);
    if (!resolve) return false;
    resolve(rollBack);
    return true;
  }

  private onChange(change: LiveChange): void {
    if (!change.finishedNow) return;
    const d = change.deployment;
    // An automatic rollback is reported by the deployment it undid, not a second time by itself.
    if (d.parentId) return;
    void this.notifyFinished(d).catch((err: unknown) => this.logger.error(`notification failed: ${errorMessage(err)}`));
  }

  private async notifyFinished(d: LiveDeployment): Promise<void> {
    const what = d.kind === 'rollback' ? 'Rollback' : 'Deploy';
    // What to say follows the status table's outcome, so a new final status says what its row means.
    switch (statusRow(d.status).outcome) {
      case 'good':
        if (readSettings().notifySuccess) {
          const words =
            d.status === 'unchanged'
              ? 'had no changes to deploy'
              : d.kind === 'rollback'
                ? 'restored the stable version'
                : 'is stable after its bake';
          const choice = await vscode.window.showInformationMessage(
            `Deploy Guard: ${d.environment} — ${version(d)} ${words}`,
            Actions.showRun,
          );
          if (choice === Actions.showRun) await this.showRun(d.id);
        }
        return;
      case 'quiet':
        return;
      case 'failed': {
        const choice = await vscode.window.showErrorMessage(
          `Deploy Guard: ${d.environment} — ${what.toLowerCase()} of ${version(d)} failed${because(d.reason)}`,
          ...failedActions(),
        );
        await this.incidentAction(choice, d.id);
        if (choice === Actions.viewLogs) await this.showRun(d.id);
        if (choice === Actions.retry)
          await vscode.commands.executeCommand(d.kind === 'rollback' ? Commands.rollback : Commands.deploy, {
            environment: d.environment,
            trigger: 'retry',
          });
        return;
      }
      case 'rolled-back': {
        const actions = rolledBackActions(d);
        const restored = d.rollbackDeploymentId ? this.host.live.get(d.rollbackDeploymentId) : undefined;
        const to = restored?.commit ? ` to ${shortCommit(restored.commit)}` : '';
        // Why it was unhealthy; what was done about it is this message's own first half.
        const why = d.unhealthyReason ?? d.reason;
        const alarm = d.alarm && !why?.includes(d.alarm) ? ` (alarm ${d.alarm})` : '';
        const choice = await vscode.window.showWarningMessage(
          `Deploy Guard: ${d.environment} — ${version(d)} was unhealthy and was rolled back automatically${to}${alarm}${because(why)}`,
          ...actions,
        );
        await this.incidentAction(choice, d.id);
        if (choice === Actions.viewLogs) await this.showRun(d.id);
        if (choice === Actions.openAlarm) await vscode.commands.executeCommand(Commands.openAlarm, { region: d.region, alarm: d.alarm });
        if (choice === Actions.showRun) await this.showRun(d.rollbackDeploymentId ?? d.id);
        return;
      }
      case 'in-progress': // never final; said as loudly as a stuck deployment, should one end so
      case 'needs-person': {
        // rollback-failed, needs-attention, rolled back but still unhealthy (its reason says the cause
        // may not be this deployment), and an unhealthy deployment left as it is.
        const child = d.rollbackDeploymentId ? this.host.live.get(d.rollbackDeploymentId) : undefined;
        const stuck = d.stackStatus === 'UPDATE_ROLLBACK_FAILED' || child?.stackStatus === 'UPDATE_ROLLBACK_FAILED';
        // Left in doubt or live and not verified: watching it is the next step (the next deploy would do it first).
        const unwatched = isOpenStatus(d.status);
        const actions = needsPersonActions({ unwatched, stuck });
        const choice = await vscode.window.showErrorMessage(
          `Deploy Guard: ${d.environment} — ${version(d)} needs a person (${statusWords(d.status)})${because(d.reason)}`,
          ...actions,
        );
        await this.incidentAction(choice, d.id);
        if (choice === Actions.viewLogs) await this.showRun(d.id);
        if (choice === Actions.openStack)
          await vscode.commands.executeCommand(Commands.openStackInConsole, {
            environment: d.environment,
            region: d.region,
            stackName: d.stackName,
          });
        if (choice === Actions.continueRollback)
          await vscode.commands.executeCommand(Commands.continueRollback, { environment: d.environment });
        if (choice === Actions.watchLiveVersion)
          await vscode.commands.executeCommand(Commands.watchLiveVersion, { environment: d.environment });
        return;
      }
    }
  }

  private async incidentAction(choice: string | undefined, deploymentId: string): Promise<void> {
    if (choice === Actions.openIncidentNote) await vscode.commands.executeCommand(Commands.openIncidentNote, { deploymentId });
    if (choice === Actions.copyIncidentNote) await vscode.commands.executeCommand(Commands.copyIncidentNote, { deploymentId });
  }

  private async showRun(deploymentId: string): Promise<void> {
    await vscode.commands.executeCommand(Commands.showRun, { deploymentId });
  }
}
