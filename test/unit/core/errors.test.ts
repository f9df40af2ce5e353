import { build } from 'esbuild';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { CancelledError, DeployGuardError, isCancellation } from '../../../src/core/errors';

describe('DeployGuardError', () => {
  it('is decided by code, not by message text', () => {
    const err = new DeployGuardError('StackBusy', 'Stack orders-prod is in UPDATE_IN_PROGRESS');
    assert.equal(DeployGuardError.is(err), true);
    assert.equal(DeployGuardError.is(err, 'StackBusy'), true);
    assert.equal(DeployGuardError.is(err, 'StackFailed', 'LockHeld'), false);
    assert.equal(DeployGuardError.is(new Error('StackBusy')), false);
  });

  it("is told by its mark, not its class: the engine bundle's errors are the extension's too", async () => {
    // Each bundle (dist/extension.js, dist/engine.js) carries its own copy of errors.ts: a second
    // copy, bundled the same way, stands for the engine's.
    const outfile = join(await mkdtemp(join(tmpdir(), 'dg-errors-')), 'errors.js');
    await build({
      entryPoints: [resolve(__dirname, '../../../src/core/errors.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile,
      logLevel: 'silent',
    });
    const engineCopy = createRequire(__filename)(outfile) as typeof import('../../../src/core/errors');
    assert.notEqual(engineCopy.DeployGuardError, DeployGuardError, 'a separate class');
    const held = new engineCopy.DeployGuardError('LockHeld', 'held by CI run 4711', { hint: 'wait for it' });
    assert.equal(held instanceof DeployGuardError, false);
    assert.equal(DeployGuardError.is(held, 'LockHeld'), true);
    assert.equal(DeployGuardError.is(held, 'StackBusy'), false);
    assert.equal(isCancellation(new engineCopy.CancelledError()), true);
    assert.equal(engineCopy.DeployGuardError.is(new DeployGuardError('GitFailed', 'x'), 'GitFailed'), true, 'both ways');
    const lookalike = Object.assign(new Error('LockHeld'), { name: 'DeployGuardError', code: 'LockHeld' });
    assert.equal(DeployGuardError.is(lookalike), false, 'a name and a code alone do not make one');
  });

  it('chain keeps the code and hint of a typed cause and adds context', () => {
    const inner = new DeployGuardError('LockHeld', 'held by pid 42', { hint: 'wait for it' });
    const outer = DeployGuardError.chain(inner, 'Internal', 'Deploy of prod');
    assert.equal(outer.code, 'LockHeld');
    assert.equal(outer.hint, 'wait for it');
    assert.equal(outer.message, 'Deploy of prod: held by pid 42');
    assert.equal(outer.cause, inner);
    const wrapped = DeployGuardError.chain(new Error('socket hang up'), 'AwsRequestFailed', 'DescribeStacks');
    assert.equal(wrapped.code, 'AwsRequestFailed');
    assert.equal(wrapped.message, 'DescribeStacks: socket hang up');
  });

  it('treats CancelledError and AbortError as cancellation, nothing else', () => {
    assert.equal(isCancellation(new CancelledError()), true);
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    assert.equal(isCancellation(abort), true);
    assert.equal(isCancellation(new Error('cancelled')), false);
  });
});
