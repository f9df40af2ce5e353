import * as vscode from 'vscode';
import { DeployGuardError } from '../../core/errors';
import { blamedAlarm } from '../../core/health/recordedHealth';
import type { EngineHost } from '../engineHost';
import { environmentState } from '../environmentState';
import { alarmConsoleUrl, stackConsoleUrl } from '../runPanel/consoleUrls';
import { loadEnvironment } from '../deployments/treeModel';
import { shortCommit } from '../format';
import { resolveEnvironment, targetOf } from './targets';

async function openExternal(url: string | undefined, what: string): Promise<void> {
  if (!url) throw new DeployGuardError('Usage', `There is no AWS console page for ${what} (the region is not a real AWS region)`);
  await vscode.env.openExternal(vscode.Uri.parse(url));
}

/** `Open Stack in AWS Console` on an environment or a deployment. */
export async function openStackCommand(host: EngineHost, arg: unknown): Promise<void> {
  const target = targetOf(arg);
  if (target.region && target.stackName) {
    const stackId = target.record?.stackId;
    return openExternal(stackConsoleUrl(target.region, target.stackName, stackId), `stack ${target.stackName}`);
  }
  const { pipeline, env } = await resolveEnvironment(host, target, 'Open Stack in AWS Console');
  const entry = await loadEnvironment(host, pipeline, env);
  return openExternal(stackConsoleUrl(env.region, entry.stackName, entry.records[0]?.stackId), `stack ${entry.stackName}`);
}

/** `Open Alarm`: the alarm a deployment's watch blamed (tree row, notification). */
export async function openAlarmCommand(host: EngineHost, arg: unknown): Promise<void> {
  const target = targetOf(arg);
  let { alarm, region } = target;
  if (!alarm && target.deploymentId) {
    const live = host.live.get(target.deploymentId);
    alarm = live?.alarm ?? (target.record ? blamedAlarm(target.record) : undefined);
    region ??= live?.region ?? target.record?.region;
  }
  if (!alarm && !target.deploymentId) {
    // From the palette (or an environment row): the alarm the environment's last verdict blamed.
    const { pipeline, env } = await resolveEnvironment(host, target, 'Open Alarm');
    const entry = await loadEnvironment(host, pipeline, env);
    alarm = environmentState(host.live.forEnvironment(env.name), entry.records, Date.now()).alarm;
    region ??= env.region;
  }
  if (!alarm || !region) throw new DeployGuardError('Usage', 'No alarm is known for this deployment: its health watch did not blame one');
  await openExternal(alarmConsoleUrl(region, alarm), `alarm ${alarm}`);
}

/** A stack output's row: copies its value. */
export async function copyOutputCommand(key: unknown, value: unknown): Promise<void> {
  if (typeof key !== 'string' || typeof value !== 'string')
    throw new DeployGuardError('Usage', 'Click an output under an environment to copy it');
  await vscode.env.clipboard.writeText(value);
  void vscode.window.setStatusBarMessage(`$(copy) Copied output ${key}`, 3000);
}

/** `Copy Commit` on a history row: the full sha. */
export async function copyCommitCommand(arg: unknown): Promise<void> {
  const record = targetOf(arg).record;
  if (!record?.commit)
    throw new DeployGuardError('Usage', 'This deployment recorded no commit (it was not deployed from a git repository)');
  await vscode.env.clipboard.writeText(record.commit);
  void vscode.window.setStatusBarMessage(`$(copy) Copied ${shortCommit(record.commit)}`, 3000);
}
