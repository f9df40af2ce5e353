/**
 * The one way to look an environment up by a name a person typed. The environments are a plain
 * object, so `in` or an index would find `toString` and `constructor` on its prototype: only the
 * file's own keys are environments.
 */
import { DeployGuardError } from '../errors';
import { didYouMean } from './didYouMean';
import type { EnvironmentConfig, PipelineConfig } from './types';

/** The environment called `name`, or undefined when the file has none by that name. */
export function findEnvironment(config: PipelineConfig, name: string): EnvironmentConfig | undefined {
  return Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
}

/** The environment called `name`; a Usage error listing the known ones when there is none. */
export function requireEnvironment(config: PipelineConfig, name: string, fileLabel = 'deployguard.yaml'): EnvironmentConfig {
  const env = findEnvironment(config, name);
  if (env) return env;
  const names = Object.keys(config.environments);
  throw new DeployGuardError(
    'Usage',
    `no environment "${name}" in ${fileLabel}${didYouMean(name, names)}: no such environment (it has: ${names.join(', ') || 'none'})`,
    { hint: `name one of: ${names.join(', ') || 'none (add one under environments:)'}` },
  );
}
