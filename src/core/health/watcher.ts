/**
 * The bake-window watch: a cancellable, self-scheduling poll of the guarded alarms (one
 * DescribeAlarms call per poll for up to 100 alarms), with jitter and backoff on errors, plus alarm
 * history read *beside* the poll so a short ALARM between two polls is not missed. Every answer is
 * judged by the pure `decide`; the first final verdict ends the watch.
 *
 * The history call never delays the poll: it runs concurrently, with its own short timeout, and a
 * service that has no alarm history (moto answers HTTP 500) is learned once and not asked again.
 */
import { DeployGuardError, errorMessage, isCancellation } from '../errors';
import type { Logger } from '../logger';
import { systemClock, type Clock } from '../time';
import { isHistoryUnsupported, type AlarmSource } from './alarmSource';
import { decide, type DecisionInput } from './decide';
import type { MetricSource } from './metricSource';
import { judgedOnly, judgeMetrics, metricReads, wholePeriods, type JudgedMetric, type TimeWindow, type WatchedMetric } from './metricWatch';
import type { Datapoint } from './metrics/samples';
import type { AlarmPoll, AlarmReading, AlarmState, AlarmTransition, FinalVerdict, HealthPolicy, Verdict } from './types';

export interface AlarmChange {
  readonly name: string;
  readonly from: AlarmState | undefined;
  readonly to: AlarmState;
  /** When it changed (CloudWatch's time when known, else when we saw it), epoch ms. */
  readonly at: number;
  readonly source: 'poll' | 'history';
  readonly reason?: string;
}

export interface WatchOptions {
  readonly source: AlarmSource;
  readonly guarded: readonly string[];
  readonly baseline: Readonly<Record<string, AlarmState>>;
  readonly deployStartedAt: number;
  readonly bakeStartedAt: number;
  readonly policy: HealthPolicy;
  readonly pollMs: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** [0,1) source for jitter; tests pass a fixed one. */
  readonly random?: () => number;
  /** Whether to read alarm history at all (false when already learned that the service lacks it). */
  readonly readHistory?: boolean;
  /** Cap for one history call, so a hung one cannot pile up (default min(pollMs, 5 s), at least 500 ms). */
  readonly historyTimeoutMs?: number;
  readonly onAlarmChanged?: (change: AlarmChange) => void;
  /** Told once when the service turns out to have no alarm history. */
  readonly onHistoryUnsupported?: (why: string) => void;
  /** After each poll (for views that show every alarm's state and the countdown). */
  readonly onPoll?: (poll: AlarmPoll) => void;
  /** The judgement of each observation; default `decide` (a restore's verification has its own rule). */
  readonly judge?: (input: DecisionInput) => Verdict;
  /**
   * Guarded metrics: read beside each alarm poll (one GetMetricData call), judged at the end of the
   * bake. Metrics that are only drawn (`chartOnly`) ride on the same call and never hold up a poll.
   */
  readonly metrics?: MetricWatchOptions;
}

export interface MetricWatchOptions {
  readonly source: MetricSource;
  readonly watched: readonly WatchedMetric[];
  /** The baseline, read once when the watch began. */
  readonly baseline: { readonly window: TimeWindow; readonly points: ReadonlyMap<string, readonly Datapoint[]> };
  /** After each read of the bake so far (for live charts). */
  readonly onRead?: (window: TimeWindow, points: ReadonlyMap<string, readonly Datapoint[]>) => void;
  /** Once, with every metric's verdict, when they are judged. */
  readonly onJudged?: (judged: readonly JudgedMetric[]) => void;
}

export interface WatchResult {
  readonly verdict: FinalVerdict;
  readonly polls: number;
  readonly failedPolls: number;
  /** false once learned that the service has no alarm history. */
  readonly historySupported: boolean;
  /** The last known state of every guarded alarm. */
  readonly states: Readonly<Record<string, AlarmState>>;
  /** Every guarded metric's verdict, once judged. */
  readonly metrics?: readonly JudgedMetric[];
}

/** Consecutive history failures (other than "unsupported") after which this watch stops asking. */
const HISTORY_GIVE_UP_AFTER = 3;
/** The longest pause between polls while errors back off. */
const MAX_BACKOFF_MS = 30_000;

/** Watches until a final verdict; rejects only with CancelledError (or a programming error). */
export function watchAlarms(options: WatchOptions): Promise<WatchResult> {
  return new AlarmWatch(options).run();
}

/**
 * One watch's state: what every alarm was last seen as, the polls and history transitions the
 * verdict rests on, and how the history reader and the error backoff are doing. Used once.
 */
