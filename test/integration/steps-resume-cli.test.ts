/**
 * A killed CLI leaves no step running: `deployguard deploy` is SIGKILLed while its step runs
 * `sleep 300 & wait`; the step's process group outlives it; the next `deployguard deploy` of the
 * same stack ends that group (and only it) and records the step as interrupted.
 * The CLI runs from source (node --import tsx src/cli.ts) against a real moto_server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { killProcessGroup, processGroupAlive } from '../../src/core/process';
import type { DeploymentRecord, JournalEntry } from '../../src/core/history/record';
import { makeRepo, tempHome } from '../support/deployFixture';
import { MOTO_ENV, startMoto, type Moto } from '../support/moto';

const CLI = resolve(__dirname, '../../src/cli.ts');
const TSX = pathToFileURL(resolve(__dirname, '../../node_modules/tsx/dist/loader.mjs')).href;

async function filesUnder(dir: string, name: (file: string) => boolean): Promise<string[]> {
  const all = await readdir(dir, { recursive: true });
  return all.filter(name).map((f) => join(dir, f));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('deployguard deploy: a killed CLI leaves no step running', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let moto: Moto;
  let repo: string;
  let home: string;
  let pgid: number | undefined;

  before(async () => {
    moto = await startMoto();
    home = await tempHome();
    repo = await makeRepo({
      steps: '\n  - name: Wait\n    run: sleep 300 & wait',
      extraEnvironment: `    endpoint: ${moto.endpoint}\n`,
    });
  });
  after(async () => {
    if (pgid !== undefined) killProcessGroup(pgid, 'SIGKILL');
    await moto.stop();
  });

  function cli(args: string[]) {
    const child = spawn(process.execPath, ['--no-warnings', '--import', TSX, CLI, ...args], {
      cwd: repo,
      env: { ...process.env, ...MOTO_ENV, DEPLOYGUARD_HOME: home, DEPLOYGUARD_POLL_MS: '50', AWS_ENDPOINT_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
      child.on('exit', (code, signal) => res({ code, signal, stderr })),
    );
    return { pid: child.pid!, done };
  }

  it('ends the dead run’s step group on the next run and marks the step interrupted', async () => {
    const first = cli(['deploy', 'dev', '--yes', '--json']);
    const exited = first.done.then((d) => {
      throw new Error(`the CLI exited (${d.code}) before its step was journalled:\n${d.stderr}`);
    });
    const journalled = until('the step-started journal line', async () => {
      const [journal] = await filesUnder(home, (f) => f.endsWith('journal.jsonl')).catch(() => []);
      if (!journal) return undefined;
      const lines = (await readFile(journal, 'utf8')).split('\n').filter(Boolean);
      return lines.map((l) => JSON.parse(l) as JournalEntry).find((e) => e.phase === 'step-started');
    });
    const entry = await Promise.race([journalled, exited]);
    const group = entry.stepGroup;
    assert.ok(group, 'the journal records the step’s process group');
    pgid = group.pgid;
    assert.equal(group.stepIndex, 0);
    assert.match(group.command, /sleep 300 & wait/);

    process.kill(first.pid, 'SIGKILL');
    assert.equal((await first.done).signal, 'SIGKILL');
    assert.equal(processGroupAlive(group.pgid), true, 'the step outlives the killed CLI');

    const second = await cli(['deploy', 'dev', '--skip-steps', '--yes', '--json']).done;
    assert.equal(second.code, 0, second.stderr);
    assert.equal(processGroupAlive(group.pgid), false, 'the next run ended the leftover group');

    const records = await filesUnder(home, (f) => f.includes(`records`) && f.endsWith(`${entry.deploymentId}.json`));
    assert.equal(records.length, 1);
    const record = JSON.parse(await readFile(records[0]!, 'utf8')) as DeploymentRecord;
    assert.equal(record.status, 'cancelled');
    assert.equal(record.steps[0]?.status, 'interrupted');
    assert.match(record.steps[0]?.reason ?? '', /process group \d+ was ended/);
  });
});
