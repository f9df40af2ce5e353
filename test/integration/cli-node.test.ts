import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MIN_NODE_MAJOR, runCli } from '../../src/cli/main';
import { MOTO_ENV, startMoto, type Moto } from '../support/moto';
import { makeFixtureRepo } from '../unit/core/pipeline/fixtureRepo';

// The Node the CLI runs on: refused with a clear sentence below its minimum, and, on any Node, no
// AWS SDK notice about its own future Node requirement in what the CLI prints.
const CLI = resolve('dist', 'cli.js');
const SDK_WARNING = /NodeVersionSupportWarning|AWS SDK for JavaScript|require node >=/;

async function cliOn(nodeVersion: string, args: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const code = await runCli(args, {
    stdout,
    stderr,
    env: { PATH: process.env.PATH, HOME: cwd, DEPLOYGUARD_HOME: join(cwd, '.dg-home') },
    cwd,
    signal: new AbortController().signal,
    isTty: false,
    nodeVersion,
  });
  return { code, out, err };
}

describe('the Node the CLI needs', () => {
  let repo: ReturnType<typeof makeFixtureRepo>;
  before(() => {
    repo = makeFixtureRepo();
  });
  after(() => repo.dispose());

  it('is the one package.json declares', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    assert.equal(manifest.engines.node, `>=${MIN_NODE_MAJOR}`);
  });

  it('refuses an older Node with exit 2, naming the version found and the one needed, and runs nothing', async () => {
    for (const old of ['18.20.4', '16.0.0', `${MIN_NODE_MAJOR - 1}.9.0`]) {
      const { code, out, err } = await cliOn(old, ['validate'], repo.root);
      assert.equal(code, 2, `Node ${old}`);
      assert.equal(out, '', `Node ${old} printed on stdout`);
      assert.match(
        err,
        new RegExp(`needs Node\\.js ${MIN_NODE_MAJOR} or newer, but it is running on Node\\.js ${old.replace(/\./g, '\\.')}\\.`),
      );
      assert.match(err, new RegExp(`install Node\\.js ${MIN_NODE_MAJOR} or newer`));
    }
    // Even --version and --help: the check comes first.
    assert.equal((await cliOn('18.20.4', ['--version'], repo.root)).code, 2);
  });

  it(`runs on Node ${MIN_NODE_MAJOR} and newer`, async () => {
    for (const ok of [`${MIN_NODE_MAJOR}.0.0`, '22.12.0', '24.22.3', '30.1.0']) {
      const { code, out, err } = await cliOn(ok, ['validate'], repo.root);
      assert.equal(err, '', `Node ${ok}`);
      assert.equal(code, 0, `Node ${ok}`);
      assert.match(out, /deployguard\.yaml is valid/);
    }
  });
});

describe('dist/cli.js prints no AWS SDK Node-version warning', () => {
  let moto: Moto;
  let repo: ReturnType<typeof makeFixtureRepo>;
  before(async () => {
    moto = await startMoto();
    repo = makeFixtureRepo();
  });
  after(async () => {
    repo.dispose();
    await moto.stop();
  });

  const run = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      cwd: repo.root,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        HOME: repo.root,
        DEPLOYGUARD_HOME: join(repo.root, '.dg-home'),
        ...MOTO_ENV,
        AWS_ENDPOINT_URL: moto.endpoint,
      },
    });

  it(
    'the SDK itself would warn on this Node (so the checks below can fail)',
    { skip: Number(process.versions.node.split('.')[0]) >= 22 },
    () => {
      // The CLI's own bundle of the SDK, with a client made the way the engine makes one.
      const script = `const { sdk } = require(${JSON.stringify(resolve('dist', 'aws-sdk.js'))}); new sdk.sts.STSClient({ region: 'us-east-1' });`;
      const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH } });
      assert.match(result.stderr, SDK_WARNING);
    },
  );

  it('history --json: only JSON on stdout, nothing from the SDK on stderr', () => {
    const result = run(['history', 'dev', '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, SDK_WARNING);
    assert.doesNotMatch(result.stderr, SDK_WARNING);
    for (const line of result.stdout.split('\n').filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line), line);
  });

  it('history, validate and a failing rollback: no SDK warning either', () => {
    const history = run(['history', 'dev']);
    assert.equal(history.status, 0, history.stderr);
    assert.match(history.stdout, /No deployments of/);
    const validate = run(['validate']);
    assert.equal(validate.status, 0, validate.stderr);
    // Reaches the SDK (credentials, the stack) and fails there: still only Deploy Guard's own words.
    const rollback = run(['rollback', 'dev', '--yes', '--json']);
    assert.notEqual(rollback.status, 0);
    for (const result of [history, validate, rollback]) {
      assert.doesNotMatch(result.stdout, SDK_WARNING);
      assert.doesNotMatch(result.stderr, SDK_WARNING);
    }
  });
});
