import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StackHistory } from '../../../../src/core/history/backend';
import { DeployGuardError } from '../../../../src/core/errors';
import { HistoryStore } from '../../../../src/core/history/store';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../../src/core/history/record';
import type { EnvironmentConfig, PipelineConfig } from '../../../../src/core/pipeline/types';
import type { EngineHost } from '../../../../src/extension/engineHost';
import { loadEnvironment, outputRows } from '../../../../src/extension/deployments/treeModel';

const REGION = 'eu-west-1';
const STACK = 'orders-dev';

function record(account: string, id: string, startedAt: string): DeploymentRecord {
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind: 'deploy',
    environment: 'dev',
    stackName: STACK,
    region: REGION,
    account,
    template: { body: 'Resources: {}\n', sha256: 'a'.repeat(64) },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'stable',
    startedAt,
    finishedAt: startedAt,
    steps: [],
  };
}

function pipeline(env: EnvironmentConfig): PipelineConfig {
  return {
    version: 1,
    name: 'orders',
    steps: [],
    stack: { name: STACK, template: 't.yaml', parameters: {}, capabilities: [], tags: {} },
    environments: { dev: env },
  };
}

describe('deployments tree: one stack name in two accounts', () => {
  let home: string;
  let host: EngineHost;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'dg-tree-'));
    const store = new HistoryStore(home);
    // Account 111… deployed first and then 222…, with ids that interleave.
    await store
      .stack({ account: '111111111111', region: REGION, stackName: STACK })
      .write(record('111111111111', '20261201T100000000Z-aaaaaa', '2026-12-01T10:00:00.000Z'));
    await store
      .stack({ account: '111111111111', region: REGION, stackName: STACK })
      .write(record('111111111111', '20261203T100000000Z-bbbbbb', '2026-12-03T10:00:00.000Z'));
    await store
      .stack({ account: '222222222222', region: REGION, stackName: STACK })
      .write(record('222222222222', '20261202T100000000Z-cccccc', '2026-12-04T10:00:00.000Z'));
    host = { historyStore: () => store, teamHistory: async () => undefined } as unknown as EngineHost;
  });
  after(() => rm(home, { recursive: true, force: true }));

  const env = (over: Partial<EnvironmentConfig> = {}): EnvironmentConfig => ({
    name: 'dev',
    region: REGION,
    deployOn: [],
    confirm: false,
    ...over,
  });

  it('a pinned environment shows only its account, and names the other', async () => {
    for (const [pinned, other, ids] of [
      ['111111111111', '222222222222', ['20261203T100000000Z-bbbbbb', '20261201T100000000Z-aaaaaa']],
      ['222222222222', '111111111111', ['20261202T100000000Z-cccccc']],
    ] as const) {
      const entry = await loadEnvironment(host, pipeline(env({ account: pinned })), env({ account: pinned }));
      assert.equal(entry.account, pinned);
      assert.deepEqual(entry.otherAccounts, [other]);
      assert.deepEqual(
        entry.records.map((r) => r.id),
        ids,
      );
      assert.ok(entry.records.every((r) => r.account === pinned));
    }
  });

  it('unpinned: the account deployed to most recently, never a merge of both', async () => {
    const entry = await loadEnvironment(host, pipeline(env()), env());
    assert.equal(entry.account, '222222222222');
    assert.deepEqual(entry.otherAccounts, ['111111111111']);
    assert.deepEqual(
      entry.records.map((r) => r.account),
      ['222222222222'],
    );
  });

  it('pinned to an account with no history yet: empty, the others named', async () => {
    const entry = await loadEnvironment(host, pipeline(env({ account: '333333333333' })), env({ account: '333333333333' }));
    assert.equal(entry.account, '333333333333');
    assert.deepEqual(entry.records, []);
    assert.deepEqual(entry.otherAccounts, ['111111111111', '222222222222']);
  });
});

