/**
 * The rollback rehearsal's cost. Each round deploys a new version twice over (once rehearsed, once
 * not, alternating who goes first) and counts the CloudFormation calls each deploy made through the
 * fault proxy, and its wall time. In (b) the stack is changed outside Deploy Guard before every
 * deploy, so the rehearsal must plan live → target beside the deploy's own change set.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { runDeployment } from '../../src/core/deployment';
import type { PipelineConfig } from '../../src/core/pipeline/types';
import { startFaultProxy } from '../../test/support/faultProxy';
import { engineContext, REGION, useMotoCredentials } from '../../test/support/healthFixtures';
import { startMoto } from '../../test/support/moto';
import { benchSettings } from './support/settings';
import { median } from './support/stats';

const settings = benchSettings({ deploys: 'number' });

const template = (version: string, orders: string) => `Resources:
  Marker:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/bench/\${AWS::StackName}/version'
      Type: String
      Value: ${version}
  Orders:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/bench/\${AWS::StackName}/orders'
      Type: String
      Value: ${orders}
`;

async function main(): Promise<void> {
  useMotoCredentials();
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const cfn = new CloudFormationClient({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const repo = await mkdtemp(join(tmpdir(), 'dg-bench-rehearsal-'));
  let n = 0;
  try {
    for (const drifted of [false, true]) {
      const stackName = `bench-rehearsal-${drifted ? 'drifted' : 'same'}`;
      const home = await mkdtemp(join(tmpdir(), 'dg-bench-rehearsal-home-'));
      const ctx = engineContext(home, () => undefined);
      let exists = false;
      const deploy = async (rehearse: boolean) => {
        n += 1;
        const file = `template-${n}.yaml`;
        await writeFile(join(repo, file), template(`v${n}`, 'a'));
        if (drifted && exists) {
          await cfn.send(new UpdateStackCommand({ StackName: stackName, TemplateBody: template(`v${n - 1}-drift`, `drift-${n}`) }));
        }
        const pipeline: PipelineConfig = {
          version: 1,
          name: 'bench',
          steps: [],
          stack: { name: stackName, template: file, parameters: {}, capabilities: [], tags: {} },
          environments: { prod: { name: 'prod', region: REGION, endpoint: proxy.endpoint, deployOn: [], confirm: true } },
        };
        const from = proxy.requests.length;
        const started = process.hrtime.bigint();
        const outcome = await runDeployment(ctx, {
          pipeline,
          environment: 'prod',
          repoRoot: repo,
          skipSteps: true,
          yes: true,
          rehearseRollback: rehearse,
        });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (outcome.record.status !== 'stable') throw new Error(`deploy ${n} ended ${outcome.record.status}: ${outcome.record.reason}`);
        exists = true;
        if (rehearse && !outcome.record.rollbackRehearsal) throw new Error(`deploy ${n} was not rehearsed`);
        const calls = proxy.requests.slice(from).filter((r) => r.action !== 'GetCallerIdentity');
        return { ms, calls: calls.length, changeSets: calls.filter((r) => r.action === 'CreateChangeSet').length };
      };
      // The stack's first version: nothing to roll back to yet.
      await deploy(false);
      const on: { ms: number; calls: number; changeSets: number }[] = [];
      const off: { ms: number; calls: number; changeSets: number }[] = [];
      for (let i = 0; i < settings.deploys; i++) {
        if (i % 2 === 0) {
          on.push(await deploy(true));
          off.push(await deploy(false));
        } else {
          off.push(await deploy(false));
          on.push(await deploy(true));
        }
      }
      const label = drifted ? '(b) the stack drifted from the restored version' : '(a) the stack runs the restored version';
      console.log(`${label}, ${settings.deploys} deploys each way`);
      const row = (name: string, runs: typeof on) =>
        console.log(
          `  ${name}  median ${median(runs.map((r) => r.ms)).toFixed(0)} ms, ${median(runs.map((r) => r.calls))} CloudFormation calls, ${median(runs.map((r) => r.changeSets))} change set(s)   runs ${runs.map((r) => r.ms.toFixed(0)).join(' ')}`,
        );
      row('rehearsed    ', on);
      row('not rehearsed', off);
      console.log(
        `  extra per deploy: ${median(on.map((r) => r.calls)) - median(off.map((r) => r.calls))} calls, ${(median(on.map((r) => r.ms)) - median(off.map((r) => r.ms))).toFixed(0)} ms`,
      );
    }
  } finally {
    cfn.destroy();
    await proxy.close();
    await moto.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
