/**
 * Telling the team, against moto and a loopback webhook receiver (test/support/webhookReceiver.ts):
 *  - after an automatic rollback the webhook gets exactly one message, naming the alarm and the restored commit;
 *  - a manual rollback (`deployguard rollback`) sends exactly one message, marked manual, naming the restored commit;
 *  - a webhook that hangs or is down never delays the deployment; the CLI waits for it a bounded time at exit;
 *  - the URL's secret parts never reach the log;
 *  - `notify.sns` publishes to a moto topic (seen through the topic's HTTP subscription to the same
 *    receiver); a topic of another account is refused;
 *  - `stack.notificationArns` reaches CloudFormation as the change set's NotificationARNs.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { NOTIFY_EXIT_WAIT_MS } from '../../src/cli/commands/engineSupport';
import { manualRollback, type EngineContext } from '../../src/core/deployment';
import type { EngineEvent } from '../../src/core/events';
import type { NotifyMessage } from '../../src/core/notify/message';
import { Notifier } from '../../src/core/notify/notifier';
import type { EnvironmentConfig, PipelineConfig } from '../../src/core/pipeline/types';
import { cli, makeRepo } from '../support/deployFixture';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import {
  deployVersion,
  engineContext,
  health,
  memoryLogger,
  putAlarm,
  REGION,
  restoreVerifying,
  setAlarm,
  versionedPipeline,
  watchStarted,
} from '../support/healthFixtures';
import { closedPort, FAST_RETRY, PATIENT_RETRY, startReceiver, until, type Receiver } from '../support/webhookReceiver';
import { useMotoRig } from '../support/motoRig';

const SECRET_PATH = '/services/T0001/B0002/s3cr3t-t0ken';

describe('telling the team (moto + a loopback webhook receiver)', () => {
  const { moto, cw } = useMotoRig();
  let receiver: Receiver;
  let sns: SNSClient;
  let repo: string;
  let home: string;
  let events: EngineEvent[];

  before(async () => {
    receiver = await startReceiver();
    sns = new SNSClient({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  });
  after(async () => {
    sns.destroy();
    await receiver.close();
  });
  beforeEach(async () => {
    receiver.bodies.length = 0;
    receiver.mode = 'ok';
    repo = await mkdtemp(join(tmpdir(), 'dg-notify-repo-'));
    home = await mkdtemp(join(tmpdir(), 'dg-notify-home-'));
    events = [];
    await putAlarm(cw, 'orders-5xx');
  });

  function context(notifier: Notifier): EngineContext {
    return { ...engineContext(home, (e) => events.push(e)), notifier };
  }

  function pipeline(version: string, over: Partial<EnvironmentConfig> = {}, endpoint = moto.endpoint): PipelineConfig {
    const p = versionedPipeline({
      stackName: 'orders-dev',
      version,
      endpoint,
      health: health({ alarms: ['orders-5xx'], bakeMs: 1500, pollSeconds: 0.2 }),
    });
    return { ...p, environments: { dev: { ...p.environments['dev']!, ...over } } };
  }

  const webhookMessages = () => receiver.bodies.filter((b) => b.path === SECRET_PATH).map((b) => JSON.parse(b.body) as NotifyMessage);

  it('an automatic rollback: exactly one message, naming the alarm and the restored commit', async () => {
    const logger = memoryLogger();
    const notifier = new Notifier({ webhookUrl: `${receiver.url}${SECRET_PATH}`, logger, retry: PATIENT_RETRY });
    const ctx = context(notifier);
    const v1 = await deployVersion({ ctx, repo, pipeline: pipeline('v1'), version: 'v1' });
    assert.equal(v1.record.status, 'stable', v1.record.reason);
    const v2 = await deployVersion({
      ctx,
      repo,
      pipeline: pipeline('v2'),
      version: 'v2',
      during: async () => {
        await watchStarted(events);
        await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: 5 errors');
        // v1 back means the errors stop: the restore is verified.
        if (await restoreVerifying(events)) await setAlarm(cw, 'orders-5xx', 'OK', 'Threshold no longer crossed');
      },
    });
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);
    assert.equal(await notifier.settle(15_000), true);
    // Nothing more arrives later (the restore's own record is not told separately).
    await new Promise((r) => setTimeout(r, 300));

    const messages = webhookMessages();
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const m = messages[0]!;
    assert.equal(m.status, 'rolled-back');
    assert.equal(m.verdict, 'rolled-back');
    assert.equal(m.environment, 'dev');
    assert.equal(m.stack, 'orders-dev');
    assert.equal(m.alarm, 'orders-5xx');
    assert.equal(m.badCommit, 'sha-v2');
    assert.equal(m.restoredCommit, 'sha-v1');
    assert.equal(m.restoredDeploymentId, v1.record.id);
    assert.match(m.text, /orders-5xx/);
    assert.match(m.text, /restored sha-v1/);
    assert.match(m.links.alarm ?? '', /alarmsV2:alarm\/orders-5xx$/);
    notifier.dispose();
  });

  it('a manual rollback: exactly one message, marked manual, naming the restored commit', async () => {
    const notifier = new Notifier({ webhookUrl: `${receiver.url}${SECRET_PATH}`, logger: memoryLogger(), retry: PATIENT_RETRY });
    const ctx = context(notifier);
    const v1 = await deployVersion({ ctx, repo, pipeline: pipeline('v1'), version: 'v1' });
    assert.equal(v1.record.status, 'stable', v1.record.reason);
    const v2 = await deployVersion({ ctx, repo, pipeline: pipeline('v2'), version: 'v2' });
    assert.equal(v2.record.status, 'stable', v2.record.reason);
    assert.equal(notifier.inFlight, 0, 'stable deploys are not told unless asked');

    const rollback = await manualRollback(ctx, { pipeline: pipeline('v2'), environment: 'dev', verifyMs: 500 });
    assert.equal(rollback.record.status, 'stable', rollback.record.reason);
    assert.equal(rollback.record.rollbackTargetId, v1.record.id);
    assert.equal(await notifier.settle(15_000), true);
    await new Promise((r) => setTimeout(r, 300));

    const messages = webhookMessages();
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const m = messages[0]!;
    assert.equal(m.kind, 'manual-rollback');
    assert.equal(m.verdict, 'rolled-back');
    assert.equal(m.status, 'stable');
    assert.equal(m.deploymentId, rollback.record.id);
    assert.equal(m.restoredCommit, 'sha-v1');
    assert.equal(m.restoredDeploymentId, v1.record.id);
    assert.equal(m.rollbackDeploymentId, rollback.record.id);
    // The rollback's commit is the restored one, never reported as a bad commit.
    assert.equal(m.badCommit, undefined);
    assert.match(m.text, /manual rollback/);
    assert.match(m.text, /restored sha-v1/);
    notifier.dispose();
  });

  for (const how of ['hangs', 'is down'] as const) {
    it(`a webhook that ${how} never delays the deployment; the failure is logged, its URL masked`, async () => {
      const base = how === 'hangs' ? receiver.url : `http://127.0.0.1:${await closedPort()}`;
      receiver.mode = 'hang';
      const logger = memoryLogger();
      const notifier = new Notifier({ webhookUrl: `${base}${SECRET_PATH}?token=abc123xyz`, onStable: true, logger, retry: FAST_RETRY });
      const started = Date.now();
      const outcome = await deployVersion({ ctx: context(notifier), repo, pipeline: pipeline('v1'), version: 'v1' });
      const returned = Date.now();
      assert.equal(outcome.record.status, 'stable', outcome.record.reason);
      // The deployment returned while its notification was still being tried.
      assert.equal(notifier.inFlight, 1, 'the notification is still in flight when the deployment returns');
      const finished = events.find((e) => e.type === 'deployment-finished');
      assert.ok(finished);
      assert.ok(returned - Date.parse(finished.at) < 500, `returned ${returned - Date.parse(finished.at)} ms after it finished`);
      assert.ok(returned - started < 15_000);

      await notifier.settle(10_000);
      const warning = logger.lines.find((l) => l.includes('Could not tell webhook'));
      assert.ok(warning, logger.lines.join('\n'));
      assert.match(warning, /after 3 tries/);
      assert.ok(warning.includes(`${base}/***?***`), warning);
      for (const secret of ['s3cr3t-t0ken', 'abc123xyz', 'T0001']) assert.ok(!logger.lines.join('\n').includes(secret), secret);
    });
  }

  it('the CLI: DEPLOYGUARD_NOTIFY_WEBHOOK is told of a failure; a hanging one holds the exit a bounded time', async () => {
    receiver.mode = 'hang';
    const cliRepo = await makeRepo({ steps: '\n  - name: Build\n    run: exit 3' });
    const started = Date.now();
    const run = await cli(['deploy', 'dev', '--endpoint', moto.endpoint], {
      cwd: cliRepo,
      home,
      env: { DEPLOYGUARD_NOTIFY_WEBHOOK: `${receiver.url}${SECRET_PATH}` },
    });
    const took = Date.now() - started;
    assert.equal(run.code, 1, run.stderr);
    assert.ok(took < NOTIFY_EXIT_WAIT_MS + 4_000, `the CLI took ${took} ms`);
    const messages = webhookMessages();
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.status, 'failed');
    assert.match(run.stderr, /given up/);
    assert.ok(!run.stderr.includes('s3cr3t-t0ken'), run.stderr);
  });

  it('notify.sns publishes the message to a topic of the account; another account is refused', async () => {
    const topic = await sns.send(new CreateTopicCommand({ Name: 'deploys' }));
    const arn = topic.TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: `${receiver.url}/sns` }));
    const foreign = 'arn:aws:sns:us-east-1:999999999999:theirs';
    const logger = memoryLogger();
    const notifier = new Notifier({ onStable: true, logger, retry: PATIENT_RETRY });
    const outcome = await deployVersion({
      ctx: context(notifier),
      repo,
      pipeline: pipeline('v1', { notify: { sns: [arn, foreign] } }),
      version: 'v1',
    });
    assert.equal(outcome.record.status, 'stable', outcome.record.reason);
    const refused = events.flatMap((e) => (e.type === 'notice' && e.code === 'notify-topic-refused' ? [e.message] : []));
    assert.equal(refused.length, 1);
    assert.match(refused[0]!, /999999999999.*not the credentials' account 123456789012/);
    assert.equal(await notifier.settle(15_000), true);
    await until('the topic delivered to its subscription', () =>
      receiver.bodies.some((b) => b.path === '/sns' && /"Type":\s*"Notification"/.test(b.body)),
    );
    const notifications = receiver.bodies
      .filter((b) => b.path === '/sns')
      .map((b) => JSON.parse(b.body) as { Type: string; TopicArn: string; Message: string; Subject?: string })
      .filter((n) => n.Type === 'Notification');
    assert.equal(notifications.length, 1);
    assert.equal(notifications[0]!.TopicArn, arn);
    const message = JSON.parse(notifications[0]!.Message) as NotifyMessage;
    assert.equal(message.status, 'stable');
    assert.equal(message.deploymentId, outcome.record.id);
    assert.ok(!logger.lines.some((l) => l.includes('theirs')), 'the refused topic was never tried');
  });

  describe('stack.notificationArns', () => {
    let proxy: FaultProxy;
    before(async () => {
      proxy = await startFaultProxy(moto.endpoint);
    });
    after(async () => {
      await proxy.close();
    });

    it('reaches CloudFormation as the change set NotificationARNs', async () => {
      const topic = await sns.send(new CreateTopicCommand({ Name: 'stack-events' }));
      const p = pipeline('v1', {}, proxy.endpoint);
      const withArns: PipelineConfig = { ...p, stack: { ...p.stack, notificationArns: [topic.TopicArn!] } };
      const outcome = await deployVersion({
        ctx: context(new Notifier({ logger: memoryLogger() })),
        repo,
        pipeline: withArns,
        version: 'v1',
      });
      assert.equal(outcome.record.status, 'stable', outcome.record.reason);
      const create = proxy.requests.find((r) => r.action === 'CreateChangeSet');
      assert.equal(create?.params?.['NotificationARNs.member.1'], topic.TopicArn);
    });
  });
});
