/**
 * The entry of dist/pipeline.js: what the editor needs to read deployguard.yaml (validation,
 * fingerprint, starter file) without the engine and its AWS SDK, and without growing the
 * activation bundle. Loaded on first use by pipelineToolsLoader.ts. No `vscode` import here.
 */
export { validatePipelineText } from '../../core/pipeline/validate';
export { loadPipeline, PIPELINE_FILE_NAME } from '../../core/pipeline/load';
export { pipelineFingerprint } from '../../core/pipeline/fingerprint';
export { starterPipeline } from '../../core/pipeline/starter';
export { describePipeline } from '../../core/pipeline/summary';
