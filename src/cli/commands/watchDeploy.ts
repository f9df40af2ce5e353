import { DeployGuardError } from '../../core/errors';
import type { DeployCallback } from '../../core/triggers';
import type { WatchDeployContext } from './watch';

/**
 * The deploy engine behind `deployguard watch`: the same flow as `deployguard deploy ENV`
 * (steps, then the stack), given the trigger's commit, folder and reason.
 */
export function watchDeployCallback(_context: WatchDeployContext): DeployCallback {
  return async () => {
    throw new DeployGuardError('NotAvailableYet', 'The deploy engine is not part of this build yet, so watch cannot deploy.', {
      hint: 'use "deployguard run ENV" to run the steps',
    });
  };
}
