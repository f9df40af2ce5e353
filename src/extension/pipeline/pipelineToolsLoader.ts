import type * as PipelineTools from './pipelineTools';

let tools: typeof PipelineTools | undefined;

/**
 * Loads dist/pipeline.js (yaml, ajv and the validator) the first time a pipeline file is
 * opened or a pipeline command runs: activation never pays for it.
 */
export function loadPipelineTools(): typeof PipelineTools {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  tools ??= require('./pipeline.js') as typeof PipelineTools;
  return tools;
}
