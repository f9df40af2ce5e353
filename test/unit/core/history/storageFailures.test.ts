import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeployGuardError } from '../../../../src/core/errors';
import { appendLineDurable } from '../../../../src/core/history/atomicFile';
import { acquireStackLock, readLock } from '../../../../src/core/history/lock';
import { storageFailure } from '../../../../src/core/history/storageError';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: raw message, open '/x/lock.json'`), { code });
}

describe('storage failures in the history folder', () => {
  it(
    'a full disk (a real ENOSPC from /dev/full) names the folder and the fix, not the errno alone',
    { skip: !existsSync('/dev/full') },
    async () => {
      await assert.rejects(appendLineDurable('/dev/full', '{"op":"x"}'), (e: unknown) => {
        assert.ok(DeployGuardError.is(e, 'HistoryUnwritable'));
        assert.equal(e.message, 'Cannot write the deployment journal in /dev: the disk is full (ENOSPC)');
        assert.match(e.hint ?? '', /free some disk space.*DEPLOYGUARD_HOME/);
        return true;
      });
    },
  );

  it('permissions and read-only disks say what to do; other errors pass through unchanged', () => {
    const cases: [string, RegExp, RegExp][] = [
      ['EACCES', /permission was denied \(EACCES\)/, /chown -R "\$USER" \/home\/u\/\.deployguard.*DEPLOYGUARD_HOME/],
      ['EPERM', /not permitted \(EPERM\)/, /writable by you/],
      ['EROFS', /the disk is read-only \(EROFS\)/, /DEPLOYGUARD_HOME to a folder on a writable disk/],
      ['ENOSPC', /the disk is full \(ENOSPC\)/, /free some disk space/],
    ];
    for (const [code, message, hint] of cases) {
      const e = storageFailure(errno(code), '/home/u/.deployguard', 'write the deployment history');
      assert.ok(DeployGuardError.is(e, 'HistoryUnwritable'), code);
      assert.match(e.message, /^Cannot write the deployment history in \/home\/u\/\.deployguard: /);
      assert.match(e.message, message);
      assert.match(e.hint ?? '', hint);
    }
    const other = errno('EISDIR');
    assert.equal(storageFailure(other, '/x', 'write'), other);
  });
});

describe('a 0-byte lock file (left by a full disk)', () => {
  it('is reported as damaged and replaced once it is older than a moment, never a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-lock0-'));
    const path = join(dir, 'lock.json');
    await writeFile(path, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const damaged = await readLock(path);
    assert.equal(damaged?.pid, -1);
    assert.match(damaged.holder, /empty lock file \(left by a full disk or a crash\)/);
    const lock = await acquireStackLock(path, { deploymentId: 'd1', holder: 'cli' });
    assert.equal(lock.tookOverFrom?.pid, -1, 'the takeover is reported');
    assert.match(lock.tookOverFrom.holder, /empty lock file/);
    assert.equal((await readLock(path))?.deploymentId, 'd1');
    await lock.release();
    assert.deepEqual(await readdir(dir), []);
  });

  it('a fresh empty lock may be one being written: refused for now with a clear message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-lock0-'));
    const path = join(dir, 'lock.json');
    await writeFile(path, '');
    await assert.rejects(acquireStackLock(path, { deploymentId: 'd2', holder: 'cli' }), (e: unknown) => {
      assert.ok(DeployGuardError.is(e, 'LockHeld'));
      assert.match(e.message, /empty lock file .* written moments ago/);
      return true;
    });
  });
});
