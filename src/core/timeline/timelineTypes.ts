/**
 * The timeline's shape, import-free: the run panel's protocol and its webview read it without
 * pulling in the engine (timeline.ts builds the entries).
 */
export type TimelineKind = 'status' | 'step' | 'change-set' | 'stack-event' | 'alarm' | 'metric' | 'verdict' | 'rollback' | 'verification';

/** Every kind, in the order a filter lists them. */
export const TIMELINE_KINDS: readonly TimelineKind[] = [
  'status',
  'step',
  'change-set',
  'stack-event',
  'alarm',
  'metric',
  'verdict',
  'rollback',
  'verification',
];

export type TimelineTone = 'good' | 'bad' | 'warn' | 'neutral';

/** Which detail an entry stands for: a tab of the run's panel, and the row in it when there is one. */
export interface TimelineLink {
  /** The run that holds the detail (the rollback's entries live on the rollback's own run). */
  readonly deploymentId: string;
  readonly tab: 'log' | 'stack' | 'health';
  /** The step's index (log), the stack event's id (stack), the alarm's or metric's name (health). */
  readonly ref?: string;
}

export interface TimelineEntry {
  /** Stable across updates of the same entry (a step's entry is replaced when it finishes). */
  readonly id: string;
  /** Epoch ms. */
  readonly at: number;
  readonly kind: TimelineKind;
  readonly tone: TimelineTone;
  readonly title: string;
  readonly detail?: string;
  readonly link?: TimelineLink;
}
