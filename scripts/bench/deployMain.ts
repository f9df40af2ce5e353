/**
 * The deploy-overhead benchmark: deployguard vs awscli, same template, same moto, alternating,
 * each run creating a fresh stack so both do the same work. Targets: (a) ratio ≤ 2.0 — a deploy
 * may cost at most twice awscli's; (b) ratio ≤ 0.80 — with a slow stack, following the events
 * must beat awscli's 30 s waiter.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startFaultProxy } from '../../test/support/faultProxy';
import { MOTO_ENV, startMoto } from '../../test/support/moto';
import { benchSettings } from './support/settings';
import { median } from './support/stats';

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Name:
    Type: String
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref Name
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "\${Name}-queue"
Outputs:
  TopicArn:
    Value: !Ref Topic
`;

const settings = benchSettings({ pairsDirect: 'number', pairsHeld: 'number', holdMs: 'number', warmUp: 'number' });
const HOLD_MS = settings.holdMs;

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}`));
      else resolve(ms);
    });
  });
}

async function main(): Promise<void> {
  const { pairsDirect, pairsHeld } = settings;
  const work = await mkdtemp(join(tmpdir(), 'dg-bench-deploy-'));
  const cliJs = join(work, 'deployguard.cjs');
  // Our own bundles of the CLI (dist/ may be rebuilt by others meanwhile), built the way
  // scripts/build.mjs builds dist/cli.js, so what runs is what users run: the AWS SDK is its
  // own bundle beside the CLI, required on the first AWS call (src/core/aws/sdk.ts).
  // The pipeline schema's validator compiled at build time, as scripts/build.mjs builds dist/cli.js.
  const { schemaValidatorPlugin } = await import('../schemaValidatorPlugin.mjs');
  const node = {
    ...({ bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' } as const),
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
  await writeFile(
    join(work, 'deployguard.yaml'),
    `version: 1\nname: bench\nsteps:\n  - name: Build\n    run: echo build\nstack:\n  name: bench-dg-\${env:BENCH_RUN}\n  template: template.yaml\n  parameters: { Name: "bench-dg-\${env:BENCH_RUN}" }\nenvironments:\n  dev:\n    region: us-east-1\n`,
  );

  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...MOTO_ENV,
    AWS_DEFAULT_REGION: 'us-east-1',
    DEPLOYGUARD_HOME: join(work, 'home'),
    NODE_NO_WARNINGS: '1',
    AWS_PAGER: '',
  };
  delete env['DEPLOYGUARD_POLL_MS'];
  let run = 0;

  const dg = (endpoint: string, hold: boolean) => {
    run += 1;
    const name = `bench-dg-${run}`;
    if (hold) proxy.scenario(name, { holdMs: HOLD_MS });
    return time(
      process.execPath,
      [cliJs, 'deploy', 'dev', '--skip-steps', '--endpoint', endpoint],
      { ...env, BENCH_RUN: String(run) },
      work,
    );
  };
  const aws = (endpoint: string, hold: boolean) => {
    run += 1;
    const name = `bench-aws-${run}`;
    if (hold) proxy.scenario(name, { holdMs: HOLD_MS });
    return time(
      'aws',
      [
        'cloudformation',
        'deploy',
        '--endpoint-url',
        endpoint,
        '--stack-name',
        name,
        '--template-file',
        'template.yaml',
        '--parameter-overrides',
        `Name=${name}`,
      ],
      env,
      work,
    );
  };

  try {
    // Warm-up: moto imports its backends on first use; neither tool should pay for that.
    for (let i = 0; i < settings.warmUp; i++) {
      await dg(moto.endpoint, false);
      await aws(moto.endpoint, false);
    }

    const scenario = async (label: string, pairs: number, endpoint: string, hold: boolean) => {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < pairs; i++) {
        // Alternate who goes first, so drift in moto's speed is shared.
        if (i % 2 === 0) {
          ours.push(await dg(endpoint, hold));
          theirs.push(await aws(endpoint, hold));
        } else {
          theirs.push(await aws(endpoint, hold));
          ours.push(await dg(endpoint, hold));
        }
      }
      const ratio = median(ours) / median(theirs);
      console.log(`${label}`);
      console.log(
        `  deployguard deploy --skip-steps  median ${(median(ours) / 1000).toFixed(2)} s   runs ${ours.map((m) => (m / 1000).toFixed(2)).join(' ')}`,
      );
      console.log(
        `  aws cloudformation deploy        median ${(median(theirs) / 1000).toFixed(2)} s   runs ${theirs.map((m) => (m / 1000).toFixed(2)).join(' ')}`,
      );
      console.log(`  ratio deployguard / awscli = ${ratio.toFixed(2)}`);
      return ratio;
    };

    const a = await scenario(`(a) direct to moto, ${pairsDirect} pairs`, pairsDirect, moto.endpoint, false);
    const b = await scenario(
      `(b) through the proxy holding each stack CREATE_IN_PROGRESS for ${HOLD_MS / 1000} s, ${pairsHeld} pairs`,
      pairsHeld,
      proxy.endpoint,
      true,
    );
    console.log(`\nratios: (a) ${a.toFixed(2)} (target ≤ 2.0)   (b) ${b.toFixed(2)} (target ≤ 0.80)`);
  } finally {
    await proxy.close();
    await moto.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
