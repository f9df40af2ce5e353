import * as vscode from 'vscode';
import type { EngineHost } from '../engineHost';
import { requireTrustedWorkspace } from '../workspaceState';
import { resolveEnvironment, targetOf } from './targets';

/**
 * `Watch the Live Version` on an environment or deployment left in doubt or live and not verified
 * (the tree's eye, the notification's button): reattaches to it and bakes it, exactly what the
 * next deploy of the environment would do first, without deploying anything new.
 */
export async function watchLiveVersionCommand(host: EngineHost, arg: unknown): Promise<void> {
  requireTrustedWorkspace('Watching the live version');
  const target = targetOf(arg);
  const environment = target.environment ?? (target.deploymentId ? host.live.get(target.deploymentId)?.environment : undefined);
  const { env } = await resolveEnvironment(
    host,
    { ...target, ...(environment ? { environment } : {}) },
    'Deploy Guard: Watch the Live Version',
  );
  if (!(await host.watchLiveVersion(env.name)))
    await vscode.window.showInformationMessage(
      `Deploy Guard: no deployment of ${env.name} is in doubt or live and not verified; nothing to watch`,
    );
}
