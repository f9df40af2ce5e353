/**
 * One deployment's state machine (the whole table: src/core/deploymentStatus.ts):
 *
 *   queued → running-steps → deploying → watching → stable
 *
 * with the exits `failed`, `unchanged`, `cancelled`, `needs-attention`, and those the health
 * watch decides (`rolled-back`, `rollback-failed`). Every transition is written to the record
 * (atomically) and emitted as a typed event; every mutating AWS call is preceded by a journal
 * entry, so a crash resumes the deployment instead of starting a second one.
 *
 * One file a phase: runDeployment (the order of the phases), stepsPhase, changeSetPhase,
 * bakePhase (the health watch, which may restore by rollbackToRecord), manualRollback,
 * recoverStack (ContinueUpdateRollback), resumeInterrupted, baseline; deploymentRun keeps the
 * record, the journal and the events of each run.
 */
export { selectEnvironment, stackNameFor, openStackHistory } from './awsSelection';
export type { AwsSelection } from './awsSelection';
export type { EngineContext, EngineTiming } from './engineContext';
export type { DeploymentOutcome } from './outcome';
export { runDeployment } from './runDeployment';
export type { DeployRequest } from './runDeployment';
export { captureBaselineIfFirst } from './baseline';
export { rollbackToRecord } from './rollbackToRecord';
export type { RollbackOptions } from './rollbackToRecord';
export { manualRollback } from './manualRollback';
export type { ManualRollbackRequest } from './manualRollback';
export { recoverStack } from './recoverStack';
export type { RecoverRequest } from './recoverStack';
export { resumeInterrupted } from './resumeInterrupted';
export type { Masker } from '../secrets';
