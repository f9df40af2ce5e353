import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chooseRollbackTarget,
  currentVersion,
  derivedVerification,
  verificationOf,
  verificationWords,
} from '../../../../src/core/history/ledger';
import { migrateRecord } from '../../../../src/core/history/readRecord';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord, type VerificationKind } from '../../../../src/core/history/record';
import type { DeploymentStatus } from '../../../../src/core/model';

// Times are minutes on one made-up day; ids are names, so a row reads as a story. Neither decides
// anything for linked records: rows with skewed clocks and ids in the wrong order prove it.
const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();

interface Spec {
  readonly status?: DeploymentStatus;
  /** The `previous` link: a record id, `null` for "nothing was current", absent for no link (written before links). */
  readonly prev?: string | null;
  /** How a stable record was verified; absent: derived as for a record written before the section. */
  readonly verified?: VerificationKind;
  readonly restores?: string;
  readonly t: number;
  readonly sha?: string;
  /** Watched by an alarm through the bake (what an old record's health section shows). */
  readonly watched?: boolean;
}

function rec(id: string, kind: DeploymentRecord['kind'], spec: Spec): DeploymentRecord {
  const status = spec.status ?? 'stable';
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind,
    environment: 'prod',
    stackName: 'orders-prod',
    region: 'eu-west-1',
    account: '123456789012',
    template: { body: id, sha256: spec.sha ?? `sha-${id}` },
    parameters: [],
    tags: {},
    capabilities: [],
    status,
    startedAt: at(spec.t - 1),
    ...(status === 'watching' ? {} : { finishedAt: at(spec.t) }),
    steps: [],
    ...(spec.prev !== undefined
      ? { previous: spec.prev === null ? {} : { deploymentId: spec.prev, templateSha256: `sha-${spec.prev}` } }
      : {}),
    ...(spec.restores ? { rollbackTargetId: spec.restores } : {}),
    ...(spec.watched
      ? { health: { alarms: [{ name: 'orders-5xx', state: 'OK' as const }], verdict: { kind: 'healthy' as const, reason: 'ok' } } }
      : {}),
    ...(spec.verified && status === 'stable'
      ? { verification: { kind: spec.verified, at: at(spec.t), ...(spec.verified === 'alarms' ? { alarms: ['orders-5xx'] } : {}) } }
      : {}),
  };
}

const baseline = (id: string, t: number) => rec(id, 'baseline', { t, verified: 'as-found' });
const verified = (id: string, prev: string | null, t: number) => rec(id, 'deploy', { prev, t, verified: 'alarms' });
const unguarded = (id: string, prev: string, t: number) => rec(id, 'deploy', { prev, t, verified: 'unguarded' });
const deploy = (id: string, prev: string | null, status: DeploymentStatus, t: number) => rec(id, 'deploy', { prev, status, t });
const restore = (id: string, target: string, prev: string, status: DeploymentStatus, t: number) =>
  rec(id, 'rollback', { prev, status, restores: target, t, ...(status === 'stable' ? { verified: 'restored' as const } : {}) });
/** Written before links and before the verification section (as read from an old file, minus the migration). */
const legacy = (id: string, kind: DeploymentRecord['kind'], status: DeploymentStatus, t: number) =>
  rec(id, kind, { status, t, watched: kind === 'deploy' });

interface Row {
  readonly name: string;
  readonly history: readonly DeploymentRecord[];
  /** The deployment being rolled back. */
  readonly of: string;
  readonly target: string | undefined;
  readonly unverified?: boolean;
  readonly current: string | undefined;
}

