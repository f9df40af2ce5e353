/**
 * Packaging against moto over HTTP: a SAM template whose CodeUri and a Lambda function whose
 * Code name a local folder are zipped, uploaded to the bucket and deployed by key; unchanged code
 * is not uploaded again, changed code is.
 */
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import type { DeploymentRecord } from '../../src/core/history/record';
import { cli, tempHome } from '../support/deployFixture';
import { readZip } from '../support/zip';
import { useMotoRig } from '../support/motoRig';

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../src/api
      Handler: app.handler
      Runtime: python3.12
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Code: ../src/api
      Handler: app.handler
      Runtime: python3.12
      Role: !GetAtt Role.Arn
`;

async function samRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-sam-'));
  await mkdir(join(dir, 'infra'));
  await mkdir(join(dir, 'src', 'api'), { recursive: true });
  await writeFile(join(dir, 'src', 'api', 'app.py'), 'def handler(event, context):\n    return "v1"\n');
  await writeFile(join(dir, 'infra', 'template.yaml'), TEMPLATE);
  await writeFile(
    join(dir, 'deployguard.yaml'),
    `version: 1
name: sam
steps:
  - name: Test
    run: echo testing
stack:
  name: sam-\${env.name}
  template: infra/template.yaml
  templateBucket: dg-artefacts
  capabilities: [CAPABILITY_IAM]
environments:
  dev:
    region: us-east-1
`,
  );
  return dir;
}

async function records(home: string): Promise<DeploymentRecord[]> {
  const dir = join(home, 'stacks', '123456789012', 'us-east-1', 'sam-dev', 'records');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as DeploymentRecord));
}

describe('packaged code deployed against moto', () => {
  const { moto, cfn, s3 } = useMotoRig();
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
  });

  const deploy = (repo: string) => cli(['deploy', 'dev', '--json', '--endpoint', moto.endpoint], { cwd: repo, home });
  const keys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: 'dg-artefacts' }))).Contents ?? []).map((o) => o.Key!).sort();

  it('zips the local folder once, deploys the template naming its key, and uploads nothing again for unchanged code', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'dg-artefacts' }));
    const repo = await samRepo();
    const first = await deploy(repo);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const [v1] = await records(home);
    const artifacts = v1!.template.artifacts ?? [];
    assert.deepEqual(
      artifacts.map((a) => [a.resource, a.property, a.path, a.uploaded]),
      [['Api', 'CodeUri', 'src/api', true]],
      'one folder, named twice, packed once',
    );
    const key = artifacts[0]!.key;
    assert.deepEqual(await keys(), [key]);
    assert.deepEqual(v1!.capabilities, ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'], 'a SAM template deploys with CAPABILITY_AUTO_EXPAND');

    const deployed = (await cfn.send(new GetTemplateCommand({ StackName: 'sam-dev' }))).TemplateBody!;
    assert.equal(deployed, v1!.template.body, 'the record keeps the body that went out');
    assert.ok(deployed.includes(`CodeUri: "s3://dg-artefacts/${key}"`), deployed);
    assert.ok(deployed.includes(`Code: {"S3Bucket": "dg-artefacts", "S3Key": "${key}"}`), deployed);
    const object = await s3.send(new GetObjectCommand({ Bucket: 'dg-artefacts', Key: key }));
    const zipPath = join(await mkdtemp(join(tmpdir(), 'dg-zip-')), 'code.zip');
    await writeFile(zipPath, Buffer.from(await object.Body!.transformToByteArray()));
    assert.deepEqual(
      readZip(zipPath).map((e) => [e.name, e.read().toString()]),
      [['app.py', 'def handler(event, context):\n    return "v1"\n']],
    );

    // Unchanged code: the same key, nothing uploaded, nothing to deploy.
    const second = await deploy(repo);
    assert.equal(second.code, 0, second.stderr + second.stdout);
    const [, again] = await records(home);
    assert.deepEqual(
      again!.template.artifacts?.map((a) => [a.key, a.uploaded]),
      [[key, false]],
    );
    assert.equal(again!.status, 'unchanged');

    // Changed code: a new key, uploaded, and deployed.
    await writeFile(join(repo, 'src', 'api', 'app.py'), 'def handler(event, context):\n    return "v2"\n');
    const third = await deploy(repo);
    assert.equal(third.code, 0, third.stderr + third.stdout);
    const [, , v2] = await records(home);
    const key2 = v2!.template.artifacts![0]!.key;
    assert.notEqual(key2, key);
    assert.equal(v2!.template.artifacts![0]!.uploaded, true);
    assert.deepEqual(await keys(), [key, key2].sort());
    assert.ok((await cfn.send(new GetTemplateCommand({ StackName: 'sam-dev' }))).TemplateBody!.includes(key2));
  });

  it('uploads a large file in parts', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'dg-artefacts' }));
    const repo = await samRepo();
    // A ready-made archive is uploaded as it is: 17 MiB of noise, over the multipart threshold.
    await writeFile(join(repo, 'src', 'big.zip'), randomBytes(17 * 1024 * 1024));
    await writeFile(
      join(repo, 'infra', 'template.yaml'),
      'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      BodyS3Location: ../src/big.zip\n',
    );
    const run = await deploy(repo);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const [record] = await records(home);
    const artifact = record!.template.artifacts![0]!;
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'dg-artefacts', Key: artifact.key }));
    assert.equal(head.ContentLength, 17 * 1024 * 1024);
    assert.match(head.ETag ?? '', /-3"?$/, 'a multipart ETag names its 3 parts');
  });

  it('refuses local code without stack.templateBucket before any AWS call, and a missing bucket by name', async () => {
    const repo = await samRepo();
    const text = await readFile(join(repo, 'deployguard.yaml'), 'utf8');
    await writeFile(join(repo, 'deployguard.yaml'), text.replace('  templateBucket: dg-artefacts\n', ''));
    const unset = await deploy(repo);
    assert.notEqual(unset.code, 0);
    assert.match(
      unset.stderr + unset.stdout,
      /names local paths to package \(Api CodeUri "\.\.\/src\/api", Worker Code "\.\.\/src\/api"\), but stack\.templateBucket is not set/,
    );

    await writeFile(join(repo, 'deployguard.yaml'), text);
    const missing = await deploy(repo);
    assert.equal(missing.code, 1);
    const [record] = await records(home);
    assert.match(record!.reason ?? '', /The bucket dg-artefacts \(stack\.templateBucket\) does not exist/);
  });
});
