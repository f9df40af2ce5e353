/**
 * A killed CLI leaves no step running: `deployguard deploy` is SIGKILLed while its step runs
 * `sleep 300 & wait`; the step's process group outlives it; the next `deployguard deploy` of the
 * same stack ends that group (and only it) and records the step as interrupted.
 * The CLI runs from source (node --import tsx src/cli.ts) against a real moto_server.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killProcessGroup, processGroupAlive } from '../../src/core/process';
import type { DeploymentRecord, JournalEntry } from '../../src/core/history/record';
import { makeRepo, tempHome } from '../support/deployFixture';
import { spawnCli, until } from '../support/cliProcess';
import { useMotoRig } from '../support/motoRig';

async function filesUnder(dir: string, name: (file: string) => boolean): Promise<string[]> {
  const all = await readdir(dir, { recursive: true });
  return all.filter(name).map((f) => join(dir, f));
}

describe('deployguard deploy: a killed CLI leaves no step running', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  const { moto } = useMotoRig({ resetBeforeEachTest: false });
  let repo: string;
  let home: string;
  let pgid: number | undefined;

  before(async () => {
    home = await tempHome();
    repo = await makeRepo({
      steps: '\n  - name: Wait\n    run: sleep 300 & wait',
      extraEnvironment: `    endpoint: ${moto.endpoint}\n`,
    });
  });
  after(async () => {
    if (pgid !== undefined) killProcessGroup(pgid, 'SIGKILL');
  });

  const cli = (args: string[]) => spawnCli(args, { cwd: repo, home });

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
