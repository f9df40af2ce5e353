import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { migrateRecord, type RecordRead } from '../../../../src/core/history/readRecord';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../../src/core/history/record';
import { HistoryStore } from '../../../../src/core/history/store';

const KEY = { account: '123456789012', region: 'eu-west-1', stackName: 'orders-prod' };

/** A record file as an earlier version wrote it (test/fixtures/records). */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join('test', 'fixtures', 'records', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

function read(value: unknown): { record: DeploymentRecord; problems: readonly string[] } {
  const result: RecordRead = migrateRecord(value);
  if (result.kind !== 'record') assert.fail(`not read as a record: ${result.kind} (${result.problem})`);
  return result;
}

function current(over: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id: '20261127T100000000Z-aa00bb',
    kind: 'deploy',
    environment: 'dev',
    stackName: KEY.stackName,
    region: KEY.region,
    account: KEY.account,
    template: { body: 'Resources: {}', sha256: 'x' },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'stable',
    startedAt: '2026-11-27T10:00:00.000Z',
    steps: [],
    ...over,
  };
}

describe('reading a stored record: older versions migrated', () => {
  it('reads a schema 1 record with the first health shape (alarm names only, the restore beside the verdict)', () => {
    const old = fixture('v1-first-health-shape');
    const { record, problems } = read(old);
    assert.deepEqual(problems, []);
    assert.equal(record.schemaVersion, HISTORY_SCHEMA_VERSION);
    assert.equal('extra' in record, false, 'the free-form extra is gone');
    assert.deepEqual(record.health, {
      alarms: [
        { name: 'orders-5xx', state: 'ALARM', changedAt: 1795732500000 },
        { name: 'orders-latency', state: 'INSUFFICIENT_DATA' },
      ],
      bakeStartedAt: 1795732260000,
      bakeEndsAt: Date.parse('2026-11-26T22:41:00.000Z'),
      verdict: {
        kind: 'unhealthy',
        alarm: 'orders-5xx',
        reason: 'alarm orders-5xx entered ALARM at 2026-11-26T22:35:00.000Z (seen by the poll)',
        at: 1795732500000,
      },
      rollback: {
        phase: 'succeeded',
        targetDeploymentId: '20261126T220000000Z-aa11bb',
        rollbackDeploymentId: '20261126T223501000Z-cc33dd',
        reason: 'alarm orders-5xx entered ALARM; restored 20261126T220000000Z-aa11bb',
      },
    });
    const extra = old['extra'] as Record<string, unknown>;
    assert.deepEqual(record.healthWatch, extra['healthWatch'], 'the checkpoint is lifted as it was');
    assert.deepEqual(record.healthPreflight, extra['healthPreflight']);
    // Everything else is as it was written.
    const { extra: _extra, schemaVersion: _v, ...rest } = old;
    for (const [key, value] of Object.entries(rest)) assert.deepEqual(record[key as keyof DeploymentRecord], value, key);
  });

  it('reads a schema 1 record with the current health shape under extra, unchanged', () => {
    const old = fixture('v1-current-health-shape');
    const { record, problems } = read(old);
    const extra = old['extra'] as Record<string, unknown>;
    assert.deepEqual(problems, []);
    assert.deepEqual(record.health, extra['health']);
    assert.deepEqual(record.healthWatch, extra['healthWatch']);
    assert.equal(record.healthPreflight, undefined);
  });

  it('reads the facts of an automatic rollback and of a recover', () => {
    assert.equal(read(fixture('v1-automatic-rollback')).record.rollbackOf, '20261126T223000123Z-ab12cd');
    const recover = read({ ...current({ kind: 'rollback' }), schemaVersion: 1, extra: { recover: { resourcesToSkip: ['Queue'] } } });
    assert.deepEqual(recover.record.recover, { resourcesToSkip: ['Queue'] });
  });

  it('reads a record written now back exactly as it was written', () => {
    const { healthWatch, healthPreflight } = read(fixture('v1-first-health-shape')).record;
    const { health } = read(fixture('v1-current-health-shape')).record;
    assert.ok(healthWatch && healthPreflight && health);
    const written = current({
      rollbackOf: '20261127T090000000Z-ee44ff',
      healthPreflight,
      healthWatch,
      health,
      recover: { resourcesToSkip: [] },
    });
    const { record, problems } = read(JSON.parse(JSON.stringify(written)));
    assert.deepEqual(problems, []);
    assert.deepEqual(record, written);
  });

  it("reads a trigger this version does not know as 'unknown', keeping the record", () => {
    const { record, problems } = read({ ...current({ trigger: 'push' }), trigger: 'manual-from-v0' });
    assert.equal(record.trigger, 'unknown');
    assert.equal(record.id, '20261127T100000000Z-aa00bb');
    assert.deepEqual(problems, []);
    assert.equal(read(current({ trigger: 'push' })).record.trigger, 'push');
    assert.equal('trigger' in read(current()).record, false);
  });
});

