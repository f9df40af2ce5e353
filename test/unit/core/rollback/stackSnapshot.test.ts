import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStillOurs, stackMatchesRecord, type StackSnapshot } from '../../../../src/core/rollback/stackSnapshot';
import { rollbackTokenFor } from '../../../../src/core/rollback/afterUnhealthy';
import { record } from '../../../support/healthFixtures';

const v2 = record({
  body: 'Parameters: {V: {Type: String}}\nResources: {}\n',
  params: [
    { key: 'V', value: '2' },
    { key: 'Secret', noEcho: true },
    { key: 'Kept', usePreviousValue: true },
  ],
  stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/orders-dev/1',
  clientRequestToken: 'tok-v2',
});

function snap(over: Partial<StackSnapshot> = {}): StackSnapshot {
  return {
    ...(v2.stackId !== undefined ? { stackId: v2.stackId } : {}),
    status: 'UPDATE_COMPLETE',
    templateBody: v2.template.body,
    parameters: { V: '2', Secret: '****', Kept: 'whatever' },
    ...over,
  };
}

describe('compare-and-swap before an automatic rollback', () => {
  const rows: { name: string; snapshot: StackSnapshot | undefined; same: boolean; why?: RegExp }[] = [
    { name: 'idle at this deployment', snapshot: snap(), same: true },
    { name: 'same, token recorded by the service', snapshot: snap({ lastToken: 'tok-v2' }), same: true },
    {
      name: 'CRLF and a trailing newline are the same template',
      snapshot: snap({ templateBody: v2.template.body.replace(/\n/g, '\r\n') + '\n' }),
      same: true,
    },
    { name: 'stack gone', snapshot: undefined, same: false, why: /no longer exists/ },
    { name: 'recreated (other ARN)', snapshot: snap({ stackId: 'arn:…/orders-dev/2' }), same: false, why: /deleted and recreated/ },
    { name: 'someone is deploying', snapshot: snap({ status: 'UPDATE_IN_PROGRESS' }), same: false, why: /UPDATE_IN_PROGRESS/ },
    {
      name: 'CloudFormation already rolled back',
      snapshot: snap({ status: 'UPDATE_ROLLBACK_COMPLETE' }),
      same: false,
      why: /UPDATE_ROLLBACK_COMPLETE/,
    },
    { name: 'a failed rollback', snapshot: snap({ status: 'UPDATE_ROLLBACK_FAILED' }), same: false, why: /UPDATE_ROLLBACK_FAILED/ },
    { name: 'another operation token', snapshot: snap({ lastToken: 'tok-other' }), same: false, why: /someone deployed since/ },
    { name: 'another template', snapshot: snap({ templateBody: 'Resources: {X: {}}' }), same: false, why: /template is not the one/ },
    { name: 'another parameter value', snapshot: snap({ parameters: { V: '3' } }), same: false, why: /parameter V is "3"/ },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const result = checkStillOurs(row.snapshot, v2);
      assert.equal(result.same, row.same, JSON.stringify(result));
      if (row.why && !result.same) assert.match(result.why, row.why);
    });
  }

  it('NoEcho and UsePreviousValue parameters are never compared (their values are not stored)', () => {
    assert.deepEqual(stackMatchesRecord(snap({ parameters: { V: '2' } }), v2), { same: true });
  });

  it('the rollback token is fixed per deployment and valid for CloudFormation', () => {
    assert.equal(rollbackTokenFor(v2.id), rollbackTokenFor(v2.id));
    assert.match(rollbackTokenFor(v2.id), /^[a-zA-Z0-9][-a-zA-Z0-9]{0,127}$/);
  });
});
