import * as vscode from 'vscode';
import { CancelledError, DeployGuardError } from '../../core/errors';
import { currentVersion } from '../../core/history/ledger';
import type { DeploymentRecord } from '../../core/history/record';
import { requireEnvironment } from '../../core/pipeline/environments';
import type { EnvironmentConfig, PipelineConfig } from '../../core/pipeline/types';
import type { EngineHost } from '../engineHost';
import { environmentState } from '../environmentState';
import { formatAge, recordStatusWords, shortCommit } from '../format';
import type { TreeNode } from '../deployments/treeModel';
import { loadEnvironment } from '../deployments/treeModel';
import { PICKER_OPTIONS } from '../pickerOptions';

/**
 * What a command was invoked on. Commands are reached from tree rows (a TreeNode), notification
 * buttons and other features (`{ environment }`, `{ deploymentId }`), or the palette (nothing:
 * ask with a quick pick).
 */
export interface CommandTarget {
  readonly environment?: string;
  readonly deploymentId?: string;
  readonly record?: DeploymentRecord;
  readonly region?: string;
  readonly alarm?: string;
  readonly stackName?: string;
}

export function targetOf(arg: unknown): CommandTarget {
  if (typeof arg === 'string') return { environment: arg };
  if (typeof arg !== 'object' || arg === null) return {};
  const tree = arg as TreeNode;
  if (tree.kind === 'environment') return { environment: tree.env.name, region: tree.env.config.region, stackName: tree.env.stackName };
  if (tree.kind === 'deployment') {
    return {
      environment: tree.env.name,
      deploymentId: tree.record.id,
      record: tree.record,
      region: tree.record.region,
      stackName: tree.record.stackName,
    };
  }
  const node = arg as CommandTarget;
  const { environment, deploymentId, region, alarm, stackName } = node;
  return {
    ...(typeof environment === 'string' ? { environment } : {}),
    ...(typeof deploymentId === 'string' ? { deploymentId } : {}),
    ...(typeof region === 'string' ? { region } : {}),
    ...(typeof alarm === 'string' ? { alarm } : {}),
    ...(typeof stackName === 'string' ? { stackName } : {}),
  };
}

/** The validated pipeline, or a ConfigInvalid error that says where to look. */
export async function requirePipeline(host: EngineHost): Promise<PipelineConfig> {
  const loaded = await host.loadPipeline();
  if (!loaded) throw new DeployGuardError('Usage', 'Open the folder that contains deployguard.yaml first');
  if (!loaded.config) {
    const first = loaded.problems[0];
    throw new DeployGuardError('ConfigInvalid', `deployguard.yaml cannot be used${first ? `: line ${first.line}: ${first.message}` : ''}`, {
      hint: 'fix the problems shown in the Problems panel',
    });
  }
  return loaded.config;
}

/** The environment named by the target, or one the user picks. Cancelling the pick is silent. */
export async function resolveEnvironment(
  host: EngineHost,
  target: CommandTarget,
  title: string,
): Promise<{ pipeline: PipelineConfig; env: EnvironmentConfig }> {
  const pipeline = await requirePipeline(host);
  const name = target.environment ?? (await pickEnvironment(host, pipeline, title));
  return { pipeline, env: requireEnvironment(pipeline, name) };
}

async function pickEnvironment(host: EngineHost, pipeline: PipelineConfig, title: string): Promise<string> {
  const envs = Object.values(pipeline.environments);
  if (envs.length === 1) return envs[0]!.name;
  const now = Date.now();
  const items = await Promise.all(
    envs.map(async (config) => {
      const entry = await loadEnvironment(host, pipeline, config);
      const state = environmentState(host.live.forEnvironment(config.name), entry.records, now);
      return {
        label: config.name,
        description: `${entry.stackName} · ${config.region}`,
        detail: `$(${state.icon}) ${state.description}`,
        name: config.name,
      };
    }),
  );
  const pick = await vscode.window.showQuickPick(items, {
    ...PICKER_OPTIONS,
    title,
    placeHolder: 'Which environment?',
    matchOnDescription: true,
  });
  if (!pick) throw new CancelledError('Choosing an environment');
  return pick.name;
}

/** A stable record of the environment to restore (newest first, the current one marked and excluded). */
export async function pickStableRecord(host: EngineHost, pipeline: PipelineConfig, env: EnvironmentConfig): Promise<DeploymentRecord> {
  const entry = await loadEnvironment(host, pipeline, env);
  // The current version comes from the ledger's links, not from the list's order.
  const current = currentVersion(entry.records);
  const candidates = entry.records.filter((r) => r.status === 'stable' && r.id !== current?.id);
  if (candidates.length === 0) {
    throw new DeployGuardError(
      'NoStableTarget',
      `${env.name} has no earlier stable deployment to roll back to${current ? ` (only the current one, ${shortCommit(current.commit)})` : ''}`,
    );
  }
  const now = Date.now();
  const pick = await vscode.window.showQuickPick(
    candidates.map((r) => ({
      label: `$(pass) ${shortCommit(r.commit)}`,
      description: `${recordStatusWords(r)} · ${formatAge(Date.parse(r.finishedAt ?? r.startedAt), now)}${r.branch ? ` · ${r.branch}` : ''}`,
      detail: r.id,
      record: r,
    })),
    {
      ...PICKER_OPTIONS,
      title: `Roll Back ${env.name}`,
      placeHolder: `Current: ${shortCommit(current?.commit)}. Which stable deployment should it return to?`,
    },
  );
  if (!pick) throw new CancelledError('Choosing a deployment');
  return pick.record;
}

/** A record of the environment by id, from its history on disk. */
export async function findRecord(
  host: EngineHost,
  pipeline: PipelineConfig,
  env: EnvironmentConfig,
  id: string,
): Promise<DeploymentRecord | undefined> {
  return (await loadEnvironment(host, pipeline, env)).records.find((r) => r.id === id);
}
