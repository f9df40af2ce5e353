/**
 * A template made by a step, as CDK and build-script projects have it: not in the clone, written
 * by a plain shell step, read after the steps from the tree they ran in. Against moto over HTTP,
 * through the CLI.
 */
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import type { DeploymentRecord } from '../../src/core/history/record';
import { cli, tempHome, topicTemplate } from '../support/deployFixture';
import { useMotoRig } from '../support/motoRig';

/** A repository whose template exists only once the step `Build` has written build/stack.yaml. */
async function buildRepo(step: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-built-'));
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'src', 'stack.yaml'), topicTemplate('v1'));
  await writeFile(
    join(dir, 'deployguard.yaml'),
    `version: 1
name: built
steps:
  - name: Test
    run: echo testing
  - name: Build
    run: ${JSON.stringify(step)}
stack:
  name: built-\${env.name}
  template: build/stack.yaml
  parameters:
    Name: built-\${env.name}
environments:
  dev:
    region: us-east-1
`,
  );
  return dir;
}

const BUILD = 'mkdir -p build && cp src/stack.yaml build/stack.yaml';

async function records(home: string): Promise<DeploymentRecord[]> {
  const dir = join(home, 'stacks', '123456789012', 'us-east-1', 'built-dev', 'records');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as DeploymentRecord));
}

describe('a template made by a step, deployed against moto', () => {
  const { moto, cfn } = useMotoRig();
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
  });

  const run = (repo: string, ...args: string[]) => cli([...args, '--endpoint', moto.endpoint], { cwd: repo, home });
  const deployedBody = async () => (await cfn.send(new GetTemplateCommand({ StackName: 'built-dev' }))).TemplateBody;

  it('validate names the step expected to make a template that does not exist yet, and the file is valid', async () => {
    const repo = await buildRepo(BUILD);
    const validated = await cli(['validate'], { cwd: repo, home });
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    assert.match(
      validated.stdout,
      /deployguard\.yaml:\d+:\d+: note: template "build\/stack\.yaml" does not exist yet: step Build is expected to make it/,
    );
  });

  it('deploys from a fresh state the template the step built, and a rollback restores the built v1 once no tree has it', async () => {
    const repo = await buildRepo(BUILD);
    const first = await run(repo, 'deploy', 'dev', '--json');
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.equal(await deployedBody(), topicTemplate('v1'));

    await writeFile(join(repo, 'src', 'stack.yaml'), topicTemplate('v2'));
    const second = await run(repo, 'deploy', 'dev', '--json');
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.equal(await deployedBody(), topicTemplate('v2'));
    const [v1, v2] = await records(home);
    assert.equal(v1!.template.body, topicTemplate('v1'), 'the record keeps the body that went out');
    assert.equal(v2!.template.body, topicTemplate('v2'));

    // The build output is gone (a fresh clone): the rollback deploys the recorded body.
    await rm(join(repo, 'build'), { recursive: true });
    const back = await run(repo, 'rollback', 'dev', '--to', v1!.id, '--json');
    assert.equal(back.code, 0, back.stderr + back.stdout);
    assert.equal(await deployedBody(), topicTemplate('v1'));
  });

  it('a stale template left by an earlier build is not deployed: the one the step writes is', async () => {
    const repo = await buildRepo(BUILD);
    await mkdir(join(repo, 'build'));
    await writeFile(join(repo, 'build', 'stack.yaml'), topicTemplate('stale'));
    const deployed = await run(repo, 'deploy', 'dev', '--json');
    assert.equal(deployed.code, 0, deployed.stderr + deployed.stdout);
    assert.equal(await deployedBody(), topicTemplate('v1'));
    const [record] = await records(home);
    assert.equal(record!.template.body, topicTemplate('v1'));
  });

  it('a step that ran but did not make the template is named, and the stack is not touched', async () => {
    const repo = await buildRepo('mkdir -p build && echo built nothing');
    const deployed = await run(repo, 'deploy', 'dev', '--json');
    assert.equal(deployed.code, 1, deployed.stderr + deployed.stdout);
    const [record] = await records(home);
    assert.equal(record!.status, 'failed');
    assert.match(record!.reason ?? '', /^step Build ran but build\/stack\.yaml was not made/);
    assert.equal(existsSync(join(repo, 'build', 'stack.yaml')), false);
    await assert.rejects(deployedBody(), /does not exist/);
  });
});
