import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { DeployGuardError } from '../../../../src/core/errors';
import { findLocalArtifacts, hasTransform, packageTemplate, type ArtifactStore } from '../../../../src/core/packaging/packageTemplate';

/** The bucket as a map: what was put, and how many puts. */
function memoryStore(): ArtifactStore & { objects: Map<string, Buffer>; puts: number } {
  const objects = new Map<string, Buffer>();
  const store = {
    bucket: 'artefacts',
    objects,
    puts: 0,
    exists: (key: string) => Promise.resolve(objects.has(key)),
    put: (key: string, body: Buffer) => {
      store.puts++;
      objects.set(key, body);
      return Promise.resolve();
    },
    url: (key: string) => `https://artefacts.s3.us-east-1.amazonaws.com/${key}`,
  };
  return store;
}

function repo(): string {
  const root = mkdtempSync(join(tmpdir(), 'dg-pkg-'));
  mkdirSync(join(root, 'infra'));
  mkdirSync(join(root, 'src', 'fn'), { recursive: true });
  writeFileSync(join(root, 'src', 'fn', 'app.py'), 'def handler(e, c):\n    return 1\n');
  return root;
}

const SAM = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../src/fn   # the code
      Handler: app.handler
      Role: !GetAtt Role.Arn
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Code: ../src/fn
      FunctionName: !Sub "\${AWS::StackName}-plain"
  Already:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://elsewhere/code.zip
  Intrinsic:
    Type: AWS::Lambda::Function
    Properties:
      Code: !Ref CodeLocation
`;

describe('findLocalArtifacts', () => {
  it('finds the local paths of packaged properties, not S3 locations or intrinsics', () => {
    assert.deepEqual(
      findLocalArtifacts(SAM).map((a) => [a.resource, a.property, a.path]),
      [
        ['Fn', 'CodeUri', '../src/fn'],
        ['Plain', 'Code', '../src/fn'],
      ],
    );
    assert.equal(hasTransform(SAM), true);
    assert.equal(hasTransform('Resources: {}\n'), false);
  });
});

describe('packageTemplate', () => {
  it('rewrites only the packaged values, keeping tags, comments and the rest byte for byte', async () => {
    const root = repo();
    writeFileSync(join(root, 'infra', 'template.yaml'), SAM);
    const store = memoryStore();
    const out = await packageTemplate(SAM, { repoRoot: root, templateFile: join(root, 'infra', 'template.yaml'), store });
    const [first] = out.artifacts;
    assert.equal(out.artifacts.length, 1, 'one folder named twice is packed once');
    assert.match(first!.key, /^deployguard\/artifacts\/[0-9a-f]{64}\.zip$/);
    assert.deepEqual([first!.path, first!.uploaded], ['src/fn', true]);
    const expected = SAM.replace('CodeUri: ../src/fn', `CodeUri: "s3://artefacts/${first!.key}"`).replace(
      'Code: ../src/fn',
      `Code: {"S3Bucket": "artefacts", "S3Key": "${first!.key}"}`,
    );
    assert.equal(out.body, expected);
    assert.equal(parseDocument(out.body).errors.length, 0);

    // Same content, same key: nothing is uploaded the second time.
    const again = await packageTemplate(SAM, { repoRoot: root, templateFile: join(root, 'infra', 'template.yaml'), store });
    assert.equal(again.body, out.body);
    assert.deepEqual(
      again.artifacts.map((a) => a.uploaded),
      [false],
    );
    assert.equal(store.puts, 1);
  });

  it('keeps a JSON template valid JSON, and packages a nested template with its own code', async () => {
    const root = repo();
    writeFileSync(
      join(root, 'infra', 'child.yaml'),
      'Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: ../src/fn\n',
    );
    const parent = JSON.stringify(
      {
        Resources: {
          Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'child.yaml' } },
          Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { BodyS3Location: '../src/fn/app.py' } },
        },
      },
      null,
      2,
    );
    const store = memoryStore();
    const out = await packageTemplate(parent, { repoRoot: root, templateFile: join(root, 'infra', 'parent.json'), store });
    const body = JSON.parse(out.body) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
    const nested = out.artifacts.find((a) => a.resource === 'Child')!;
    assert.equal(body.Resources.Child!.Properties.TemplateURL, `https://artefacts.s3.us-east-1.amazonaws.com/${nested.key}`);
    const api = out.artifacts.find((a) => a.resource === 'Api')!;
    assert.deepEqual(body.Resources.Api!.Properties.BodyS3Location, { Bucket: 'artefacts', Key: api.key });
    assert.match(api.key, /\.py$/);
    const childCode = out.artifacts.find((a) => a.resource === 'Child/Fn')!;
    assert.equal(childCode.path, 'src/fn');
    assert.match(
      store.objects.get(nested.key)!.toString('utf8'),
      new RegExp(`Code: \\{"S3Bucket": "artefacts", "S3Key": "${childCode.key}"\\}`),
    );
  });

  it('refuses a path outside the repository, directly or through a symlink', async () => {
    const root = repo();
    const outside = mkdtempSync(join(tmpdir(), 'dg-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'not yours');
    const template = (path: string) => `Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: ${path}\n`;
    const options = { repoRoot: root, templateFile: join(root, 'template.yaml'), store: memoryStore() };
    await assert.rejects(packageTemplate(template(outside), options), (err: unknown) => {
      assert.ok(DeployGuardError.is(err, 'ConfigInvalid'));
      assert.match(err.message, /^Fn Code: ".*" resolves to .*, outside the repository; it is not packaged/);
      return true;
    });
    symlinkSync(outside, join(root, 'link'));
    await assert.rejects(packageTemplate(template('link'), options), /outside the repository/);
    symlinkSync(join(outside, 'secret.txt'), join(root, 'src', 'fn', 'leak.txt'));
    await assert.rejects(packageTemplate(template('src/fn'), options), /src\/fn\/leak\.txt is a symlink to .*, outside the repository/);
    assert.equal(options.store.puts, 0, 'nothing was uploaded');
  });
});
