/**
 * `deployguard run` (steps only) is journalled like a deploy: SIGKILLed while its step runs
 * `sleep 300 & wait`, the step's process group outlives it; the next `deployguard run` ends that
 * group (and only it) before running, and a finished run leaves no journal behind.
 * The CLI runs from source (node --import tsx src/cli.ts); no AWS.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import type { JournalEntry } from '../../src/core/history/record';
import { killProcessGroup, processGroupAlive } from '../../src/core/process';
import { makeRepo, tempHome } from '../support/deployFixture';

const CLI = resolve(__dirname, '../../src/cli.ts');
const TSX = pathToFileURL(resolve(__dirname, '../../node_modules/tsx/dist/loader.mjs')).href;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('deployguard run: a killed run leaves no step running', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let pgid: number | undefined;
  after(() => {
    if (pgid !== undefined) killProcessGroup(pgid, 'SIGKILL');
  });

  it('journals the step’s process group; the next run ends what the killed one left, then runs', async () => {
    const home = await tempHome();
    // The first run waits for good; the next one finds the marker and is quick.
    const repo = await makeRepo({
      steps: '\n  - name: Wait\n    run: if [ -f marker ]; then echo quick; else touch marker; sleep 300 & wait; fi',
    });
    const journals = join(home, 'runs', 'journals');
    const cli = (args: string[]) => {
      const child = spawn(process.execPath, ['--no-warnings', '--import', TSX, CLI, ...args], {
        cwd: repo,
        env: { ...process.env, DEPLOYGUARD_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stdout.resume();
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
        child.on('exit', (code, signal) => res({ code, signal, stderr })),
      );
      return { pid: child.pid!, done };
    };

    const first = cli(['run', 'dev']);
    const exited = first.done.then((d) => {
      throw new Error(`the CLI exited (${d.code}) before its step was journalled:\n${d.stderr}`);
    });
    const journalled = until('the step-started journal line', async () => {
      const [name] = await readdir(journals).catch(() => []);
      if (!name) return undefined;
      const lines = (await readFile(join(journals, name), 'utf8')).split('\n').filter(Boolean);
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

    const second = await cli(['run', 'dev']).done;
    assert.equal(second.code, 0, second.stderr);
    assert.equal(processGroupAlive(group.pgid), false, 'the next run ended the leftover group');
    assert.match(second.stderr, new RegExp(`Ended process group ${group.pgid} .* left running by step 1 of a killed run`));
    assert.deepEqual(await readdir(journals), [], 'a finished run leaves no journal');
  });
});
