// Health-watch benchmark: `npm run bench -- detection [all|latency|rate]`.
//  1. Detection latency: SetAlarmState(ALARM) at a random moment of the bake → the first rollback
//     write call (CreateChangeSet / UpdateStack / ExecuteChangeSet) reaching the emulator, seen by a
//     recording proxy in front of moto; ≥20 trials, pollSeconds 1. Target p95 ≤ 1.3 s.
//  2. AWS calls per minute during a bake with 1, 10 and 100 guarded alarms. Target: equal.
// Started by detection.mjs under tsx: it drives the engine from source, against a real moto_server.
import { cpus, loadavg } from 'node:os';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { startMoto, type Moto } from '../../test/support/moto';
import { prepareDetection, runDetectionTrial } from './detectionTrial';
import { startRecorder } from './recorder';
import { environment, health, memoryLogger, putAlarm, record, tempHistory, useMotoCredentials } from '../../test/support/healthFixtures';
import { AwsClients } from '../../src/core/aws/clients';
import { watchAfterDeploy } from '../../src/core/health/afterDeploy';
import { checkAlarmsBeforeDeploy } from '../../src/core/health/beforeDeploy';
import { systemClock } from '../../src/core/time';
import { benchSettings } from './support/settings';

const settings = benchSettings({ which: 'string', trials: 'number', rateWindowMs: 'number', alarmCounts: 'string' });
const TRIALS = settings.trials;
const RATE_WINDOW_MS = settings.rateWindowMs;

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function callsPerMinute(moto: Moto, alarmCount: number) {
  await moto.reset();
  const recorder = await startRecorder(moto.endpoint);
  const cw = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const names = Array.from({ length: alarmCount }, (_, i) => `bench-${String(i).padStart(3, '0')}`);
  for (const n of names) await putAlarm(cw, n);
  const clients = new AwsClients({ region: 'us-east-1', endpoint: recorder.endpoint });
  const env = environment(recorder.endpoint, health({ alarms: names, bakeMs: RATE_WINDOW_MS, pollSeconds: 1 }));
  const rec = record();
  const logger = memoryLogger();
  const preflight = await checkAlarmsBeforeDeploy({
    deploymentId: rec.id,
    environment: env,
    stackName: rec.stackName,
    clients,
    emit: () => undefined,
    logger,
    yes: true,
  });
  const from = recorder.calls.length;
  const t0 = performance.now();
  let polls = 0;
  const result = await watchAfterDeploy({
    record: rec,
    environment: env,
    clients,
    history: await tempHistory(rec.stackName),
    emit: (e) => {
      if (e.type === 'watch-verdict') polls = e.polls;
    },
    logger,
    clock: systemClock,
    signal: new AbortController().signal,
    deploymentStartedAt: Date.now(),
    restore: () => Promise.reject(new Error('not in this benchmark')),
    showStatus: () => undefined,
    ...(preflight ? { preflight } : {}),
  });
  const elapsed = performance.now() - t0;
  const during = recorder.calls.slice(from);
  const byOp: Record<string, number> = {};
  for (const c of during) byOp[c.op] = (byOp[c.op] ?? 0) + 1;
  clients.dispose();
  cw.destroy();
  await recorder.close();
  if (result.outcome !== 'finished' || result.status !== 'stable')
    throw new Error(`bake with ${alarmCount} alarms ended ${JSON.stringify(result)}`);
  return {
    alarmCount,
    perMinute: (during.length / elapsed) * 60_000,
    byOp,
    elapsed,
    polls,
    perPoll: (byOp['DescribeAlarms'] ?? 0) / Math.max(1, polls),
  };
}

async function main() {
  useMotoCredentials();
  const moto = await startMoto();
  try {
    const which = settings.which;
    if (!['all', 'latency', 'rate'].includes(which)) throw new Error(`detection: unknown part "${which}" (all, latency or rate)`);
    if (which === 'all' || which === 'latency') {
      const ctx = await prepareDetection(moto);
      const trials: { total: number; toPoll: number; pollToWrite: number }[] = [];
      for (let i = 0; i < TRIALS; i++) {
        const t = await runDetectionTrial(ctx, i);
        trials.push(t);
        process.stdout.write(
          `  trial ${String(i + 1).padStart(2)}: ${t.total.toFixed(0)} ms (alarm → poll ${t.toPoll.toFixed(0)} ms, poll → write ${t.pollToWrite.toFixed(0)} ms)\n`,
        );
      }
      await ctx.close();
      const stat = (key: 'total' | 'toPoll' | 'pollToWrite') => {
        const sorted = trials.map((t) => t[key]).sort((a, b) => a - b);
        return `p50 ${(percentile(sorted, 50) / 1000).toFixed(2)} s, p95 ${(percentile(sorted, 95) / 1000).toFixed(2)} s`;
      };
      console.log(
        `load average at the end: ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${cpus().length} CPUs`,
      );
      console.log(
        `detection latency (SetAlarmState ALARM → first rollback write call at the emulator), pollSeconds 1, ${TRIALS} trials: ${stat('total')} (target p95 ≤ 1.3 s)`,
      );
      console.log(`  of which alarm → the poll that saw it: ${stat('toPoll')}; that poll → first write: ${stat('pollToWrite')}`);
    }
    if (which === 'all' || which === 'rate') {
      for (const n of settings.alarmCounts.split(',').map(Number)) {
        const r = await callsPerMinute(moto, n);
        const ops = Object.entries(r.byOp)
          .map(([op, c]) => `${op} ${c}`)
          .join(', ');
        console.log(
          `AWS calls during a bake with ${String(n).padStart(3)} alarm(s), pollSeconds 1: ${r.perMinute.toFixed(1)}/min over ${(r.elapsed / 1000).toFixed(1)} s, ${r.polls} polls (${ops}; the extra DescribeAlarms re-reads the guarded set at the start of the bake)`,
        );
      }
    }
  } finally {
    await moto.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
