import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeployGuardError } from '../../../../src/core/errors';
import { chooseHistoryLocation, parseHistoryLocation, userHistoryChoice } from '../../../../src/core/history/location';

describe('history location', () => {
  it('reads s3://BUCKET/PREFIX and local', () => {
    assert.deepEqual(parseHistoryLocation('s3://team-ledger/deploy/guard/', 'x'), {
      kind: 's3',
      bucket: 'team-ledger',
      prefix: 'deploy/guard',
      url: 's3://team-ledger/deploy/guard',
    });
    assert.deepEqual(parseHistoryLocation('s3://team.ledger', 'x'), {
      kind: 's3',
      bucket: 'team.ledger',
      prefix: '',
      url: 's3://team.ledger',
    });
    assert.deepEqual(parseHistoryLocation(' local ', 'x'), { kind: 'local' });
  });

  it('refuses what is not a bucket and a safe prefix, naming where it came from', () => {
    for (const bad of [
      's3://Team/x',
      's3://ab',
      's3://a..b/x',
      's3://bucket/../up',
      's3://bucket/a b',
      'https://bucket/x',
      '/tmp/history',
      's3:///x',
    ]) {
      assert.throws(
        () => parseHistoryLocation(bad, '--history'),
        (e) => DeployGuardError.is(e, 'ConfigInvalid') && e.message.startsWith('--history') && /s3:\/\/BUCKET\/PREFIX/.test(e.hint ?? ''),
        bad,
      );
    }
  });

  it("precedence: the person's choice, then the environment's, then the file's, then the local folder", () => {
    const all = { user: 's3://mine', environment: 's3://env-bucket', pipeline: 's3://file-bucket' };
    assert.equal(chooseHistoryLocation(all).source, 'user');
    assert.equal(chooseHistoryLocation({ ...all, user: ' ' }).source, 'environment');
    assert.deepEqual(chooseHistoryLocation({ pipeline: 's3://file-bucket/p' }).location, {
      kind: 's3',
      bucket: 'file-bucket',
      prefix: 'p',
      url: 's3://file-bucket/p',
    });
    assert.deepEqual(chooseHistoryLocation({}), { location: { kind: 'local' }, source: 'default' });
    assert.equal(chooseHistoryLocation({ user: 'local', environment: 's3://env-bucket' }).location.kind, 'local');
  });

  it('--history wins over DEPLOYGUARD_HISTORY', () => {
    assert.equal(userHistoryChoice('s3://flag', { DEPLOYGUARD_HISTORY: 's3://env' }), 's3://flag');
    assert.equal(userHistoryChoice(undefined, { DEPLOYGUARD_HISTORY: 's3://env' }), 's3://env');
    assert.equal(userHistoryChoice(undefined, {}), undefined);
  });
});
