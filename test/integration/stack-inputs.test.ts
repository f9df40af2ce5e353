/**
 * What a deploy sends besides the template, against moto over HTTP through the fault proxy (whose
 * request log shows every CloudFormation call's parameters): the service role on every change set
 * and on a rollback the restored version's role.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import type { DeploymentRecord } from '../../src/core/history/record';
import { CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { cfnClient, cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { useMotoRig } from '../support/motoRig';

async function records(home: string): Promise<DeploymentRecord[]> {
  const dir = join(home, 'stacks', '123456789012', 'us-east-1', 'orders-dev', 'records');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as DeploymentRecord));
}

describe('stack inputs sent with the template, against moto', () => {
  const { moto, proxy } = useMotoRig({ proxy: true });
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
  });

  const run = (repo: string, ...args: string[]) => cli([...args, '--json', '--endpoint', proxy.endpoint], { cwd: repo, home });
  const roleSent = () => proxy.requests.filter((r) => r.action === 'CreateChangeSet').map((r) => r.params?.['RoleARN']);

  it('sends parameters as written, with the environment overriding the stack, and a literal ${…} through its escape', async () => {
    const repo = await makeRepo({
      template: `Parameters:
  Name: { Type: String }
  ClusterVersion: { Type: String }
  TrustedAccount: { Type: String }
  LogFormat: { Type: String }
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref Name
`,
    });
    await writeFile(
      join(repo, 'deployguard.yaml'),
      `version: 1
name: params
stack:
  name: orders-\${env.name}
  template: infra/template.yaml
  parameters:
    Name: orders-\${env.name}
    ClusterVersion: 1.29
    TrustedAccount: 012345678901
    LogFormat: $\${AWS::Region} \${env.name}
  tags: { team: payments, tier: 1.0 }
environments:
  dev:
    region: us-east-1
    parameters: { ClusterVersion: 1.30 }
    tags: { tier: 2.10 }
`,
    );
    const deployed = await run(repo, 'deploy', 'dev');
    assert.equal(deployed.code, 0, deployed.stderr + deployed.stdout);
    const create = proxy.requests.find((r) => r.action === 'CreateChangeSet')!;
    const pairs = (list: string, keyName: string, valueName: string) => {
      const params = create.params ?? {};
      const out: Record<string, string> = {};
      for (let i = 1; params[`${list}.member.${i}.${keyName}`] !== undefined; i++) {
        out[params[`${list}.member.${i}.${keyName}`]!] = params[`${list}.member.${i}.${valueName}`]!;
      }
      return out;
    };
    assert.deepEqual(pairs('Parameters', 'ParameterKey', 'ParameterValue'), {
      Name: 'orders-dev',
      ClusterVersion: '1.30',
      TrustedAccount: '012345678901',
      LogFormat: '${AWS::Region} dev',
    });
    assert.deepEqual(pairs('Tags', 'Key', 'Value'), { team: 'payments', tier: '2.10' });
  });

  it('shows the stack outputs at the end of deploy and keeps them in the record and history --json', async () => {
    // moto reports outputs only for a stack made by CreateStack (not by a change set's CREATE).
    const cfn = cfnClient(moto.endpoint);
    await cfn.send(
      new CreateStackCommand({
        StackName: 'orders-dev',
        TemplateBody: topicTemplate('v0'),
        Parameters: [{ ParameterKey: 'Name', ParameterValue: 'orders-dev' }],
      }),
    );
    const repo = await makeRepo();
    const v2 = await cli(['deploy', 'dev', '--endpoint', proxy.endpoint], { cwd: repo, home });
    assert.equal(v2.code, 0, v2.stderr + v2.stdout);
    const described = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!.Outputs ?? [];
    cfn.destroy();
    const arn = described.find((o) => o.OutputKey === 'TopicArn')?.OutputValue ?? '';
    assert.match(arn, /^arn:aws:sns:us-east-1:123456789012:orders-dev/);
    assert.ok(v2.stdout.endsWith(`Outputs of orders-dev:\n  TopicArn = ${arn}\n`), v2.stdout);
    const history = await run(repo, 'history', 'dev');
    assert.equal(history.code, 0, history.stderr);
    const lines = history.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; outputs: Record<string, string> | null });
    const [newest] = lines;
    assert.deepEqual(newest!.outputs, { TopicArn: arn });
    const deployed = (await records(home)).find((r) => r.kind === 'deploy')!;
    assert.equal(deployed.id, newest!.id);
    assert.deepEqual(deployed.outputs, { TopicArn: arn });
  });

  it('sends stack.roleArn on every change set, and a rollback sends the role the restored version used', async () => {
    const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
    const repo = await makeRepo({ extraStack: `  roleArn: ${role('deploy-${env.name}')}\n` });
    const v1 = await run(repo, 'deploy', 'dev');
    assert.equal(v1.code, 0, v1.stderr + v1.stdout);
    const text = await readFile(join(repo, 'deployguard.yaml'), 'utf8');
    await writeFile(join(repo, 'deployguard.yaml'), text.replace('role/deploy-${env.name}', 'role/deploy-v2'));
    await writeTemplate(repo, topicTemplate('v2'));
    const v2 = await run(repo, 'deploy', 'dev');
    assert.equal(v2.code, 0, v2.stderr + v2.stdout);
    const [first] = await records(home);
    const back = await run(repo, 'rollback', 'dev', '--to', first!.id);
    assert.equal(back.code, 0, back.stderr + back.stdout);

    assert.deepEqual(roleSent(), [role('deploy-dev'), role('deploy-v2'), role('deploy-dev')]);
    assert.deepEqual(
      (await records(home)).map((r) => [r.kind, r.roleArn]),
      [
        ['deploy', role('deploy-dev')],
        ['deploy', role('deploy-v2')],
        ['rollback', role('deploy-dev')],
      ],
    );
  });
});
