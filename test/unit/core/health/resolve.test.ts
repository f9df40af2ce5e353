import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseRollbackTriggers, type AlarmOrigin } from '../../../../src/core/health/resolve';
import type { AlarmReading, AlarmState } from '../../../../src/core/health/types';

function setup(alarms: [string, AlarmOrigin, AlarmState][]) {
  const origins = new Map<string, AlarmOrigin[]>(alarms.map(([n, o]) => [n, [o]]));
  const readings = new Map<string, AlarmReading>(
    alarms.map(([name, , state]) => [name, { name, state, arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}` }]),
  );
  return { names: alarms.map(([n]) => n).sort(), origins, readings };
}

describe('CloudFormation rollback triggers', () => {
  it('at most 5, named alarms first, and says why the others are not triggers', () => {
    const { names, origins, readings } = setup([
      ['p-a', 'alarmPrefix', 'OK'],
      ['p-b', 'alarmPrefix', 'OK'],
      ['p-c', 'alarmPrefix', 'OK'],
      ['p-d', 'alarmPrefix', 'OK'],
      ['z-named', 'alarms', 'OK'],
      ['y-named', 'alarms', 'INSUFFICIENT_DATA'],
      ['p-e', 'alarmPrefix', 'OK'],
    ]);
    const { triggers, why } = chooseRollbackTriggers(names, origins, readings);
    assert.deepEqual(
      triggers.map((t) => t.name),
      ['y-named', 'z-named', 'p-a', 'p-b', 'p-c'],
    );
    assert.ok(triggers.every((t) => t.type === 'AWS::CloudWatch::Alarm' && t.arn.endsWith(t.name)));
    assert.match(why, /at most 5 .*p-d, p-e/);
  });

  it("never an alarm already in ALARM, nor one of the stack's own alarms", () => {
    const { names, origins, readings } = setup([
      ['firing', 'alarms', 'ALARM'],
      ['own', 'stackAlarms', 'OK'],
      ['fine', 'alarms', 'OK'],
    ]);
    const { triggers, why } = chooseRollbackTriggers(names, origins, readings);
    assert.deepEqual(
      triggers.map((t) => t.name),
      ['fine'],
    );
    assert.match(why, /firing \(already in ALARM\)/);
    assert.match(why, /own \(a resource of this stack\)/);
  });
});
