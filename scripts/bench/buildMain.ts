/**
 * The build benchmark: per round, on a freshly reset moto with the bootstrap bucket and version
 * parameter `cdk bootstrap` would make, (1) deployguard deploys the sample CDK app from a fresh
 * copy (synth, publish, deploy timed from the run's own events), (2) deploys it again unchanged
 * (asserting that nothing was uploaded), then, on another reset, (3) `cdk deploy` deploys the
 * same app and (4) again unchanged. `cdk deploy` reaches moto through AWS_ENDPOINT_URL spelled
 * `localhost`: moto reads a TemplateURL's bucket from the path only for that host name.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cdkNodeModules, CDK_VERSIONS } from '../../test/support/cdkToolchain';
import { MOTO_ENV, startMoto, type Moto } from '../../test/support/moto';
import { benchSettings } from './support/settings';
import { median } from './support/stats';

const settings = benchSettings({ rounds: 'number' });
const FIXTURE = join('test', 'fixtures', 'cdk-app');
const BUCKET = 'cdk-hnb659fds-assets-123456789012-us-east-1';

interface Ran {
  readonly ms: number;
  readonly out: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`));
      else resolve({ ms, out });
    });
  });
}

interface Phases {
  readonly total: number;
  readonly synth: number;
  readonly publish: number;
  readonly deploy: number;
  readonly uploaded: number;
}

/** The phases of one deploy from its --json events (the engine's own clock). */
function phases(ran: Ran): Phases {
  const events = ran.out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; at: string; name?: string; durationMs?: number; lines?: string[] });
  const synth = events.find((e) => e.type === 'step-finished' && e.name === 'cdk synth');
  const assets = events.find((e) => e.type === 'log' && e.lines?.some((l) => l.startsWith('Assets: ')));
  const finished = events.find((e) => e.type === 'deployment-finished');
  if (!synth || !assets || !finished) throw new Error(`a deploy without its synth, assets or end:\n${ran.out.slice(-3000)}`);
  const line = assets.lines!.find((l) => l.startsWith('Assets: '))!;
  return {
    total: ran.ms,
    synth: synth.durationMs!,
    publish: Date.parse(assets.at) - Date.parse(synth.at),
    deploy: Date.parse(finished.at) - Date.parse(assets.at),
    uploaded: Number(/Assets: (\d+) uploaded/.exec(line)?.[1] ?? NaN),
  };
}

/** What `cdk bootstrap` makes that a deploy reads: the assets bucket and the version parameter. */
async function bootstrap(moto: Moto): Promise<void> {
  await moto.reset();
  const bucket = await fetch(`${moto.endpoint}/${BUCKET}`, { method: 'PUT' });
  if (!bucket.ok) throw new Error(`CreateBucket: HTTP ${bucket.status}`);
  const ssm = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonSSM.PutParameter',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ Name: '/cdk-bootstrap/hnb659fds/version', Value: '28', Type: 'String', Overwrite: true }),
  });
  if (!ssm.ok) throw new Error(`PutParameter: HTTP ${ssm.status}`);
}

async function main(): Promise<void> {
  const modules = await cdkNodeModules();
  const work = mkdtempSync(join(tmpdir(), 'dg-bench-build-'));
  const cliJs = join(work, 'deployguard.cjs');
  // Our own bundles of the CLI, built as scripts/build.mjs builds dist/cli.js (the AWS SDK its
  // own bundle beside it), so what runs is what users run.
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

  const moto = await startMoto();
  const env: NodeJS.ProcessEnv = { ...process.env, ...MOTO_ENV, NODE_NO_WARNINGS: '1', DEPLOYGUARD_HOME: join(work, 'home') };
  delete env['AWS_ENDPOINT_URL'];
  delete env['AWS_PROFILE'];
  delete env['DEPLOYGUARD_POLL_MS'];
  const app = (round: number, who: string) => {
    const dir = join(work, `${who}-${round}`);
    cpSync(FIXTURE, dir, { recursive: true });
    symlinkSync(modules, join(dir, 'node_modules'));
    writeFileSync(
      join(dir, 'deployguard.yaml'),
      `version: 1\nname: bench\nstack:\n  name: bench-${round}\n  cdk:\n    stack: OrdersStack\n  capabilities: [CAPABILITY_IAM]\nenvironments:\n  dev:\n    region: us-east-1\n`,
    );
    return dir;
  };
  const first: Phases[] = [];
  const second: Phases[] = [];
  const cdkFirst: number[] = [];
  const cdkSecond: number[] = [];
  const cdkEnv = { ...env, AWS_ENDPOINT_URL: moto.endpoint.replace('127.0.0.1', 'localhost'), CDK_DISABLE_VERSION_CHECK: '1' };
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      await bootstrap(moto);
      const dir = app(round, 'dg');
      const deploy = () => run(process.execPath, [cliJs, 'deploy', 'dev', '--json', '--endpoint', moto.endpoint], env, dir);
      first.push(phases(await deploy()));
      const again = phases(await deploy());
      if (again.uploaded !== 0) throw new Error(`the unchanged deploy uploaded ${again.uploaded} asset(s)`);
      second.push(again);

      await bootstrap(moto);
      const cdkDir = app(round, 'cdk');
      const cdkDeploy = () =>
        run(join(cdkDir, 'node_modules', '.bin', 'cdk'), ['deploy', 'OrdersStack', '--require-approval', 'never'], cdkEnv, cdkDir);
      cdkFirst.push((await cdkDeploy()).ms);
      cdkSecond.push((await cdkDeploy()).ms);
    }
  } finally {
    await moto.stop();
  }

  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const row = (label: string, list: readonly Phases[]) =>
    console.log(
      `  ${label.padEnd(22)} total ${s(median(list.map((p) => p.total)))}   synth ${s(median(list.map((p) => p.synth)))}   publish ${s(median(list.map((p) => p.publish)))}   deploy ${s(median(list.map((p) => p.deploy)))}   uploaded ${list.map((p) => p.uploaded).join('/')}`,
    );
  console.log(`sample CDK app (aws-cdk ${CDK_VERSIONS.cli}, aws-cdk-lib ${CDK_VERSIONS.lib}), ${settings.rounds} round(s), medians`);
  row('deployguard, first', first);
  row('deployguard, unchanged', second);
  console.log(`  ${'cdk deploy, first'.padEnd(22)} total ${s(median(cdkFirst))}`);
  console.log(`  ${'cdk deploy, unchanged'.padEnd(22)} total ${s(median(cdkSecond))}`);
  console.log(
    `ratio deployguard / cdk deploy: first ${(median(first.map((p) => p.total)) / median(cdkFirst)).toFixed(2)}, unchanged ${(median(second.map((p) => p.total)) / median(cdkSecond)).toFixed(2)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
