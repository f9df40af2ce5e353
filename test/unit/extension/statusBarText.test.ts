import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../../src/core/events';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../src/core/history/record';
import type { HolderIdentity } from '../../../src/core/history/holder';
import type { DeploymentKind, DeploymentStatus } from '../../../src/core/model';
import { LiveDeployments } from '../../../src/extension/liveDeployments';
import {
  elsewhereStatusBarText,
  elsewhereTooltip,
  runningElsewhere,
  statusBarSubject,
  statusBarText,
  type ReadEnvironment,
} from '../../../src/extension/statusBarText';

// The status bar's words for a deployment of the workspace's environments that runs on another
// machine or a CI runner, read from the team history the Deployments view shows.
const T0 = Date.parse('2026-12-05T01:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const HERE = 'ana@laptop';
const CI: HolderIdentity = { name: 'CI run 4711', ci: 'GitHub Actions', url: 'https://github.com/acme/orders/actions/runs/4711' };

function record(
  id: string,
  status: DeploymentStatus,
  startedBy: HolderIdentity | undefined,
  options: { environment?: string; at?: number; kind?: DeploymentKind } = {},
): DeploymentRecord {
  const environment = options.environment ?? 'prod';
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind: options.kind ?? 'deploy',
    environment,
    stackName: `orders-${environment}`,
    region: 'us-east-1',
    account: '123456789012',
    commit: 'a1b2c3d4e5f6',
    template: { body: '{}', sha256: 'x' },
    parameters: [],
    tags: {},
    capabilities: [],
    status,
    startedAt: iso(options.at ?? T0 - 120_000),
    steps: [],
    ...(startedBy ? { startedBy } : {}),
  };
}

const env = (name: string, ...records: DeploymentRecord[]): ReadEnvironment => ({ name, stackName: `orders-${name}`, records });

describe('runningElsewhere (what the status bar names from the team history)', () => {
  it("names an environment's newest record in progress on a CI runner, with the words of the issue", () => {
    const found = runningElsewhere([env('prod', record('p2', 'deploying', CI), record('p1', 'stable', CI))], HERE, new Set());
    assert.ok(found);
    assert.equal(found.environment, 'prod');
    assert.equal(found.record.id, 'p2');
    assert.equal(elsewhereStatusBarText(found), '$(sync~spin) prod: deploying — CI run 4711');
    const tooltip = elsewhereTooltip(found, T0);
    assert.match(tooltip, /^Deploy Guard: prod \(orders-prod\) — deploying on CI run 4711 \(GitHub Actions\)$/m);
    assert.match(tooltip, /^https:\/\/github\.com\/acme\/orders\/actions\/runs\/4711$/m);
    assert.match(tooltip, /^Started 2m ago from a1b2c3d, deployment p2$/m);
  });

  it("says so when it was read from this machine's copy because the team history did not answer", () => {
    const stale = runningElsewhere([{ ...env('prod', record('p2', 'deploying', CI)), stale: 'bucket unreachable' }], HERE, new Set());
    assert.ok(stale);
    assert.equal(elsewhereStatusBarText(stale), '$(sync~spin) prod: deploying — CI run 4711');
    assert.match(elsewhereTooltip(stale, T0), /^As last read: the team history did not answer, so it may have ended since/m);
    const fresh = runningElsewhere([env('prod', record('p2', 'deploying', CI))], HERE, new Set());
    assert.doesNotMatch(elsewhereTooltip(fresh!, T0), /As last read/);
  });

  it('names a person at another machine, without a URL line', () => {
    const found = runningElsewhere([env('prod', record('p2', 'watching', { name: 'ben@desktop' }))], HERE, new Set());
    assert.ok(found);
    assert.equal(elsewhereStatusBarText(found), '$(eye) prod: watching — ben@desktop');
    assert.doesNotMatch(elsewhereTooltip(found, T0), /https?:/);
    const rollback = runningElsewhere([env('prod', record('r1', 'deploying', CI, { kind: 'rollback' }))], HERE, new Set());
    assert.equal(rollback && elsewhereStatusBarText(rollback), '$(sync~spin) prod: rolling back — CI run 4711');
  });

  it('is nothing once it ends, for this machine, for a record naming nobody, or one left open for a person', () => {
    assert.equal(runningElsewhere([env('prod', record('p2', 'stable', CI))], HERE, new Set()), undefined, 'ended: back to normal');
    assert.equal(runningElsewhere([env('prod', record('p2', 'deploying', { name: HERE }))], HERE, new Set()), undefined, 'this machine');
    assert.equal(runningElsewhere([env('prod', record('p2', 'deploying', undefined))], HERE, new Set()), undefined);
    assert.equal(runningElsewhere([env('prod', record('p2', 'in-doubt', CI))], HERE, new Set()), undefined, 'not running: left open');
    assert.equal(runningElsewhere([env('prod', record('p2', 'unverified', CI))], HERE, new Set()), undefined);
    // An older record still open under a newer one is not what the environment is doing now.
    assert.equal(runningElsewhere([env('prod', record('p3', 'failed', CI), record('p2', 'deploying', CI))], HERE, new Set()), undefined);
    assert.equal(runningElsewhere([env('prod')], HERE, new Set()), undefined);
  });

  it('leaves out one this window runs (a reattached one is its own), and picks the latest started of several', () => {
    assert.equal(runningElsewhere([env('prod', record('p2', 'watching', CI))], HERE, new Set(['p2'])), undefined);
    const found = runningElsewhere(
      [
        env('dev', record('d1', 'deploying', { name: 'ben@desktop' }, { environment: 'dev', at: T0 - 10_000 })),
        env('prod', record('p2', 'deploying', CI)),
      ],
      HERE,
      new Set(),
    );
    assert.equal(found?.environment, 'dev');
  });
});

function started(id: string): EngineEvent {
  return {
    type: 'deployment-started',
    deploymentId: id,
    at: iso(T0),
    kind: 'deploy',
    environment: 'prod',
    stackName: 'orders-prod',
    region: 'us-east-1',
    account: '123456789012',
    commit: 'a1b2c3d4e5f6',
    steps: [],
  };
}

describe('statusBarSubject (which deployment the one item shows)', () => {
  const elsewhere = runningElsewhere([env('prod', record('p2', 'deploying', CI))], HERE, new Set());

  it("keeps this window's running deployment first", () => {
    const live = new LiveDeployments();
    live.apply(started('mine'));
    live.apply({ type: 'deployment-status', deploymentId: 'mine', at: iso(T0), status: 'deploying' });
    const subject = statusBarSubject(live.focused(), elsewhere);
    assert.equal(subject?.kind, 'own');
    assert.equal(subject.kind === 'own' && statusBarText(subject.deployment, T0), '$(sync~spin) prod: deploying');
  });

  it('shows one running elsewhere over a finished result here, and the result again when it ends', () => {
    const live = new LiveDeployments();
    live.apply(started('mine'));
    live.apply({ type: 'deployment-finished', deploymentId: 'mine', at: iso(T0), status: 'failed', exitCode: 3, durationMs: 1 });
    assert.equal(statusBarSubject(live.focused(), elsewhere)?.kind, 'elsewhere');
    assert.equal(statusBarSubject(live.focused(), undefined)?.kind, 'own');
    assert.equal(statusBarSubject(undefined, elsewhere)?.kind, 'elsewhere');
    assert.equal(statusBarSubject(undefined, undefined), undefined, 'nothing here, nothing elsewhere: hidden');
  });
});
