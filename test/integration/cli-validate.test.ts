import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/main';
import { FIXTURES, makeFixtureRepo } from '../unit/core/pipeline/fixtureRepo';

async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const code = await runCli(args, {
    stdout,
    stderr,
    env: { PATH: process.env.PATH, HOME: cwd, DEPLOYGUARD_HOME: join(cwd, '.dg-home'), ...env },
    cwd,
    signal: new AbortController().signal,
    isTty: false,
  });
  return { code, out, err };
}

describe('deployguard validate / run (CLI)', () => {
  let repo: ReturnType<typeof makeFixtureRepo>;
  before(() => {
    repo = makeFixtureRepo();
  });
  after(() => repo.dispose());

  it('validate: a valid file exits 0 and says so', async () => {
    const { code, out } = await cli(['validate'], repo.root);
    assert.equal(code, 0);
    assert.equal(out, 'deployguard.yaml is valid: 3 steps, environments dev, prod\n');
  });

  it('validate --file: prints PATH:LINE:COL: message for every problem and exits 1', async () => {
    const bad = join(repo.root, 'bad.yaml');
    copyFileSync(join(FIXTURES, 'bad', 'unknown-key-top.yaml'), bad);
    const { code, out, err } = await cli(['validate', '--file', 'bad.yaml'], repo.root);
    assert.equal(code, 1);
    assert.equal(
      out,
      'bad.yaml:1:1: missing required key "environments" at the top level\n' +
        'bad.yaml:9:1: unknown key "enviroments" at the top level (did you mean "environments"?)\n',
    );
    assert.equal(err, 'bad.yaml: 2 problems\n');
  });

  it('validate: warnings are printed but do not fail', async () => {
    const file = join(repo.root, 'warn.yaml');
    writeFileSync(
      file,
      'version: 1\nname: s\nstack: { name: s, template: infra/template.yaml }\nenvironments:\n  prod: { region: eu-west-1, confirm: false }\n',
    );
    const { code, out } = await cli(['validate', '--file', file], repo.root);
    assert.equal(code, 0);
    assert.match(out, /^warn\.yaml:5:39: warning: environment "prod": confirm: false is ignored/);
  });

  it('usage errors exit 2; --help exits 0 on every command', async () => {
    assert.equal((await cli(['validate', '--nope'], repo.root)).code, 2);
    assert.equal((await cli(['validate', 'extra'], repo.root)).code, 2);
    assert.equal((await cli(['run'], repo.root)).code, 2);
    const wrongEnv = await cli(['run', 'dve'], repo.root);
    assert.equal(wrongEnv.code, 2);
    assert.match(wrongEnv.err, /no environment "dve" in deployguard\.yaml \(did you mean "dev"\?\)/);
    // Names an object has by inheritance are not environments: refused, the known ones listed, no step run.
    for (const command of ['run', 'watch', 'deploy', 'rollback']) {
      for (const name of ['toString', '__proto__', 'constructor']) {
        const inherited = await cli([command, name], repo.root);
        assert.equal(inherited.code, 2, `${command} ${name}: ${inherited.err}`);
        assert.match(inherited.err, new RegExp(`no environment "${name}" in deployguard\\.yaml: no such environment \\(it has: dev`));
        assert.doesNotMatch(inherited.err, /▶/);
      }
    }
    for (const command of ['validate', 'run']) {
      const help = await cli([command, '--help'], repo.root);
      assert.equal(help.code, 0);
      assert.match(help.out, new RegExp(`^Usage: deployguard ${command}`));
    }
  });

  it('run: step output keeps its colours (SGR) and loses every other escape: clipboard writes, screen clears, bidi overrides', async () => {
    const file = join(repo.root, 'hostile.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'name: s',
        'steps:',
        '  - name: Noisy',
        "    run: printf '\\033[31mred\\033[0m\\033]52;c;Y3VybCBldmlsIHwgc2g=\\007\\033[2J\\033[Hdone \\342\\200\\256gnp.exe\\n'",
        'stack: { name: "s-${env.name}", template: infra/template.yaml }',
        'environments: { dev: { region: eu-west-1 } }',
        '',
      ].join('\n'),
    );
    const { code, out } = await cli(['run', 'dev', '--file', file, '--log', join(repo.root, 'hostile.log')], repo.root);
    assert.equal(code, 0);
    assert.equal(out, '\x1b[31mred\x1b[0mdone ⟨U+202E⟩gnp.exe\n');
  });

  it('run: an invalid pipeline runs nothing and exits 2', async () => {
    const file = join(repo.root, 'invalid.yaml');
    copyFileSync(join(FIXTURES, 'bad', 'bad-duration.yaml'), file);
    const { code, err } = await cli(['run', 'dev', '--file', file], repo.root);
    assert.equal(code, 2);
    assert.match(err, /invalid\.yaml:6:14: steps\[0\]\.timeout: bad duration "10 minutes"/);
  });

  it('run ENV from source: streams step output, masks secrets, writes the log, exit 0 then 1', () => {
    const file = join(repo.root, 'run.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'name: s',
        'steps:',
        '  - name: Hello',
        '    run: echo "hello ${env.name}"; echo "token ${env:API_TOKEN}"; echo AKIAIOSFODNN7EXAMPLE >&2',
        '  - name: Package',
        '    run: ./scripts/package.sh',
        'stack: { name: "s-${env.name}", template: infra/template.yaml }',
        'environments: { dev: { region: eu-west-1 } }',
        '',
      ].join('\n'),
    );
    const log = join(repo.root, 'run.log');
    const cliPath = join(__dirname, '..', '..', 'src', 'cli.ts');
    const res = spawnSync(process.execPath, ['--import', 'tsx', cliPath, 'run', 'dev', '--file', file, '--log', log], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, API_TOKEN: 'tok-1234567890', DEPLOYGUARD_HOME: join(repo.root, '.dg-home') },
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, 'hello dev\ntoken ****\npackaging\n');
    assert.match(res.stderr, /▶ \[1\/2\] Hello\n\*\*\*\*\n✔ \[1\/2\] Hello/);
    assert.match(res.stderr, /all 2 steps succeeded/);
    const logged = readFileSync(log, 'utf8');
    assert.ok(!logged.includes('tok-1234567890') && !logged.includes('AKIAIOSFODNN7EXAMPLE'));
    assert.match(logged, /hello dev\ntoken \*\*\*\*\n\*\*\*\*\n/);

    writeFileSync(file, readFileSync(file, 'utf8').replace('./scripts/package.sh', 'exit 4'));
    const failed = spawnSync(process.execPath, ['--import', 'tsx', cliPath, 'run', 'dev', '--file', file], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, API_TOKEN: 'x-secret', DEPLOYGUARD_HOME: join(repo.root, '.dg-home') },
      encoding: 'utf8',
    });
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /step "Package" failed with exit code 4/);
    assert.match(failed.stderr, /log: .*\.dg-home\/runs\/dev-\d{8}T\d{6}Z\.log/);
  });
});
