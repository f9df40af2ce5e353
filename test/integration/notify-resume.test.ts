/**
 * Telling the team of the ends that are not a plain deploy's, against moto (through the fault
 * proxy for the stack states moto lacks) and a loopback webhook receiver:
 *  - `recover` (ContinueUpdateRollback) sends exactly one message, kind `recover`, whatever its end:
 *    the continued rollback refused, the continued rollback failing again, or the stack restored
 *    (good news, told when stable ends are asked for); a recover whose CLI was killed mid-way and
 *    that the next run finishes ends as one run to its end would (restored, not "rollback failed");
 *  - a deployment reattached by the next run (its CLI killed mid-bake, or killed during the
 *    restore's verification window, or stopped with Ctrl+C) that ends rolled back sends exactly
 *    one message, marked resumed, naming the alarm and the restored commit: the interrupted run
 *    never sent one, and the restore is not told apart from the deployment it undoes;
 *  - a webhook that is down delays neither a recover nor a reattached run.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { recoverStack, resumeInterrupted, runDeployment, type DeploymentOutcome, type EngineContext } from '../../src/core/deployment';
import { withStackLock } from '../../src/core/deployment/stackLock';
import type { EngineEvent } from '../../src/core/events';
import type { NotifyMessage } from '../../src/core/notify/message';
import { Notifier } from '../../src/core/notify/notifier';
import type { PipelineConfig } from '../../src/core/pipeline/types';
import { spawnCli } from '../support/cliProcess';
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
  versionedTemplate,
  watchStarted,
} from '../support/healthFixtures';
import { closedPort, FAST_RETRY, PATIENT_RETRY, startReceiver, until, type Receiver } from '../support/webhookReceiver';
import { useMotoRig } from '../support/motoRig';

const HOOK_PATH = '/services/T0001/B0002/s3cr3t-t0ken';

describe('telling the team of recovers and reattached deployments (moto + a loopback webhook receiver)', () => {
  const { moto, proxy, cw } = useMotoRig({ proxy: true });
  let receiver: Receiver;
  let repo: string;
  let home: string;
  let events: EngineEvent[];

  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
  });
  beforeEach(async () => {
    receiver.bodies.length = 0;
    receiver.mode = 'ok';
    repo = await mkdtemp(join(tmpdir(), 'dg-notify-resume-repo-'));
    home = await mkdtemp(join(tmpdir(), 'dg-notify-resume-home-'));
    events = [];
    await putAlarm(cw, 'orders-5xx');
  });

  const hook = () => `${receiver.url}${HOOK_PATH}`;
  const messages = () => receiver.bodies.filter((b) => b.path === HOOK_PATH).map((b) => JSON.parse(b.body) as NotifyMessage);
  const context = (notifier: Notifier): EngineContext => ({ ...engineContext(home, (e) => events.push(e)), notifier });

  function pipeline(version: string, endpoint = moto.endpoint, bakeMs = 1500): PipelineConfig {
    return versionedPipeline({
      stackName: 'orders-dev',
      version,
      endpoint,
      health: health({ alarms: ['orders-5xx'], bakeMs, pollSeconds: 0.2 }),
    });
  }

  /** Nothing more arrives after the notifier settled (a second message would come from another path). */
  async function settled(notifier: Notifier): Promise<void> {
    assert.equal(await notifier.settle(15_000), true);
    await new Promise((r) => setTimeout(r, 300));
  }

  /** The deployguard.yaml of `pipeline(version)`, for the CLI that gets killed. */
  async function writeCliRepo(version: string, bake: string, endpoint = moto.endpoint): Promise<void> {
    await writeFile(join(repo, `template-${version}.yaml`), versionedTemplate(version));
    await writeFile(
      join(repo, 'deployguard.yaml'),
      `version: 1
name: orders
stack:
  name: orders-dev
  template: template-${version}.yaml
  parameters:
    Version: ${version}
environments:
  dev:
    region: ${REGION}
    endpoint: ${endpoint}
    health:
      alarms: [orders-5xx]
      bake: ${bake}
      pollSeconds: 1
      rollback: auto
`,
    );
  }

  describe('recover', () => {
    /** v1 stable, then v2 whose update fails and whose rollback fails too: UPDATE_ROLLBACK_FAILED, told as needs-attention. */
    async function stuckStack(
      ctx: EngineContext,
      notifier: Notifier,
      continuedRollback?: 'UPDATE_ROLLBACK_FAILED',
      holdMs = 200,
    ): Promise<void> {
      const v1 = await deployVersion({ ctx, repo, pipeline: pipeline('v1', proxy.endpoint), version: 'v1' });
      assert.equal(v1.record.status, 'stable', v1.record.reason);
      proxy.scenario('orders-dev', {
        holdMs,
        final: 'UPDATE_ROLLBACK_FAILED',
        ...(continuedRollback ? { continuedRollback } : {}),
      });
      const v2 = await deployVersion({ ctx, repo, pipeline: pipeline('v2', proxy.endpoint), version: 'v2' });
      assert.equal(v2.record.status, 'needs-attention', v2.record.reason);
      await settled(notifier);
      assert.deepEqual(
        // v1's stable end is told too where stable ends are asked for.
        messages()
          .filter((m) => m.status !== 'stable')
          .map((m) => [m.deploymentId, m.kind, m.status]),
        [[v2.record.id, 'deploy', 'needs-attention']],
      );
      receiver.bodies.length = 0;
    }

    const recover = (ctx: EngineContext) => recoverStack(ctx, { pipeline: pipeline('v2', proxy.endpoint), environment: 'dev' });

    function theOneMessage(outcome: DeploymentOutcome): NotifyMessage {
      const told = messages();
      assert.equal(told.length, 1, JSON.stringify(told));
      const m = told[0]!;
      assert.equal(m.kind, 'recover');
      assert.equal(m.deploymentId, outcome.record.id);
      assert.equal(m.status, outcome.record.status);
      assert.equal(m.environment, 'dev');
      assert.equal(m.stack, 'orders-dev');
      // A recover's commit is what it restored, never a bad commit.
      assert.equal(m.badCommit, undefined);
      assert.match(m.text, /recover /);
      return m;
    }

    it('restored (UPDATE_ROLLBACK_COMPLETE): one message, verdict good, when stable ends are asked for', async () => {
      const notifier = new Notifier({ webhookUrl: hook(), onStable: true, logger: memoryLogger(), retry: PATIENT_RETRY });
      const ctx = context(notifier);
      await stuckStack(ctx, notifier);
      const outcome = await recover(ctx);
      assert.equal(outcome.record.status, 'rolled-back', outcome.record.reason);
      assert.equal(outcome.exitCode, 0);
      await settled(notifier);
      const m = theOneMessage(outcome);
      assert.equal(m.verdict, 'good');
      assert.match(m.reason ?? '', /UPDATE_ROLLBACK_COMPLETE/);
      notifier.dispose();
    });

    it('restored, stable ends not asked for: the person who ran it needs no message', async () => {
      const notifier = new Notifier({ webhookUrl: hook(), logger: memoryLogger(), retry: PATIENT_RETRY });
      const ctx = context(notifier);
      await stuckStack(ctx, notifier);
      const outcome = await recover(ctx);
      assert.equal(outcome.record.status, 'rolled-back', outcome.record.reason);
      assert.equal(notifier.inFlight, 0);
      await settled(notifier);
      assert.deepEqual(messages(), []);
      notifier.dispose();
    });

    it('the continued rollback fails again (UPDATE_ROLLBACK_FAILED): one message, needs a person', async () => {
      const notifier = new Notifier({ webhookUrl: hook(), logger: memoryLogger(), retry: PATIENT_RETRY });
      const ctx = context(notifier);
      await stuckStack(ctx, notifier, 'UPDATE_ROLLBACK_FAILED');
      const outcome = await recover(ctx);
      assert.equal(outcome.record.status, 'needs-attention', outcome.record.reason);
      assert.equal(proxy.count('ContinueUpdateRollback'), 1);
      await settled(notifier);
      const m = theOneMessage(outcome);
      assert.equal(m.verdict, 'needs-person');
      assert.match(m.reason ?? '', /continued rollback ended in UPDATE_ROLLBACK_FAILED/);
      assert.match(m.text, /recover needs attention\./);
      notifier.dispose();
    });

    it('ContinueUpdateRollback refused: one message, needs a person, with the refusal', async () => {
      const notifier = new Notifier({ webhookUrl: hook(), logger: memoryLogger(), retry: PATIENT_RETRY });
      const ctx = context(notifier);
      await stuckStack(ctx, notifier);
      proxy.fault({ action: 'ContinueUpdateRollback', kind: 'limit', times: 10 });
      const outcome = await recover(ctx);
      assert.equal(outcome.record.status, 'needs-attention', outcome.record.reason);
      await settled(notifier);
      const m = theOneMessage(outcome);
      assert.equal(m.verdict, 'needs-person');
      assert.ok(m.reason && m.reason.length > 0, 'the refusal is the reason');
      notifier.dispose();
    });

    it('its CLI killed during ContinueUpdateRollback, the next run finishes it: one message, restored, marked resumed', async () => {
      const notifier = new Notifier({ webhookUrl: hook(), onStable: true, logger: memoryLogger(), retry: PATIENT_RETRY });
      const ctx = context(notifier);
      // The continued rollback takes 4 s: long enough to kill the CLI while CloudFormation runs it.
      await stuckStack(ctx, notifier, undefined, 4_000);
      await writeCliRepo('v2', '2s', proxy.endpoint);
      const first = spawnCli(['recover', 'dev', '--json'], { cwd: repo, home, env: { DEPLOYGUARD_NOTIFY_WEBHOOK: hook() } });
      const started = await first.waitFor('deployment-started');
      await until('ContinueUpdateRollback reached CloudFormation', () => proxy.count('ContinueUpdateRollback') === 1);
      assert.equal((await first.kill()).signal, 'SIGKILL');

      // The editor's reattach after a reload (a new process: its own stack pollers): finish what is open, deploy nothing.
      const reloaded = context(notifier);
      const signal = new AbortController().signal;
      const finished = await withStackLock(
        reloaded,
        { pipeline: pipeline('v2', proxy.endpoint), environment: 'dev' },
        { deploymentId: 'resume', holder: 'vscode (resuming after a reload)' },
        signal,
        ({ stackHistory, clients, env, lock }) => resumeInterrupted(reloaded, stackHistory, clients, env, {}, signal, lock),
      );
      assert.equal(finished.length, 1);
      const recovered = finished[0]!;
      assert.equal(recovered.id, started['deploymentId']);
      // The continued rollback completed: the stack is back at its previous version, as a recover run to its end says.
      assert.equal(recovered.status, 'rolled-back', recovered.reason);
      assert.equal(recovered.stackStatus, 'UPDATE_ROLLBACK_COMPLETE');
      await settled(notifier);
      const m = theOneMessage({ record: recovered, exitCode: 0, resumed: [] });
      assert.equal(m.resumed, true);
      assert.equal(m.verdict, 'good');
      assert.match(m.text, /recover resumed, /);
    });

    it('a webhook that is down never delays it', async () => {
      const logger = memoryLogger();
      const notifier = new Notifier({ webhookUrl: `http://127.0.0.1:${await closedPort()}${HOOK_PATH}`, logger, retry: FAST_RETRY });
      const setup = new Notifier({ webhookUrl: hook(), logger: memoryLogger(), retry: PATIENT_RETRY });
      await stuckStack(context(setup), setup, 'UPDATE_ROLLBACK_FAILED');
      const outcome = await recover(context(notifier));
      const returned = Date.now();
      assert.equal(outcome.record.status, 'needs-attention', outcome.record.reason);
      assert.equal(notifier.inFlight, 1, 'the notification is still in flight when the recover returns');
      const finished = [...events].reverse().find((e) => e.type === 'deployment-finished' && e.deploymentId === outcome.record.id);
      assert.ok(finished);
      assert.ok(returned - Date.parse(finished.at) < 500, `returned ${returned - Date.parse(finished.at)} ms after it finished`);
      await notifier.settle(10_000);
      assert.ok(
        logger.lines.some((l) => l.includes('Could not tell webhook') && l.includes(outcome.record.id)),
        logger.lines.join('\n'),
      );
    });
  });

  describe('a reattached deployment', () => {
    /** The next deploy of the same version in this process: it finishes the open one first, and deploys nothing new. */
    function nextRun(ctx: EngineContext, version: string, signal?: AbortSignal): Promise<DeploymentOutcome> {
      return runDeployment(ctx, {
        pipeline: pipeline(version),
        environment: 'dev',
        repoRoot: repo,
        skipSteps: true,
        yes: true,
        ...(signal ? { signal } : {}),
      });
    }

    function theOneResumedRollback(killedId: string, v1Id: string): NotifyMessage {
      const told = messages();
      assert.equal(told.length, 1, JSON.stringify(told));
      const m = told[0]!;
      assert.equal(m.deploymentId, killedId);
      assert.equal(m.kind, 'deploy');
      assert.equal(m.resumed, true);
      assert.equal(m.status, 'rolled-back');
      assert.equal(m.verdict, 'rolled-back');
      assert.equal(m.alarm, 'orders-5xx');
      assert.equal(m.restoredCommit, 'sha-v1');
      assert.equal(m.restoredDeploymentId, v1Id);
      assert.match(m.text, /resumed, rolled back/);
      assert.match(m.text, /restored sha-v1/);
      return m;
    }

    it('its CLI killed mid-bake, the next run rolls it back: exactly one message, marked resumed', async () => {
      const notifier = new Notifier({ webhookUrl: hook(), logger: memoryLogger(), retry: PATIENT_RETRY });
      const ctx = context(notifier);
      const v1 = await deployVersion({ ctx, repo, pipeline: pipeline('v1'), version: 'v1' });
      assert.equal(v1.record.status, 'stable', v1.record.reason);

      await writeCliRepo('v2', '6s');
      const first = spawnCli(['deploy', 'dev', '--skip-steps', '--yes', '--json'], {
        cwd: repo,
        home,
        env: { DEPLOYGUARD_NOTIFY_WEBHOOK: hook() },
      });
      const started = await first.waitFor('watch-started');
      assert.equal((await first.kill()).signal, 'SIGKILL');
      await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: while nothing watched');

      const verifying = restoreVerifying(events);
      const next = nextRun(ctx, 'v2');
      if (await verifying) await setAlarm(cw, 'orders-5xx', 'OK', 'Threshold no longer crossed');
      const outcome = await next;
      assert.equal(outcome.record.id, started['deploymentId'], 'the killed deployment is what the next run reports');
      assert.equal(outcome.record.status, 'rolled-back', outcome.record.reason);
      assert.equal(events.filter((e) => e.type === 'deployment-started' && e.kind === 'deploy').length, 1, 'only v1 was ever started here');
      await settled(notifier);
      theOneResumedRollback(outcome.record.id, v1.record.id);
    });

    it("its CLI killed during the restore's verification window: exactly one message, not one for the restore too", async () => {
      const notifier = new Notifier({ webhookUrl: hook(), logger: memoryLogger(), retry: PATIENT_RETRY });
      const ctx = context(notifier);
      const v1 = await deployVersion({ ctx, repo, pipeline: pipeline('v1'), version: 'v1' });
      assert.equal(v1.record.status, 'stable', v1.record.reason);

      await writeCliRepo('v2', '8s');
      const first = spawnCli(['deploy', 'dev', '--skip-steps', '--yes', '--json'], {
        cwd: repo,
        home,
        env: { DEPLOYGUARD_NOTIFY_WEBHOOK: hook() },
      });
      const started = await first.waitFor('watch-started');
      await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: v2 is bad');
      await first.waitFor('watch-started', (e) => e['phase'] === 'restore');
      assert.equal((await first.kill()).signal, 'SIGKILL');
      // The restore fixed it while nothing watched.
      await setAlarm(cw, 'orders-5xx', 'OK', 'Threshold no longer crossed');

      const outcome = await nextRun(ctx, 'v2');
      assert.equal(outcome.record.id, started['deploymentId']);
      assert.equal(outcome.record.status, 'rolled-back', outcome.record.reason);
      assert.equal(outcome.resumed.length, 2, 'the restore and the deployment it undoes were both finished');
      await settled(notifier);
      theOneResumedRollback(outcome.record.id, v1.record.id);
    });

    it('stopped with Ctrl+C mid-bake and reattached: one message; a webhook that is down delays neither run', async () => {
      const logger = memoryLogger();
      const notifier = new Notifier({ webhookUrl: `http://127.0.0.1:${await closedPort()}${HOOK_PATH}`, logger, retry: FAST_RETRY });
      const ctx = context(notifier);
      const v1 = await deployVersion({ ctx, repo, pipeline: pipeline('v1'), version: 'v1' });
      assert.equal(v1.record.status, 'stable', v1.record.reason);

      await writeFile(join(repo, 'template-v2.yaml'), versionedTemplate('v2'));
      const stop = new AbortController();
      const watching = watchStarted(events).then(() => stop.abort());
      const stopped = await nextRun(ctx, 'v2', stop.signal);
      await watching;
      assert.equal(stopped.record.status, 'unverified', stopped.record.reason);
      assert.equal(notifier.inFlight, 0, 'a deployment left open is not told: its end is');

      await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: found on reattach');
      const verifying = restoreVerifying(events);
      const next = nextRun(ctx, 'v2');
      if (await verifying) await setAlarm(cw, 'orders-5xx', 'OK', 'Threshold no longer crossed');
      const outcome = await next;
      const returned = Date.now();
      assert.equal(outcome.record.id, stopped.record.id);
      assert.equal(outcome.record.status, 'rolled-back', outcome.record.reason);
      assert.equal(notifier.inFlight, 1, 'one notification, still in flight when the run returns');
      const finished = [...events].reverse().find((e) => e.type === 'deployment-finished' && e.deploymentId === outcome.record.id);
      assert.ok(finished);
      assert.ok(returned - Date.parse(finished.at) < 500, `returned ${returned - Date.parse(finished.at)} ms after it finished`);

      await notifier.settle(10_000);
      const warnings = logger.lines.filter((l) => l.includes('Could not tell webhook'));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.ok(warnings[0]!.includes(outcome.record.id) && warnings[0]!.includes('rolled-back'), warnings[0]);
    });
  });
});
