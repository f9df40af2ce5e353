/** What every deployment needs from its surroundings, and the tunables tests shorten. */
import type { ClientOptions } from '../aws/clients';
import type { RequestCounter } from '../aws/historyBucket';
import type { StackPollers } from '../aws/stackPoller';
import type { EngineEventSink } from '../events';
import type { HistoryStore } from '../history/store';
import type { Logger } from '../logger';
import type { Notifier } from '../notify/notifier';
import type { RunStepsOptions, StepsResult } from '../pipeline/runSteps';
import type { Clock } from '../time';

/** Tunables; tests shorten them, production keeps the defaults. */
export interface EngineTiming {
  readonly changeSetPollMs?: number;
  /** Give up following a stack after polls fail for this long (needs a person). */
  readonly lostContactMs?: number;
  readonly acceptWithoutEventsMs?: number;
  readonly lockHeartbeatMs?: number;
  readonly lockStaleMs?: number;
}

/** What every deployment needs from its surroundings (the engine facade builds one). */
export interface EngineContext {
  /** The local folder: the default store, and where a team store keeps this machine's copy. */
  readonly history: HistoryStore;
  readonly pollers: StackPollers;
  readonly emit: EngineEventSink;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly timing?: EngineTiming;
  readonly clientOptions?: ClientOptions;
  /** Counts the team history's S3 requests (the benchmark reads it). */
  readonly s3Requests?: RequestCounter;
  /** The step runner; default the pipeline's runSteps (tests may inject another). */
  readonly runSteps?: (options: RunStepsOptions) => Promise<StepsResult>;
  /** Tells the team how a deploy ended (webhook, SNS); absent = nobody is told. */
  readonly notifier?: Notifier;
}

/** The timing for following a stack operation (only what the context overrides). */
export function followTiming(ctx: EngineContext) {
  return {
    ...(ctx.timing?.lostContactMs ? { lostContactMs: ctx.timing.lostContactMs } : {}),
    ...(ctx.timing?.acceptWithoutEventsMs ? { acceptWithoutEventsMs: ctx.timing.acceptWithoutEventsMs } : {}),
  };
}

/** The change-set poll interval, when the context overrides it. */
export function changeSetTiming(ctx: EngineContext): { changeSetPollMs?: number } {
  return ctx.timing?.changeSetPollMs ? { changeSetPollMs: ctx.timing.changeSetPollMs } : {};
}

/** The stack lock's heartbeat and staleness, when the context overrides them. */
export function lockTiming(ctx: EngineContext): { heartbeatMs?: number; staleMs?: number } {
  return {
    ...(ctx.timing?.lockHeartbeatMs ? { heartbeatMs: ctx.timing.lockHeartbeatMs } : {}),
    ...(ctx.timing?.lockStaleMs ? { staleMs: ctx.timing.lockStaleMs } : {}),
  };
}
