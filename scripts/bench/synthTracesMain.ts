/**
 * The synth-traces benchmark: per round, the sample CDK app synthesised three ways — default
 * (aws-cdk-lib keeps a creation trace per resource), traces off (context
 * aws:cdk:disable-creation-stack-traces), CDK_DEBUG=true — each as the CDK CLI runs an app
 * (`node app.mjs` with CDK_OUTDIR and CDK_CONTEXT_JSON), so the CLI's own start, the same for
 * all three, is left out. Reported: the app's CPU time (user + system, from /proc/self/stat's
 * children's times: steadier than wall time on a shared machine) and wall time, medians. Each run
 * is checked: traces where they should be, none where they were turned off.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cdkNodeModules, CDK_VERSIONS } from '../../test/support/cdkToolchain';
import { benchSettings } from './support/settings';
import { median } from './support/stats';

const settings = benchSettings({ rounds: 'number' });
const FIXTURE = join('test', 'fixtures', 'cdk-app');
/** Linux's clock ticks per second for /proc times (USER_HZ, 100 on every Linux the tests run on). */
const TICKS_PER_SECOND = 100;

const MODES = {
  default: { context: {}, env: {} },
  'traces off': { context: { 'aws:cdk:disable-creation-stack-traces': true }, env: {} },
  'CDK_DEBUG=true': { context: {}, env: { CDK_DEBUG: 'true' } },
} as const;
type Mode = keyof typeof MODES;

/** CPU seconds of this process's reaped children so far (Linux), or undefined elsewhere. */
function childrenCpu(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const modules = await cdkNodeModules();
  const app = mkdtempSync(join(tmpdir(), 'dg-bench-synth-traces-'));
  try {
    cpSync(FIXTURE, app, { recursive: true });
    symlinkSync(modules, join(app, 'node_modules'));
    const cpu: Record<Mode, number[]> = { default: [], 'traces off': [], 'CDK_DEBUG=true': [] };
    const wall: Record<Mode, number[]> = { default: [], 'traces off': [], 'CDK_DEBUG=true': [] };
    for (let round = 0; round < settings.rounds; round++) {
      for (const mode of Object.keys(MODES) as Mode[]) {
        const out = join(app, 'out');
        rmSync(out, { recursive: true, force: true });
        const before = childrenCpu();
        const started = process.hrtime.bigint();
        const ran = spawnSync(process.execPath, ['app.mjs'], {
          cwd: app,
          env: { ...process.env, ...MODES[mode].env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify(MODES[mode].context) },
          encoding: 'utf8',
          timeout: 300_000,
        });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const after = childrenCpu();
        if (ran.status !== 0) throw new Error(`the app (${mode}) exited ${ran.status ?? ran.signal}:\n${ran.stderr}`);
        const traces = readFileSync(join(out, 'OrdersStack.metadata.json'), 'utf8').split('aws:cdk:creationStack').length - 1;
        if ((mode === 'traces off') !== (traces === 0)) throw new Error(`${mode}: ${traces} creation traces in the assembly`);
        wall[mode].push(ms);
        if (before !== undefined && after !== undefined) cpu[mode].push(after - before);
      }
    }
    console.log(`synth traces: the sample CDK app (aws-cdk-lib ${CDK_VERSIONS.lib}), ${settings.rounds} round(s), medians`);
    console.log('| mode | app CPU | wall |');
    console.log('| --- | --- | --- |');
    for (const mode of Object.keys(MODES) as Mode[]) {
      const c = cpu[mode].length > 0 ? `${median(cpu[mode]).toFixed(2)} s` : 'n/a';
      console.log(`| ${mode} | ${c} | ${(median(wall[mode]) / 1000).toFixed(2)} s |`);
    }
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
