// `npm run bench -- panel host`: the extension-host side of the panel benchmark, in plain node
// (no VS Code): the same 100,000-line step through the engine's step runner, batched like the
// engine batches log events, with and without the panel's model and message serialisation.
// It tells how much of the real-host figure is the runner, how much the panel's own host work,
// and so how much is left for VS Code's message path to the webview. Prints figures only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSteps } from '../../src/core/pipeline';
import { FlushScheduler } from '../../src/extension/runPanel/flushScheduler';
import { RunModel } from '../../src/extension/runPanel/runState';
import { wireDelta } from '../../src/extension/runPanel/wire';

/** What VS Code's extension host does to a webview message: buffers pulled out, the rest JSON. */
function serialiseLikeVsCode(message: unknown): number {
  let buffers = 0;
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value)) {
      buffers += value.byteLength;
      return { $$vscode_array_buffer_reference$$: true, index: 0 };
    }
    return value;
  });
  return json.length + buffers;
}

const print = (lines: number) => `const out = [];
for (let i = 1; i < ${lines}; i++) {
  out.push(i % 10 === 0 ? '\\x1b[32m✔\\x1b[0m line ' + i + ' \\x1b[1;34mcompiled\\x1b[0m src/module_' + i + '.ts' : 'line ' + i + ': build output for src/module_' + i + '.ts');
  if (out.length === 1000) { process.stdout.write(out.join('\\n') + '\\n'); out.length = 0; }
}
process.stdout.write(out.join('\\n') + (out.length ? '\\n' : ''));
process.stdout.write('LAST-LINE ' + Date.now() + '\\n');
`;

interface Sample {
  readonly lastLineMs: number;
  readonly maxLagMs: number;
  readonly serialiseMs: number;
  readonly messages: number;
  readonly bytes: number;
}

async function once(dir: string, withPanel: boolean): Promise<Sample> {
  let maxLag = 0;
  let last = performance.now();
  const monitor = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 10);
    last = now;
  }, 10);
  const model = new RunModel({ deploymentId: 'bench', live: true });
  let serialiseMs = 0;
  let messages = 0;
  let bytes = 0;
  let lastLineMs = NaN;
  const scheduler = new FlushScheduler(() => {
    const delta = model.takeDelta();
    if (!delta) return;
    const started = performance.now();
    bytes += serialiseLikeVsCode({ type: 'delta', delta: wireDelta(delta, model.logStart) }); // what postMessage serialises
    serialiseMs += performance.now() - started;
    messages++;
    if (delta.appendLog?.some((c) => c.lines.some((l) => l.startsWith('LAST-LINE ')))) {
      const line = delta.appendLog.flatMap((c) => c.lines).find((l) => l.startsWith('LAST-LINE '))!;
      lastLineMs = Date.now() - Number(line.slice(10));
    }
  });
  // Batched like src/core/deployment.ts: per 500 lines or 50 ms.
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0) {
      if (withPanel) {
        model.apply({ type: 'log', deploymentId: 'bench', at: new Date().toISOString(), stream: 'stdout', stepIndex: 0, lines: pending });
        scheduler.request();
      } else if (pending.some((l) => l.startsWith('LAST-LINE '))) {
        lastLineMs = Date.now() - Number(pending.find((l) => l.startsWith('LAST-LINE '))!.slice(10));
      }
    }
    pending = [];
  };
  await runSteps({
    steps: [{ name: 'print', run: 'node print.js', env: {} }],
    repoRoot: dir,
    logFile: join(dir, 'run.log'),
    onLine: (line) => {
      pending.push(line.text);
      if (pending.length >= 500) flush();
      else timer ??= setTimeout(flush, 50);
    },
  });
  flush();
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(monitor);
  scheduler.dispose();
  return { lastLineMs, maxLagMs: maxLag, serialiseMs, messages, bytes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function hostBreakdown(runs: number, lines: number): Promise<void> {
  console.log(
    `panel host breakdown (plain node), ${lines.toLocaleString('en-US')} lines: ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'deployguard-panel-host-'));
  writeFileSync(join(dir, 'print.js'), print(lines));
  try {
    const bare: Sample[] = [];
    const panel: Sample[] = [];
    for (let k = 0; k < runs; k++) {
      bare.push(await once(dir, false));
      panel.push(await once(dir, true));
    }
    const m = (xs: Sample[], f: (s: Sample) => number) => median(xs.map(f)).toFixed(0);
    console.log(
      `step runner only:           last line handed on after ${m(bare, (s) => s.lastLineMs)} ms (median of ${runs}); max event-loop lag ${m(bare, (s) => s.maxLagMs)} ms`,
    );
    console.log(
      `runner + panel model + wire: last line serialised after ${m(panel, (s) => s.lastLineMs)} ms; max event-loop lag ${m(panel, (s) => s.maxLagMs)} ms; ` +
        `${m(panel, (s) => s.messages)} messages, ${(median(panel.map((s) => s.bytes)) / 1e6).toFixed(1)} MB, ${m(panel, (s) => s.serialiseMs)} ms serialising`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
