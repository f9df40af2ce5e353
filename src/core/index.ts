/**
 * The engine's public face: what the extension loads lazily (as dist/engine.js) on first use,
 * and what the CLI bundles. Nothing here may import `vscode`.
 */
export * from './errors';
export * from './model';
export { STATUS, TRANSITIONS, canTransition, statusRow, type StatusOutcome, type StatusRow, type StatusTone } from './deploymentStatus';
export { DisposableStore, toDisposable } from './disposable';
export type { Disposable } from './disposable';
export { Emitter } from './emitter';
export type { Logger } from './logger';
export { silentLogger, tagged } from './logger';
export { parseDuration, formatCountdown, systemClock } from './time';
export type { Clock } from './time';
export * from './pipeline';
export { createMasker, credentialValuesFrom, MASK } from './secrets';
export type { Masker } from './secrets';
export { runProcess, captureProcess } from './process';
export type { RunProcessOptions, ProcessOutcome, CapturedProcess, OutputStream } from './process';
// Used by the editor's engine host (src/extension/engineHost.ts) through loadEngine().
export * from './history';
export { runDeployment, manualRollback, recoverStack, resumeInterrupted, openStackHistory, stackNameFor } from './deployment';
export type { DeployRequest, DeploymentOutcome, EngineContext, AwsSelection } from './deployment';
export { rollbackToRecord, captureBaselineIfFirst, selectEnvironment } from './deployment';
export type { RollbackOptions, ManualRollbackRequest, RecoverRequest, EngineTiming } from './deployment';
export { exitCodeFor } from './deployment/deploymentRun';
export type * from './events';
export { interpretStackStatus } from './aws/stackStatus';
export type { StatusMeaning, StartAction, Outcome } from './aws/stackStatus';
export { StackPollers } from './aws/stackPoller';
export { Notifier } from './notify/notifier';
export type { NotifyMessage } from './notify/message';
export { isAwsSdkLoaded } from './aws/sdk';
export { GitRepository, PushRejectedError, withTemporaryWorktree } from './git';
export type { CommitInfo, FileChange, PlannedCommit, PushResult, RepositoryStatus } from './git';
// Deploy on push / on save: the editor builds these through loadEngine().
export { PushTrigger, SaveTrigger, assertSaveTriggerAllowed, isGuardedEnvironment, DEFAULT_SAVE_DEBOUNCE_MS } from './triggers';
export type { DeployCallback, TriggerDeployRequest, TriggerRunEvent, TriggerState, TriggerStateEvent } from './triggers';
export { DEPLOYMENT_TRIGGERS, readTrigger, type DeployOnEvent, type DeploymentTrigger } from './deploymentTrigger';
// Health watch and rollback: event wording for views, and the prompt-policy callback types.
export { describeHealthEvent, isHealthEvent } from './health/describe';
export type { HealthEvent } from './health/events';
export type { ConfirmRollback, RollbackQuestion } from './rollback/afterUnhealthy';
export type { AlarmReading, AlarmState } from './health/types';
// The incident note, the timeline and template positions: the editor reaches them through loadEngine().
export { buildIncidentNote } from './incident/writeIncident';
export { firstFailedEvent, incidentMarkdown, needsIncidentNote } from './incident/incidentNote';
export type { IncidentNote } from './incident/incidentNote';
export { locatePath, locateResource } from './template/templateText';
export { samSourceOf } from './template/samSource';
export type { SamSource } from './template/samSource';
export { cdkPathOf, cdkResourceSource } from './cdk/assemblySource';
export type { CdkResourceSource } from './cdk/assemblySource';
export type { ResourceLocation } from './template/templateText';
export { timelineFromRecords, TimelineCollector } from './timeline/timeline';
export type { TimelineEntry, TimelineKind, TimelineLink } from './timeline/timeline';