describe('deployments tree: the outputs under an environment', () => {
  it("lists the outputs of the version the stack runs, not of a newer failed deploy's", () => {
    const stable = {
      ...record('111111111111', '20261201T100000000Z-aaaaaa', '2026-12-01T10:00:00.000Z'),
      outputs: { Url: 'https://v1', Arn: 'arn:1' },
    };
    const failed = {
      ...record('111111111111', '20261202T100000000Z-bbbbbb', '2026-12-02T10:00:00.000Z'),
      status: 'failed' as const,
      outputs: { Url: 'https://v2' },
    };
    const env = {
      name: 'dev',
      config: { name: 'dev', region: REGION, deployOn: [], confirm: false },
      stackName: STACK,
      records: [failed, stable],
      damaged: [],
    };
    assert.deepEqual(
      outputRows(env).map((n) => (n.kind === 'output' ? [n.id, n.key, n.value] : n.kind)),
      [
        ['out:dev:Url', 'Url', 'https://v1'],
        ['out:dev:Arn', 'Arn', 'arn:1'],
      ],
    );
    assert.deepEqual(outputRows({ ...env, records: [failed] }), [], 'no version runs: no outputs');
  });
});

describe('deployments tree: an environment whose history is the team store', () => {
  let home: string;
  let teamHome: string;
  let local: HistoryStore;
  let team: HistoryStore;
  const key = { account: '111111111111', region: REGION, stackName: STACK };
  const env: EnvironmentConfig = { name: 'dev', region: REGION, deployOn: [], confirm: false, history: 's3://team-history/team' };
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'dg-tree-local-'));
    teamHome = await mkdtemp(join(tmpdir(), 'dg-tree-team-'));
    local = new HistoryStore(home);
    team = new HistoryStore(teamHome);
    await local.stack(key).write(record('111111111111', '20261201T100000000Z-aaaaaa', '2026-12-01T10:00:00.000Z'));
    await team.stack(key).write(record('111111111111', '20261203T100000000Z-bbbbbb', '2026-12-03T10:00:00.000Z'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(teamHome, { recursive: true, force: true });
  });

  // The engine host opens the store the deploy would use; here a second folder stands in for the bucket.
  function hostWith(stackHistory: StackHistory, disposed: string[]): EngineHost {
    return {
      historyStore: () => local,
      teamHistory: async () => ({ stackHistory, where: 's3://team-history/team', dispose: () => disposed.push('clients') }),
    } as unknown as EngineHost;
  }

  it('shows the team store, not this machine folder, and closes what it opened', async () => {
    const disposed: string[] = [];
    const entry = await loadEnvironment(hostWith(team.stack(key), disposed), pipeline(env), env);
    assert.deepEqual(
      entry.records.map((r) => r.id),
      ['20261203T100000000Z-bbbbbb'],
    );
    assert.equal(entry.teamHistory, 's3://team-history/team');
    assert.equal(entry.stale, undefined);
    assert.deepEqual(disposed, ['clients']);
  });

  it("a listing from this machine's copy is marked with the row that says why", async () => {
    const copy = team.stack(key);
    const stale: StackHistory = Object.assign(Object.create(copy) as StackHistory, {
      list: async () => ({ ...(await copy.list()), stale: 'long words', staleReason: 'connect ECONNREFUSED 127.0.0.1:1' }),
    });
    const entry = await loadEnvironment(hostWith(stale, []), pipeline(env), env);
    assert.equal(
      entry.stale,
      "showing this machine's copy: the team history at s3://team-history/team could not be read — connect ECONNREFUSED 127.0.0.1:1",
    );
    assert.deepEqual(
      entry.records.map((r) => r.id),
      ['20261203T100000000Z-bbbbbb'],
    );
  });

  it('a team store that cannot be opened is an error row, never a throw', async () => {
    const host = {
      historyStore: () => local,
      teamHistory: async () => {
        throw new DeployGuardError('HistoryUnreachable', 'The team history s3://team-history/team could not be reached', {
          hint: 'check the network',
        });
      },
    } as unknown as EngineHost;
    const entry = await loadEnvironment(host, pipeline(env), env);
    assert.match(entry.error?.message ?? '', /could not be reached/);
    assert.equal(entry.error?.hint, 'check the network');
    assert.deepEqual(entry.records, []);
  });
});