const ROWS: readonly Row[] = [
  {
    name: 'a stack found before the first deploy: its baseline id sorts after v1 (made later), v1 is still the target',
    history: [baseline('9-legacy0', 2), verified('1-v1', '9-legacy0', 5), deploy('2-v2', '1-v1', 'watching', 7)],
    of: '2-v2',
    target: '1-v1',
    current: '1-v1',
  },
  {
    name: 'the same story written before links: ordered by when each was verified',
    history: [legacy('9-legacy0', 'baseline', 'stable', 2), legacy('1-v1', 'deploy', 'stable', 5), legacy('2-v2', 'deploy', 'watching', 7)],
    of: '2-v2',
    target: '1-v1',
    current: '1-v1',
  },
  {
    name: 'only the baseline: restored, and said to be never verified',
    history: [baseline('b', 1), deploy('v1', 'b', 'watching', 3)],
    of: 'v1',
    target: 'b',
    unverified: true,
    current: 'b',
  },
  {
    name: 'several verified versions: the one the stack ran before',
    history: [
      baseline('b', 1),
      verified('v1', 'b', 2),
      verified('v2', 'v1', 3),
      verified('v3', 'v2', 4),
      deploy('v4', 'v3', 'watching', 5),
    ],
    of: 'v4',
    target: 'v3',
    current: 'v3',
  },
  {
    name: 'a failed deploy in between changes nothing',
    history: [baseline('b', 1), verified('v1', 'b', 2), deploy('f2', 'v1', 'failed', 3), deploy('v3', 'v1', 'watching', 4)],
    of: 'v3',
    target: 'v1',
    current: 'v1',
  },
  {
    name: 'an unverified deploy left live (needs attention): the next goes back past it',
    history: [verified('v1', null, 2), deploy('n2', 'v1', 'needs-attention', 3), deploy('v3', 'v1', 'watching', 4)],
    of: 'v3',
    target: 'v1',
    current: 'v1',
  },
  {
    name: 'a verified restore is the current version, and the next rollback target',
    history: [
      baseline('b', 1),
      verified('v1', 'b', 2),
      deploy('d2', 'v1', 'rolled-back', 4),
      restore('r3', 'v1', 'd2', 'stable', 3),
      deploy('d4', 'r3', 'watching', 5),
    ],
    of: 'd4',
    target: 'r3',
    current: 'r3',
  },
  {
    name: 'a failed restore is not a version: the restored target stays current',
    history: [
      baseline('b', 1),
      verified('v1', 'b', 2),
      deploy('d2', 'v1', 'rollback-failed', 4),
      restore('r3', 'v1', 'd2', 'rollback-failed', 3),
      deploy('d4', 'v1', 'watching', 5),
    ],
    of: 'd4',
    target: 'v1',
    current: 'v1',
  },
  {
    name: 'unchanged and cancelled runs are not versions',
    history: [
      verified('v1', null, 2),
      deploy('u2', 'v1', 'unchanged', 3),
      deploy('c3', 'v1', 'cancelled', 4),
      deploy('v4', 'v1', 'watching', 5),
    ],
    of: 'v4',
    target: 'v1',
    current: 'v1',
  },
  {
    name: 'a verified version is preferred to a newer one nothing verified',
    history: [baseline('b', 1), verified('v1', 'b', 2), unguarded('u2', 'v1', 3), deploy('d3', 'u2', 'watching', 4)],
    of: 'd3',
    target: 'v1',
    current: 'u2',
  },
  {
    name: 'with no health anywhere, the newest deployed version (not verified) before the baseline',
    history: [baseline('b', 1), unguarded('u1', 'b', 2), unguarded('u2', 'u1', 3), deploy('d3', 'u2', 'watching', 4)],
    of: 'd3',
    target: 'u2',
    unverified: true,
    current: 'u2',
  },
  {
    name: 'skewed clocks across machines: ids and times in the wrong order, the links decide',
    history: [
      rec('zz-v1', 'deploy', { prev: null, t: 50, verified: 'alarms' }),
      rec('mm-v2', 'deploy', { prev: 'zz-v1', t: 20, verified: 'alarms' }),
      rec('aa-v3', 'deploy', { prev: 'mm-v2', t: 5, status: 'watching' }),
    ],
    of: 'aa-v3',
    target: 'mm-v2',
    current: 'mm-v2',
  },
  {
    name: 'a restore on a machine whose clock runs behind is still after what it undid',
    history: [
      verified('v1', null, 30),
      verified('v2', 'v1', 40),
      deploy('d3', 'v2', 'rolled-back', 50),
      restore('r4', 'v2', 'd3', 'stable', 10),
    ],
    of: 'd3',
    target: 'v2',
    current: 'r4',
  },
  {
    name: 'links reaching records written before links: the older ones by the clock',
    history: [legacy('v1', 'deploy', 'stable', 2), legacy('n2', 'deploy', 'needs-attention', 3), deploy('d3', 'n2', 'watching', 4)],
    of: 'd3',
    target: 'v1',
    current: 'v1',
  },
  {
    name: 'a link to a record no longer in the history: the clock decides among the rest',
    history: [verified('v1', null, 2), deploy('d3', 'gone', 'watching', 4)],
    of: 'd3',
    target: 'v1',
    current: 'v1',
  },
  {
    name: 'the first deploy, creating the stack: nothing to go back to',
    history: [deploy('d1', null, 'watching', 1)],
    of: 'd1',
    target: undefined,
    current: undefined,
  },
  {
    name: 'only failed deploys before: nothing to go back to',
    history: [deploy('f1', null, 'failed', 1), deploy('d2', null, 'watching', 2)],
    of: 'd2',
    target: undefined,
    current: undefined,
  },
  {
    name: 'two machines deployed from the same version at once: the later verified is current',
    history: [verified('v1', null, 1), verified('a2', 'v1', 12), verified('b2', 'v1', 10), deploy('d3', 'a2', 'watching', 13)],
    of: 'd3',
    target: 'a2',
    current: 'a2',
  },
];

