import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlannedChange } from '../../../../src/core/events';
import { rehearsalDangers, rehearsalSummary, rollbackChanges } from '../../../../src/core/rollback/rehearsal';

const T = 'AWS::DynamoDB::Table';
const change = (action: PlannedChange['action'], logicalId: string, replacement?: PlannedChange['replacement']): PlannedChange => ({
  action,
  logicalId,
  resourceType: T,
  ...(replacement ? { replacement } : {}),
});
const words = (deploy: PlannedChange[], live: PlannedChange[] = []) =>
  rollbackChanges(deploy, live).map(
    (c) => `${c.action} ${c.logicalId}${c.replacement ? ` ${c.replacement}` : ''}${c.exact ? '' : ' (bound)'}`,
  );

describe('rollbackChanges: the rollback N → V from the deploy (L → N) and live → target (L → V)', () => {
  const cases: [string, PlannedChange[], PlannedChange[], string[]][] = [
    ['a resource the deploy adds is deleted by the rollback', [change('Add', 'Cache')], [], ['Remove Cache']],
    ['a resource the deploy removes comes back new', [change('Remove', 'Queue')], [], ['Add Queue']],
    ['a replacement is replaced back', [change('Modify', 'OrdersTable', 'True')], [], ['Modify OrdersTable True']],
    ['an in-place change is changed back in place', [change('Modify', 'Fn', 'False')], [], ['Modify Fn False']],
    ['a conditional replacement stays conditional', [change('Modify', 'Fn', 'Conditional')], [], ['Modify Fn Conditional']],
    ['a dynamic change may replace', [change('Dynamic', 'Fn')], [], ['Modify Fn Conditional']],
    ['an imported resource is removed again', [change('Import', 'Bucket')], [], ['Remove Bucket']],
    ['drift alone: live → target is the rollback', [], [change('Modify', 'OrdersTable', 'True')], ['Modify OrdersTable True']],
    ['drift added a resource the target has not: removed', [], [change('Remove', 'Manual')], ['Remove Manual']],
    [
      'both touch it: the stronger replacement, as a bound',
      [change('Modify', 'T', 'False')],
      [change('Modify', 'T', 'True')],
      ['Modify T True (bound)'],
    ],
    ['deploy removes what the target removes too: nothing', [change('Remove', 'Old')], [change('Remove', 'Old')], []],
    ['both add it (not live): may replace', [change('Add', 'New')], [change('Add', 'New')], ['Modify New Conditional (bound)']],
  ];
  for (const [name, deploy, live, expected] of cases) {
    it(name, () => assert.deepEqual(words(deploy, live), expected));
  }
});

describe('rehearsalDangers', () => {
  it('flags replacements, deletions and re-creations; leaves in-place changes out', () => {
    const changes = rollbackChanges(
      [change('Modify', 'OrdersTable', 'True'), change('Add', 'Cache'), change('Remove', 'Queue'), change('Modify', 'Fn', 'False')],
      [],
    );
    assert.deepEqual(rehearsalDangers(changes), [
      `a rollback would replace OrdersTable (${T})`,
      `a rollback would delete Cache (${T}), which the restored version does not have`,
      `a rollback would create Queue (${T}) again, as a new resource: what the old one held is gone`,
    ]);
  });
  it('a bound says "may"', () => {
    const changes = rollbackChanges([change('Modify', 'T', 'False')], [change('Modify', 'T', 'True')]);
    assert.deepEqual(rehearsalDangers(changes), [`a rollback may replace T (${T})`]);
  });
  it('the summary names the target and what it found', () => {
    assert.equal(
      rehearsalSummary({ targetId: 'r1', targetCommit: 'abcdef123', changes: [], dangers: [] }),
      'Rollback rehearsal to deployment r1 (abcdef1): 0 resource change(s), no replacement or deletion',
    );
    assert.match(rehearsalSummary({ targetId: 'r1', changes: [], dangers: [], failed: 'boom' }), /could not be planned: boom/);
  });
});
