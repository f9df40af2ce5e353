import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stackPolicyAdvice } from '../../../../src/core/deployment/stackPolicyAdvice';

describe('stackPolicyAdvice', () => {
  it('names the stack, the refused resource and both ways forward, never a change of its own', () => {
    const advice = stackPolicyAdvice('orders-prod', {
      logicalId: 'Database',
      resourceType: 'AWS::RDS::DBInstance',
      reason: 'Action denied by stack policy: Statement [#1] does not allow [Update:Replace] for resource [LogicalResourceId/Database];',
    });
    assert.match(advice, /^; the stack policy of orders-prod does not allow this change to Database: /);
    assert.match(advice, /change the template so it leaves Database alone/);
    assert.match(advice, /allow the change in the stack policy \(Deploy Guard never changes it\)/);
  });

  it('says nothing for any other failure, or none', () => {
    assert.equal(stackPolicyAdvice('s', { logicalId: 'Topic', resourceType: 'AWS::SNS::Topic', reason: 'Topic policy is invalid' }), '');
    assert.equal(stackPolicyAdvice('s', undefined), '');
  });
});