describe('the ledger: the rollback target and the current version', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      // The order of the list must not matter: try it as given and reversed.
      for (const history of [row.history, [...row.history].reverse()]) {
        const deployment = history.find((r) => r.id === row.of)!;
        const choice = chooseRollbackTarget(history, deployment);
        assert.equal(choice?.target.id, row.target, 'target');
        if (choice) assert.equal(choice.unverified, row.unverified ?? false, 'unverified');
        assert.equal(currentVersion(history)?.id, row.current, 'current');
      }
    });
  }

  it('passes over versions that would change nothing (a manual rollback from the current version)', () => {
    const history = [
      verified('v0', null, 1),
      verified('v1', 'v0', 2),
      deploy('d2', 'v1', 'rolled-back', 4),
      rec('r3', 'rollback', { prev: 'd2', restores: 'v1', t: 5, verified: 'restored', sha: 'sha-v1' }),
    ];
    const current = currentVersion(history)!;
    assert.equal(current.id, 'r3');
    const choice = chooseRollbackTarget(history, current, { skip: (r) => r.template.sha256 === current.template.sha256 });
    assert.equal(choice?.target.id, 'v0');
  });
});

describe('how a version was verified', () => {
  it('is derived for records written before the section, and read back as written after', () => {
    const base = rec('v1', 'deploy', { t: 1 });
    assert.equal(derivedVerification(base).kind, 'unguarded');
    assert.equal(derivedVerification(rec('b', 'baseline', { t: 1 })).kind, 'as-found');
    assert.equal(derivedVerification(rec('r', 'rollback', { t: 1 })).kind, 'restored');
    const watched = {
      ...base,
      health: {
        alarms: [
          { name: 'a', state: 'OK' as const },
          { name: 'b', state: 'OK' as const },
        ],
        verdict: { kind: 'healthy' as const, reason: 'ok' },
      },
    };
    assert.deepEqual(derivedVerification(watched), { kind: 'alarms', alarms: ['a', 'b'], at: at(1) });
    assert.equal(verificationOf(rec('f', 'deploy', { t: 1, status: 'failed' })), undefined, 'only stable records are versions');

    // Schema 2 files: stable ones get a verification, others none; schema 3 files are read as written.
    const old = JSON.parse(JSON.stringify({ ...watched, schemaVersion: 2 })) as unknown;
    const read = migrateRecord(old);
    assert.equal(read.kind, 'record');
    if (read.kind === 'record') assert.deepEqual(read.record.verification, { kind: 'alarms', alarms: ['a', 'b'], at: at(1) });
    const failed = migrateRecord({ ...rec('f', 'deploy', { t: 1, status: 'failed' }), schemaVersion: 2 });
    assert.ok(failed.kind === 'record' && failed.record.verification === undefined);
    const linked = verified('v2', 'v1', 3);
    const back = migrateRecord(JSON.parse(JSON.stringify(linked)));
    assert.ok(back.kind === 'record');
    if (back.kind === 'record') assert.deepEqual(back.record, linked);
  });

  it('names each kind in words a person can tell apart', () => {
    assert.equal(verificationWords(verified('v1', null, 1)), 'stable · verified by 1 alarm');
    assert.equal(verificationWords(unguarded('u1', 'v1', 1)), 'deployed, not verified');
    assert.equal(verificationWords(baseline('b', 1)), 'as found (never verified)');
    assert.equal(verificationWords(restore('r', 'v1', 'd', 'stable', 1)), 'stable · restored and verified');
    assert.equal(verificationWords(deploy('d', 'v1', 'failed', 1)), undefined);
    assert.equal(
      verificationWords({
        ...verified('v1', null, 1),
        verification: { kind: 'alarms', alarms: ['a'], metrics: ['Latency p99'], at: at(1) },
      }),
      'stable · verified by 1 alarm and 1 metric',
    );
  });

  it('a bake that judged only metrics verifies the version (the metrics behind alarms count as those alarms)', () => {
    const metric = (name: string, alarm?: string) =>
      ({
        name,
        ...(alarm ? { alarm } : {}),
        verdict: 'pass',
        reason: 'no change',
        bad: 'increase',
        tolerance: 0.05,
        relativeChange: 0,
      }) as const;
    const base = { ...deploy('m', null, 'stable', 1), healthWatch: undefined };
    const onlyMetrics = {
      ...base,
      health: { alarms: [], verdict: 'healthy', metrics: [metric('Latency p99')] },
    } as unknown as DeploymentRecord;
    assert.deepEqual(derivedVerification(onlyMetrics, at(1)), { kind: 'alarms', alarms: [], metrics: ['Latency p99'], at: at(1) });
    assert.equal(
      verificationWords({ ...onlyMetrics, verification: derivedVerification(onlyMetrics, at(1)) }),
      'stable · verified by 1 metric',
    );
    const fromAlarm = {
      ...base,
      health: { alarms: [{ name: 'errors' }], verdict: 'healthy', metrics: [metric('Errors Sum', 'errors')] },
    } as unknown as DeploymentRecord;
    assert.deepEqual(derivedVerification(fromAlarm, at(1)), { kind: 'alarms', alarms: ['errors'], at: at(1) });
    const nothing = { ...base, health: { alarms: [], verdict: 'healthy' } } as unknown as DeploymentRecord;
    assert.deepEqual(derivedVerification(nothing, at(1)), { kind: 'unguarded', at: at(1) });
  });

  it('a malformed verification or link is left out and reported, the record kept', () => {
    const read = migrateRecord({ ...verified('v1', null, 1), verification: { kind: 'vibes', at: at(1) }, previous: 'v0' });
    assert.ok(read.kind === 'record');
    if (read.kind !== 'record') return;
    assert.equal(read.record.verification, undefined);
    assert.equal(read.record.previous, undefined);
    assert.equal(read.problems.length, 2);
  });
});

describe('the ledger on a long history', () => {
  it('answers quickly for hundreds of records, linked or not', () => {
    const unlinked = Array.from({ length: 600 }, (_, i) => legacy(`l${String(i).padStart(4, '0')}`, 'deploy', 'stable', i));
    const linked = Array.from({ length: 600 }, (_, i) => verified(`v${i}`, i === 0 ? null : `v${i - 1}`, i));
    for (const history of [unlinked, linked]) {
      const started = performance.now();
      const current = currentVersion(history);
      const choice = chooseRollbackTarget(history, history[history.length - 1]!);
      assert.equal(current?.id, history[history.length - 1]!.id);
      assert.equal(choice?.target.id, history[history.length - 2]!.id);
      assert.ok(performance.now() - started < 2_000, `took ${Math.round(performance.now() - started)} ms`);
    }
  });
});
