import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildParameters, parametersForRedeploy, tagsForRedeploy } from '../../../../src/core/aws/parameters';
import { DeployGuardError } from '../../../../src/core/errors';
import { migrateRecord } from '../../../../src/core/history/readRecord';
import { HISTORY_SCHEMA_VERSION } from '../../../../src/core/history/record';
import { resolveVariablesIn, type VariableContext } from '../../../../src/core/pipeline/variables';
import { envSourcedValues, secretFingerprint } from '../../../../src/core/secrets/envSourced';
import { differingParameters } from '../../../../src/core/deployment/targetMatch';

const SECRET = 'hunter2-correct-horse';
const ctx: VariableContext = { envName: 'prod', processEnv: { DB_PASSWORD: SECRET, DB_USER: 'app' }, git: { sha: 'abc1234def' } };
const texts = {
  DbPassword: '${env:DB_PASSWORD}',
  DbUrl: 'pg://${env:DB_USER}:${env:DB_PASSWORD}@db-${env.name}',
  Name: 'orders-${env.name}',
};
const declared = [
  { key: 'DbPassword', noEcho: false, hasDefault: false },
  { key: 'DbUrl', noEcho: false, hasDefault: false },
  { key: 'Name', noEcho: false, hasDefault: false },
];

function recorded() {
  const values = resolveVariablesIn(texts, ctx, 'stack.parameters');
  return buildParameters(declared, values, undefined, envSourcedValues(texts, values, ctx)).record;
}

function refusedNaming(pattern: RegExp) {
  return (e: unknown) => DeployGuardError.is(e, 'RollbackRefused') && pattern.test(e.message) && !e.message.includes(SECRET);
}

describe('values from ${env:VAR} in history', () => {
  it('records a reference and a fingerprint, never the value, for a whole or partial ${env:VAR}', () => {
    const record = recorded();
    assert.equal(JSON.stringify(record).includes(SECRET), false, 'the secret is not in the record');
    assert.deepEqual(record[0], {
      key: 'DbPassword',
      fromEnv: ['DB_PASSWORD'],
      source: '${env:DB_PASSWORD}',
      sha256: secretFingerprint('DbPassword', SECRET),
    });
    assert.deepEqual(record[1], {
      key: 'DbUrl',
      fromEnv: ['DB_USER', 'DB_PASSWORD'],
      source: 'pg://${env:DB_USER}:${env:DB_PASSWORD}@db-prod',
      sha256: secretFingerprint('DbUrl', `pg://app:${SECRET}@db-prod`),
    });
    assert.deepEqual(record[2], { key: 'Name', value: 'orders-prod' }, 'a value without ${env:…} is kept as it was');
    assert.notEqual(secretFingerprint('A', SECRET), secretFingerprint('B', SECRET), 'the key is part of the fingerprint');
  });

  it('a rollback with the variables set to the values they had sends those values', () => {
    const r = parametersForRedeploy(recorded(), declared, new Set(['DbPassword', 'DbUrl', 'Name']), {
      deploymentId: 'D1',
      current: new Map([
        ['DbPassword', 'newer'],
        ['DbUrl', 'newer'],
        ['Name', 'orders-prod'],
      ]),
      processEnv: { DB_PASSWORD: SECRET, DB_USER: 'app' },
    });
    assert.deepEqual(r.sdk, [
      { ParameterKey: 'DbPassword', ParameterValue: SECRET },
      { ParameterKey: 'DbUrl', ParameterValue: `pg://app:${SECRET}@db-prod` },
      { ParameterKey: 'Name', ParameterValue: 'orders-prod' },
    ]);
    assert.deepEqual(r.previousValueKeys, []);
  });

  it('keeps the stack’s value (UsePreviousValue) when it is the recorded one, with no variable needed', () => {
    const r = parametersForRedeploy(recorded().slice(0, 1), declared, new Set(['DbPassword']), {
      deploymentId: 'D1',
      current: new Map([['DbPassword', SECRET]]),
      processEnv: {},
    });
    assert.deepEqual(r.sdk, [{ ParameterKey: 'DbPassword', UsePreviousValue: true }]);
  });

  it('refuses, naming the variable, when it holds another value now', () => {
    assert.throws(
      () =>
        parametersForRedeploy(recorded().slice(0, 1), declared, new Set(['DbPassword']), {
          deploymentId: 'D1',
          current: new Map([['DbPassword', 'newer']]),
          processEnv: { DB_PASSWORD: 'rotated' },
        }),
      refusedNaming(/Parameter DbPassword of deployment D1 came from \$DB_PASSWORD; set DB_PASSWORD to the value it had then/),
    );
  });

  it('refuses, naming the variable, when it is not set', () => {
    assert.throws(
      () =>
        parametersForRedeploy(recorded(), declared, new Set(['DbPassword', 'DbUrl']), {
          deploymentId: 'D1',
          current: new Map(),
          processEnv: { DB_USER: 'app' },
        }),
      refusedNaming(
        /Parameter DbPassword of deployment D1 came from \$DB_PASSWORD; set DB_PASSWORD .*not set.*Parameter DbUrl .*\$DB_USER and \$DB_PASSWORD/,
      ),
    );
  });

  it('keeps tags from the environment out of `tags` and reads them again for a redeploy', () => {
    const tagTexts = { team: 'payments', token: 'x-${env:DB_PASSWORD}' };
    const values = resolveVariablesIn(tagTexts, ctx, 'stack.tags');
    const secretTags = Object.fromEntries(envSourcedValues(tagTexts, values, ctx));
    assert.deepEqual(Object.keys(secretTags), ['token']);
    assert.equal(JSON.stringify(secretTags).includes(SECRET), false);
    const again = tagsForRedeploy({ team: 'payments' }, secretTags, { deploymentId: 'D1', processEnv: { DB_PASSWORD: SECRET } });
    assert.deepEqual(again, { team: 'payments', token: `x-${SECRET}` });
    assert.throws(
      () => tagsForRedeploy({ team: 'payments' }, secretTags, { deploymentId: 'D1', processEnv: {} }),
      refusedNaming(/Tag token of deployment D1 came from \$DB_PASSWORD/),
    );
  });

  it('compares a recorded secret with the stack’s value by its fingerprint', () => {
    const record = recorded().slice(0, 1);
    assert.deepEqual(differingParameters(record, new Map([['DbPassword', SECRET]])), []);
    assert.deepEqual(differingParameters(record, new Map([['DbPassword', 'other']])), ['DbPassword']);
  });

  it('reads references back, and leaves out a malformed one (never read as a value)', () => {
    const base = {
      schemaVersion: HISTORY_SCHEMA_VERSION,
      id: '20261127T100000000Z-aa00bb',
      kind: 'deploy',
      status: 'stable',
      template: { body: 'Resources: {}', sha256: 'x' },
      tags: {},
      steps: [],
    };
    const good = recorded();
    const read = migrateRecord({ ...base, parameters: good, secretTags: { t: good[0] } });
    assert.equal(read.kind, 'record');
    if (read.kind !== 'record') return;
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.record.parameters, good);
    assert.equal(read.record.secretTags?.['t']?.sha256, good[0]!.sha256);

    const bad = migrateRecord({
      ...base,
      parameters: [{ key: 'P', fromEnv: ['X'], source: '${env:X}', sha256: 'nope' }],
      secretTags: { t: 1 },
    });
    assert.equal(bad.kind, 'record');
    if (bad.kind !== 'record') return;
    assert.deepEqual(bad.record.parameters, [{ key: 'P' }]);
    assert.equal(bad.record.secretTags, undefined);
    assert.equal(bad.problems.length, 2);
  });
});