describe('reading a stored record: damage', () => {
  it('leaves out a malformed section and says so, keeping the record and its other sections', () => {
    const old = fixture('v1-first-health-shape');
    const extra = old['extra'] as Record<string, Record<string, unknown>>;
    const { record, problems } = read({ ...old, extra: { ...extra, healthWatch: { ...extra['healthWatch'], deadline: 42 } } });
    assert.equal(record.id, old['id']);
    assert.equal(record.healthWatch, undefined);
    assert.ok(record.healthPreflight, 'the other sections are kept');
    assert.ok(record.health, 'the health section is kept (its bake window is then unknown)');
    assert.equal(record.health.bakeStartedAt, undefined);
    assert.deepEqual(problems, ['its healthWatch section was left out: deadline is not a string']);
  });

  it('reports each kind of damage in words', () => {
    const problems = (extra: unknown) => read({ ...current(), schemaVersion: 1, extra }).problems;
    assert.deepEqual(problems('nope'), ['its extra was not an object and was left out']);
    assert.deepEqual(problems({ notes: 'hi' }), ['its extra.notes is not known and was left out']);
    assert.deepEqual(problems({ health: { alarms: [], verdict: { kind: 'fine', reason: 'x' } } }), [
      'its health section was left out: the verdict is not healthy, unhealthy or unknown',
    ]);
    assert.deepEqual(problems({ healthWatch: { version: 2 } }), ['its healthWatch section was left out: its version is 2, not 1']);
    assert.deepEqual(problems({ rollbackOf: 7 }), ['its rollbackOf section was left out: rollbackOf is not a string']);
    assert.deepEqual(problems({ recover: { resourcesToSkip: [1] } }), [
      'its recover section was left out: resourcesToSkip holds something other than names',
    ]);
    assert.deepEqual(
      problems({ health: { alarms: [{ name: 'a', state: 'OK' }, { name: 'b' }], verdict: { kind: 'healthy', reason: 'x' } } }),
      ['1 unreadable alarm(s) were left out of its health section'],
    );
  });

  it('tells a newer record and a file that is no record apart', () => {
    assert.deepEqual(migrateRecord({ ...current(), schemaVersion: 99 }), {
      kind: 'newer',
      problem: 'written by a newer version (schema 99)',
    });
    for (const value of [null, [], 'x', { ...current(), template: {} }, { ...current(), schemaVersion: 0 }]) {
      assert.equal(migrateRecord(value).kind, 'not-a-record', JSON.stringify(value));
    }
  });

  it('the store keeps a record with a malformed section in place and lists it, reporting the section', async () => {
    const h = new HistoryStore(await mkdtemp(join(tmpdir(), 'dg-hist-'))).stack(KEY);
    const good = current();
    await h.write(good);
    const path = join(h.dir, 'records', `${good.id}.json`);
    const text = JSON.stringify({ ...good, health: { alarms: 'none', verdict: { kind: 'healthy', reason: 'x' } } });
    await writeFile(path, text);
    const { records, damaged } = await h.list();
    assert.deepEqual(
      records.map((r) => r.id),
      [good.id],
    );
    assert.equal(records[0]!.health, undefined);
    assert.deepEqual(damaged, [{ path, problem: `record ${good.id}: its health section was left out: its alarms are not a list` }]);
    assert.equal(await readFile(path, 'utf8'), text, 'the file is left as it is');
    assert.deepEqual(await readdir(h.dir), ['records'], 'nothing set aside');
    assert.equal((await h.get(good.id))?.id, good.id);
  });

  it('the store reads a schema 1 file in the current shape', async () => {
    const h = new HistoryStore(await mkdtemp(join(tmpdir(), 'dg-hist-'))).stack(KEY);
    const old = fixture('v1-first-health-shape');
    const id = String(old['id']);
    await h.write(current({ id }));
    await writeFile(join(h.dir, 'records', `${id}.json`), JSON.stringify(old));
    const record = await h.get(id);
    assert.equal(record?.schemaVersion, HISTORY_SCHEMA_VERSION);
    assert.equal(record?.health?.rollback?.phase, 'succeeded');
    assert.deepEqual((await h.list()).damaged, []);
  });
});
