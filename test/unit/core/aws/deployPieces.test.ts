import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chooseEndpoint, isLoopbackUrl } from '../../../../src/core/aws/endpoint';
import { firstFailureReason } from '../../../../src/core/aws/operation';
import { buildParameters, checkParameterValues, parametersForRedeploy } from '../../../../src/core/aws/parameters';
import { isEmptyChangeSet } from '../../../../src/core/aws/stackApi';
import { bucketOfTemplateUrl } from '../../../../src/core/aws/stackDeploy';
import { DEFAULT_POLLER_TIMING, nextPauseMs, withJitter } from '../../../../src/core/aws/stackPoller';
import { checkTemplateSize, declaredParameters, describeTemplate, readTemplateFile } from '../../../../src/core/aws/template';
import { DeployGuardError } from '../../../../src/core/errors';

describe('endpoint rules', () => {
  it('accepts only loopback hosts from the pipeline file', () => {
    for (const ok of ['http://127.0.0.1:5000', 'http://localhost:4566', 'http://[::1]:5000', 'https://127.9.9.9'])
      assert.ok(isLoopbackUrl(ok), ok);
    for (const bad of [
      'http://10.0.0.1',
      'http://127.0.0.1.evil.com',
      'http://localhost.evil.com',
      'file:///etc/passwd',
      'http://user:pw@127.0.0.1',
      'nonsense',
    ]) {
      assert.ok(!isLoopbackUrl(bad), bad);
    }
    assert.throws(
      () => chooseEndpoint({ fileEndpoint: 'http://evil.example.com', env: {} }),
      (e) => DeployGuardError.is(e, 'EndpointRejected'),
    );
    assert.deepEqual(chooseEndpoint({ fileEndpoint: 'http://127.0.0.1:5000/', env: {} }), {
      endpoint: 'http://127.0.0.1:5000',
      source: 'pipeline-file',
    });
  });
  it('user setting, then AWS_ENDPOINT_URL, then the file', () => {
    assert.equal(
      chooseEndpoint({ userEndpoint: 'https://cfn.corp.example', fileEndpoint: 'http://evil.example.com', env: {} }).source,
      'user',
    );
    assert.deepEqual(chooseEndpoint({ env: { AWS_ENDPOINT_URL: 'http://10.1.1.1:4566' } }), {
      endpoint: 'http://10.1.1.1:4566',
      source: 'environment',
    });
    assert.equal(
      chooseEndpoint({ env: { AWS_ENDPOINT_URL: 'http://x:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' } }).source,
      'default',
    );
    assert.equal(chooseEndpoint({ env: {} }).source, 'default');
  });
});

