import type { EnvironmentConfig } from '../pipeline/types';
import { DeployGuardError } from '../errors';
import { isProdName } from '../pipeline/confirmation';

/** An environment that production traffic depends on: named `prod*`, or guarded by alarms. */
export function isGuardedEnvironment(env: EnvironmentConfig): boolean {
  const health = env.health;
  const guarded =
    health !== undefined &&
    (health.alarms.length > 0 || health.alarmPrefix !== undefined || health.stackAlarms || (health.metrics?.length ?? 0) > 0);
  return guarded || isProdName(env.name);
}

/**
 * Deploy on save is for dev stacks. The pipeline validator rejects `deployOn: [save]` on guarded
 * or `prod*` environments; this is the runtime backstop, so a config that slipped past the
 * validator (or a caller that skipped it) still cannot redeploy production on every keystroke.
 */
export function assertSaveTriggerAllowed(env: EnvironmentConfig): void {
  if (isGuardedEnvironment(env)) {
    throw new DeployGuardError(
      'ConfigInvalid',
      `Environment "${env.name}" cannot deploy on save: it is ${isProdName(env.name) ? 'named prod*' : 'guarded by alarms'}, and deploy on save is only for dev stacks.`,
      { hint: `remove "save" from environments.${env.name}.deployOn, or deploy it with a push` },
    );
  }
}

/** The push trigger needs to know which branch's pushes deploy this environment. */
export function assertPushTriggerConfigured(env: EnvironmentConfig): string {
  if (!env.branch) {
    throw new DeployGuardError('ConfigInvalid', `Environment "${env.name}" deploys on push but names no branch.`, {
      hint: `add branch: main (or the branch to deploy) under environments.${env.name}`,
    });
  }
  return env.branch;
}
