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
import { decide } from './decide';
import type { AlarmPoll, AlarmReading, AlarmState, AlarmTransition, FinalVerdict, HealthPolicy } from './types';

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
}

export interface WatchResult {
  readonly verdict: FinalVerdict;
  readonly polls: number;
  readonly failedPolls: number;
  /** false once learned that the service has no alarm history. */
  readonly historySupported: boolean;
  /** The last known state of every guarded alarm. */
  readonly states: Readonly<Record<string, AlarmState>>;
}

/** Consecutive history failures (other than "unsupported") after which this watch stops asking. */
const HISTORY_GIVE_UP_AFTER = 3;
/** The longest pause between polls while errors back off. */
const MAX_BACKOFF_MS = 30_000;

/** Watches until a final verdict; rejects only with CancelledError (or a programming error). */
export async function watchAlarms(options: WatchOptions): Promise<WatchResult> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const { source, guarded, logger } = options;
  const polls: AlarmPoll[] = [];
  const transitions: AlarmTransition[] = [];
  const seenTransitions = new Set<string>();
  const known = new Map<string, { state: AlarmState | undefined; at: number }>();
  for (const name of guarded) known.set(name, { state: options.baseline[name], at: options.deployStartedAt });

  let historySupported = options.readHistory !== false;
  let historyFailures = 0;
  let historyInFlight = false;
  let historySince = options.deployStartedAt;
  let failedPolls = 0;
  let consecutiveErrors = 0;
  let verdict: FinalVerdict | undefined;
  // Aborted to end the current pause early (history brought a verdict).
  let wake = new AbortController();

  const note = (change: AlarmChange) => {
    known.set(change.name, { state: change.to, at: change.at });
    options.onAlarmChanged?.(change);
  };

  const judge = (): FinalVerdict | undefined => {
    if (verdict) return verdict;
    const v = decide({
      guarded,
      baseline: options.baseline,
      deployStartedAt: options.deployStartedAt,
      bakeStartedAt: options.bakeStartedAt,
      now: clock.now(),
      polls,
      transitions,
      policy: options.policy,
    });
    if (v.kind !== 'continue') verdict = v;
    return verdict;
  };

  const readHistory = () => {
    if (!historySupported || historyInFlight) return;
    historyInFlight = true;
    const timeoutMs = options.historyTimeoutMs ?? Math.max(500, Math.min(options.pollMs, 5000));
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal) signals.push(options.signal);
    source
      .history(new Date(historySince), AbortSignal.any(signals))
      .then((items) => {
        historyFailures = 0;
        const fresh = items
          .filter((t) => guarded.includes(t.name))
          .filter((t) => {
            const key = `${t.name}|${t.at}|${t.from}|${t.to}`;
            if (seenTransitions.has(key)) return false;
            seenTransitions.add(key);
            return true;
          })
          .sort((a, b) => a.at - b.at);
        for (const t of fresh) {
          transitions.push(t);
          historySince = Math.max(historySince, t.at);
          if (t.at >= options.deployStartedAt && t.at > (known.get(t.name)?.at ?? 0)) {
            note({ name: t.name, from: t.from, to: t.to, at: t.at, source: 'history', reason: t.summary });
          }
        }
        if (fresh.length > 0 && judge()) wake.abort();
      })
      .catch((err: unknown) => {
        if (options.signal?.aborted) return;
        if (isHistoryUnsupported(err)) {
          historySupported = false;
          const why = `alarm history is not available from this endpoint (${errorMessage(err).split('\n')[0]}); polling DescribeAlarms only`;
          logger.info(why);
          options.onHistoryUnsupported?.(why);
          return;
        }
        historyFailures += 1;
        logger.debug(`alarm history read failed (${historyFailures}): ${errorMessage(err)}`);
        if (historyFailures >= HISTORY_GIVE_UP_AFTER) {
          historySupported = false;
          logger.warn(`alarm history failed ${historyFailures} times in a row; this watch polls DescribeAlarms only`);
        }
      })
      .finally(() => {
        historyInFlight = false;
      });
  };

  const poll = async (): Promise<void> => {
    let entry: AlarmPoll;
    try {
      const readings = await source.read(guarded, options.signal);
      entry = { at: clock.now(), readings };
      consecutiveErrors = 0;
      for (const name of guarded) observe(name, readings.get(name));
    } catch (err) {
      if (isCancellation(err) || options.signal?.aborted) throw err;
      failedPolls += 1;
      consecutiveErrors += 1;
      entry = { at: clock.now(), error: errorMessage(err) };
      logger.warn(`reading the guarded alarms failed (${consecutiveErrors} in a row; not a failure of the deploy): ${entry.error}`);
    }
    polls.push(entry);
    options.onPoll?.(entry);
  };

  const observe = (name: string, reading: AlarmReading | undefined) => {
    const state: AlarmState = reading?.state ?? 'MISSING';
    const before = known.get(name);
    if (before?.state === state) return;
    note({ name, from: before?.state, to: state, at: reading?.updatedAt ?? clock.now(), source: 'poll', reason: reading?.reason });
  };

  const bakeEnd = options.bakeStartedAt + options.policy.bakeMs;
  while (!verdict) {
    if (options.signal?.aborted) throw new DeployGuardError('Cancelled', 'The health watch was cancelled');
    readHistory();
    await poll();
    if (judge()) break;
    const pause = nextPause(options.pollMs, consecutiveErrors, random);
    const now = clock.now();
    // Poll right at the deadline too, so a healthy verdict rests on a reading taken after the bake.
    const untilDeadline = bakeEnd - now;
    const wait = untilDeadline > 0 ? Math.min(pause, untilDeadline) : pause;
    wake = new AbortController();
    const signals = [wake.signal];
    if (options.signal) signals.push(options.signal);
    try {
      await clock.sleep(wait, AbortSignal.any(signals));
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // Woken by history with a verdict: the loop condition ends the watch.
    }
  }

  const final = verdict as FinalVerdict | undefined;
  if (!final) throw new DeployGuardError('Internal', 'The health watch ended without a verdict');
  const states: Record<string, AlarmState> = {};
  for (const [name, k] of known) if (k.state) states[name] = k.state;
  return { verdict: final, polls: polls.length, failedPolls, historySupported, states };
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
