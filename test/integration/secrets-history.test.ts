/**
 * Secrets never reach history in clear: a parameter and a tag built from `${env:VAR}` are deployed
 * to moto, and no file Deploy Guard wrote (records, journal, logs) holds the value. A rollback to
 * that deployment reads the value again from the environment: refused, naming the variable, when it
 * is unset or holds another value; restored exactly when it holds the value it had.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DeploymentRecord } from '../../src/core/history/record';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { useMotoRig } from '../support/motoRig';

const SECRET = 'Sekrit-Value-7781';

async function everyFile(dir: string): Promise<{ path: string; text: string }[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    names
      .filter((d) => d.isFile())
      .map(async (d) => ({ path: join(d.parentPath, d.name), text: await readFile(join(d.parentPath, d.name), 'utf8') })),
  );
}

describe('values from ${env:VAR} never reach history in clear', () => {
  const { moto, cfn } = useMotoRig({ resetBeforeEachTest: false });

  it('records a reference and a fingerprint; a rollback needs the variable set to the value it had', async () => {
    const home = await tempHome();
    const repo = await makeRepo({
      parameters: { Name: 'orders-${env:TOPIC_SECRET}' },
      tags: { team: 'payments', owner: 'x-${env:TOPIC_SECRET}' },
    });
    const run = (args: string[], env: Record<string, string>) =>
      cli([...args, '--json', '--endpoint', moto.endpoint], { cwd: repo, home, env });

    const v1 = await run(['deploy', 'dev'], { TOPIC_SECRET: SECRET });
    assert.equal(v1.code, 0, v1.stderr + v1.stdout);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    assert.equal(stack.Parameters?.find((p) => p.ParameterKey === 'Name')?.ParameterValue, `orders-${SECRET}`, 'the stack got the value');

    const files = await everyFile(home);
    assert.ok(files.some((f) => f.path.endsWith('.json') && f.path.includes('records')));
    for (const f of files) assert.equal(f.text.includes(SECRET), false, `${f.path} holds the secret`);
    const recordFile = files.find((f) => f.path.includes('records') && f.text.includes('"kind": "deploy"'))!;
    const record = JSON.parse(recordFile.text) as DeploymentRecord;
    const name = record.parameters.find((p) => p.key === 'Name');
    assert.deepEqual(name?.fromEnv, ['TOPIC_SECRET']);
    assert.equal(name?.source, 'orders-${env:TOPIC_SECRET}');
    assert.match(name?.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(name?.value, undefined);
    assert.deepEqual(record.tags, { team: 'payments' });
    assert.deepEqual(record.secretTags?.['owner']?.fromEnv, ['TOPIC_SECRET']);

    // v2 with another value: now v1 is the version to roll back to.
    await writeTemplate(repo, topicTemplate('v2'));
    const v2 = await run(['deploy', 'dev'], { TOPIC_SECRET: 'other-value-42' });
    assert.equal(v2.code, 0, v2.stderr + v2.stdout);

    const unset = await run(['rollback', 'dev', '--to', record.id], {});
    assert.notEqual(unset.code, 0);
    assert.match(
      unset.stderr + unset.stdout,
      new RegExp(`Parameter Name of deployment ${record.id} came from \\$TOPIC_SECRET; set TOPIC_SECRET to the value it had then`),
    );
    const wrong = await run(['rollback', 'dev', '--to', record.id], { TOPIC_SECRET: 'rotated-value' });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr + wrong.stdout, /Parameter Name .* came from \$TOPIC_SECRET; set TOPIC_SECRET to the value it had then/);
    assert.match(wrong.stderr + wrong.stdout, /Tag owner .* came from \$TOPIC_SECRET/, 'one refusal names every value');

    const right = await run(['rollback', 'dev', '--to', record.id], { TOPIC_SECRET: SECRET });
    assert.equal(right.code, 0, right.stderr + right.stdout);
    const restored = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    assert.equal(restored.Parameters?.find((p) => p.ParameterKey === 'Name')?.ParameterValue, `orders-${SECRET}`);
    assert.deepEqual(
      restored.Tags?.find((t) => t.Key === 'owner'),
      { Key: 'owner', Value: `x-${SECRET}` },
    );
    for (const f of await everyFile(home)) assert.equal(f.text.includes(SECRET), false, `${f.path} holds the secret`);
  });
});