describe('template handling', () => {
  it('reads parameter declarations from YAML with short-form tags and from JSON', () => {
    const yaml =
      'Parameters:\n  A:\n    Type: String\n  S:\n    Type: String\n    NoEcho: true\n    Default: x\nResources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub "${A}"\n';
    assert.deepEqual(declaredParameters(yaml), [
      { key: 'A', noEcho: false, hasDefault: false },
      { key: 'S', noEcho: true, hasDefault: true },
    ]);
    assert.deepEqual(declaredParameters('{"Parameters":{"P":{"Type":"String","NoEcho":"true"}}}'), [
      { key: 'P', noEcho: true, hasDefault: false },
    ]);
  });
  it('keeps the body byte for byte and checks the inline limit', () => {
    const body = 'Resources: {}\n# ünïcödé\n';
    const t = describeTemplate(body);
    assert.equal(t.body, body);
    assert.equal(t.bytes, Buffer.byteLength(body));
    assert.equal(checkTemplateSize(t, undefined), 'inline');
    const big = describeTemplate(`Resources: {}\n#${'x'.repeat(51_200)}\n`);
    assert.throws(
      () => checkTemplateSize(big, undefined),
      (e) => DeployGuardError.is(e, 'TemplateTooLarge') && /templateBucket/.test(e.hint ?? ''),
    );
    assert.equal(checkTemplateSize(big, 'bucket'), 's3');
  });
  it('refuses a template over 1 MB (1,048,576 bytes) even with a bucket, giving the size and the limit', async () => {
    assert.equal(checkTemplateSize(describeTemplate(`#${'x'.repeat(1_048_574)}\n`), 'bucket'), 's3');
    const huge = describeTemplate(`#${'x'.repeat(1_048_575)}\n`);
    assert.throws(
      () => checkTemplateSize(huge, 'bucket'),
      (e) => DeployGuardError.is(e, 'TemplateTooLarge') && /1,048,577 bytes.*at most 1,048,576 bytes/.test(e.message),
    );
    // From a file: sized before it is read.
    const dir = await mkdtemp(join(tmpdir(), 'dg-tpl-'));
    try {
      await writeFile(join(dir, 'big.yaml'), `#${'x'.repeat(2_000_000)}\n`);
      await assert.rejects(
        readTemplateFile(dir, 'big.yaml'),
        (e) => DeployGuardError.is(e, 'TemplateTooLarge') && /big\.yaml is 2,000,002 bytes.*1,048,576/.test(e.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parameter value limit', () => {
  it('refuses a value over 4,096 characters, naming the parameter and the sizes but never the value', () => {
    checkParameterValues({ A: 'x'.repeat(4096) });
    assert.throws(
      () => checkParameterValues({ A: 'ok', Token: 's3cr3t'.repeat(700) }),
      (e) =>
        DeployGuardError.is(e, 'ConfigInvalid') &&
        /Parameter Token is 4,200 characters; CloudFormation accepts at most 4,096/.test(e.message) &&
        !e.message.includes('s3cr3t'),
    );
  });
});

describe('parameters', () => {
  const declared = [
    { key: 'Name', noEcho: false, hasDefault: false },
    { key: 'Secret', noEcho: true, hasDefault: true },
    { key: 'Size', noEcho: false, hasDefault: true },
  ];
  it('sends set values, UsePreviousValue for unset ones the stack has, and never records a NoEcho value', () => {
    const built = buildParameters(declared, { Name: 'a', Secret: 's3cr3t!' }, new Set(['Name', 'Secret', 'Size']));
    assert.deepEqual(built.sdk, [
      { ParameterKey: 'Name', ParameterValue: 'a' },
      { ParameterKey: 'Secret', ParameterValue: 's3cr3t!' },
      { ParameterKey: 'Size', UsePreviousValue: true },
    ]);
    assert.deepEqual(built.record, [
      { key: 'Name', value: 'a' },
      { key: 'Secret', noEcho: true },
      { key: 'Size', usePreviousValue: true },
    ]);
    assert.deepEqual(built.secrets, ['s3cr3t!']);
  });
  it('on create, an unset parameter takes its default; undeclared keys are reported', () => {
    const built = buildParameters(declared, { Name: 'a', Typo: 'x' }, undefined);
    assert.deepEqual(built.sdk, [{ ParameterKey: 'Name', ParameterValue: 'a' }]);
    assert.deepEqual(built.undeclared, ['Typo']);
  });
  it('a redeploy passes recorded values and keeps NoEcho ones with UsePreviousValue', () => {
    const r = parametersForRedeploy(
      [
        { key: 'Name', value: 'a' },
        { key: 'Secret', noEcho: true },
      ],
      declared,
      new Set(['Name', 'Secret']),
    );
    assert.deepEqual(r.sdk, [
      { ParameterKey: 'Name', ParameterValue: 'a' },
      { ParameterKey: 'Secret', UsePreviousValue: true },
    ]);
    assert.deepEqual(r.previousValueKeys, ['Secret']);
  });
});

describe('poller timing', () => {
  it('is fast after a change, backs off while idle, and backs off harder on failures', () => {
    const t = DEFAULT_POLLER_TIMING;
    let pause = t.initialMs;
    const seen = [pause];
    for (let i = 0; i < 10; i++) seen.push((pause = nextPauseMs(pause, false, false, t)));
    assert.ok(seen.every((p, i) => i === 0 || p >= seen[i - 1]!));
    assert.equal(seen.at(-1), t.maxMs);
    assert.equal(nextPauseMs(t.maxMs, true, false, t), t.initialMs);
    assert.equal(nextPauseMs(1000, false, true, t), 2000);
    assert.equal(nextPauseMs(t.maxErrorMs, false, true, t), t.maxErrorMs);
  });
  it('jitters within ±20%', () => {
    assert.equal(
      withJitter(1000, 0.2, () => 0),
      800,
    );
    assert.equal(
      withJitter(1000, 0.2, () => 1),
      1200,
    );
    assert.equal(
      withJitter(1000, 0.2, () => 0.5),
      1000,
    );
  });
});

describe('change set and failure reasons', () => {
  it('recognises an empty change set by its reason', () => {
    assert.ok(
      isEmptyChangeSet({
        status: 'FAILED',
        reason: "The submitted information didn't contain changes. Submit different information to create a change set.",
      }),
    );
    assert.ok(isEmptyChangeSet({ status: 'FAILED', reason: 'No updates are to be performed.' }));
    assert.ok(!isEmptyChangeSet({ status: 'FAILED', reason: 'Template format error' }));
    assert.ok(!isEmptyChangeSet({ status: 'CREATE_COMPLETE' }));
  });
  it('blames the first failed resource, not the cancelled ones', () => {
    const ev = (logicalId: string, status: string, reason?: string) => ({
      eventId: logicalId + status,
      timestamp: '',
      logicalId,
      resourceType: 'AWS::X::Y',
      status,
      ...(reason ? { reason } : {}),
    });
    const reason = firstFailureReason(
      [
        ev('A', 'UPDATE_FAILED', 'Resource update cancelled'),
        ev('B', 'UPDATE_FAILED', 'Bucket name taken'),
        ev('stk', 'UPDATE_ROLLBACK_IN_PROGRESS', 'x'),
      ],
      'stk',
    );
    assert.equal(reason, 'B (AWS::X::Y): Bucket name taken');
  });
});

describe('template URLs', () => {
  it('finds the bucket in virtual-hosted and path-style URLs', () => {
    assert.equal(bucketOfTemplateUrl('https://my-artifacts.s3.eu-west-1.amazonaws.com/deployguard/x/abc.template'), 'my-artifacts');
    assert.equal(bucketOfTemplateUrl('https://my.dotted.bucket.s3.us-east-1.amazonaws.com/k'), 'my.dotted.bucket');
    assert.equal(bucketOfTemplateUrl('http://localhost:5000/dg-artifacts/deployguard/x/abc.template'), 'dg-artifacts');
    assert.equal(bucketOfTemplateUrl('not a url'), undefined);
  });
});
