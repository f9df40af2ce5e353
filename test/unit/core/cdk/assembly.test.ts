import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { firstFailureReason } from '../../../../src/core/aws/operation';
import { bootstrapQualifier, readCdkStack, substitutePlaceholders } from '../../../../src/core/cdk/assembly';
import { checkPublishable } from '../../../../src/core/cdk/publishAssets';
import { stepsToRun } from '../../../../src/core/cdk/synthStep';
import { DeployGuardError } from '../../../../src/core/errors';
import type { PipelineConfig } from '../../../../src/core/pipeline/types';

/** A cloud assembly as cdk synth writes it: manifest.json, the stack's template, its asset manifest. */
function assembly(assets: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'dg-assembly-'));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: {
        'OrdersStack.assets': { type: 'cdk:asset-manifest', properties: { file: 'OrdersStack.assets.json' } },
        OrdersStack: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://unknown-account/eu-west-1',
          displayName: 'Prod/OrdersStack',
          properties: {
            templateFile: 'OrdersStack.template.json',
            requiresBootstrapStackVersion: 6,
            bootstrapStackVersionSsmParameter: '/cdk-bootstrap/custom1/version',
          },
          dependencies: ['OrdersStack.assets'],
        },
      },
    }),
  );
  writeFileSync(join(dir, 'OrdersStack.template.json'), '{"Resources":{}}');
  writeFileSync(join(dir, 'OrdersStack.assets.json'), JSON.stringify(assets));
  mkdirSync(join(dir, 'asset.abc'));
  return dir;
}

const fileAsset = {
  displayName: 'Handler/Code',
  source: { path: 'asset.abc', packaging: 'zip' },
  destinations: { d: { bucketName: 'cdk-custom1-assets-${AWS::AccountId}-${AWS::Region}', objectKey: 'abc.zip' } },
};

describe('the CDK cloud assembly', () => {
  it('reads a stack by display name: its template, environment, bootstrap version and file assets', async () => {
    const dir = assembly({ files: { abc: fileAsset }, dockerImages: {} });
    const stack = await readCdkStack(dir, 'Prod/OrdersStack');
    assert.equal(stack.id, 'OrdersStack');
    assert.equal(stack.templateFile, join(dir, 'OrdersStack.template.json'));
    assert.equal(stack.account, undefined, 'unknown-account is environment-agnostic');
    assert.equal(stack.region, 'eu-west-1');
    assert.equal(stack.requiresBootstrapVersion, 6);
    assert.deepEqual(
      stack.fileAssets.map((a) => [a.displayName, a.packaging, a.path, a.destinations[0]?.objectKey]),
      [['Handler/Code', 'zip', join(dir, 'asset.abc'), 'abc.zip']],
    );
    assert.equal(bootstrapQualifier(stack), 'custom1');
    checkPublishable(stack);
  });

  it('names the stacks it has when asked for one it lacks, with the closest', async () => {
    const dir = assembly({ files: {} });
    await assert.rejects(
      readCdkStack(dir, 'OrderStack'),
      /no stack "OrderStack" \(did you mean "OrdersStack"\?\); it has Prod\/OrdersStack/,
    );
  });

  it('refuses container image assets by name, as not supported yet', async () => {
    const dir = assembly({
      files: {},
      dockerImages: { img1: { displayName: 'Api/Image', source: { directory: 'asset.img' }, destinations: {} } },
    });
    const stack = await readCdkStack(dir, 'OrdersStack');
    assert.throws(
      () => checkPublishable(stack),
      (err: unknown) =>
        DeployGuardError.is(err) &&
        err.code === 'NotSupported' &&
        /container image assets.*not publish yet: Api\/Image \(img1\)/.test(err.message),
    );
  });

  it('refuses an asset whose path leaves the assembly', async () => {
    const dir = assembly({ files: { abc: { ...fileAsset, source: { path: '../../etc', packaging: 'zip' } } } });
    await assert.rejects(readCdkStack(dir, 'OrdersStack'), /points outside the cloud assembly/);
  });

  it('fills the account, region and partition placeholders of a destination', () => {
    assert.equal(
      substitutePlaceholders('arn:${AWS::Partition}:s3:::cdk-x-assets-${AWS::AccountId}-${AWS::Region}', {
        account: '111111111111',
        region: 'cn-north-1',
        partition: 'aws-cn',
      }),
      'arn:aws-cn:s3:::cdk-x-assets-111111111111-cn-north-1',
    );
  });

  it('cdk synth is the last step, and never skipped', () => {
    const pipeline = {
      steps: [{ name: 'Install', run: 'npm ci', env: {} }],
      stack: { cdk: { stack: 'OrdersStack' } },
    } as unknown as PipelineConfig;
    assert.deepEqual(
      stepsToRun(pipeline, false).map((s) => s.name),
      ['Install', 'cdk synth'],
    );
    const synth = stepsToRun(pipeline, true);
    assert.deepEqual(
      synth.map((s) => s.name),
      ['cdk synth'],
    );
    assert.equal(synth[0]?.env['DEPLOYGUARD_CDK_STACK'], 'OrdersStack', 'the stack reaches the script as a variable');
    assert.ok(!synth[0]?.run.includes('OrdersStack'), 'never spliced into the script');
  });
});

describe('a failure inside a nested stack', () => {
  const event = (logicalId: string, resourceType: string, reason: string, stackPath?: string) => ({
    eventId: `${logicalId}-${stackPath ?? ''}`,
    timestamp: '2026-12-04T10:00:00Z',
    logicalId,
    resourceType,
    status: 'UPDATE_FAILED',
    reason,
    ...(stackPath ? { stackPath } : {}),
  });

  it('is named with its path, deepest first, over the parent’s "embedded stack" reason', () => {
    const reason = firstFailureReason(
      [
        event('Database', 'AWS::CloudFormation::Stack', 'Embedded stack arn:… was not successfully updated'),
        event('Inner', 'AWS::CloudFormation::Stack', 'Embedded stack arn:… was not successfully updated', 'orders-prod › Database'),
        event('Table', 'AWS::DynamoDB::Table', 'Table limit exceeded', 'orders-prod › Database › Inner'),
      ],
      'orders-prod',
    );
    assert.equal(reason, 'orders-prod › Database › Inner › Table: Table limit exceeded');
  });

  it('leaves a root resource’s failure as it was', () => {
    assert.equal(firstFailureReason([event('Topic', 'AWS::SNS::Topic', 'bad name')], 'orders-prod'), 'Topic (AWS::SNS::Topic): bad name');
  });
});
