import * as vscode from 'vscode';
import type { PlannedChange } from '../../core/events';
import type { RollbackRehearsal } from '../../core/rollback/rehearsal';
import { changeSummary, needsConfirmation, rehearsalLines } from './deployConfirmation';

export { changeSummary, needsConfirmation };
import type { DeploymentTrigger } from '../../core/deploymentTrigger';
import type { EngineHost } from '../engineHost';
import { requireTrustedWorkspace } from '../workspaceState';
import { resolveEnvironment, targetOf } from './targets';

const DEPLOY = 'Deploy';

/**
 * `Deploy Guard: Deploy…`: on a tree row's environment, or the one picked. Environments that need
 * confirmation show the change set's planned changes in a modal and go on only on "Deploy"; the
 * engine deletes the change set otherwise (nothing is deployed).
 */
export async function deployCommand(host: EngineHost, arg: unknown): Promise<void> {
  requireTrustedWorkspace('Deploying');
  const target = targetOf(arg);
  const { env } = await resolveEnvironment(host, target, 'Deploy Guard: Deploy');
  const trigger: DeploymentTrigger = (arg as { trigger?: unknown } | undefined)?.trigger === 'retry' ? 'retry' : 'command';
  await host.deploy(env.name, {
    trigger,
    ...(needsConfirmation(env)
      ? {
          confirmChanges: async (changes: readonly PlannedChange[], rehearsal?: RollbackRehearsal) => {
            const rollback = rehearsalLines(rehearsal);
            const choice = await vscode.window.showWarningMessage(
              `Deploy to ${env.name}?`,
              {
                modal: true,
                detail: [
                  `${env.name} asks for confirmation before its stack changes (${env.region}).`,
                  'Planned changes:',
                  changeSummary(changes),
                  ...(rollback ? [rollback] : []),
                ].join('\n\n'),
              },
              DEPLOY,
            );
            return choice === DEPLOY;
          },
        }
      : {}),
  });
}
