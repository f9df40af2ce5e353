/**
 * The team-history benchmark (see team.mjs). Targets: (a) S3/local deploy time ≤ 1.15, S3
 * requests per deploy the same with 10 and with 1,000 records; (b) history of 1,000 records from a
 * cold cache ≤ 1.5 s; (c) exactly one of the simultaneous deploys runs, each refusal ≤ 2 s.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { AwsClients } from '../../src/core/aws/clients';
import { HistoryBucket } from '../../src/core/aws/historyBucket';
import { newDeploymentId } from '../../src/core/history/paths';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../src/core/history/record';
import { S3HistoryStore } from '../../src/core/history/s3Store';
import { startFaultProxy } from '../../test/support/faultProxy';
import { MOTO_ENV, startMoto } from '../../test/support/moto';
import { benchSettings } from './support/settings';
import { median, pairedDifference } from './support/stats';

const settings = benchSettings({ pairs: 'number', seedLarge: 'number', contenders: 'number' });
const BUCKET = 'bench-ledger';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const S3_ACTIONS = new Set(['PutObject', 'GetObject', 'DeleteObject', 'DeleteObjects', 'HeadObject', 'ListObjectsV2', 'HeadBucket']);

const TEMPLATE = `Parameters:
  Name:
    Type: String
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref Name
`;

interface Ran {
  readonly ms: number;
  readonly code: number | null;
  readonly out: string;
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, out }));
  });
}

/** `count` verified stable records of `stackName`, each linked to the one before it. */
async function seed(endpoint: string, prefix: string, stackName: string, count: number): Promise<void> {
  const clients = new AwsClients({ region: REGION, endpoint });
  const store = new S3HistoryStore({
    bucket: new HistoryBucket(() => clients.s3(), BUCKET, ACCOUNT),
    prefix,
    cacheRoot: await mkdtemp(join(tmpdir(), 'dg-seed-')),
  });
  const stack = store.stack({ account: ACCOUNT, region: REGION, stackName });
  const start = Date.parse('2026-01-01T00:00:00Z');
  const body = TEMPLATE;
  let previous: string | undefined;
  const records: DeploymentRecord[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(start + i * 60_000).toISOString();
    const id = newDeploymentId(start + i * 60_000);
    records.push({
      schemaVersion: HISTORY_SCHEMA_VERSION,
      id,
      kind: 'deploy',
      environment: 'dev',
      stackName,
      region: REGION,
      account: ACCOUNT,
      trigger: 'cli',
      template: { body, sha256: createHash('sha256').update(body).digest('hex') },
      parameters: [{ key: 'Name', value: stackName }],
      tags: {},
      capabilities: [],
      status: 'stable',
      startedAt: at,
      finishedAt: at,
      steps: [],
      previous: previous !== undefined ? { deploymentId: previous } : {},
      verification: { kind: 'alarms', alarms: ['bench-5xx'], at },
    });
    previous = id;
  }
  for (let i = 0; i < records.length; i += 16) await Promise.all(records.slice(i, i + 16).map((r) => stack.write(r)));
  clients.dispose();
}

