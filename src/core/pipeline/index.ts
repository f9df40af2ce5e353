/**
 * deployguard.yaml: the typed model, loading and validation with positions, variables, and the
 * step runner. What the deploy engine, the CLI and the editor use.
 */
export * from './types';
export { loadPipeline, PIPELINE_FILE_NAME } from './load';
export { findEnvironment, requireEnvironment } from './environments';
export type { LoadPipelineOptions, LoadedPipeline } from './load';
export { validatePipelineText } from './validate';
export type { PipelineValidation, ValidateTextOptions } from './validate';
export {
  BUILTIN_VARIABLES,
  VARIABLE_ENV_NAMES,
  findVariables,
  resolveVariables,
  resolveVariablesIn,
  variableEnvironment,
  toShellReferences,
  processEnvReferences,
  pipelineSecrets,
} from './variables';
export type { BuiltinVariable, VariableContext, VariableReference } from './variables';
export { runSteps, stepsResultError, stepBaseEnvironment, bashArgs } from './runSteps';
export type { RunStepsOptions, StepsResult, StepEvent, StepOutputLine } from './runSteps';
export { DEFAULT_LOG_FILE_MAX_BYTES } from './logFile';
export { PIPELINE_LIMITS } from './limits';
export { TEMPLATE_BODY_LIMIT } from './semanticCheck';
export { pipelineSchema } from './schemaCheck';
export { pipelineFingerprint, referencedScripts } from './fingerprint';
export type { PipelineFingerprint, FingerprintedFile } from './fingerprint';
export { starterPipeline, stackSafeName } from './starter';
export { describePipeline } from './summary';
export type { StarterOptions } from './starter';
