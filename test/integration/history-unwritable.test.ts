/**
 * A history that cannot be written (a full or read-only disk, a folder that is not ours): the
 * record and the write-ahead journal come before every stack change, so
 *  - a deploy whose history folder or journal refuses writes is refused before any stack change,
 *    and the message names the folder and the fix;
 *  - when writes start failing after the change set was executed, the run says what the stack
 *    did and how to record it, never that it succeeded, and the next run (the disk fixed) finishes
 *    recording the same deployment from its journal: nothing deployed is lost from history.
 * Real SDK → fault proxy → moto; the folder refuses writes through its mode, or as root through
 * the immutable attribute (test/support/unwritable.ts).
 */
import assert from 'node:assert/strict';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import type { EngineEvent } from '../../src/core/events';
import { HistoryStore } from '../../src/core/history/store';
import { spawnCli, until } from '../support/cliProcess';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { makeUnwritable, type Unwritable } from '../support/unwritable';
import { useMotoRig } from '../support/motoRig';

const STACK = 'orders-dev';
const WHY = { EPERM: /the operation was not permitted \(EPERM\)/, EACCES: /permission was denied \(EACCES\)/ };

function finished(events: EngineEvent[]) {
  return events.find((x): x is Extract<EngineEvent, { type: 'deployment-finished' }> => x.type === 'deployment-finished');
}

