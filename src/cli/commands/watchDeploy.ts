import { engineDeployCallback } from '../../core/triggers/engineDeploy';
import type { DeployCallback } from '../../core/triggers';
import { engineContext } from './engineSupport';
import type { WatchDeployContext } from './watch';

/**
 * The deploy engine behind `deployguard watch`: the same flow as `deployguard deploy ENV`
 * (steps, then the stack, the health watch, history), given the trigger's commit and reason.
 */
export function watchDeployCallback(context: WatchDeployContext): DeployCallback {
  return engineDeployCallback({
    context: engineContext(context.io, false),
    repoRoot: context.repoRoot,
    pipelineFile: context.file,
    processEnv: context.io.env,
    ...(context.userEndpoint ? { userEndpoint: context.userEndpoint } : {}),
    ...(context.userProfile ? { userProfile: context.userProfile } : {}),
    holder: 'deployguard watch',
  });
}
