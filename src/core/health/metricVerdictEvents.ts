/**
 * The `metric-verdict` events of one judgement, the same for a bake and for a restore's
 * verification window: views draw a chart and print a line from each, whichever watch judged it.
 * JSON has no NaN or Infinity, so numbers that are not finite go out as null.
 */
import type { MetricVerdictEvent, WatchPhase } from './events';
import type { JudgedMetric } from './metricWatch';
import { finiteInterval } from './recordedHealth';

export function metricVerdictEvents(
  judged: readonly JudgedMetric[],
  facts: {
    readonly deploymentId: string;
    /** ISO time the verdicts were reached. */
    readonly at: string;
    /** Each metric's alarm threshold, by key (for a metric behind a guarded alarm). */
    readonly thresholds: ReadonlyMap<string, number>;
    /** Absent for a bake; `restore` for a restore's verification window. */
    readonly phase?: WatchPhase;
  },
): MetricVerdictEvent[] {
  return judged.map((j): MetricVerdictEvent => {
    const v = j.verdict;
    const threshold = facts.thresholds.get(j.key);
    return {
      type: 'metric-verdict',
      deploymentId: facts.deploymentId,
      at: facts.at,
      metric: j.name,
      ...(j.alarm !== undefined ? { alarm: j.alarm } : {}),
      verdict: v.kind,
      reason: v.reason,
      bad: v.bad,
      tolerance: v.tolerance,
      relativeChange: v.relativeChange,
      interval: finiteInterval(v.interval) ? [v.interval[0], v.interval[1]] : null,
      scale: v.scale,
      baselineN: v.baselineN,
      candidateN: v.candidateN,
      baselineMedian: Number.isFinite(v.baselineMedian) ? v.baselineMedian : null,
      bakeMedian: Number.isFinite(v.candidateMedian) ? v.candidateMedian : null,
      ...(threshold !== undefined ? { threshold } : {}),
      baseline: j.baseline,
      bake: j.bake,
      ...(facts.phase !== undefined ? { phase: facts.phase } : {}),
    };
  });
}
