import type * as Engine from '../core/index';

let engine: typeof Engine | undefined;

/**
 * Loads the engine bundle (dist/engine.js) on first use, never at activation: activation stays
 * fast. The engine in turn loads the AWS SDK (dist/aws-sdk.js) only on its first AWS call.
 */
export function loadEngine(): typeof Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= require('./engine.js') as typeof Engine;
  return engine;
}

/** Whether the engine has been loaded yet (activation checks assert it has not). */
export function isEngineLoaded(): boolean {
  return engine !== undefined;
}