describe('a history that cannot be written: refused before any stack change, never a false success', () => {
  const { moto, proxy, cfn } = useMotoRig({ proxy: true });
  let home: string;
  let repo: string;
  let stackDir: string;
  let locked: Unwritable | undefined;

  beforeEach(async () => {
    home = await tempHome();
    stackDir = join(home, 'stacks', '123456789012', 'us-east-1', STACK);
    repo = await makeRepo();
    const v1 = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.equal(v1.code, 0, v1.stderr);
    await writeTemplate(repo, topicTemplate('v2'));
  });
  afterEach(async () => {
    await locked?.restore();
    locked = undefined;
  });

  const deploy = () => cli(['deploy', 'dev', '--json', '--skip-steps', '--yes', '--endpoint', proxy.endpoint], { cwd: repo, home });
  const records = async () =>
    (await new HistoryStore(home).stack({ account: '123456789012', region: 'us-east-1', stackName: STACK }).list()).records;
  const deployedTemplate = async () => (await cfn.send(new GetTemplateCommand({ StackName: STACK }))).TemplateBody;
  async function unwritable(t: TestContext, ...paths: string[]): Promise<Unwritable | undefined> {
    locked = await makeUnwritable(...paths);
    if (!locked) t.skip('cannot make a folder refuse writes here (no write-protecting mode or immutable attribute)');
    return locked;
  }
  const noStackChange = () => {
    assert.equal(proxy.count('CreateChangeSet'), 0, 'no change set created');
    assert.equal(proxy.count('ExecuteChangeSet'), 0, 'nothing executed');
  };

  it('the stack’s history folder refuses writes → refused before any AWS write, naming the folder and the fix', async (t) => {
    const lock = await unwritable(t, stackDir);
    if (!lock) return;
    const run = await deploy();
    assert.equal(run.code, 1, run.stdout.slice(-1500));
    assert.ok(run.stderr.includes(stackDir), `names the folder:\n${run.stderr}`);
    assert.match(run.stderr, WHY[lock.errno]);
    assert.match(run.stderr, /→ make .* writable by you/, 'says the fix');
    assert.doesNotMatch(run.stderr, /^Error: E[A-Z]+:/m, 'not a raw errno');
    noStackChange();
    assert.equal(await deployedTemplate(), topicTemplate('v1'));
  });

  it('the journal alone refuses writes → the deploy fails before any stack change, saying which folder and what to do', async (t) => {
    const lock = await unwritable(t, join(stackDir, 'journal.jsonl'));
    if (!lock) return;
    const run = await deploy();
    assert.equal(run.code, 1, run.stderr + run.stdout.slice(-1500));
    const end = finished(run.events);
    assert.equal(end?.status, 'failed', run.stderr);
    assert.match(end.reason ?? '', /Cannot write the deployment journal in /);
    assert.ok(end.reason?.includes(stackDir), end.reason);
    assert.match(end.reason ?? '', WHY[lock.errno]);
    noStackChange();
    const v2 = (await records()).find((r) => r.id === end.deploymentId);
    assert.equal(v2?.status, 'failed', 'the refused deployment is still recorded');
    assert.equal(await deployedTemplate(), topicTemplate('v1'));
  });

  /**
   * Deploys v2; once CloudFormation runs its update (executed and journalled), `paths` stop
   * taking writes, as when the disk fills up mid-deploy. Checks the report, then that the next
   * run, the disk fixed, records the same deployment without deploying it again.
   */
  async function writesFailAfterExecute(t: TestContext, paths: () => string[], lockLeft: boolean) {
    proxy.scenario(STACK, { holdMs: 2500 });
    // Its own process, as a terminal runs it: a lock it cannot remove is left by a process that is gone.
    const running = spawnCli(['deploy', 'dev', '--json', '--skip-steps', '--yes', '--endpoint', proxy.endpoint], { cwd: repo, home }).done;
    await until('the update to be executed and followed', async () => {
      const journal = await readFile(join(stackDir, 'journal.jsonl'), 'utf8').catch(() => '');
      // Executed (the answer came back: the run reads the stack after it), the entry before it written.
      const actions = proxy.requests.map((r) => r.action);
      const executed = actions.indexOf('ExecuteChangeSet');
      const following = executed >= 0 && actions.slice(executed + 1).includes('DescribeStacks');
      return following && journal.includes('"phase":"execute-requested"') ? true : undefined;
    });
    const lock = await unwritable(t, ...paths());
    const run = await running;
    if (!lock) return;
    const printed = run.stdout + run.stderr;
    assert.notEqual(run.code, 0, printed.slice(-2000));
    const end = run.events.find((e) => e.type === 'deployment-finished');
    assert.notEqual(end?.['status'], 'stable', 'never claims the deployment stable');
    assert.doesNotMatch(run.stderr, /\bstable\b/);
    assert.match(
      run.stderr,
      /stack orders-dev is UPDATE_COMPLETE after this deployment's change/,
      `says what the stack did:\n${run.stderr}`,
    );
    assert.match(run.stderr, /could not record how it ended/);
    assert.ok(run.stderr.includes(join(stackDir, 'records')), 'names the folder');
    assert.match(run.stderr, WHY[lock.errno]);
    assert.match(run.stderr, /run the same deploy again: it finds this deployment in the journal/, 'says how to record it');
    assert.doesNotMatch(run.stderr, /^Error: E[A-Z]+:|EPERM: operation not permitted|EACCES: permission denied/m, 'not a raw errno');
    assert.equal(await deployedTemplate(), topicTemplate('v2'));
    assert.equal(existsSync(join(stackDir, 'lock.json')), lockLeft, lockLeft ? 'the lock could not be removed' : 'the lock was released');

    await lock.restore();
    const again = await deploy();
    assert.equal(again.code, 0, again.stderr + again.stdout.slice(-1500));
    assert.equal(proxy.count('ExecuteChangeSet'), 1, 'the same deployment recorded, not deployed again');
    const all = await records();
    const v2 = all.find((r) => r.kind === 'deploy' && r.template.body === topicTemplate('v2'));
    assert.equal(v2?.status, 'stable', v2?.reason);
    assert.equal(v2.stackStatus, 'UPDATE_COMPLETE');
    assert.equal(all.length, 2, 'v1 and v2, one record each');
  }

  it('records and journal refuse writes after the execute → says what the stack did, not success; the next run records it', (t) =>
    writesFailAfterExecute(t, () => [join(stackDir, 'records'), join(stackDir, 'journal.jsonl')], false));

  it('the whole stack folder refuses writes after the execute → the same report; the lock it could not remove is taken over next', (t) =>
    writesFailAfterExecute(t, () => [join(stackDir, 'records'), join(stackDir, 'journal.jsonl'), stackDir], true));
});
