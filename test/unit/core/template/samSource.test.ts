import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSamTemplate, samSourceOf } from '../../../../src/core/template/samSource';
import { locatePath } from '../../../../src/core/template/templateText';

const SAM = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
  Api:
    Cors: "'*'"
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs22.x
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
        GetOrders:
          Type: Api
          Properties:
            Path: /orders
            Method: get
  OrdersTable:
    Type: AWS::Serverless::SimpleTable
  OrdersQueue:
    Type: AWS::SQS::Queue
  Ordersx:
    Type: AWS::Serverless::Function
    Properties:
      Handler: x.handler
      Events:
        Http:
          Type: HttpApi
`;

describe('SAM: a generated logical id back to the source it came from', () => {
  const table: [string, { sourceId?: string; path: string[]; generated: boolean } | undefined][] = [
    ['Orders', { sourceId: 'Orders', path: ['Resources', 'Orders'], generated: false }],
    ['OrdersQueue', { sourceId: 'OrdersQueue', path: ['Resources', 'OrdersQueue'], generated: false }],
    ['OrdersRole', { sourceId: 'Orders', path: ['Resources', 'Orders'], generated: true }],
    // The event's name comes right after the function's id in what SAM makes for it.
    [
      'OrdersGetOrdersPermissionProd',
      { sourceId: 'Orders', path: ['Resources', 'Orders', 'Properties', 'Events', 'GetOrders'], generated: true },
    ],
    ['OrdersNightly', { sourceId: 'Orders', path: ['Resources', 'Orders', 'Properties', 'Events', 'Nightly'], generated: true }],
    // The longest prefix wins: OrdersTable, not Orders.
    ['OrdersTableStream', { sourceId: 'OrdersTable', path: ['Resources', 'OrdersTable'], generated: true }],
    ['OrdersxRole', { sourceId: 'Ordersx', path: ['Resources', 'Ordersx'], generated: true }],
    // The implicit APIs: the first function event that makes each.
    ['ServerlessRestApi', { sourceId: 'Orders', path: ['Resources', 'Orders', 'Properties', 'Events', 'GetOrders'], generated: true }],
    [
      'ServerlessRestApiProdStage',
      { sourceId: 'Orders', path: ['Resources', 'Orders', 'Properties', 'Events', 'GetOrders'], generated: true },
    ],
    [
      'ServerlessRestApiDeployment47fc2d5f9d',
      { sourceId: 'Orders', path: ['Resources', 'Orders', 'Properties', 'Events', 'GetOrders'], generated: true },
    ],
    ['ServerlessHttpApi', { sourceId: 'Ordersx', path: ['Resources', 'Ordersx', 'Properties', 'Events', 'Http'], generated: true }],
    // Nothing a non-serverless resource or nothing at all could have made.
    ['TopicPolicy', undefined],
    ['Unrelated', undefined],
  ];
  for (const [id, expected] of table) {
    it(`${id} → ${expected ? expected.path.join('.') : 'nothing'}`, () => {
      const got = samSourceOf(SAM, id);
      assert.deepEqual(got, expected && { logicalId: id, ...expected });
    });
  }

  it('an implicit API no function event makes goes to Globals.Api; a template without either has no source', () => {
    const globalsOnly = `Transform: [AWS::Serverless-2016-10-31]
Globals:
  Api:
    Cors: "'*'"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Own:
          Type: Api
          Properties: { RestApiId: !Ref MyApi, Path: /, Method: get }
`;
    assert.deepEqual(samSourceOf(globalsOnly, 'ServerlessRestApiProdStage'), {
      logicalId: 'ServerlessRestApiProdStage',
      path: ['Globals', 'Api'],
      generated: true,
    });
    assert.equal(samSourceOf(globalsOnly.replace(/Globals:\n {2}Api:\n {4}Cors: "'\*'"\n/, ''), 'ServerlessRestApiProdStage'), undefined);
  });

  it('only a template with the SAM transform is read as SAM', () => {
    assert.equal(isSamTemplate(SAM), true);
    assert.equal(isSamTemplate(SAM.replace('Transform: AWS::Serverless-2016-10-31\n', '')), false);
    assert.equal(isSamTemplate('{"Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"], "Resources": {}}'), true);
    assert.equal(samSourceOf(SAM.replace('Transform: AWS::Serverless-2016-10-31\n', ''), 'OrdersRole'), undefined);
    assert.equal(samSourceOf('Resources: [unclosed', 'OrdersRole'), undefined);
  });

  it('the source path is located in the text: a resource, an event, a Globals section', () => {
    assert.deepEqual(locatePath(SAM, ['Resources', 'Orders']), { logicalId: 'Orders', line: 9, column: 3, endLine: 23 });
    assert.deepEqual(locatePath(SAM, ['Resources', 'Orders', 'Properties', 'Events', 'GetOrders']), {
      logicalId: 'GetOrders',
      line: 19,
      column: 9,
      endLine: 23,
    });
    assert.deepEqual(locatePath(SAM, ['Globals', 'Api']), { logicalId: 'Api', line: 6, column: 3, endLine: 7 });
    assert.equal(locatePath(SAM, ['Resources', 'Orders', 'Properties', 'Events', 'Missing']), undefined);
  });
});
