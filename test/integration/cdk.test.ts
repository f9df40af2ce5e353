/**
 * A real CDK app (test/fixtures/cdk-app: a Lambda function from a local folder) deployed from a
 * fresh clone with the CDK from the npm registry (cached outside the clone, see cdkToolchain.ts)
 * and moto over HTTP for S3, CloudFormation, SSM, IAM and Lambda: synthesised, its asset
 * published to the bootstrap bucket, deployed; changed and deployed again (the new template and
 * the new asset); rolled back to the built v1 (its template and asset key), though no clone has
 * that assembly any more. And the refusals: no bootstrap bucket, no CDK CLI in the project.
 */
import { GetTemplateCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DeploymentRecord } from '../../src/core/history/record';
import { cdkNodeModules } from '../support/cdkToolchain';
import { cfnClient, cli, tempHome, useMotoCredentials } from '../support/deployFixture';
import { MOTO_ENV, startMoto, type Moto } from '../support/moto';

const ACCOUNT = '123456789012';
const BUCKET = `cdk-hnb659fds-assets-${ACCOUNT}-us-east-1`;
const FIXTURE = join(__dirname, '..', 'fixtures', 'cdk-app');

const PIPELINE = `version: 1
name: orders
steps:
  - name: Test
    run: node --check lambda/index.mjs
stack:
  name: orders-\${env.name}
  cdk:
    stack: OrdersStack
  capabilities: [CAPABILITY_IAM]
environments:
  dev:
    region: us-east-1
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  }).trim();
}

/** The fixture app committed to an origin, and a fresh clone of it with the cached CDK as its node_modules. */
function freshClone(modules: string, pipeline = PIPELINE): { origin: string; clone: string } {
  const root = mkdtempSync(join(tmpdir(), 'dg-cdk-'));
  const origin = join(root, 'origin');
  cpSync(FIXTURE, origin, { recursive: true });
  writeFileSync(join(origin, 'deployguard.yaml'), pipeline);
  git(origin, 'init', '-q', '-b', 'main');
  git(origin, 'add', '.');
  git(origin, 'commit', '-q', '-m', 'v1');
  const clone = join(root, 'clone');
  git(root, 'clone', '-q', origin, clone);
  symlinkSync(modules, join(clone, 'node_modules'));
  return { origin, clone };
}

async function records(home: string, stack = 'orders-dev'): Promise<DeploymentRecord[]> {
  const dir = join(home, 'stacks', ACCOUNT, 'us-east-1', stack, 'records');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as DeploymentRecord);
}

/** The S3 key of the Lambda code a template names (the CDK's asset key). */
function codeKey(body: string): string {
  const template = JSON.parse(body) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
  const key = fn?.Properties.Code?.S3Key;
  assert.ok(key, 'the template names its code by S3 key');
  return key;
}

/** SSM PutParameter over moto's JSON protocol (the bootstrap version cdk bootstrap would write). */
async function putSsmParameter(endpoint: string, name: string, value: string): Promise<void> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonSSM.PutParameter',
      authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_ENV.AWS_ACCESS_KEY_ID}/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ Name: name, Value: value, Type: 'String', Overwrite: true }),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('a CDK app deployed from a fresh clone (real CDK, moto over HTTP)', () => {
  let moto: Moto;
  let cfn: CloudFormationClient;
  let s3: S3Client;
  let modules: string;
  let home: string;
  before(async () => {
    useMotoCredentials();
    [moto, modules] = await Promise.all([startMoto(), cdkNodeModules()]);
    cfn = cfnClient(moto.endpoint);
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  });
  after(async () => {
    cfn.destroy();
    s3.destroy();
    await moto.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    home = await tempHome();
  });

  /** What `cdk bootstrap` makes that a deploy reads: the assets bucket and the version parameter. */
  const bootstrap = async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await putSsmParameter(moto.endpoint, '/cdk-bootstrap/hnb659fds/version', '28');
  };
  const deploy = (cwd: string, ...extra: string[]) =>
    cli(['deploy', 'dev', '--json', '--endpoint', moto.endpoint, ...extra], { cwd, home });
  const liveTemplate = async () => (await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody ?? '';
  const inBucket = async (key: string) => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch {
      return false;
    }
  };

  it('synthesises, publishes the Lambda asset and deploys; v2 deploys the new template and asset; rollback restores the built v1', async () => {
    await bootstrap();
    const { clone } = freshClone(modules);

    const v1 = await deploy(clone);
    assert.equal(v1.code, 0, v1.stderr + v1.stdout);
    const [r1] = await records(home);
    assert.ok(r1);
    assert.equal(r1.status, 'stable');
    assert.deepEqual(
      r1.steps.map((s) => [s.name, s.status]),
      [
        ['Test', 'succeeded'],
        ['cdk synth', 'succeeded'],
      ],
    );
    const key1 = codeKey(r1.template.body);
    assert.equal(r1.cdk?.stack, 'OrdersStack');
    const lambda1 = r1.cdk.assets.find((a) => a.key === key1);
    assert.ok(lambda1, `the record names the Lambda asset ${key1}: ${JSON.stringify(r1.cdk.assets)}`);
    assert.equal(lambda1.bucket, BUCKET);
    assert.equal(lambda1.uploaded, true);
    assert.ok(await inBucket(key1), 'the asset was uploaded before the deploy');
    assert.equal(await liveTemplate(), r1.template.body, 'the synthesised template went out as it is');
    assert.ok(
      r1.parameters.some((p) => p.key === 'BootstrapVersion' && p.value === '/cdk-bootstrap/hnb659fds/version'),
      'the bootstrap version is read from SSM by CloudFormation',
    );

    // v2: new code in the clone, committed as a developer would.
    writeFileSync(join(clone, 'lambda', 'index.mjs'), 'export const handler = async () => ({ statusCode: 200, body: "orders v2" });\n');
    git(clone, 'commit', '-q', '-am', 'v2');
    const v2 = await deploy(clone);
    assert.equal(v2.code, 0, v2.stderr + v2.stdout);
    const r2 = (await records(home)).at(-1)!;
    const key2 = codeKey(r2.template.body);
    assert.notEqual(key2, key1, 'the new code has a new asset key');
    assert.equal(r2.cdk?.assets.find((a) => a.key === key2)?.uploaded, true);
    assert.ok(await inBucket(key2));
    assert.equal(await liveTemplate(), r2.template.body, 'the new template is live, never a stale one');

    // v1's code gone from the bucket: its template would deploy without it, so it is refused.
    const v1Code = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key1 }))).Body!.transformToByteArray();
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key1 }));
    const refused = await cli(['rollback', 'dev', '--to', r1.id, '--json', '--endpoint', moto.endpoint], { cwd: clone, home });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, new RegExp(`CDK assets are no longer in their bucket: .*${key1}`));
    assert.equal(await liveTemplate(), r2.template.body, 'nothing was deployed');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key1, Body: v1Code }));

    // Back to v1: the recorded body (naming the v1 asset key) though the clone now builds v2.
    const back = await cli(['rollback', 'dev', '--to', r1.id, '--json', '--endpoint', moto.endpoint], { cwd: clone, home });
    assert.equal(back.code, 0, back.stderr + back.stdout);
    const live = await liveTemplate();
    assert.equal(live, r1.template.body);
    assert.equal(codeKey(live), key1);
    assert.ok(await inBucket(key1), 'the v1 code is still where the v1 template points');
  });

  it('a second deploy of unchanged code uploads nothing', async () => {
    await bootstrap();
    const { clone } = freshClone(modules);
    assert.equal((await deploy(clone)).code, 0);
    const again = await deploy(clone);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    const last = (await records(home)).at(-1)!;
    assert.ok(last.cdk && last.cdk.assets.length > 0);
    assert.deepEqual(
      last.cdk.assets.filter((a) => a.uploaded),
      [],
      'every asset was already published',
    );
  });

  it('refuses an account without the bootstrap bucket, naming what cdk bootstrap would make; nothing is deployed', async () => {
    const { clone } = freshClone(modules);
    const run = await deploy(clone);
    assert.notEqual(run.code, 0);
    const [record] = await records(home);
    assert.equal(record?.status, 'failed');
    assert.match(record.reason ?? '', new RegExp(`CDK assets bucket ${BUCKET} does not exist`));
    assert.match(record.reason ?? '', /qualifier hnb659fds/);
    assert.match(record.reason ?? '', /cdk bootstrap aws:\/\/123456789012\/us-east-1/);
    await assert.rejects(liveTemplate(), 'no stack was created');
  });

  it('refuses a project without its own CDK CLI installed, before the stack is touched', async () => {
    await bootstrap();
    const root = mkdtempSync(join(tmpdir(), 'dg-cdk-'));
    cpSync(FIXTURE, root, { recursive: true });
    writeFileSync(join(root, 'deployguard.yaml'), PIPELINE);
    const run = await deploy(root);
    assert.notEqual(run.code, 0);
    const [record] = await records(home);
    assert.equal(record?.status, 'failed');
    assert.match(record.reason ?? '', /cdk synth/);
    assert.match(run.stdout, /No CDK CLI at .*node_modules\/\.bin\/cdk/);
    await assert.rejects(liveTemplate(), 'no stack was created');
  });
});