class AlarmWatch {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly polls: AlarmPoll[] = [];
  private readonly transitions: AlarmTransition[] = [];
  private readonly seenTransitions = new Set<string>();
  private readonly known = new Map<string, { state: AlarmState | undefined; at: number }>();
  private readonly history: { supported: boolean; failures: number; inFlight: boolean; since: number };
  private failedPolls = 0;
  private consecutiveErrors = 0;
  private verdict: FinalVerdict | undefined;
  private judgedMetrics: JudgedMetric[] | undefined;
  /** Whether any watched metric is judged (else the metrics are only drawn, and the verdict is the alarms' alone). */
  private readonly judgesMetrics: boolean;
  /** The metrics' read at or after the end of the bake came back: nothing more is read. */
  private metricsDone = false;
  /** A read of the metrics is under way (a read that is only drawn is not awaited by its poll). */
  private metricsInFlight = false;
  /** Aborted to end the current pause early (history brought a verdict). */
  private wake = new AbortController();

  constructor(private readonly options: WatchOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.judgesMetrics = options.metrics !== undefined && judgedOnly(options.metrics.watched).length > 0;
    for (const name of options.guarded) this.known.set(name, { state: options.baseline[name], at: options.deployStartedAt });
    this.history = { supported: options.readHistory !== false, failures: 0, inFlight: false, since: options.deployStartedAt };
  }

  async run(): Promise<WatchResult> {
    const { options } = this;
    const bakeEnd = options.bakeStartedAt + options.policy.bakeMs;
    while (!this.verdict) {
      if (options.signal?.aborted) throw new DeployGuardError('Cancelled', 'The health watch was cancelled');
      this.readHistory();
      await this.poll();
      if (this.judge()) break;
      const pause = nextPause(options.pollMs, this.consecutiveErrors, this.random);
      const now = this.clock.now();
      // Poll right at the deadline too, so a healthy verdict rests on a reading taken after the bake.
      const untilDeadline = bakeEnd - now;
      const wait = untilDeadline > 0 ? Math.min(pause, untilDeadline) : pause;
      this.wake = new AbortController();
      const signals = [this.wake.signal];
      if (options.signal) signals.push(options.signal);
      try {
        await this.clock.sleep(wait, AbortSignal.any(signals));
      } catch (err) {
        if (options.signal?.aborted) throw err;
        // Woken by history with a verdict: the loop condition ends the watch.
      }
    }

    const final = this.verdict;
    if (!final) throw new DeployGuardError('Internal', 'The health watch ended without a verdict');
    const states: Record<string, AlarmState> = {};
    for (const [name, k] of this.known) if (k.state) states[name] = k.state;
    return {
      verdict: final,
      polls: this.polls.length,
      failedPolls: this.failedPolls,
      historySupported: this.history.supported,
      states,
      ...(this.judgedMetrics ? { metrics: this.judgedMetrics } : {}),
    };
  }

  private note(change: AlarmChange): void {
    this.known.set(change.name, { state: change.to, at: change.at });
    this.options.onAlarmChanged?.(change);
  }

  private judge(): FinalVerdict | undefined {
    if (this.verdict) return this.verdict;
    const { options } = this;
    const v = (options.judge ?? decide)({
      guarded: options.guarded,
      baseline: options.baseline,
      deployStartedAt: options.deployStartedAt,
      bakeStartedAt: options.bakeStartedAt,
      now: this.clock.now(),
      polls: this.polls,
      transitions: this.transitions,
      policy: options.policy,
      ...(this.judgesMetrics ? { metrics: this.judgedMetrics ? { judged: this.judgedMetrics } : {} } : {}),
    });
    if (v.kind !== 'continue') this.verdict = v;
    return this.verdict;
  }