async function main(): Promise<void> {
  // The in-process clients (the bucket, the seeding) use moto's credentials too.
  Object.assign(process.env, MOTO_ENV);
  const work = await mkdtemp(join(tmpdir(), 'dg-bench-team-'));
  const cliJs = join(work, 'deployguard.cjs');
  // Our own bundles of the CLI, built the way `npm run package` builds dist/cli.js (scripts/build.mjs
  // --production: minified, the pipeline schema's validator compiled at build time): the CLI a
  // runner installs, whose load time is part of every figure here.
  const { schemaValidatorPlugin } = await import('../schemaValidatorPlugin.mjs');
  const node = {
    ...({
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
      minify: true,
      legalComments: 'none',
    } as const),
    plugins: [schemaValidatorPlugin],
  };
  await build({
    ...node,
    entryPoints: ['src/cli.ts'],
    outfile: cliJs,
    external: ['./aws-sdk.js'],
    define: { DEPLOYGUARD_VERSION: '"bench"', 'process.env.DEPLOYGUARD_BUNDLED_SDK': '"yes"' },
  });
  const { sdkBundleOptions } = await import('../sdkBundle.mjs');
  await build({ ...node, ...sdkBundleOptions, outfile: join(work, 'aws-sdk.js') });
  await writeFile(join(work, 'template.yaml'), TEMPLATE);
  const pipeline = (steps: string) =>
    `version: 1\nname: bench\nsteps:\n  - name: Build\n    run: ${steps}\nstack:\n  name: \${env:BENCH_STACK}\n  template: template.yaml\n  parameters: { Name: "\${env:BENCH_STACK}" }\nenvironments:\n  dev:\n    region: us-east-1\n`;
  await writeFile(join(work, 'deployguard.yaml'), pipeline('echo build'));
  await writeFile(join(work, 'hold.yaml'), pipeline('sleep 4'));

  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const s3 = new S3Client({ region: REGION, endpoint: moto.endpoint, forcePathStyle: true });
  const env: NodeJS.ProcessEnv = { ...process.env, ...MOTO_ENV, NODE_NO_WARNINGS: '1' };
  delete env['DEPLOYGUARD_POLL_MS'];
  delete env['DEPLOYGUARD_HISTORY'];
  let n = 0;
  const home = async () => mkdtemp(join(tmpdir(), 'dg-bench-team-home-'));
  const dg = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = await run([cliJs, ...args], { ...env, DEPLOYGUARD_HOME: await home(), ...extra }, work);
    return r;
  };
  const must = (r: Ran, what: string) => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.out.slice(-2000)}`);
    return r;
  };

  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // Warm-up: moto imports its backends on first use; neither store should pay for that.
    must(
      await dg(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint, '--history', `s3://${BUCKET}/warm`], {
        BENCH_STACK: 'bench-warm',
      }),
      'warm-up',
    );

    // (a) wall time, alternating, each deploy a fresh stack from a fresh home (a CI runner).
    const local: number[] = [];
    const team: number[] = [];
    for (let i = 0; i < settings.pairs; i++) {
      const l = () => dg(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], { BENCH_STACK: `bench-local-${++n}` });
      const t = () =>
        dg(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint, '--history', `s3://${BUCKET}/team`], {
          BENCH_STACK: `bench-team-${++n}`,
        });
      if (i % 2 === 0) {
        local.push(must(await l(), 'local deploy').ms);
        team.push(must(await t(), 'S3 deploy').ms);
      } else {
        team.push(must(await t(), 'S3 deploy').ms);
        local.push(must(await l(), 'local deploy').ms);
      }
    }
    const ratio = median(team) / median(local);
    console.log(`(a) deploy --skip-steps, ${settings.pairs} pairs, fresh stack and home each`);
    console.log(
      `  local folder  median ${(median(local) / 1000).toFixed(2)} s   runs ${local.map((m) => (m / 1000).toFixed(2)).join(' ')}`,
    );
    console.log(`  S3 store      median ${(median(team) / 1000).toFixed(2)} s   runs ${team.map((m) => (m / 1000).toFixed(2)).join(' ')}`);
    console.log(`  ratio S3 / local = ${ratio.toFixed(2)} (target ≤ 1.15)`);
    // The medians swing with the VM's speed from one minute to the next; each pair ran back to
    // back, so their differences say steadily what the S3 store adds.
    const added = pairedDifference(team, local);
    console.log(
      `  paired: the S3 store adds ${added.mean.toFixed(0)} ± ${added.standardError.toFixed(0)} ms a deploy (mean ± standard error)`,
    );

    // (a') The same through the fault proxy with every S3 request 25 ms slower (a round trip to an
    // S3 region; moto answers in ~4 ms): what the S3 store costs when waiting, not CPU, dominates.
    // `keyContains: ''` matches every S3 request and no CloudFormation or STS one.
    const slowLocal: number[] = [];
    const slowTeam: number[] = [];
    for (let i = 0; i < settings.pairs; i++) {
      proxy.reset();
      proxy.fault({ action: '*', kind: 'slow', delayMs: 25, keyContains: '', times: 1_000_000 });
      slowLocal.push(
        must(
          await dg(['deploy', 'dev', '--skip-steps', '--endpoint', proxy.endpoint], { BENCH_STACK: `bench-local-${++n}` }),
          'local deploy',
        ).ms,
      );
      slowTeam.push(
        must(
          await dg(['deploy', 'dev', '--skip-steps', '--endpoint', proxy.endpoint, '--history', `s3://${BUCKET}/team`], {
            BENCH_STACK: `bench-team-${++n}`,
          }),
          'S3 deploy',
        ).ms,
      );
    }
    proxy.reset();
    console.log(`(a') the same through the fault proxy, each S3 request 25 ms slower, ${settings.pairs} pairs`);
    console.log(
      `  local folder  median ${(median(slowLocal) / 1000).toFixed(2)} s   S3 store median ${(median(slowTeam) / 1000).toFixed(2)} s`,
    );
    console.log(
      `  the S3 store's cost: ${Math.round(median(slowTeam) - median(slowLocal))} ms a deploy, ${((median(slowTeam) - median(slowLocal)) / 25).toFixed(1)} round trips of 25 ms`,
    );

    // S3 requests of one deploy (through the counting proxy), 10 vs seedLarge records, cold cache.
    const requests: Record<number, number> = {};
    for (const count of [10, settings.seedLarge]) {
      const stackName = `bench-seeded-${count}`;
      await seed(moto.endpoint, 'seeded', stackName, count);
      proxy.reset();
      must(
        await dg(['deploy', 'dev', '--skip-steps', '--endpoint', proxy.endpoint, '--history', `s3://${BUCKET}/seeded`], {
          BENCH_STACK: stackName,
        }),
        `deploy over ${count}`,
      );
      const byAction = new Map<string, number>();
      for (const r of proxy.requests) if (S3_ACTIONS.has(r.action)) byAction.set(r.action, (byAction.get(r.action) ?? 0) + 1);
      requests[count] = [...byAction.values()].reduce((a, b) => a + b, 0);
      console.log(
        `  S3 requests of one deploy with ${count} records: ${requests[count]} (${[...byAction].map(([a, c]) => `${a} ${c}`).join(', ')})`,
      );
      // What each request was for, in the order sent (keys relative to the stack's folder): the
      // figure to cut from, and the proof that it does not grow with the history.
      if (count === 10) {
        const sent = proxy.requests.filter((r) => S3_ACTIONS.has(r.action));
        const base = `seeded/stacks/${ACCOUNT}/${REGION}/${stackName}/`;
        for (const [i, r] of sent.entries())
          console.log(
            `    ${String(i + 1).padStart(2)}. ${r.action.padEnd(13)} ${(r.s3Key ?? '').replace(base, '').replace(/\.json$/, '')}`,
          );
      }
    }

    // (b) history of the large stack, cold cache (a fresh home), default --limit 20.
    const shown: number[] = [];
    for (let i = 0; i < 3; i++) {
      shown.push(
        must(
          await dg(['history', 'dev', '--endpoint', moto.endpoint, '--history', `s3://${BUCKET}/seeded`], {
            BENCH_STACK: `bench-seeded-${settings.seedLarge}`,
          }),
          'history',
        ).ms,
      );
    }
    console.log(
      `(b) deployguard history dev, ${settings.seedLarge} records, cold cache: median ${(median(shown) / 1000).toFixed(2)} s   runs ${shown.map((m) => (m / 1000).toFixed(2)).join(' ')} (target ≤ 1.5 s)`,
    );

    // (c) contenders on one stack at the same moment; the winner's step holds the lock for 4 s.
    const contenders = await Promise.all(
      Array.from({ length: settings.contenders }, (_, i) =>
        dg(['deploy', 'dev', '--file', 'hold.yaml', '--endpoint', moto.endpoint, '--history', `s3://${BUCKET}/race`], {
          BENCH_STACK: 'bench-race',
          GITHUB_ACTIONS: 'true',
          GITHUB_RUN_ID: String(1000 + i),
          GITHUB_REPOSITORY: 'acme/bench',
        }),
      ),
    );
    const deployed = contenders.filter((r) => r.code === 0).length;
    const refused = contenders.filter((r) => r.code !== 0);
    const named = refused.filter((r) => /is being deployed by CI run \d+/.test(r.out)).length;
    console.log(
      `(c) ${settings.contenders} CLIs, ${settings.contenders} homes, one stack: ${deployed} deployed, ${refused.length} refused (${named} naming the holder); refusals took ${refused.map((r) => (r.ms / 1000).toFixed(2)).join(' ')} s, max ${(Math.max(0, ...refused.map((r) => r.ms)) / 1000).toFixed(2)} s (target: exactly 1 deploys, each refusal ≤ 2 s)`,
    );
    console.log(
      `\nsummary: (a) ratio ${ratio.toFixed(2)}, requests ${requests[10]} vs ${requests[settings.seedLarge]}; (b) ${(median(shown) / 1000).toFixed(2)} s; (c) ${deployed} deployed, max refusal ${(Math.max(0, ...refused.map((r) => r.ms)) / 1000).toFixed(2)} s`,
    );
  } finally {
    s3.destroy();
    await proxy.close();
    await moto.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
