import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { writeMetricRun, type MetricRun } from './support/metricRecord';
import { startWorkbench, waitFor, type Workbench } from './support/workbench';

// The Health tab's metric charts in a real VS Code (code-server + Chromium): a finished run's
// charts drawn from its record by uPlot under the panel's strict CSP, with the chart library's
// stylesheet linked from the bundle, the theme's colours, and the words a screen reader reads.
const WORKSPACE = 'test/fixtures/workspaces/basic';
const SHOW_RUN_KEY = 'ctrl+alt+shift+f8';
const START_TIMEOUT = 5 * 60_000;

interface ChartProbe {
  readonly figures: number;
  readonly canvases: number;
  readonly painted: number[];
  readonly summaries: string[];
  readonly describedBy: boolean;
  readonly plotsHidden: boolean;
  readonly overPosition: string;
  readonly verdicts: string[];
}

/** Run in the webview (a string: this file is type-checked without the DOM library). */
const PROBE = `(() => {
  const figures = [...document.querySelectorAll('figure.metric-chart')];
  // Opaque pixels on each canvas: a drawn chart has lines, windows and axes.
  const painted = figures.map((f) => {
    const c = f.querySelector('canvas');
    if (!c || c.width === 0) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  return {
    figures: figures.length,
    canvases: figures.filter((f) => f.querySelector('canvas')).length,
    painted,
    summaries: figures.map((f) => f.querySelector('.metric-chart-summary')?.textContent ?? ''),
    describedBy: figures.every((f) => document.getElementById(f.getAttribute('aria-describedby') ?? '')?.classList.contains('metric-chart-summary')),
    plotsHidden: figures.every((f) => f.querySelector('.metric-chart-plot')?.getAttribute('aria-hidden') === 'true'),
    overPosition: getComputedStyle(document.querySelector('.u-over') ?? document.body).position,
    verdicts: figures.map((f) => f.dataset.verdict ?? ''),
  };
})()`;

describe('the metric charts in a real VS Code', { timeout: START_TIMEOUT + 180_000 }, () => {
  let bench: Workbench | undefined;
  let home: string | undefined;
  let run: MetricRun | undefined;
  const wb = () => {
    assert.ok(bench, 'the workbench did not start');
    return bench;
  };

  before(
    async () => {
      home = mkdtempSync(join(tmpdir(), 'deployguard-charts-e2e-'));
      run = await writeMetricRun(home, { metrics: 3, points: 1440 });
      bench = await startWorkbench({
        workspace: WORKSPACE,
        trust: true,
        name: 'charts',
        env: { DEPLOYGUARD_HOME: home },
        settings: { 'deployGuard.openRunPanel': false },
        keybindings: [{ key: SHOW_RUN_KEY, command: 'deployGuard.showRun', args: run.id }],
      });
    },
    { timeout: START_TIMEOUT },
  );

  after(async () => {
    await bench?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const openPanel = async (timeoutMs = 30_000): Promise<Frame> =>
    wb().webviewFrame(async (frame) => (await frame.locator('.run-status[data-status]').count()) > 0, timeoutMs);

  it("draws a finished run's charts from its record: one per judged metric and one for the alarm's metric, with words for screen readers", async () => {
    const frame = await waitFor(
      'the run panel to open',
      async () => {
        await wb().page.keyboard.press('Control+Alt+Shift+F8');
        return openPanel(5_000).catch(() => undefined);
      },
      90_000,
      500,
    );
    await frame.locator('vscode-panel-tab#tab-health').click();
    const probe = await waitFor(
      'the charts to be drawn',
      async () => {
        const p = await frame.evaluate<ChartProbe>(PROBE);
        return p.figures === 4 && p.painted.every((n) => n > 0) ? p : undefined;
      },
      30_000,
    );
    assert.equal(probe.canvases, 4);
    // uPlot's own stylesheet came through the CSP from dist/webview/main.css.
    assert.equal(probe.overPosition, 'absolute');
    assert.ok(probe.describedBy, 'each figure is described by its summary');
    assert.ok(probe.plotsHidden, 'the canvas is hidden from screen readers (the summary says it in words)');
    assert.deepEqual(probe.verdicts, ['regressed', 'pass', 'pass', 'unjudged']);
    assert.equal(
      probe.summaries[0],
      'Latency Average: regressed. Latency Average rose 40 % (98 % CI +39 % … +41 %), allowed +10 %. ' +
        'Median 100 in the baseline (1440 points), 140 during the bake (1440 points).',
    );
    assert.match(
      probe.summaries[3] ?? '',
      /^charts-e2e-5xx \(Errors Sum\): drawn for alarm charts-e2e-5xx; the alarm alone decides\. Median [\d.]+ in the baseline \(1440 points\), [\d.]+ during the bake \(1440 points\)\. Alarm threshold 250\.$/,
    );
    await wb().screenshot('charts-from-record');
  });

  it("takes its colours from the theme, and draws again in the new theme's colours when it changes", async () => {
    // Pixels of the charts drawn in the editor's foreground colour (axis labels, window names).
    const inForeground = `(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--vscode-editor-foreground)';
      document.body.appendChild(probe);
      const [r, g, b] = getComputedStyle(probe).color.match(/\\d+/g).map(Number);
      probe.remove();
      let n = 0;
      for (const c of document.querySelectorAll('figure.metric-chart canvas')) {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4)
          if (d[i + 3] > 160 && Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 24) n++;
      }
      return n;
    })()`;
    let frame = await openPanel();
    assert.ok((await frame.evaluate<number>(inForeground)) > 50, 'the charts use the theme foreground');
    // Marks today's plots: a plot drawn again for the new theme is a new element.
    await frame.evaluate(`document.querySelectorAll('.uplot').forEach((e) => e.classList.add('e2e-before-theme'))`);
    await wb().runCommandAndPick('Preferences: Color Theme', 'Light Modern', /^\s*Light Modern\s*$/);
    frame = await openPanel();
    await waitFor('the light theme', async () => ((await frame.locator('body.vscode-light').count()) > 0 ? true : undefined), 30_000);
    await waitFor(
      'the charts to be drawn again in the light theme',
      async () =>
        (await frame.locator('.uplot').count()) === 4 && (await frame.locator('.uplot.e2e-before-theme').count()) === 0 ? true : undefined,
      15_000,
    );
    assert.ok((await frame.evaluate<number>(inForeground)) > 50, "the charts use the light theme's foreground");
    await wb().screenshot('charts-light-theme');
  });
});
