// The step-runner benchmark: wall time of a step printing 100,000 lines through runSteps vs the
// same bash command with its output drained and discarded. Prints figures only.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bashArgs, runSteps } from '../../src/core/pipeline';
import { benchSettings } from './support/settings';

const settings = benchSettings({ lines: 'number', runs: 'number' });
const LINES = settings.lines;
const runs = settings.runs;
// bash's builtin echo: one write per line, the worst case for a reader (many small chunks).
const COMMAND = `for ((i=1; i<=${LINES}; i++)); do echo "line $i: build output with a path /src/app/module_$i.ts and AKIA-free text"; done`;

interface Sample {
  readonly wallMs: number;
  /** CPU time of this node process (reading, splitting, masking, logging): the runner's own cost. */
  readonly cpuMs: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function plainBash(): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    // detached like the runner's steps: a new session, so both sides get the same CPU share
    // from the scheduler (autogroups) on a busy machine.
    const child = spawn('bash', bashArgs(COMMAND), {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
      env: { PATH: process.env.PATH },
    });
    child.stdout.on('data', () => undefined);
    child.on('error', reject);
    child.on('close', () => resolve({ wallMs: performance.now() - started, cpuMs: cpuSince(cpu) }));
  });
}

async function throughRunner(logFile: string): Promise<Sample> {
  let lines = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await runSteps({
    steps: [{ name: 'print', run: COMMAND, env: {} }],
    repoRoot: tmpdir(),
    env: { PATH: process.env.PATH },
    logFile,
    secrets: ['a-secret-value-to-mask'],
    onLine: () => {
      lines++;
    },
  });
  const sample = { wallMs: performance.now() - started, cpuMs: cpuSince(cpu) };
  if (result.status !== 'succeeded' || lines !== LINES) throw new Error(`runner: ${result.status}, ${lines} lines`);
  return sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dg-bench-steps-'));
  const logFile = join(dir, 'run.log');
  try {
    await plainBash(); // warm up the page cache and bash
    await throughRunner(logFile);
    const bash: Sample[] = [];
    const runner: Sample[] = [];
    // Interleaved, so a burst of load elsewhere on the machine hits both sides alike.
    for (let i = 0; i < runs; i++) {
      bash.push(await plainBash());
      runner.push(await throughRunner(logFile));
    }
    const wall = (xs: Sample[]) => median(xs.map((x) => x.wallMs));
    const cpu = (xs: Sample[]) => median(xs.map((x) => x.cpuMs));
    const [load1] = loadavg();
    console.log(
      `step printing ${LINES.toLocaleString('en-US')} lines, ${runs} runs each (median), ${cpus().length} CPUs, load ${load1!.toFixed(1)}:`,
    );
    console.log(`  plain bash (output drained)        ${wall(bash).toFixed(0)} ms wall   ${cpu(bash).toFixed(0)} ms node CPU`);
    console.log(
      `  through runSteps (mask, log, cb)   ${wall(runner).toFixed(0)} ms wall   ${cpu(runner).toFixed(0)} ms node CPU   log ${(statSync(logFile).size / 1e6).toFixed(1)} MB`,
    );
    const best = (xs: Sample[]) => Math.min(...xs.map((x) => x.wallMs));
    console.log(`  wall-time ratio, medians           ${(wall(runner) / wall(bash)).toFixed(3)}   (target ≤ 1.10)`);
    // On a shared machine the fastest run is the one least disturbed by other work.
    console.log(
      `  wall-time ratio, best runs         ${(best(runner) / best(bash)).toFixed(3)}   (${best(bash).toFixed(0)} vs ${best(runner).toFixed(0)} ms)`,
    );
    console.log(`  runner CPU per line                ${((cpu(runner) * 1000) / LINES).toFixed(2)} µs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
