/**
 * Every command id, typed. Registration, `executeCommand`, menus and the manifest check
 * (test/unit/manifest.test.ts) all use this table, so a typo cannot survive.
 */
export const Commands = {
  deploy: 'deployGuard.deploy',
  cancel: 'deployGuard.cancel',
  rollbackToThis: 'deployGuard.rollbackToThis',
  rollback: 'deployGuard.rollback',
  continueRollback: 'deployGuard.continueRollback',
  watchLiveVersion: 'deployGuard.watchLiveVersion',
  showRun: 'deployGuard.showRun',
  openStackInConsole: 'deployGuard.openStackInConsole',
  openAlarm: 'deployGuard.openAlarm',
  copyCommit: 'deployGuard.copyCommit',
  openIncidentNote: 'deployGuard.openIncidentNote',
  copyIncidentNote: 'deployGuard.copyIncidentNote',
  openResourceInTemplate: 'deployGuard.openResourceInTemplate',
  /** A stack output's row in the tree: copies its value (the row's click, hidden from the palette). */
  copyOutput: 'deployGuard.copyOutput',
  refresh: 'deployGuard.refresh',
  createPipelineFile: 'deployGuard.createPipelineFile',
  validatePipelineFile: 'deployGuard.validatePipelineFile',
  saveCommitPushDeploy: 'deployGuard.saveCommitPushDeploy',
  toggleDeployOnSave: 'deployGuard.toggleDeployOnSave',
  viewLogs: 'deployGuard.viewLogs',
  /** Internal, hidden from the palette: activation figures for the real-VS-Code tests. */
  status: 'deployGuard._status',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Context keys the manifest's `when` clauses read. */
export const ContextKeys = {
  hasPipelineFile: 'deployGuard.hasPipelineFile',
  pipelineInvalid: 'deployGuard.pipelineInvalid',
  noCredentials: 'deployGuard.noCredentials',
} as const;
