// The run panel's metric charts in the real VS Code host (code-server + Chromium through
// Playwright/CDP): a finished run whose record holds `charts` charts of `chartPoints` minute points
// on each side (a baseline and a bake), opened from history on the Health tab. Each sample reloads
// the webview (Developer: Reload Webviews; the panel comes back on the Health tab) and reads the
// webview's own performance timeline: from the snapshot reaching the charts to uPlot's draw calls
// done (`deployguard-charts-drawn`), and to the next animation frame, which shows them
// (`deployguard-charts-frame`). Target: 10 charts of 1,440 points drawn in ≤ 100 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { writeMetricRun } from '../../test/e2e/support/metricRecord';
import { startWorkbench, waitFor, type Workbench } from '../../test/e2e/support/workbench';

const SHOW_RUN_KEY = 'ctrl+alt+shift+f7';

interface Measures {
  readonly drawn: number;
  readonly frame: number;
  readonly charts: number;
  readonly points: number;
}

/** The charts' measures in the webview, once both are there (a string: no DOM library here). */
const READ_MEASURES = `(() => {
  const last = (name) => performance.getEntriesByName(name, 'measure').at(-1);
  const drawn = last('deployguard-charts-drawn');
  const frame = last('deployguard-charts-frame');
  if (!drawn || !frame) return undefined;
  return { drawn: drawn.duration, frame: frame.duration, charts: drawn.detail.charts, points: drawn.detail.points };
})()`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function chartsFrame(bench: Workbench, charts: number): Promise<Frame> {
  return bench.webviewFrame(async (f) => (await f.locator('figure.metric-chart').count()) === charts, 60_000);
}

async function measures(frame: Frame): Promise<Measures> {
  return waitFor(
    'the charts to be drawn',
    async () => (await frame.evaluate<Measures | undefined>(READ_MEASURES)) ?? undefined,
    60_000,
    50,
  );
}

/** Prints the charts' draw times; the package (npm run package) must be built already. */
export async function chartsBreakdown(settings: {
  readonly charts: number;
  readonly chartPoints: number;
  readonly chartSamples: number;
}): Promise<void> {
  const { charts, chartPoints, chartSamples } = settings;
  console.log('');
  console.log(`panel charts: ${charts} charts of ${chartPoints.toLocaleString('en-US')} points a side, from a record, on the Health tab`);
  const home = mkdtempSync(join(tmpdir(), 'deployguard-charts-bench-'));
  // One alarm's metric is drawn besides the judged ones: `charts - 1` judged metrics.
  const run = await writeMetricRun(home, { metrics: Math.max(0, charts - 1), points: chartPoints });
  let bench: Workbench | undefined;
  try {
    bench = await startWorkbench({
      workspace: 'test/fixtures/workspaces/basic',
      trust: true,
      name: 'panel-charts-bench',
      env: { DEPLOYGUARD_HOME: home },
      settings: { 'deployGuard.openRunPanel': false },
      keybindings: [{ key: SHOW_RUN_KEY, command: 'deployGuard.showRun', args: run.id }],
    });
    const page = bench.page;
    let frame = await waitFor(
      'the run panel to open',
      async () => {
        await page.keyboard.press('Control+Alt+Shift+F7');
        return bench!.webviewFrame(async (f) => (await f.locator('.run-status[data-status]').count()) > 0, 5_000).catch(() => undefined);
      },
      90_000,
      500,
    );
    await frame.locator('vscode-panel-tab#tab-health').click();
    frame = await chartsFrame(bench, charts);
    const first = await measures(frame);
    const drawn: number[] = [];
    const shown: number[] = [];
    for (let k = 0; k < chartSamples; k++) {
      await bench.runCommand('Developer: Reload Webviews');
      // The reloaded webview is a new document: wait for its charts, then for its own measures.
      frame = await waitFor(
        'the reloaded panel',
        async () => {
          const f = await chartsFrame(bench!, charts).catch(() => undefined);
          return f && (await f.evaluate<boolean>(`performance.getEntriesByName('deployguard-charts-frame').length > 0`)) ? f : undefined;
        },
        60_000,
        100,
      );
      const m = await measures(frame);
      drawn.push(m.drawn);
      shown.push(m.frame);
    }
    await bench.screenshot('panel-charts-bench');
    console.log(
      `first draw, on opening the Health tab:     ${first.drawn.toFixed(1)} ms drawn, ${first.frame.toFixed(1)} ms to the frame that shows them`,
    );
    console.log(
      `after a webview reload (${drawn.length} samples):     median ${median(drawn).toFixed(1)} ms, max ${Math.max(...drawn).toFixed(1)} ms drawn   (target ≤ 100 ms)`,
    );
    console.log(
      `  to the frame that shows them:         median ${median(shown).toFixed(1)} ms, max ${Math.max(...shown).toFixed(1)} ms (${shown.map((ms) => ms.toFixed(0)).join(', ')} ms, in order)`,
    );
    console.log(`  ${first.charts} charts, ${first.points.toLocaleString('en-US')} points in all`);
  } finally {
    await bench?.close();
    rmSync(home, { recursive: true, force: true });
  }
}
