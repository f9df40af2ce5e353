import type { EnvironmentConfig } from './types';

/**
 * Production by name: the environment's name starts with `prod`, in any case (`prod`, `Prod-eu`,
 * `PRODUCTION`). Such environments always ask before their stack changes and never deploy on save.
 * Decided case-insensitively, so a capitalised name is never taken for a dev stack.
 */
export function isProdName(name: string): boolean {
  return name.toLowerCase().startsWith('prod');
}

/** Deploys to this environment ask before the stack changes: `confirm: true`, or a prod* name. */
export function needsConfirmation(env: Pick<EnvironmentConfig, 'name' | 'confirm'>): boolean {
  return env.confirm || isProdName(env.name);
}
