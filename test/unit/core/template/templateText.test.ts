import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedProperties, changedResources, locateResource, unifiedDiff } from '../../../../src/core/template/templateText';

const YAML = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Name:
    Type: String
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '\${Name}-q'
      VisibilityTimeout: 30

  Topic:
    Type: AWS::SNS::Topic
Outputs:
  Q:
    Value: !Ref Queue
`;

const JSON_TEMPLATE = `{
  "Resources": {
    "Queue": {
      "Type": "AWS::SQS::Queue",
      "Properties": { "VisibilityTimeout": 30 }
    },
    "Topic": { "Type": "AWS::SNS::Topic" }
  }
}
`;

describe('template text', () => {
  it('finds a resource in YAML: its key line and the last line of its definition', () => {
    assert.deepEqual(locateResource(YAML, 'Queue'), { logicalId: 'Queue', line: 6, column: 3, endLine: 10 });
    assert.deepEqual(locateResource(YAML, 'Topic'), { logicalId: 'Topic', line: 12, column: 3, endLine: 13 });
    assert.equal(locateResource(YAML, 'Name'), undefined, 'a parameter is not a resource');
    assert.equal(locateResource(YAML, 'Missing'), undefined);
    assert.equal(locateResource('Resources: [unclosed', 'Queue'), undefined);
  });

  it('finds a resource in JSON with the same parser', () => {
    assert.deepEqual(locateResource(JSON_TEMPLATE, 'Queue'), { logicalId: 'Queue', line: 3, column: 5, endLine: 6 });
    assert.deepEqual(locateResource(JSON_TEMPLATE, 'Topic'), { logicalId: 'Topic', line: 7, column: 5, endLine: 7 });
  });

  it('names the properties that differ, tags included', () => {
    const after = YAML.replace('VisibilityTimeout: 30', 'VisibilityTimeout: 5\n      DelaySeconds: 2').replace(
      "!Sub '${Name}-q'",
      "!Join ['', [x]]",
    );
    assert.deepEqual(changedProperties(YAML, after, 'Queue'), [
      { property: 'QueueName', change: 'modified' },
      { property: 'VisibilityTimeout', change: 'modified' },
      { property: 'DelaySeconds', change: 'added' },
    ]);
    assert.deepEqual(changedProperties(YAML, YAML.replace('!Sub', '!Ref'), 'Queue'), [{ property: 'QueueName', change: 'modified' }]);
    assert.deepEqual(changedResources(YAML, after), ['Queue']);
    assert.deepEqual(changedProperties(YAML, YAML, 'Queue'), []);
  });

  it('diffs two bodies as a unified diff with context', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'].join('\n');
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11', '12', '13'].join('\n');
    assert.equal(
      unifiedDiff(a, b, { from: 'a', to: 'b', context: 2 }),
      ['--- a', '+++ b', '@@ -3,5 +3,5 @@', ' 3', ' 4', '-5', '+five', ' 6', ' 7', '@@ -11,2 +11,3 @@', ' 11', ' 12', '+13'].join('\n'),
    );
    assert.equal(unifiedDiff(a, a), '');
    assert.match(unifiedDiff(a, b, { maxCells: 1 }), /too large to diff here/);
  });
});
