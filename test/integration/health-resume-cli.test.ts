/**
 * The watch survives a killed CLI: `deployguard deploy` is SIGKILLed mid-bake; the
 * alarm fires while nothing is watching; the next `deployguard deploy` resumes the same watch
 * (same deadline and baseline, from the record), sees the ALARM, rolls back: exit 3, v1 current.
 * The CLI runs from source (node --import tsx src/cli.ts) against a real moto_server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { putAlarm, REGION, setAlarm, versionedTemplate as template } from '../support/healthFixtures';
import { spawnCli } from '../support/cliProcess';
import { useMotoRig } from '../support/motoRig';

describe('deployguard deploy: the watch resumes after the CLI is killed', () => {
  const { moto, cw } = useMotoRig();
  let repo: string;
  let home: string;

  before(async () => {
    repo = await mkdtemp(join(tmpdir(), 'dg-resume-repo-'));
    home = await mkdtemp(join(tmpdir(), 'dg-resume-home-'));
  });

  async function writeRepo(version: string): Promise<void> {
    await writeFile(join(repo, 'template.yaml'), template(version));
    await writeFile(
      join(repo, 'deployguard.yaml'),
      `version: 1
name: orders
steps:
  - name: Build
    run: echo build
stack:
  name: orders-dev
  template: template.yaml
  parameters:
    Version: ${version}
environments:
  dev:
    region: ${REGION}
    endpoint: ${moto.endpoint}
    health:
      alarms: [orders-5xx]
      bake: 4s
      pollSeconds: 1
      rollback: auto
`,
    );
  }

  const cli = (args: string[]) => spawnCli(args, { cwd: repo, home });

  it('killed mid-bake, alarm fires, next run resumes the watch and rolls back (exit 3)', async () => {
    await putAlarm(cw, 'orders-5xx');
    await writeRepo('v1');
    const v1 = await cli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--bake', '1s']).done;
    assert.equal(v1.code, 0, v1.stderr);

    await writeRepo('v2');
    const first = cli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--bake', '6s']);
    const started = await first.waitFor('watch-started');
    process.kill(first.pid, 'SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');

    // The fire starts while nothing is watching.
    await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: while the CLI was down');

    const resuming = cli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--bake', '6s']);
    // The restore fixes it: the alarm is back to OK within the restore's verification window.
    await resuming.waitFor('rollback-started');
    await setAlarm(cw, 'orders-5xx', 'OK', 'Threshold no longer crossed');
    const second = await resuming.done;
    const resumed = second.events.find((e) => e.type === 'watch-started');
    assert.ok(resumed, second.stderr);
    assert.equal(resumed['resumed'], true);
    assert.equal(resumed['deadline'], started['deadline'], 'the same bake, not a new one');
    assert.equal(resumed['deploymentId'], started['deploymentId']);
    const verdict = second.events.find((e) => e.type === 'watch-verdict');
    assert.equal(verdict?.['verdict'], 'unhealthy');
    assert.equal(second.code, 3, second.stderr);

    const cfn = new CloudFormationClient({ region: REGION, endpoint: moto.endpoint });
    assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody, template('v1'));
    cfn.destroy();
  });
  it("killed during the restore's verification window, the next run resumes that window (same deadline) and ends rolled-back (exit 3)", async () => {
    await moto.reset();
    repo = await mkdtemp(join(tmpdir(), 'dg-resume-repo-'));
    home = await mkdtemp(join(tmpdir(), 'dg-resume-home-'));
    await putAlarm(cw, 'orders-5xx');
    await writeRepo('v1');
    const v1 = await cli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--bake', '1s']).done;
    assert.equal(v1.code, 0, v1.stderr);

    await writeRepo('v2');
    const first = cli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--bake', '8s']);
    await first.waitFor('watch-started');
    await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: v2 is bad');
    const window = await first.waitFor('watch-started', (e) => e['phase'] === 'restore');
    process.kill(first.pid, 'SIGKILL');
    assert.equal((await first.done).signal, 'SIGKILL');

    // The restore fixed it while nothing was watching.
    await setAlarm(cw, 'orders-5xx', 'OK', 'Threshold no longer crossed');
    const second = await cli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--bake', '8s']).done;
    const resumed = second.events.find((e) => e.type === 'watch-started' && e['phase'] === 'restore');
    assert.ok(resumed, second.stderr);
    assert.equal(resumed['resumed'], true);
    assert.equal(resumed['deadline'], window['deadline'], 'the same window, not a new one');
    assert.equal(resumed['deploymentId'], window['deploymentId']);
    const restoreEnd = second.events.find((e) => e.type === 'deployment-finished' && e['deploymentId'] === window['deploymentId']);
    assert.equal(restoreEnd?.['status'], 'stable', JSON.stringify(restoreEnd));
    assert.equal(second.events.filter((e) => e.type === 'rollback-started').length, 0, 'no second rollback');
    assert.equal(second.code, 3, second.stderr);
  });
});
