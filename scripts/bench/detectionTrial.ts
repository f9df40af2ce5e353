/**
 * One detection-latency trial for the health benchmark: a real deploy of v2 through the engine
 * (runDeployment) against moto behind a recording proxy; at a random moment of the bake an alarm
 * is set to ALARM (straight to moto); the clock stops when the rollback's first write call
 * (CreateChangeSet / UpdateStack / ExecuteChangeSet) reaches the proxy.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EngineEvent } from '../../src/core/events';
import {
  deployVersion,
  engineContext,
  health,
  putAlarm,
  rawCloudWatch,
  setAlarm,
  versionedPipeline,
} from '../../test/support/healthFixtures';
import type { Moto } from '../../test/support/moto';
import { startRecorder, type Recorder } from './recorder';

const WRITE_CALLS = ['CreateChangeSet', 'UpdateStack', 'ExecuteChangeSet'];
const BAKE_MS = 6000;

export interface DetectionContext {
  readonly recorder: Recorder;
  readonly cw: CloudWatchClient;
  readonly repo: string;
  readonly home: string;
  close(): Promise<void>;
}

async function deploy(ctx: DetectionContext, version: string, bakeMs: number, events: EngineEvent[]) {
  return deployVersion({
    ctx: engineContext(ctx.home, (e) => events.push(e)),
    repo: ctx.repo,
    pipeline: versionedPipeline({
      stackName: 'orders-bench',
      version,
      endpoint: ctx.recorder.endpoint,
      health: health({ alarms: ['orders-5xx'], bakeMs, pollSeconds: 1 }),
    }),
    version,
  });
}

export async function prepareDetection(moto: Moto): Promise<DetectionContext> {
  await moto.reset();
  const recorder = await startRecorder(moto.endpoint);
  const cw = rawCloudWatch(moto.endpoint);
  const repo = await mkdtemp(join(tmpdir(), 'dg-bench-repo-'));
  const home = await mkdtemp(join(tmpdir(), 'dg-bench-home-'));
  await putAlarm(cw, 'orders-5xx');
  const ctx: DetectionContext = {
    recorder,
    cw,
    repo,
    home,
    close: async () => {
      cw.destroy();
      await recorder.close();
    },
  };
  const v1 = await deploy(ctx, 'v1', 500, []);
  if (v1.record.status !== 'stable') throw new Error(`v1 did not become stable: ${v1.record.status} ${v1.record.reason}`);
  return ctx;
}

export interface TrialResult {
  /** SetAlarmState(ALARM) → the rollback's first write call reaching the emulator. */
  readonly total: number;
  /** SetAlarmState → the DescribeAlarms poll that saw it (the poll interval's share). */
  readonly toPoll: number;
  /** That poll → the first write call (the rollback's own checks and bookkeeping). */
  readonly pollToWrite: number;
}

/** One trial: milliseconds from SetAlarmState(ALARM) to the rollback's first write call at the emulator. */
export async function runDetectionTrial(ctx: DetectionContext, _index: number): Promise<TrialResult> {
  await setAlarm(ctx.cw, 'orders-5xx', 'OK');
  const events: EngineEvent[] = [];
  let latency: number | undefined;
  let split: { toPoll: number; pollToWrite: number } | undefined;
  const trigger = (async () => {
    while (!events.some((e) => e.type === 'watch-started')) await new Promise((r) => setTimeout(r, 5));
    // A random moment of the bake, so the alarm lands anywhere in the poll cycle.
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 3000));
    const firstWrite = ctx.recorder.next(WRITE_CALLS);
    const t0 = performance.now();
    await setAlarm(ctx.cw, 'orders-5xx', 'ALARM', 'benchmark');
    const write = await firstWrite;
    latency = write.at - t0;
    // The poll that saw it: the last DescribeAlarms to reach the emulator before the first stack read.
    const after = ctx.recorder.calls.filter((c) => c.at >= t0 && c.at <= write.at);
    const firstStackRead = after.find((c) => c.op === 'DescribeStacks' || c.op === 'GetTemplate')?.at ?? write.at;
    const seenBy = after.filter((c) => c.op === 'DescribeAlarms' && c.at <= firstStackRead).at(-1)?.at ?? t0;
    split = { toPoll: seenBy - t0, pollToWrite: write.at - seenBy };
    // Measured; now the restore fixes it, so its verification window passes and the trial ends rolled-back.
    await setAlarm(ctx.cw, 'orders-5xx', 'OK', 'the restore fixed it');
    if (process.env['TRACE']) console.log(after.map((c) => `${(c.at - t0).toFixed(0)} ${c.op}`).join('\n'));
  })();
  const v2 = await deploy(ctx, 'v2', BAKE_MS, events);
  await trigger;
  if (v2.record.status !== 'rolled-back') throw new Error(`trial ended ${v2.record.status}: ${v2.record.reason}`);
  return { total: latency!, ...split! };
}
