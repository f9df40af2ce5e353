import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AwsClients } from '../../../src/core/aws/clients';
import { StackPollers } from '../../../src/core/aws/stackPoller';
import { DeploymentRun, exitCodeFor } from '../../../src/core/deployment/deploymentRun';
import {
  canTransition,
  DEPLOYMENT_STATUSES,
  ExitCode,
  FINAL_STATUSES,
  STATUS,
  TRANSITIONS,
  type DeploymentStatus,
} from '../../../src/core/deploymentStatus';
import { DeployGuardError } from '../../../src/core/errors';
import type { EngineEvent } from '../../../src/core/events';
import { newDeploymentId } from '../../../src/core/history/paths';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../src/core/history/record';
import { HistoryStore } from '../../../src/core/history/store';
import { createMasker } from '../../../src/core/secrets';
import { memoryLogger } from '../../support/healthFixtures';

const KEY = { account: '123456789012', region: 'eu-west-1', stackName: 'orders-dev' };

describe('the status table', () => {
  it('has a row with words, label and icon for every status', () => {
    for (const status of DEPLOYMENT_STATUSES) {
      const row = STATUS[status];
      assert.ok(row.words && row.label && row.icon, `${status} has words, a label and an icon`);
      assert.ok(Array.isArray(TRANSITIONS[status]), `${status} has a transitions row`);
    }
  });

  it('maps final statuses to the exit codes the CLI documents', () => {
    const documented: Partial<Record<DeploymentStatus, ExitCode>> = {
      stable: 0,
      unchanged: 0,
      failed: 1,
      cancelled: 1,
      'rolled-back': 3,
      'rolled-back-unhealthy': 4,
      'rollback-failed': 4,
      'needs-attention': 4,
    };
    assert.deepEqual([...FINAL_STATUSES].sort(), Object.keys(documented).sort());
    for (const [status, code] of Object.entries(documented)) assert.equal(exitCodeFor(status as DeploymentStatus), code, status);
  });

  it('keeps the words the views show', () => {
    assert.equal(STATUS['rolled-back'].words, 'rolled back');
    assert.equal(STATUS['needs-attention'].words, 'needs attention');
    assert.equal(STATUS.watching.label, 'Watching health');
    assert.deepEqual(
      DEPLOYMENT_STATUSES.filter((s) => STATUS[s].rollbackTarget),
      ['stable'],
    );
    assert.deepEqual(
      DEPLOYMENT_STATUSES.filter((s) => STATUS[s].busy),
      ['queued', 'running-steps', 'deploying', 'rolling-back'],
    );
  });

  it('lets nothing follow a final status, and every other status end', () => {
    for (const status of DEPLOYMENT_STATUSES) {
      if (FINAL_STATUSES.has(status)) assert.deepEqual(TRANSITIONS[status], [], status);
      else
        for (const end of ['failed', 'cancelled', 'needs-attention'] as const) assert.ok(canTransition(status, end), `${status} → ${end}`);
    }
  });
});

describe('DeploymentRun owns the status', () => {
  async function run(status: DeploymentStatus = 'queued') {
    const id = newDeploymentId();
    const record: DeploymentRecord = {
      schemaVersion: HISTORY_SCHEMA_VERSION,
      id,
      kind: 'deploy',
      environment: 'dev',
      stackName: KEY.stackName,
      region: KEY.region,
      account: KEY.account,
      template: { body: 'Resources: {}', sha256: 'x' },
      parameters: [],
      tags: {},
      capabilities: [],
      status,
      startedAt: new Date().toISOString(),
      steps: [],
    };
    const history = new HistoryStore(await mkdtemp(join(tmpdir(), 'dg-status-'))).stack(KEY);
    const events: EngineEvent[] = [];
    const clients = new AwsClients({ region: KEY.region });
    const logger = memoryLogger();
    const r = new DeploymentRun(record, history, clients, new StackPollers(logger), (e) => events.push(e), createMasker(), logger);
    const statuses = () => events.flatMap((e) => (e.type === 'deployment-status' ? [e.status] : []));
    return { r, history, record, statuses, clients };
  }

  it('follows queued → running-steps → deploying → watching → stable, saving each', async () => {
    const { r, history, record, statuses, clients } = await run();
    await r.setStatus('running-steps');
    await r.setStatus('deploying');
    await r.setStatus('watching');
    assert.equal((await history.get(record.id))?.status, 'watching');
    await r.finish('stable', 'healthy');
    assert.deepEqual(statuses(), ['running-steps', 'deploying', 'watching', 'stable']);
    assert.equal((await history.get(record.id))?.status, 'stable');
    assert.equal(r.exitCode, ExitCode.Ok);
    clients.dispose();
  });

  it('shows the watch’s unhealthy → rolling-back → rolled-back while the record stays watching', async () => {
    const { r, history, record, statuses, clients } = await run('watching');
    r.showStatus('unhealthy', 'orders-5xx in ALARM');
    r.showStatus('rolling-back', 'restoring');
    assert.equal(record.status, 'watching');
    await r.finish('rolled-back', 'restored');
    assert.deepEqual(statuses(), ['unhealthy', 'rolling-back', 'rolled-back']);
    assert.equal((await history.get(record.id))?.status, 'rolled-back');
    assert.equal(r.exitCode, ExitCode.RolledBack);
    clients.dispose();
  });

  it('takes a rollback record through queued → deploying → stable, and a recover through rolling-back', async () => {
    const a = await run();
    await a.r.setStatus('deploying');
    await a.r.finish('stable');
    const b = await run();
    await b.r.setStatus('rolling-back');
    await b.r.finish('needs-attention');
    assert.deepEqual(a.statuses(), ['deploying', 'stable']);
    assert.deepEqual(b.statuses(), ['rolling-back', 'needs-attention']);
    a.clients.dispose();
    b.clients.dispose();
  });

  it('refuses an illegal change with an Internal error and leaves the record as it was', async () => {
    const { r, record, statuses, clients } = await run();
    await assert.rejects(r.setStatus('watching'), (err) => DeployGuardError.is(err, 'Internal'));
    assert.throws(
      () => r.showStatus('unhealthy', 'no'),
      (err) => DeployGuardError.is(err, 'Internal'),
    );
    assert.equal(record.status, 'queued');
    await r.finish('failed', 'boom');
    await assert.rejects(r.finish('stable'), (err) => DeployGuardError.is(err, 'Internal'));
    assert.deepEqual(statuses(), ['failed']);
    clients.dispose();
  });
});
