import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeployGuardError } from '../../src/core/errors';
import { runSteps, type RunStepsOptions, type StepConfig, type StepEvent, type StepOutputLine } from '../../src/core/pipeline';
import { MASK } from '../../src/core/secrets';

/** Alive means running or sleeping: a zombie waiting for init to reap it is already dead. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

function step(name: string, run: string, extra: Partial<StepConfig> = {}): StepConfig {
  return { name, run, env: {}, ...extra };
}

describe('runSteps with real bash processes', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'dg-steps-'));
    mkdirSync(join(root, 'app'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function run(steps: StepConfig[], extra: Partial<RunStepsOptions> = {}) {
    const lines: StepOutputLine[] = [];
    const events: StepEvent[] = [];
    const result = await runSteps({
      steps,
      repoRoot: root,
      env: { PATH: process.env.PATH, HOME: root, GIT_ASKPASS: '/usr/bin/evil-askpass' },
      variables: {
        envName: 'dev',
        git: { sha: 'f'.repeat(40), branch: 'main' },
        deploymentId: 'd-1',
        processEnv: { TOKEN: 'tok-very-secret' },
      },
      onLine: (l) => lines.push(l),
      onStep: (e) => events.push(e),
      killGraceMs: 300,
      ...extra,
    });
    return { result, lines, events, text: lines.map((l) => l.text) };
  }

  it('runs steps in order in the repository root or their folder, with variables as env vars', async () => {
    const { result, text, events } = await run([
      step('where', 'pwd; echo "$DEPLOYGUARD_ENV ${env.name} $DEPLOYGUARD_GIT_SHORT_SHA ${deployment.id} $STAGE"', {
        env: { STAGE: 'stage-${env.name}' },
      }),
      step('in app', 'pwd', { cwd: 'app' }),
    ]);
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(text, [root, 'dev dev fffffff d-1 stage-dev', join(root, 'app')]);
    assert.deepEqual(
      events.map((e) => `${e.stepIndex}:${e.step.status}`),
      ['0:running', '0:succeeded', '1:running', '1:succeeded'],
    );
    assert.deepEqual(
      result.steps.map((s) => s.exitCode),
      [0, 0],
    );
  });

  it('closes stdin and switches off every prompt', async () => {
    const { text } = await run([
      step(
        'prompts',
        'if read -r line; then echo "read:$line"; else echo eof; fi; echo "prompt=$GIT_TERMINAL_PROMPT askpass=${GIT_ASKPASS:-unset}"',
      ),
    ]);
    assert.deepEqual(text, ['eof', 'prompt=0 askpass=unset']);
  });

  it('stops at the first failing command and reports the exit code; later steps are skipped', async () => {
    const { result, text, events } = await run([step('fails', 'echo before; false; echo never'), step('next', 'echo next')]);
    assert.equal(result.status, 'failed');
    assert.ok(result.status === 'failed');
    assert.equal(result.exitCode, 1);
    assert.deepEqual(result.step, { index: 0, name: 'fails' });
    assert.deepEqual(text, ['before']);
    assert.deepEqual(
      result.steps.map((s) => s.status),
      ['failed', 'skipped'],
    );
    assert.equal(events.at(-1)!.step.status, 'skipped');

    const exit7 = await run([step('exit 7', 'exit 7')]);
    assert.ok(exit7.result.status === 'failed');
    assert.equal(exit7.result.exitCode, 7);
    assert.equal(exit7.result.message, 'step "exit 7" failed with exit code 7');
  });

  it('times out a step and kills what it started', async () => {
    const pidFile = join(root, 'timeout.pid');
    const started = Date.now();
    const { result } = await run([step('slow', `sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 400 })]);
    const elapsed = Date.now() - started;
    assert.equal(result.status, 'timed-out');
    assert.ok(result.status === 'timed-out' && result.timeoutMs === 400);
    assert.ok(elapsed < 3000, `${elapsed} ms`);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(await waitFor(() => !isAlive(pid), 2000), `sleep ${pid} survived the timeout`);
  });

  it('cancellation kills the whole tree, grandchildren that ignore SIGTERM included', async () => {
    const pidFile = join(root, 'grandchild.pid');
    const controller = new AbortController();
    const script = `bash -c 'trap "" TERM; sleep 300 & echo $! > ${pidFile}; wait' & wait`;
    const running = run([step('tree', script), step('after', 'echo after')], { signal: controller.signal });
    assert.ok(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000));
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(isAlive(grandchild));
    const abortedAt = Date.now();
    controller.abort();
    const { result } = await running;
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(
      result.steps.map((s) => s.status),
      ['cancelled', 'skipped'],
    );
    assert.ok(Date.now() - abortedAt < 3000);
    assert.ok(await waitFor(() => !isAlive(grandchild), 2000), `grandchild ${grandchild} survived the cancel`);
  });

  it('does not wait for background jobs a finished step left behind', async () => {
    const pidFile = join(root, 'bg.pid');
    const started = Date.now();
    const { result } = await run([step('leaves a job', `sleep 300 > /dev/null 2>&1 & echo $! > ${pidFile}; echo done`)]);
    assert.equal(result.status, 'succeeded');
    assert.ok(Date.now() - started < 3000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(await waitFor(() => !isAlive(pid), 2000), 'the leftover job was stopped');
  });

  it('streams 100,000 lines in order and writes them all to the log', async () => {
    const logFile = join(root, 'logs', 'many.log');
    const { result, lines } = await run([step('many', 'seq 1 100000')], { logFile });
    assert.equal(result.status, 'succeeded');
    assert.equal(lines.length, 100_000);
    assert.equal(lines[0]!.text, '1');
    assert.equal(lines[99_999]!.text, '100000');
    const logged = readFileSync(logFile, 'utf8').split('\n');
    assert.equal(logged[0], '▶ Step 1/1: many');
    assert.equal(logged[100_000], '100000');
    assert.match(logged[100_001]!, /^✔ many succeeded in/);
  });

  it('survives binary output: invalid UTF-8 becomes U+FFFD and long lines are cut', async () => {
    const { result, lines } = await run(
      [
        step(
          'binary',
          `printf 'ok\\xff\\xfeok\\n'; head -c 200000 /dev/urandom; echo; head -c 100000 /dev/zero | tr '\\0' x; echo; echo end`,
        ),
      ],
      { maxLineLength: 1000 },
    );
    assert.equal(result.status, 'succeeded');
    assert.equal(lines[0]!.text, 'ok\uFFFD\uFFFDok');
    assert.equal(lines.at(-1)!.text, 'end');
    const xs = lines.find((l) => l.text.startsWith('xxxx'))!;
    assert.equal(xs.text, `${'x'.repeat(1000)} … [line cut: 99000 more characters]`);
    for (const l of lines) assert.ok(l.text.length < 1100, 'every line is capped');
  });

  it('masks AWS keys and ${env:VAR} secrets on screen and in the log file', async () => {
    const logFile = join(root, 'logs', 'secret.log');
    const { result, text } = await run(
      [
        step(
          'leaky',
          'echo "key AKIAIOSFODNN7EXAMPLE"; echo "token ${env:TOKEN}"; echo "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"; echo "extra my-own-secret"',
        ),
      ],
      { logFile, secrets: ['my-own-secret'] },
    );
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(text, [`key ${MASK}`, `token ${MASK}`, `secret ${MASK}`, `extra ${MASK}`]);
    const logged = readFileSync(logFile, 'utf8');
    for (const leak of ['AKIAIOSFODNN7EXAMPLE', 'tok-very-secret', 'wJalrXUtnFEMI', 'my-own-secret']) {
      assert.ok(!logged.includes(leak), `log file leaks ${leak}`);
    }
    assert.ok(logged.includes(`key ${MASK}`));
  });

  it('never turns a variable value into shell code', async () => {
    const marker = join(root, 'pwned');
    const { result, text } = await run([step('echo branch', 'echo "${git.branch}"; echo ${git.branch}')], {
      variables: { envName: 'dev', git: { sha: 'a'.repeat(40), branch: `$(touch ${marker})` }, processEnv: {} },
    });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(text, [`$(touch ${marker})`, `$(touch ${marker})`]);
    assert.equal(existsSync(marker), false);
  });

  it('caps the log file and says how much was left out', async () => {
    const logFile = join(root, 'logs', 'capped.log');
    const { result, lines } = await run([step('chatty', 'seq 1 5000')], { logFile, logFileMaxBytes: 2000 });
    assert.equal(result.status, 'succeeded');
    assert.equal(lines.length, 5000, 'the screen still gets everything');
    const logged = readFileSync(logFile, 'utf8');
    assert.ok(statSync(logFile).size < 2200);
    assert.match(logged, /… \[log truncated at 2000 bytes: \d+ more lines not written\]\n$/);
  });

  it('refuses before running anything when a variable has no value', async () => {
    const marker = join(root, 'ran-first');
    await assert.rejects(
      runSteps({
        steps: [step('first', `touch ${marker}`), step('second', 'echo ${env:NOT_SET}')],
        repoRoot: root,
        variables: { envName: 'dev', processEnv: {} },
      }),
      (err) => DeployGuardError.is(err, 'ConfigInvalid') && /NOT_SET is not set/.test(err.message),
    );
    assert.equal(existsSync(marker), false);
  });

  it('reports a cancelled run without starting anything when already aborted', async () => {
    const { result, events } = await run([step('a', 'echo a')], { signal: AbortSignal.abort() });
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(
      events.map((e) => e.step.status),
      ['skipped'],
    );
  });

  it('fails with a message, not a crash, when bash cannot be started', async () => {
    const { result } = await run([step('no bash', 'true')], { env: { PATH: join(root, 'empty-path') } });
    assert.ok(result.status === 'failed');
    assert.equal(result.exitCode, null);
    assert.match(result.message, /step "no bash" could not start: spawn bash ENOENT/);
  });

  it('fails a step whose folder does not exist, with a message', async () => {
    const { result } = await run([step('nowhere', 'true', { cwd: 'missing' })]);
    assert.ok(result.status === 'failed');
    assert.equal(result.exitCode, null);
    assert.match(result.message, /could not start: folder .*missing does not exist/);
  });
});
