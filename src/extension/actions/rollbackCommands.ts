import * as vscode from 'vscode';
import { CancelledError, DeployGuardError } from '../../core/errors';
import type { DeploymentRecord } from '../../core/history/record';
import type { EngineHost } from '../engineHost';
import { formatAge, shortCommit } from '../format';
import { PICKER_OPTIONS } from '../pickerOptions';
import { requireTrustedWorkspace } from '../workspaceState';
import { findRecord, pickStableRecord, resolveEnvironment, targetOf } from './targets';

async function confirmModal(message: string, detail: string, button: string): Promise<void> {
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, button);
  if (choice !== button) throw new CancelledError(button);
}

function describe(record: DeploymentRecord): string {
  return `${shortCommit(record.commit)} (deployed ${formatAge(Date.parse(record.finishedAt ?? record.startedAt), Date.now())}, ${record.id})`;
}

/** `Roll Back to This` on a stable history row that is not the current one. */
export async function rollbackToThisCommand(host: EngineHost, arg: unknown): Promise<void> {
  requireTrustedWorkspace('Rolling back');
  const target = targetOf(arg);
  if (!target.deploymentId)
    throw new DeployGuardError('Usage', 'Roll Back to This needs a deployment: use it on a stable deployment in the Deployments view');
  const { pipeline, env } = await resolveEnvironment(host, target, 'Roll Back to This');
  const record = target.record ?? (await findRecord(host, pipeline, env, target.deploymentId));
  if (!record) throw new DeployGuardError('Usage', `No deployment ${target.deploymentId} in the history of ${env.name}`);
  if (record.status !== 'stable')
    throw new DeployGuardError(
      'RollbackRefused',
      `Deployment ${record.id} is ${record.status}, not stable: only stable deployments can be restored`,
    );
  await confirmModal(
    `Roll ${env.name} back to ${shortCommit(record.commit)}?`,
    `Redeploys the exact template and parameters of ${describe(record)} through a change set. It is recorded as its own deployment.`,
    'Roll Back',
  );
  await host.rollback(env.name, record.id);
}

/**
 * `Roll Back…` from the palette (pick the environment, then a stable deployment), or from the run
 * panel with `{ deploymentId }`: there it answers a pending `prompt` question with "roll back",
 * or restores the environment's previous stable deployment.
 */
export async function rollbackCommand(host: EngineHost, arg: unknown, answerPrompt: (deploymentId: string) => boolean): Promise<void> {
  requireTrustedWorkspace('Rolling back');
  const target = targetOf(arg);
  if (target.deploymentId && answerPrompt(target.deploymentId)) return;
  const environment = target.environment ?? (target.deploymentId ? host.live.get(target.deploymentId)?.environment : undefined);
  const { pipeline, env } = await resolveEnvironment(
    host,
    { ...target, ...(environment ? { environment } : {}) },
    'Deploy Guard: Roll Back',
  );
  const record = await pickStableRecord(host, pipeline, env);
  await confirmModal(
    `Roll ${env.name} back to ${shortCommit(record.commit)}?`,
    `Redeploys the exact template and parameters of ${describe(record)} through a change set.`,
    'Roll Back',
  );
  await host.rollback(env.name, record.id);
}

/** `Continue Rollback` for a stack left in UPDATE_ROLLBACK_FAILED (ContinueUpdateRollback, skipping nothing). */
export async function continueRollbackCommand(host: EngineHost, arg: unknown): Promise<void> {
  requireTrustedWorkspace('Continuing a rollback');
  const { env } = await resolveEnvironment(host, targetOf(arg), 'Deploy Guard: Continue Rollback');
  await confirmModal(
    `Continue the failed rollback of ${env.name}?`,
    'Asks CloudFormation to continue rolling the stack back (ContinueUpdateRollback). No resource is skipped; if a resource cannot be restored, fix it in the AWS console first, or use `deployguard recover` with the resources to skip.',
    'Continue Rollback',
  );
  await host.continueRollback(env.name);
}

/** Cancel on a running environment or deployment (or the run panel's Cancel button). */
export async function cancelCommand(host: EngineHost, arg: unknown): Promise<void> {
  const target = targetOf(arg);
  const running = host.live.running().filter((d) => !d.parentId);
  let chosen = target;
  if (!target.deploymentId && !target.environment) {
    if (running.length === 0) throw new DeployGuardError('Usage', 'No deployment is running in this window');
    const pick =
      running.length === 1
        ? { id: running[0]!.id }
        : await vscode.window.showQuickPick(
            running.map((d) => ({ label: d.environment, description: `${shortCommit(d.commit)} · ${d.status}`, id: d.id })),
            { ...PICKER_OPTIONS, title: 'Cancel Deployment', placeHolder: 'Which deployment?' },
          );
    if (!pick) throw new CancelledError('Cancel');
    chosen = { deploymentId: pick.id };
  }
  if (!host.cancel(chosen)) {
    throw new DeployGuardError('Usage', `Nothing to cancel: ${chosen.environment ?? chosen.deploymentId} is not running in this window`, {
      hint: 'a deployment started by the CLI or another window is cancelled there',
    });
  }
}
