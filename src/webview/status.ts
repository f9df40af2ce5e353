/** How each engine status reads and looks. The status always comes from the engine's state. */
import type { DeploymentStatus, StepStatus } from '../core/model';

export type Tone = 'running' | 'good' | 'bad' | 'warn' | 'neutral';

const DEPLOYMENT: Record<DeploymentStatus, { label: string; tone: Tone }> = {
  queued: { label: 'Queued', tone: 'running' },
  'running-steps': { label: 'Running steps', tone: 'running' },
  deploying: { label: 'Deploying', tone: 'running' },
  watching: { label: 'Watching health', tone: 'running' },
  stable: { label: 'Stable', tone: 'good' },
  unchanged: { label: 'No changes', tone: 'good' },
  failed: { label: 'Failed', tone: 'bad' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
  unhealthy: { label: 'Unhealthy', tone: 'bad' },
  'rolling-back': { label: 'Rolling back', tone: 'running' },
  'rolled-back': { label: 'Rolled back', tone: 'warn' },
  'rollback-failed': { label: 'Rollback failed', tone: 'bad' },
  'needs-attention': { label: 'Needs attention', tone: 'bad' },
};

export function deploymentStatus(status: DeploymentStatus): { label: string; tone: Tone } {
  return DEPLOYMENT[status] ?? { label: String(status), tone: 'neutral' };
}

const STEP: Record<StepStatus, { icon: string; tone: Tone }> = {
  pending: { icon: '○', tone: 'neutral' },
  running: { icon: '●', tone: 'running' },
  succeeded: { icon: '✓', tone: 'good' },
  failed: { icon: '✗', tone: 'bad' },
  'timed-out': { icon: '⏱', tone: 'bad' },
  cancelled: { icon: '⊘', tone: 'neutral' },
  skipped: { icon: '↷', tone: 'neutral' },
};

export function stepStatus(status: StepStatus): { icon: string; tone: Tone } {
  return STEP[status] ?? { icon: '?', tone: 'neutral' };
}
