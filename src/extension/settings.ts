import * as vscode from 'vscode';
import type { Disposable } from '../core/disposable';

/**
 * The `deployGuard.*` settings, typed, in one place (mirrors `contributes.configuration`).
 *
 * The security-relevant ones — where signed AWS requests go (`endpoint`), whose credentials sign
 * them (`profile`), where history is written (`historyFolder`, `history`) and where deployment
 * details are sent (`notify.webhook`) — are read from the *user's* settings only. A cloned
 * repository's `.vscode/settings.json` is attacker-controlled input, so
 * its values for these keys are ignored even in a trusted workspace (the manifest also lists
 * them as `restrictedConfigurations` and scopes them `machine`).
 */
export interface DeployGuardSettings {
  /** AWS endpoint URL for every environment; '' = none. User settings only. */
  readonly endpoint: string | undefined;
  /** AWS profile when an environment names none. User settings only. */
  readonly profile: string | undefined;
  /** History folder; undefined = DEPLOYGUARD_HOME or ~/.deployguard. User settings only. */
  readonly historyFolder: string | undefined;
  /** `s3://BUCKET/PREFIX` or `local`: wins over deployguard.yaml's `history:`. User settings only. */
  readonly history: string | undefined;
  readonly saveDebounceMs: number;
  readonly deployOnSave: boolean;
  /** Notify when a deployment becomes stable (otherwise the status bar says it quietly). */
  readonly notifySuccess: boolean;
  readonly openRunPanel: boolean;
  /** Where the team is told how deployments ended (JSON POST); undefined = nowhere. User settings only. */
  readonly notifyWebhook: string | undefined;
  /** Tell the webhook and topics of stable deploys too, not only of rollbacks and failures. */
  readonly notifyOnStable: boolean;
  /** Rehearse the rollback before deploying guarded and `prod*` environments (false: never). */
  readonly rehearseRollback: boolean;
}

const SECTION = 'deployGuard';

/** A value from user (global) settings only: workspace and folder values are ignored on purpose. */
function userOnly(config: vscode.WorkspaceConfiguration, key: string): string | undefined {
  const value = config.inspect<string>(key)?.globalValue;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function readSettings(): DeployGuardSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    endpoint: userOnly(config, 'endpoint'),
    profile: userOnly(config, 'profile'),
    historyFolder: userOnly(config, 'historyFolder'),
    history: userOnly(config, 'history'),
    saveDebounceMs: Math.max(200, config.get<number>('saveDebounce', 1500)),
    deployOnSave: config.get<boolean>('deployOnSave.enabled', true),
    notifySuccess: config.get<boolean>('notifications.success', false),
    openRunPanel: config.get<boolean>('openRunPanel', true),
    rehearseRollback: config.get<boolean>('rehearseRollback', true),
    notifyWebhook: userOnly(config, 'notify.webhook'),
    notifyOnStable: config.get<boolean>('notify.onStable', false),
  };
}

/** Names a security setting whose workspace value is being ignored, for one log line. */
export function ignoredWorkspaceValues(): string[] {
  const config = vscode.workspace.getConfiguration(SECTION);
  return ['endpoint', 'profile', 'historyFolder', 'history', 'notify.webhook'].filter((key) => {
    const inspected = config.inspect<string>(key);
    return inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
  });
}

/** Calls `listener` when any `deployGuard.*` setting changes. */
export function onSettingsChanged(listener: (settings: DeployGuardSettings) => void): Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(readSettings());
  });
}
