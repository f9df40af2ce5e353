/**
 * The one pure function that judges a deployment's health:
 * (baseline states, observations, elapsed, policy) → continue | healthy | unhealthy | unknown.
 *
 * Rules, each one a lesson from rollback automation that made things worse:
 * - Only an alarm that *enters* ALARM after the deploy began is blamed. One already in ALARM
 *   before the deploy is reported and not judged until it has been seen out of ALARM.
 * - A short ALARM between two polls counts: alarm history transitions are judged like polls.
 * - INSUFFICIENT_DATA, a vanished alarm and failing polls are *not knowing*: never healthy, never
 *   a failure. Not knowing for longer than the limit ends the watch as `unknown` (fail closed:
 *   a person looks, nothing is rolled back, nothing is promoted to stable).
 * - Healthy needs a clean poll taken at or after the end of the bake.
 * - Guarded metrics are judged once, on a read taken at or after the end of the bake: a
 *   regression is unhealthy like an alarm; too little data is unknown (fail closed); a read that
 *   does not come for longer than the limit after the bake is unknown too.
 */
import type { MetricVerdictKind } from './metrics/verdict';
import type { AlarmPoll, AlarmState, AlarmTransition, HealthPolicy, Verdict } from './types';

/** One metric's verdict, as decide needs it. */
export interface MetricEvidence {
  readonly name: string;
  readonly verdict: { readonly kind: MetricVerdictKind; readonly reason: string };
}

export interface DecisionInput {
  /** The guarded alarm names, resolved before the watch. */
  readonly guarded: readonly string[];
  /** Each guarded alarm's state read just before the deploy began (absent = did not exist yet). */
  readonly baseline: Readonly<Record<string, AlarmState>>;
  /** When the deploy began (epoch ms): history older than this is someone else's story. */
  readonly deployStartedAt: number;
  /** When the update completed and the bake began (epoch ms). */
  readonly bakeStartedAt: number;
  readonly now: number;
  /** DescribeAlarms polls, oldest first. */
  readonly polls: readonly AlarmPoll[];
  /** Alarm history StateUpdate items (any order). */
  readonly transitions: readonly AlarmTransition[];
  readonly policy: HealthPolicy;
  /**
   * Guarded metrics: absent when none is guarded; `judged` absent until the metrics were read at
   * or after the end of the bake.
   */
  readonly metrics?: { readonly judged?: readonly MetricEvidence[] };
}

interface Sighting {
  readonly at: number;
  readonly name: string;
  readonly state: AlarmState;
  /** For history items: the state it left (an entry into ALARM needs a non-ALARM `from`). */
  readonly from?: AlarmState;
  readonly source: 'poll' | 'history';
  readonly reason?: string;
}

/** Judges the observations so far; call after every poll and every history answer. */
export function decide(input: DecisionInput): Verdict {
  const guarded = new Set(input.guarded);
  const blame = findBlame(input, guarded);
  if (blame) {
    const seen = blame.source === 'history' ? 'in the alarm history' : 'by the poll';
    const why = blame.reason ? `: ${blame.reason}` : '';
    return {
      kind: 'unhealthy',
      alarm: blame.name,
      at: blame.at,
      reason: `alarm ${blame.name} entered ALARM at ${new Date(blame.at).toISOString()} (seen ${seen})${why}`,
    };
  }

  const metricVerdicts = input.metrics?.judged;
  const regressed = metricVerdicts?.find((m) => m.verdict.kind === 'regressed');
  if (regressed)
    return { kind: 'unhealthy', alarm: regressed.name, metric: regressed.name, at: input.now, reason: regressed.verdict.reason };

  const judged = judgedAlarms(input, guarded);
  const bakeEnd = input.bakeStartedAt + input.policy.bakeMs;
  const latest = input.polls.at(-1);
  const unknown = latest ? unknownIn(latest, judged) : ['(no poll yet)'];

  // Metrics guard the deploy on their own: alarms that judge nothing then need no saying.
  if (judged.size === 0 && latest?.readings && !input.metrics) {
    // No alarm guards it (stackAlarms found none), or every guarded alarm was already in ALARM
    // before the deploy and still is: nothing can vouch for this deployment.
    if (input.now >= bakeEnd) {
      return {
        kind: 'unknown',
        alarms: [...guarded],
        reason:
          input.guarded.length === 0
            ? 'no alarm guards this deployment (health found none), so nothing could judge it'
            : 'every guarded alarm was already in ALARM before the deploy and still is, so nothing could judge it',
      };
    }
    return { kind: 'continue', unknown: [] };
  }

  if (input.now < bakeEnd) return { kind: 'continue', unknown };

  const unknownMetrics = metricVerdicts?.filter((m) => m.verdict.kind === 'unknown') ?? [];
  if (unknownMetrics.length > 0) {
    // More bake will not bring a baseline that is not there: too little data is final.
    return { kind: 'unknown', alarms: [], reason: unknownMetrics.map((m) => m.verdict.reason).join('; ') };
  }
  if (input.metrics && !metricVerdicts && input.now - bakeEnd >= input.policy.unknownLimitMs) {
    return {
      kind: 'unknown',
      alarms: [],
      reason: `the guarded metrics could not be read for ${formatMs(input.now - bakeEnd)} after the bake, longer than the ${formatMs(input.policy.unknownLimitMs)} limit: health cannot be confirmed`,
    };
  }

  if (latest && latest.readings && unknown.length === 0 && latest.at >= bakeEnd && (!input.metrics || metricVerdicts)) {
    const notJudged = input.guarded.filter((name) => !judged.has(name));
    const note = notJudged.length > 0 ? `; not judged (already in ALARM before the deploy and still): ${notJudged.join(', ')}` : '';
    const alarms =
      input.guarded.length === 0
        ? 'no guarded alarm fired'
        : `${judged.size} guarded alarm${judged.size === 1 ? '' : 's'} stayed out of ALARM and ended OK`;
    const metrics = metricVerdicts
      ? `; ${metricVerdicts.length} metric${metricVerdicts.length === 1 ? '' : 's'} within tolerance (${metricVerdicts.map((m) => m.verdict.reason).join('; ')})`
      : '';
    return { kind: 'healthy', reason: `${alarms} after the ${formatMs(input.policy.bakeMs)} bake${metrics}${note}` };
  }

  const since = unknownSince(input, judged);
  if (input.now - since >= input.policy.unknownLimitMs) {
    // An alarm CloudWatch no longer has (deleted, or removed by the deploy itself) is said as such:
    // the person must know it was not merely quiet.
    const readings = latest?.readings;
    const what = readings
      ? `alarm state unknown for ${unknown.map((name) => (readings.has(name) ? name : `${name} (no longer in CloudWatch)`)).join(', ')}`
      : `alarms could not be read (${latest?.error ?? 'no answer'})`;
    return {
      kind: 'unknown',
      alarms: unknown,
      reason: `${what} for ${formatMs(input.now - since)}, longer than the ${formatMs(input.policy.unknownLimitMs)} limit: health cannot be confirmed`,
    };
  }
  return { kind: 'continue', unknown };
}

