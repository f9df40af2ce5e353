import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepository } from '../../src/core/git';
import type { EnvironmentConfig } from '../../src/core/pipeline/types';
import { sleep } from '../../src/core/time';
import { PushTrigger, RepoFileWatcher, SaveTrigger } from '../../src/core/triggers';
import { createGitSandbox } from '../../test/support/gitRepos';
import { benchSettings } from './support/settings';

const settings = benchSettings({ pushes: 'number', saves: 'number', ignoredPackages: 'number', otherFolders: 'number' });
const pushes = settings.pushes;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function pushLatency(): Promise<void> {
  const box = createGitSandbox();
  try {
    const repo = new GitRepository({ root: box.work, isTrusted: () => true, env: box.env });
    const env: EnvironmentConfig = { name: 'staging', region: 'us-east-1', branch: 'main', deployOn: ['push'], confirm: false };
    let seen: ((sha: string) => void) | undefined;
    const trigger = new PushTrigger({
      repo,
      environment: env,
      isTrusted: () => true,
      // The fs.watch path only: a backstop poll this slow never wins the race.
      pollMs: 600_000,
      deploy: async (request) => seen?.(request.commit.sha),
    });
    await trigger.start();
    const afterExit: number[] = [];
    const pushDurations: number[] = [];
    for (let i = 0; i < pushes; i++) {
      const sha = box.commitFile(box.work, 'app.txt', `v${i}\n`);
      const detected = new Promise<number>((resolve) => (seen = (s) => s === sha && resolve(performance.now())));
      const start = performance.now();
      execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: box.work, env: box.env });
      const exited = performance.now();
      const at = await detected;
      await trigger.whenIdle();
      pushDurations.push(exited - start);
      afterExit.push(at - exited);
    }
    trigger.dispose();
    console.log(`push trigger, ${pushes} pushes to a bare remote (fs.watch on the ref folder and packed-refs):`);
    console.log(`  git push itself:               p50 ${ms(percentile(pushDurations, 50))}, p95 ${ms(percentile(pushDurations, 95))}`);
    console.log(
      `  push exit → deploy callback:   p50 ${ms(percentile(afterExit, 50))}, p95 ${ms(percentile(afterExit, 95))}, max ${ms(Math.max(...afterExit))}`,
    );
    console.log('  (negative: noticed before git exited — git writes the tracking ref before it finishes)');
  } finally {
    box.cleanup();
  }
}

async function saveBurst(): Promise<void> {
  const box = createGitSandbox();
  try {
    const repo = new GitRepository({ root: box.work, isTrusted: () => true, env: box.env });
    const env: EnvironmentConfig = { name: 'dev', region: 'us-east-1', deployOn: ['save'], confirm: false };
    const starts: number[] = [];
    const trigger = new SaveTrigger({
      repo,
      environment: env,
      isTrusted: () => true,
      deploy: async () => void starts.push(performance.now()),
    });
    let last = 0;
    for (let i = 0; i < settings.saves; i++) {
      box.write(box.work, 'app.txt', `save ${i}\n`);
      trigger.onSave(join(box.work, 'app.txt'));
      last = performance.now();
      await sleep(10);
    }
    await trigger.settled();
    trigger.dispose();
    console.log(`save trigger, ${settings.saves} saves 10 ms apart (debounce 1500 ms):`);
    console.log(
      `  deploys: ${starts.length}; last save → deploy start: ${ms(starts[0]! - last)} (debounce + one git check-ignore + git status)`,
    );
  } finally {
    box.cleanup();
  }
}

async function watcherCost(): Promise<void> {
  const box = createGitSandbox();
  try {
    writeFileSync(join(box.work, '.gitignore'), 'build/\n*.log\nnode_modules/\n');
    for (let i = 0; i < settings.ignoredPackages; i++) mkdirSync(join(box.work, 'node_modules', `pkg${i}`, 'lib'), { recursive: true });
    for (let i = 0; i < settings.otherFolders; i++) mkdirSync(join(box.work, 'src', `mod${i}`), { recursive: true });
    const repo = new GitRepository({ root: box.work, isTrusted: () => true, env: box.env });
    const watcher = new RepoFileWatcher({ repo, onChange: () => undefined });
    const start = performance.now();
    const folders = await watcher.start();
    const took = performance.now() - start;
    watcher.dispose();
    const ignored = (2 * settings.ignoredPackages + 1).toLocaleString('en-US');
    console.log(`CLI watcher on a repository with ${ignored} ignored folders (node_modules) and ${settings.otherFolders + 1} others:`);
    console.log(`  folders watched: ${folders}; start: ${ms(took)}`);
  } finally {
    box.cleanup();
  }
}

async function main(): Promise<void> {
  await pushLatency();
  await saveBurst();
  await watcherCost();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