  /** Starts one history read beside the poll (never more than one at a time); never awaited. */
  private readHistory(): void {
    const { options, history } = this;
    const { guarded, logger } = options;
    if (!history.supported || history.inFlight) return;
    history.inFlight = true;
    const timeoutMs = options.historyTimeoutMs ?? Math.max(500, Math.min(options.pollMs, 5000));
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal) signals.push(options.signal);
    options.source
      .history(new Date(history.since), AbortSignal.any(signals))
      .then((items) => {
        history.failures = 0;
        const fresh = items
          .filter((t) => guarded.includes(t.name))
          .filter((t) => {
            const key = `${t.name}|${t.at}|${t.from}|${t.to}`;
            if (this.seenTransitions.has(key)) return false;
            this.seenTransitions.add(key);
            return true;
          })
          .sort((a, b) => a.at - b.at);
        for (const t of fresh) {
          this.transitions.push(t);
          history.since = Math.max(history.since, t.at);
          if (t.at >= options.deployStartedAt && t.at > (this.known.get(t.name)?.at ?? 0)) {
            this.note({
              name: t.name,
              from: t.from,
              to: t.to,
              at: t.at,
              source: 'history',
              ...(t.summary !== undefined ? { reason: t.summary } : {}),
            });
          }
        }
        if (fresh.length > 0 && this.judge()) this.wake.abort();
      })
      .catch((err: unknown) => {
        if (options.signal?.aborted) return;
        if (isHistoryUnsupported(err)) {
          history.supported = false;
          const why = `alarm history is not available from this endpoint (${errorMessage(err).split('\n')[0]}); polling DescribeAlarms only`;
          logger.info(why);
          options.onHistoryUnsupported?.(why);
          return;
        }
        history.failures += 1;
        logger.debug(`alarm history read failed (${history.failures}): ${errorMessage(err)}`);
        if (history.failures >= HISTORY_GIVE_UP_AFTER) {
          history.supported = false;
          logger.warn(`alarm history failed ${history.failures} times in a row; this watch polls DescribeAlarms only`);
        }
      })
      .finally(() => {
        history.inFlight = false;
      });
  }

  private async poll(): Promise<void> {
    const { options } = this;
    // The metrics are read beside the alarms, never after them.
    const finalRead = this.clock.now() >= options.bakeStartedAt + options.policy.bakeMs;
    const metricsRead = this.readMetrics();
    metricsRead.catch(() => undefined); // awaited below; a cancelled alarm read must not leave it unhandled
    let entry: AlarmPoll;
    try {
      const readings = await options.source.read(options.guarded, options.signal);
      entry = { at: this.clock.now(), readings };
      this.consecutiveErrors = 0;
      for (const name of options.guarded) this.observe(name, readings.get(name));
    } catch (err) {
      if (isCancellation(err) || options.signal?.aborted) throw err;
      this.failedPolls += 1;
      this.consecutiveErrors += 1;
      entry = { at: this.clock.now(), error: errorMessage(err) };
      options.logger.warn(
        `reading the guarded alarms failed (${this.consecutiveErrors} in a row; not a failure of the deploy): ${entry.error}`,
      );
    }
    this.polls.push(entry);
    options.onPoll?.(entry);
    // Judged metrics are part of the verdict, so the poll waits for them; metrics that are only
    // drawn never delay the alarms' verdict, except the last read, which the record keeps.
    if (this.judgesMetrics || finalRead) await metricsRead;
  }

  /**
   * Reads the bake so far for every guarded metric in one GetMetricData call (whole periods only),
   * and judges them on the first read taken at or after the end of the bake. A failed read is not
   * knowing: the next poll reads again.
   */
  private async readMetrics(): Promise<void> {
    const { options } = this;
    const metrics = options.metrics;
    if (!metrics || this.metricsDone || this.metricsInFlight || metrics.watched.length === 0) return;
    const bakeEnd = options.bakeStartedAt + options.policy.bakeMs;
    const now = this.clock.now();
    const window = { start: options.bakeStartedAt, end: Math.min(now, bakeEnd) };
    // The judged metrics' periods shape the window (whole periods only); one only drawn never
    // cuts a judged metric's samples to its own longer period.
    const longest = Math.max(...(this.judgesMetrics ? judgedOnly(metrics.watched) : metrics.watched).map((m) => m.period));
    this.metricsInFlight = true;
    try {
      const points = await metrics.source.read(metricReads(metrics.watched), wholeRead(window, longest), options.signal);
      metrics.onRead?.(window, points);
      if (now >= bakeEnd) {
        this.metricsDone = true;
        if (this.judgesMetrics) {
          this.judgedMetrics = judgeMetrics(metrics.watched, metrics.baseline, { window, points });
          metrics.onJudged?.(this.judgedMetrics);
        }
      }
    } catch (err) {
      if (isCancellation(err) || options.signal?.aborted) throw err;
      options.logger.warn(`reading the guarded metrics failed (not a failure of the deploy): ${errorMessage(err)}`);
    } finally {
      this.metricsInFlight = false;
    }
  }

  private observe(name: string, reading: AlarmReading | undefined): void {
    const state: AlarmState = reading?.state ?? 'MISSING';
    const before = this.known.get(name);
    if (before?.state === state) return;
    this.note({
      name,
      from: before?.state,
      to: state,
      at: reading?.updatedAt ?? this.clock.now(),
      source: 'poll',
      ...(reading?.reason !== undefined ? { reason: reading.reason } : {}),
    });
  }
}

/**
 * The pause before the next poll: the interval shortened by up to 20 % of jitter (watchers never
 * march in step, and detection is never slower than the interval), doubling per consecutive error
 * up to 30 s (never a retry storm against a struggling API).
 */
export function nextPause(pollMs: number, consecutiveErrors: number, random: () => number): number {
  if (consecutiveErrors === 0) return Math.round(pollMs * (0.8 + 0.2 * random()));
  const backoff = Math.min(pollMs * 2 ** Math.min(consecutiveErrors, 10), Math.max(pollMs, MAX_BACKOFF_MS));
  return Math.round(backoff * (0.5 + 0.5 * random()));
}

/** The read's window: the whole periods of the longest period inside it (at least one), so no edge period comes back partial. */
function wholeRead(window: TimeWindow, periodSeconds: number): TimeWindow {
  const ms = periodSeconds * 1000;
  const inner = wholePeriods(window, periodSeconds);
  return { start: inner.start, end: Math.max(inner.end, inner.start + ms) };
}
