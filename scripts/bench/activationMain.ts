// Activation benchmark: see activation.mjs. Prints figures; never passes or fails on them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSampleRepo } from '../demo/sampleRepo';
import { measureActivation, STATUS_KEYBINDING, type ActivationFigures } from '../../test/e2e/activationProbe';
import { startWorkbench } from '../../test/e2e/support/workbench';
import { benchSettings } from './support/settings';

const settings = benchSettings({ trials: 'number' });
const TRIALS = settings.trials;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const kb = (path: string) => `${(statSync(path).size / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const build = spawnSync('npm', ['run', '--silent', 'package'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run package failed');
  // Sizes now: dist/ is shared, and a later rebuild (npm run build, a test run) would change them.
  const sizes = `dist/extension.js ${kb('dist/extension.js')}, dist/engine.js ${kb('dist/engine.js')}, dist-vsix/deploy-guard.vsix ${kb('dist-vsix/deploy-guard.vsix')}`;
  const root = mkdtempSync(join(tmpdir(), 'deployguard-bench-activation-'));
  const figures: ActivationFigures[] = [];
  try {
    const repo = createSampleRepo(root);
    for (let i = 0; i < TRIALS; i++) {
      // A fresh user-data folder each time (the harness does that): a cold activation every trial.
      const bench = await startWorkbench({ workspace: repo.dir, trust: true, name: 'bench-activation', keybindings: [STATUS_KEYBINDING] });
      const readyAt = Date.now();
      try {
        const f = await measureActivation(bench, readyAt);
        figures.push(f);
        console.log(
          `trial ${i + 1}: activate() ${f.activateMs.toFixed(1)} ms; activation event → active ${f.activationEventToActiveMs ?? '?'} ms; ` +
            `workbench ready → active ${f.workbenchReadyToActiveMs ?? '?'} ms; engine loaded: ${f.engineLoaded}; event ${f.activationEvent ?? '?'}`,
        );
      } finally {
        await bench.close();
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');
  const activate = figures.map((f) => f.activateMs);
  const toActive = figures.flatMap((f) => (f.activationEventToActiveMs !== undefined ? [f.activationEventToActiveMs] : []));
  console.log(`\nactivation over ${figures.length} cold starts (load average ${load}):`);
  console.log(
    `  activate():                 median ${median(activate).toFixed(1)} ms, min ${Math.min(...activate).toFixed(1)}, max ${Math.max(...activate).toFixed(1)} (target ≤ 50 ms)`,
  );
  if (toActive.length > 0)
    console.log(
      `  activation event → active:  median ${median(toActive)} ms, min ${Math.min(...toActive)}, max ${Math.max(...toActive)} (bundle load + activate())`,
    );
  console.log(`  engine loaded by activation: in ${figures.filter((f) => f.engineLoaded).length} of ${figures.length} starts`);
  const sdk = figures.filter((f) => f.awsSdkLoaded !== undefined);
  if (sdk.length > 0) console.log(`  AWS SDK loaded by activation: in ${sdk.filter((f) => f.awsSdkLoaded).length} of ${sdk.length} starts`);
  console.log(`  as packaged for this run: ${sizes}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