/** Every observation of a guarded alarm in time order: poll readings and history transitions. */
function sightings(input: DecisionInput, guarded: ReadonlySet<string>): Sighting[] {
  const out: Sighting[] = [];
  for (const poll of input.polls) {
    if (!poll.readings) continue;
    for (const name of guarded) {
      const reading = poll.readings.get(name);
      out.push({
        at: poll.at,
        name,
        state: reading?.state ?? 'MISSING',
        source: 'poll',
        ...(reading?.reason !== undefined ? { reason: reading.reason } : {}),
      });
    }
  }
  for (const t of input.transitions) {
    if (!guarded.has(t.name) || t.at < input.deployStartedAt) continue;
    out.push({
      at: t.at,
      name: t.name,
      state: t.to,
      ...(t.from !== undefined ? { from: t.from } : {}),
      source: 'history',
      ...(t.summary !== undefined ? { reason: t.summary } : {}),
    });
  }
  // Stable sort: at equal times history (the exact moment) keeps its place after the poll.
  return out.sort((a, b) => a.at - b.at);
}

/** Whether the alarm is judged from the start: anything but ALARM before the deploy. */
function armedAtStart(input: DecisionInput, name: string): boolean {
  return input.baseline[name] !== 'ALARM';
}

/** The earliest moment a judged alarm entered ALARM, if any. */
function findBlame(input: DecisionInput, guarded: ReadonlySet<string>): Sighting | undefined {
  const armed = new Map<string, boolean>();
  for (const name of guarded) armed.set(name, armedAtStart(input, name));
  for (const s of sightings(input, guarded)) {
    if (s.state === 'ALARM') {
      // History says exactly when it went from a calm state into ALARM; a poll only says it is
      // in ALARM now, which blames the deploy only if the alarm was calm at some point since it began.
      const entered = s.source === 'history' && s.from !== undefined && s.from !== 'ALARM';
      if (entered || armed.get(s.name)) return s;
    } else if (s.state !== 'MISSING') {
      armed.set(s.name, true);
    }
  }
  return undefined;
}

/** Alarms the verdict rests on: all but those in ALARM since before the deploy and never calm since. */
function judgedAlarms(input: DecisionInput, guarded: ReadonlySet<string>): Set<string> {
  const judged = new Set<string>();
  for (const name of guarded) if (armedAtStart(input, name)) judged.add(name);
  for (const s of sightings(input, guarded)) {
    if (s.state !== 'ALARM' && s.state !== 'MISSING') judged.add(s.name);
  }
  return judged;
}

/** Judged alarms a poll could not vouch for (INSUFFICIENT_DATA or gone); `(poll failed)` for a failed poll. */
function unknownIn(poll: AlarmPoll, judged: ReadonlySet<string>): string[] {
  if (!poll.readings) return ['(poll failed)'];
  const out: string[] = [];
  for (const name of judged) {
    const state = poll.readings.get(name)?.state ?? 'MISSING';
    if (state !== 'OK') out.push(name);
  }
  return out.sort();
}

/** Start of the current stretch of not knowing: the last clean poll, else the start of the bake. */
function unknownSince(input: DecisionInput, judged: ReadonlySet<string>): number {
  for (let i = input.polls.length - 1; i >= 0; i--) {
    const poll = input.polls[i]!;
    if (poll.readings && unknownIn(poll, judged).length === 0) return Math.max(poll.at, input.bakeStartedAt);
  }
  return input.bakeStartedAt;
}

export function formatMs(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10}s`;
  return `${ms}ms`;
}
