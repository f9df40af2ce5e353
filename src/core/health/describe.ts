/**
 * One human line per health event, for the CLI's text output and the log: what happened, to
 * which alarm, and what comes next. (`--json` prints the events themselves.)
 */
import { formatCountdown } from '../time';
import type { HealthEvent } from './events';
import { formatValue } from './metrics/verdict';

export function describeHealthEvent(event: HealthEvent): string {
  switch (event.type) {
    case 'alarms-checked': {
      const firing =
        event.alreadyInAlarm.length > 0 ? `; already in ALARM (not blamed on this deploy): ${event.alreadyInAlarm.join(', ')}` : '';
      return `health: guarding ${event.alarms.length} alarm(s): ${event.alarms.map((a) => `${a.name} ${a.state}`).join(', ')}${firing}\nhealth: ${event.rollbackTriggersWhy}`;
    }
    case 'watch-started':
      return `health: ${event.resumed ? 'resumed' : 'started'} the bake: ${event.alarms.length} alarm(s), ${event.metrics ? `${event.metrics.length} metric(s) judged against their baseline, ` : ''}${formatCountdown(event.bakeMs)} until ${event.deadline}, polling every ${event.pollSeconds}s, rollback ${event.rollback}`;
    case 'alarm-changed':
      return `health: alarm ${event.alarm} ${event.from ?? '(new)'} → ${event.to} at ${event.changedAt}${event.source === 'history' ? ' (from alarm history)' : ''}${event.reason ? `: ${event.reason}` : ''}`;
    case 'metric-verdict': {
      const medians =
        event.baselineMedian != null && event.bakeMedian != null
          ? `median ${formatValue(event.baselineMedian)} → ${formatValue(event.bakeMedian)}; `
          : '';
      // A restore's verdict compares its window with the baseline before the undone deployment, not with that deployment's bake.
      const which = event.phase === 'restore' ? ' after the restore' : '';
      return `health: metric ${event.verdict.toUpperCase()}${which}: ${event.reason} (${medians}${event.baselineN} samples before, ${event.candidateN} after)`;
    }
    case 'metric-points':
      return `health: read ${event.series.length} metric(s): ${event.series.map((s) => `${s.metric} ${s.points.length} point(s)`).join(', ')}`;
    case 'watch-verdict':
      return `health: ${event.verdict.toUpperCase()} after ${event.polls} poll(s): ${event.reason}`;
    case 'rollback-started':
      return `rollback: restoring stable deployment ${event.targetId} (token ${event.clientRequestToken}): ${event.reason}`;
    case 'rollback-finished':
      return `rollback: ${event.outcome}: ${event.reason}`;
  }
}

const HEALTH_TYPES: ReadonlySet<string> = new Set([
  'alarms-checked',
  'watch-started',
  'alarm-changed',
  'metric-verdict',
  'metric-points',
  'watch-verdict',
  'rollback-started',
  'rollback-finished',
]);

export function isHealthEvent(event: { type: string }): event is HealthEvent {
  return HEALTH_TYPES.has(event.type);
}
