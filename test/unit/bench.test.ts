import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

// The benchmarks are not run here (they start moto and a real VS Code: `npm run bench -- --quick`
// does that in CI). What is checked is what keeps that quick run honest: every benchmark has a
// quick form that is really smaller, its main file expects exactly the settings its wrapper
// hands over, and a benchmark that cannot run makes the runner exit non-zero.

const BENCH_DIR = join('scripts', 'bench');
const RUNNER = join('scripts', 'bench.mjs');
const benchmarks = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -'.mjs'.length));

type Settings = Record<string, number | string>;
interface Plan {
  readonly bench: string;
  readonly quick: boolean;
  readonly settings: Settings;
  readonly forms: { readonly full: Settings; readonly quick: Settings };
  readonly main: string;
}
interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function node(args: readonly string[]): Promise<Ran> {
  return new Promise((done) => {
    execFile(process.execPath, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      done({ code, stdout, stderr });
    });
  });
}

async function plan(bench: string, ...args: string[]): Promise<Plan> {
  const ran = await node([join(BENCH_DIR, `${bench}.mjs`), ...args, '--plan']);
  assert.equal(ran.code, 0, `${bench} ${args.join(' ')} --plan exited ${ran.code}: ${ran.stderr}`);
  return JSON.parse(ran.stdout) as Plan;
}

/** The keys of the shape a main file passes to benchSettings({ … }). */
function expectedKeys(mainFile: string): string[] {
  const source = readFileSync(join(BENCH_DIR, mainFile), 'utf8');
  const call = /benchSettings\(\{([^}]*)\}\)/.exec(source);
  assert.ok(call, `${mainFile} reads its settings with benchSettings({ … })`);
  return [...call[1]!.matchAll(/(\w+):/g)].map((m) => m[1]!).sort();
}

// Concurrent: each case starts node processes that mostly wait.
describe('benchmarks under scripts/bench', { concurrency: true }, () => {
  it('are all found', () => {
    for (const name of ['activation', 'deploy', 'detection', 'panel', 'steps', 'triggers']) assert.ok(benchmarks.includes(name), name);
  });

  for (const bench of benchmarks) {
    it(`${bench} takes --quick, and its quick form is smaller`, async () => {
      const quick = await plan(bench, '--quick');
      assert.equal(quick.bench, bench);
      assert.equal(quick.quick, true);
      assert.deepEqual(quick.settings, quick.forms.quick);
      const { full } = quick.forms;
      assert.deepEqual(Object.keys(quick.settings).sort(), Object.keys(full).sort(), 'both forms set the same settings');
      const numbers = Object.keys(full).filter((k) => typeof full[k] === 'number');
      for (const k of numbers)
        assert.ok((quick.settings[k] as number) <= (full[k] as number), `${k}: quick ${quick.settings[k]} > full ${full[k]}`);
      assert.ok(
        numbers.some((k) => (quick.settings[k] as number) < (full[k] as number)),
        'the quick form is smaller in at least one trial count or size',
      );
      const plain = await plan(bench);
      assert.equal(plain.quick, false);
      assert.deepEqual(plain.settings, full);
    });

    it(`${bench}'s main file expects exactly the settings its wrapper hands over`, async () => {
      const { main, forms } = await plan(bench, '--quick');
      assert.deepEqual(expectedKeys(main), Object.keys(forms.full).sort());
    });
  }

  it('positional arguments override the settings; usage errors exit 2', async () => {
    assert.equal((await plan('steps', '3')).settings['runs'], 3);
    assert.equal((await plan('panel', 'host', '2')).settings['mode'], 'host');
    assert.equal((await node([join(BENCH_DIR, 'steps.mjs'), '--bogus'])).code, 2);
    assert.equal((await node([join(BENCH_DIR, 'steps.mjs'), 'many', '--plan'])).code, 2);
    assert.equal((await node([join(BENCH_DIR, 'steps.mjs'), '1', '2', '--plan'])).code, 2);
  });

  it('npm run bench -- --quick hands --quick to every benchmark', async () => {
    const ran = await node([RUNNER, '--quick', '--plan']);
    assert.equal(ran.code, 0, ran.stderr);
    const plans = ran.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Plan);
    assert.deepEqual(plans.map((p) => p.bench).sort(), [...benchmarks].sort());
    for (const p of plans) assert.equal(p.quick, true, p.bench);
  });

  it('the runner exits non-zero when a benchmark cannot run', async () => {
    const usage = await node([RUNNER, 'steps', '--bogus']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /could not run: steps/);
    assert.equal((await node([RUNNER, 'no-such-benchmark'])).code, 2);
  });

  const scratch = mkdtempSync(join(tmpdir(), 'dg-bench-test-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('a benchmark whose main file is missing exits non-zero', async () => {
    const wrapper = join(scratch, 'missing.mjs');
    const command = resolve(BENCH_DIR, 'support', 'command.mjs');
    writeFileSync(
      wrapper,
      `import { runBench } from ${JSON.stringify(command)};\nrunBench(import.meta.url, { full: { n: 2 }, quick: { n: 1 }, main: 'missing.ts' });\n`,
    );
    const ran = await node([wrapper, '--quick']);
    assert.notEqual(ran.code, 0);
    assert.match(ran.stderr, /missing\.ts/);
  });
});
