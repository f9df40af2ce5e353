// `npm run bench -- panel [host [runs]] [--quick]`: a step printing 100,000 lines (10 % coloured)
// through a real deploy into the run panel, in the real VS Code host (code-server + Chromium via
// Playwright/CDP): last line on screen, the webview's JS heap, and a command answering meanwhile.
// `panel host` measures the extension-host side alone, in plain node; `panel charts` the Health
// tab's metric charts alone (10 charts of 1,440 points a side, drawn from a record); --quick runs
// every part, briefly.
// The work is in panelMain.ts, run under tsx because it uses the e2e harness from its sources.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { mode: 'vscode', lines: 100_000, busySamples: 20, idleSamples: 5, hostRuns: 5, charts: 10, chartPoints: 1440, chartSamples: 10 },
  quick: { mode: 'all', lines: 10_000, busySamples: 3, idleSamples: 1, hostRuns: 1, charts: 2, chartPoints: 60, chartSamples: 1 },
  positional: ['mode', 'hostRuns'],
  main: 'panelMain.ts',
});
