import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLockExpired, parseLockBody } from '../../../../src/core/history/s3Lock';
import { capLog } from '../../../../src/core/history/s3Store';

describe('S3 lock judgement', () => {
  it("expires only past the TTL plus LastModified's one-second grain", () => {
    const ttl = 300_000;
    assert.equal(isLockExpired(0, ttl, ttl), false);
    assert.equal(isLockExpired(0, ttl + 1000, ttl), false);
    assert.equal(isLockExpired(0, ttl + 1001, ttl), true);
  });

  it('reads a lock body, and nothing that is not one', () => {
    const body = { pid: 1, host: 'h', deploymentId: 'd', holder: 'cli', acquiredAt: 'a', heartbeatAt: 'b', token: 't', by: 'CI run 1' };
    assert.deepEqual(parseLockBody(JSON.stringify(body)), body);
    assert.equal(parseLockBody('{"pid":1}'), undefined);
    assert.equal(parseLockBody('not json'), undefined);
  });
});

describe('log cap', () => {
  it('keeps a small log whole and cuts a large one at a line, saying where the whole one is', () => {
    assert.equal(capLog('a\nb\n', '/x.log', 100), 'a\nb\n');
    const big = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const cut = capLog(big, '/home/ci/run.log', 200);
    assert.ok(Buffer.byteLength(cut) <= 200, `${Buffer.byteLength(cut)} bytes`);
    assert.match(cut, /^line 0\n/);
    assert.match(cut, /log cut at 200 bytes .* \/home\/ci\/run\.log on the machine that ran it\n$/);
  });
});
