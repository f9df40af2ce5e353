import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { endRecordedProcessGroup, killProcessGroup, processGroupAlive, processIdentity } from '../../../../src/core/process';

const linux = process.platform === 'linux';

describe('endRecordedProcessGroup', { skip: !linux && 'needs /proc' }, () => {
  const started: number[] = [];
  after(() => started.forEach((pgid) => killProcessGroup(pgid, 'SIGKILL')));

  function group(): number {
    // A leader that ignores SIGTERM, with a background child in its group.
    const child = spawn('bash', ['-c', "trap '' TERM; sleep 30 & wait"], { detached: true, stdio: 'ignore' });
    child.unref();
    started.push(child.pid!);
    return child.pid!;
  }

  it('reads the start time and command of a running process, nothing for a gone one', () => {
    const me = processIdentity(process.pid);
    assert.ok(me && /^\d+$/.test(me.startTime), 'start time is /proc stat field 22');
    assert.match(me.command, /node/);
    assert.equal(processIdentity(2 ** 22 + 1), undefined);
  });

  it('ends the recorded group, SIGKILL after the grace when SIGTERM is ignored', async () => {
    const pgid = group();
    const identity = processIdentity(pgid);
    assert.ok(identity);
    assert.equal(await endRecordedProcessGroup(identity, 200), 'ended');
    assert.equal(processGroupAlive(pgid), false);
  });

  it('never signals a pid whose start time differs from the recorded one', async () => {
    const pgid = group();
    const identity = processIdentity(pgid);
    assert.ok(identity);
    const other = { ...identity, startTime: String(Number(identity.startTime) + 1) };
    assert.equal(await endRecordedProcessGroup(other, 50), 'not-same');
    assert.equal(processGroupAlive(pgid), true, 'the group was left alone');
    killProcessGroup(pgid, 'SIGKILL');
  });

  it('reports a leader that is gone', async () => {
    assert.equal(await endRecordedProcessGroup({ pid: 2 ** 22 + 1, startTime: '1', command: 'x' }, 50), 'gone');
  });
});
