/**
 * Nested stacks on moto over HTTP: the change set includes them, and a failure inside one is
 * followed in the nested stack's own events and named with its path. moto creates nested stacks
 * from their TemplateURL but completes every operation at once and never fails or rolls one back,
 * so the fault proxy plays the failed update: the parent ends UPDATE_ROLLBACK_COMPLETE blaming its
 * Database resource, and the nested stack's events carry the table's failure and its reason.
 */
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import type { DeploymentRecord } from '../../src/core/history/record';
import { cli, makeRepo, tempHome, writeTemplate } from '../support/deployFixture';
import { useMotoRig } from '../support/motoRig';

const DATABASE = `Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: S
      KeySchema:
        - AttributeName: id
          KeyType: HASH
`;

const root = (version: string) => `Parameters:
  Name:
    Type: String
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "\${Name}-${version}"
  Database:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://s3.amazonaws.com/nested-templates/database.yaml
`;

const TABLE_REASON = 'Resource handler returned message: "Table orders-dev-table already exists" (HandlerErrorCode: AlreadyExists)';

describe('nested stacks (moto, the fault proxy for the failure)', () => {
  const { proxy, cfn, s3 } = useMotoRig({ proxy: true });
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
    await s3.send(new CreateBucketCommand({ Bucket: 'nested-templates' }));
    await s3.send(new PutObjectCommand({ Bucket: 'nested-templates', Key: 'database.yaml', Body: DATABASE }));
  });

  it('plans with IncludeNestedStacks, follows the nested stack, and names a failure inside it with its path', async () => {
    const repo = await makeRepo({ template: root('v1') });
    const deploy = () => cli(['deploy', 'dev', '--json', '--endpoint', proxy.endpoint], { cwd: repo, home });
    const v1 = await deploy();
    assert.equal(v1.code, 0, v1.stderr + v1.stdout);
    const create = proxy.requests.find((r) => r.action === 'CreateChangeSet');
    assert.equal(create?.params?.['IncludeNestedStacks'], 'true', 'the change set includes the nested stacks');

    const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'orders-dev' }));
    const nestedId = resources.StackResources?.find((r) => r.LogicalResourceId === 'Database')?.PhysicalResourceId;
    assert.ok(nestedId, 'moto made the nested stack');
    const nestedName = /:stack\/([^/]+)\//.exec(nestedId)?.[1] ?? nestedId;

    proxy.scenario('orders-dev', {
      holdMs: 400,
      final: 'UPDATE_ROLLBACK_COMPLETE',
      failedResource: {
        logicalId: 'Database',
        type: 'AWS::CloudFormation::Stack',
        reason: `Embedded stack ${nestedId} was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to update: [Table].`,
      },
    });
    proxy.scenario(nestedName, {
      startsWith: 'orders-dev',
      holdMs: 200,
      final: 'UPDATE_ROLLBACK_COMPLETE',
      failedResource: { logicalId: 'Table', type: 'AWS::DynamoDB::Table', reason: TABLE_REASON },
    });
    await writeTemplate(repo, root('v2'));
    const v2 = await deploy();
    assert.notEqual(v2.code, 0, 'the failed update fails the deploy');

    const dir = join(home, 'stacks', '123456789012', 'us-east-1', 'orders-dev', 'records');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
    const record = JSON.parse(await readFile(join(dir, names.at(-1)!), 'utf8')) as DeploymentRecord;
    assert.equal(record.reason?.includes(`orders-dev › Database › Table: ${TABLE_REASON}`), true, record.reason);

    const tableEvents = v2.events.filter((e) => e.type === 'stack-event' && e.logicalId === 'Table');
    assert.ok(tableEvents.length > 0, 'the nested stack’s resource events reach the views');
    assert.ok(tableEvents.every((e) => e.type === 'stack-event' && e.stackPath === 'orders-dev › Database'));
    assert.ok(
      tableEvents.some((e) => e.type === 'stack-event' && e.status === 'UPDATE_FAILED' && e.reason === TABLE_REASON),
      'its failure with its reason',
    );
    assert.ok(proxy.count('DescribeStackResources') > 0, 'the nested stacks were found through DescribeStackResources');
    const logLines = v2.events.flatMap((e) => (e.type === 'log' ? e.lines : []));
    assert.ok(
      logLines.some((l) => l.includes('orders-dev › Database › Table (AWS::DynamoDB::Table)  UPDATE_FAILED')),
      'the CLI log names it with its path',
    );
  });
});
