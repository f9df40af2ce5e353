/**
 * The buttons of the notifications that say how a deployment ended: which ones, in which order.
 * No `vscode` here, so that whatever shows the editor's notification elsewhere (the demo's scripted
 * story prints it) lists the same buttons as the editor, from this one table.
 */

/** Notification buttons: the words on them are what the tests and the README name. */
export const Actions = {
  viewLogs: 'View Logs',
  retry: 'Retry',
  openAlarm: 'Open Alarm',
  showRun: 'Show Run',
  rollBackNow: 'Roll Back Now',
  keepThisVersion: 'Keep This Version',
  openStack: 'Open Stack in AWS Console',
  continueRollback: 'Continue Rollback',
  watchLiveVersion: 'Watch the Live Version',
  openIncidentNote: 'Open Incident Note',
  copyIncidentNote: 'Copy Incident Note',
} as const;

export type Action = (typeof Actions)[keyof typeof Actions];

/** The buttons every bad ending has last: what happened, in one note, to read or to pass on. */
const INCIDENT_ACTIONS = [Actions.openIncidentNote, Actions.copyIncidentNote] as const;

/** A deploy or a rollback that failed. */
export function failedActions(): Action[] {
  return [Actions.viewLogs, Actions.retry, ...INCIDENT_ACTIONS];
}

/** A deployment rolled back automatically: its alarm and its rollback's run where they are known. */
export function rolledBackActions(d: {
  readonly alarm?: string | undefined;
  readonly rollbackDeploymentId?: string | undefined;
}): Action[] {
  return [
    Actions.viewLogs,
    ...(d.alarm ? [Actions.openAlarm] : []),
    ...(d.rollbackDeploymentId ? [Actions.showRun] : []),
    ...INCIDENT_ACTIONS,
  ];
}

/**
 * A deployment that needs a person. `unwatched`: left in doubt or live and not verified (watching
 * it is the next step); `stuck`: its stack (or its rollback's) is in UPDATE_ROLLBACK_FAILED.
 */
export function needsPersonActions(facts: { readonly unwatched: boolean; readonly stuck: boolean }): Action[] {
  return [
    ...(facts.unwatched ? [Actions.watchLiveVersion] : []),
    Actions.viewLogs,
    Actions.openStack,
    ...(facts.stuck ? [Actions.continueRollback] : []),
    ...INCIDENT_ACTIONS,
  ];
}
