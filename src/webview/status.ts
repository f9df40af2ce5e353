/** How each engine status reads and looks. The status always comes from the engine's state. */
import { STATUS, type DeploymentStatus, type StatusTone } from '../core/deploymentStatus';
import type { StepStatus } from '../core/model';

export type Tone = StatusTone;

export function deploymentStatus(status: DeploymentStatus): { label: string; tone: Tone } {
  const row = STATUS[status];
  return row ? { label: row.label, tone: row.tone } : { label: String(status), tone: 'neutral' };
}

const STEP: Record<StepStatus, { icon: string; tone: Tone }> = {
  pending: { icon: '○', tone: 'neutral' },
  running: { icon: '●', tone: 'running' },
  succeeded: { icon: '✓', tone: 'good' },
  failed: { icon: '✗', tone: 'bad' },
  'timed-out': { icon: '⏱', tone: 'bad' },
  cancelled: { icon: '⊘', tone: 'neutral' },
  skipped: { icon: '↷', tone: 'neutral' },
  interrupted: { icon: '⊘', tone: 'warn' },
};

export function stepStatus(status: StepStatus): { icon: string; tone: Tone } {
  return STEP[status] ?? { icon: '?', tone: 'neutral' };
}
