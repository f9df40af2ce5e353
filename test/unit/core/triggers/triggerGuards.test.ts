import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeployGuardError } from '../../../../src/core/errors';
import type { EnvironmentConfig } from '../../../../src/core/pipeline/types';
import { assertPushTriggerConfigured, assertSaveTriggerAllowed, isGuardedEnvironment } from '../../../../src/core/triggers';

const base: EnvironmentConfig = { name: 'dev', region: 'eu-west-1', deployOn: ['save'], confirm: false };
const health = { alarms: [], stackAlarms: false, bakeMs: 0, pollSeconds: 10, rollback: 'auto' as const };

describe('trigger guards (runtime backstop of the validator)', () => {
  it('allows save on an unguarded dev environment', () => {
    assert.doesNotThrow(() => assertSaveTriggerAllowed(base));
    assert.equal(isGuardedEnvironment({ ...base, health }), false, 'a health block without alarms guards nothing');
  });

  for (const [label, env] of [
    ['named prod', { ...base, name: 'prod' }],
    ['named production-eu', { ...base, name: 'production-eu' }],
    ['named PROD2', { ...base, name: 'PROD2' }],
    ['with alarms', { ...base, health: { ...health, alarms: ['x-5xx'] } }],
    ['with an alarm prefix', { ...base, health: { ...health, alarmPrefix: 'x-' } }],
    ['with stack alarms', { ...base, health: { ...health, stackAlarms: true } }],
  ] as Array<[string, EnvironmentConfig]>) {
    it(`refuses save ${label}, with a clear ConfigInvalid error`, () => {
      assert.throws(
        () => assertSaveTriggerAllowed(env),
        (err) =>
          DeployGuardError.is(err, 'ConfigInvalid') && err.message.includes(env.name) && /deploy on save/.test(err.message) && !!err.hint,
      );
    });
  }

  it('needs a branch to deploy on push', () => {
    assert.equal(assertPushTriggerConfigured({ ...base, branch: 'main', deployOn: ['push'] }), 'main');
    assert.throws(
      () => assertPushTriggerConfigured({ ...base, deployOn: ['push'] }),
      (e) => DeployGuardError.is(e, 'ConfigInvalid'),
    );
  });
});
