/**
 * The incident note and the timeline end to end, on a real moto_server and a real git
 * repository: v1 committed and deployed (verified), v2 committed ("Make the marker fast", which
 * changes the marker's Value) and deployed; its alarm fires during the bake, v1 is restored and
 * verified. The note kept on v2's record and printed by `deployguard incident` names the alarm,
 * both commits, the bad commit's subject and the property the change set changed; and the same
 * rollback's one webhook message (to a loopback receiver) names the alarm and the restored commit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDeployment } from '../../src/core/deployment';
import type { EngineEvent } from '../../src/core/events';
import { HistoryStore } from '../../src/core/history/store';
import type { NotifyMessage } from '../../src/core/notify/message';
import { Notifier } from '../../src/core/notify/notifier';
import { loadPipeline } from '../../src/core/pipeline';
import { cli } from '../support/deployFixture';
import { createGitSandbox, type GitSandbox } from '../support/gitRepos';
import {
  ACCOUNT,
  engineContext,
  memoryLogger,
  putAlarm,
  REGION,
  restoreVerifying,
  setAlarm,
  watchStarted,
} from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';
import { PATIENT_RETRY, startReceiver, type Receiver } from '../support/webhookReceiver';

const template = (value: string) => `Description: orders service
Parameters:
  Version:
    Type: String
Resources:
  Marker:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/orders/\${AWS::StackName}/version'
      Type: String
      Value: ${value}
`;

describe('incident note and timeline after an automatic rollback (moto, real git)', () => {
  const { moto, cw } = useMotoRig({ resetBeforeEachTest: false });
  let git: GitSandbox;
  let home: string;
  const events: EngineEvent[] = [];
  let v1Sha: string;
  let v2Sha: string;
  let v2Id: string;
  let v1Id: string;
  let receiver: Receiver;
  let notifier: Notifier;

  before(async () => {
    receiver = await startReceiver();
    notifier = new Notifier({ webhookUrl: `${receiver.url}/hook`, logger: memoryLogger(), retry: PATIENT_RETRY });
    await putAlarm(cw, 'orders-5xx');
    git = createGitSandbox();
    home = git.dir + '/home-dg';
    const pipeline = `version: 1
name: orders
steps:
  - name: Build
    run: echo build
stack:
  name: orders-dev
  template: template.yaml
  parameters:
    Version: v
environments:
  dev:
    region: ${REGION}
    endpoint: ${moto.endpoint}
    health:
      alarms: [orders-5xx]
      bake: 2s
      pollSeconds: 1
      rollback: auto
`;
    git.write(git.work, 'deployguard.yaml', pipeline);
    git.git(git.work, 'add', 'deployguard.yaml');
    v1Sha = git.commitFile(git.work, 'template.yaml', template('!Ref Version'), 'Add the version marker');
    const deploy = async (sha: string) => {
      const loaded = await loadPipeline(git.work);
      assert.ok(loaded.config, JSON.stringify(loaded.problems));
      return runDeployment(
        { ...engineContext(home, (e) => events.push(e)), notifier },
        {
          pipeline: loaded.config,
          environment: 'dev',
          repoRoot: git.work,
          skipSteps: true,
          yes: true,
          git: { sha },
          processEnv: { ...process.env, ...git.env },
        },
      );
    };
    const v1 = await deploy(v1Sha);
    assert.equal(v1.record.status, 'stable', v1.record.reason);
    v1Id = v1.record.id;

    git.git(
      git.work,
      '-c',
      'user.name=Ada Lovelace',
      '-c',
      'user.email=ada@example.com',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'Prepare the fast path',
    );
    git.write(git.work, 'template.yaml', template("!Sub '${Version}-fast'"));
    git.git(git.work, 'add', 'template.yaml');
    git.git(git.work, '-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com', 'commit', '-q', '-m', 'Make the marker fast');
    v2Sha = git.git(git.work, 'rev-parse', 'HEAD');
    const alarm = (async () => {
      await watchStarted(events);
      await new Promise((r) => setTimeout(r, 300));
      await setAlarm(
        cw,
        'orders-5xx',
        'ALARM',
        'Threshold Crossed: 1 datapoint [12.0 (04/12/26 21:04:00)] was greater than the threshold (1.0).',
      );
      if (await restoreVerifying(events)) await setAlarm(cw, 'orders-5xx', 'OK', 'Threshold no longer crossed');
    })();
    const v2 = await deploy(v2Sha);
    await alarm;
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);
    v2Id = v2.record.id;
  });
  after(async () => {
    notifier.dispose();
    await receiver.close();
    git.cleanup();
  });

  it('keeps the note on the record: the alarm, both commits, the bad subject and the changed property', async () => {
    const stack = new HistoryStore(home).stack({ account: ACCOUNT, region: REGION, stackName: 'orders-dev' });
    const record = await stack.get(v2Id);
    const note = record?.incident;
    assert.ok(note, 'the rolled-back deployment has an incident note');
    assert.equal(note.fired.kind, 'alarm');
    assert.equal(note.fired.name, 'orders-5xx');
    assert.deepEqual(note.fired.datapoints, ['12.0 (04/12/26 21:04:00)']);
    assert.equal(note.commit, v2Sha);
    assert.equal(note.restore?.commit, v1Sha);
    assert.equal(note.restore?.restored, true);
    assert.equal(note.restore?.verification, 'verified');
    assert.deepEqual(
      note.changes.commits?.map((c) => [c.sha, c.subject, c.author]),
      [
        [v2Sha, 'Make the marker fast', 'Ada Lovelace <ada@example.com>'],
        [git.git(git.work, 'rev-parse', 'HEAD~1'), 'Prepare the fast path', 'Ada Lovelace <ada@example.com>'],
      ],
    );
    const marker = note.changes.resources.find((r) => r.logicalId === 'Marker');
    assert.deepEqual(marker?.properties, [{ property: 'Value', change: 'modified' }]);
    const t = note.times;
    for (const key of ['firstBadSignalAt', 'decidedAt', 'rollbackStartedAt', 'restoredAt', 'verifiedAt'] as const)
      assert.ok(t[key], `${key} is known`);
    assert.ok(t.deployStartedAt <= t.firstBadSignalAt! && t.decidedAt! <= t.rollbackStartedAt! && t.rollbackStartedAt! <= t.restoredAt!);
    assert.ok(t.restoredAt! <= t.verifiedAt!);
  });

  it('the webhook got one message about the rollback, naming the alarm and the restored commit', async () => {
    assert.equal(await notifier.settle(15_000), true);
    const messages = receiver.bodies.filter((b) => b.path === '/hook').map((b) => JSON.parse(b.body) as NotifyMessage);
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const m = messages[0]!;
    assert.equal(m.deploymentId, v2Id);
    assert.equal(m.verdict, 'rolled-back');
    assert.equal(m.alarm, 'orders-5xx');
    assert.equal(m.badCommit, v2Sha);
    assert.equal(m.restoredCommit, v1Sha);
    assert.equal(m.restoredDeploymentId, v1Id);
    assert.match(m.text, /alarm orders-5xx/);
    assert.match(m.text, new RegExp(`restored ${v1Sha.slice(0, 7)}`));
  });

  it('deployguard incident prints it as Markdown, and as JSON with --json', async () => {
    const md = await cli(['incident', 'dev', '--endpoint', moto.endpoint], { cwd: git.work, home });
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Incident: dev rolled back: alarm orders-5xx fired$/m);
    assert.match(md.stdout, new RegExp(`\`${v2Sha.slice(0, 12)}\` Make the marker fast — Ada Lovelace <ada@example.com>`));
    assert.match(md.stdout, new RegExp(`restored by .*recovery \\*\\*verified\\*\\*`));
    assert.match(md.stdout, new RegExp(`\\(commit \`${v1Sha.slice(0, 12)}\`\\)`));
    assert.match(md.stdout, /Modify `Marker` \(AWS::SSM::Parameter\): `Value` modified/);
    assert.match(md.stdout, /^\+ {6}Value: !Sub '\$\{Version\}-fast'$/m);

    const json = await cli(['incident', 'dev', v2Id, '--json', '--endpoint', moto.endpoint], { cwd: git.work, home });
    assert.equal(json.code, 0, json.stderr);
    const note = JSON.parse(json.stdout) as { deploymentId: string; fired: { name: string } };
    assert.equal(note.deploymentId, v2Id);
    assert.equal(note.fired.name, 'orders-5xx');

    const stable = await cli(['incident', 'dev', 'no-such-id', '--endpoint', moto.endpoint], { cwd: git.work, home });
    assert.equal(stable.code, 2);
    assert.match(stable.stderr, /no-such-id is not in the history/);
  });

  it('deployguard timeline puts the deploy, the alarm, the verdict and the restore on one axis', async () => {
    const run = await cli(['timeline', 'dev', v2Id, '--json', '--endpoint', moto.endpoint], { cwd: git.work, home });
    assert.equal(run.code, 0, run.stderr);
    const entries = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { at: string; kind: string; title: string });
    const kinds = entries.map((e) => e.kind);
    for (const k of ['status', 'change-set', 'stack-event', 'alarm', 'verdict', 'rollback', 'verification'])
      assert.ok(kinds.includes(k), `has ${k}`);
    const sorted = [...entries].sort((a, b) => a.at.localeCompare(b.at));
    assert.deepEqual(entries, sorted, 'one time axis');
    const fired = entries.findIndex((e) => e.title === 'Alarm orders-5xx OK → ALARM');
    const verdict = entries.findIndex((e) => e.kind === 'verdict');
    const restored = entries.findIndex((e) => e.title.startsWith('Restored version back on the stack'));
    assert.ok(fired >= 0 && fired < verdict && verdict < restored, entries.map((e) => e.title).join('\n'));
    const onlyAlarms = await cli(['timeline', 'dev', v2Id, '--kind', 'alarm', '--endpoint', moto.endpoint], { cwd: git.work, home });
    assert.match(onlyAlarms.stdout, /alarm +Alarm orders-5xx OK → ALARM/);
    assert.doesNotMatch(onlyAlarms.stdout, /stack-event/);
  });
});
