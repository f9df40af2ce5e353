import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wireDelta, wireLines, wireSnapshot } from '../../../src/extension/runPanel/wire';
import { RunModel } from '../../../src/extension/runPanel/runState';
import { packLog, unpackLog } from '../../../src/shared/logWire';
import { LOG_TAIL_LINES, LOG_WINDOW_LINES, type LogChunk } from '../../../src/shared/protocol';

const flat = (chunks: readonly LogChunk[]) => chunks.flatMap((c) => c.lines.map((text) => [text, c.stream] as const));
const roundTrip = (chunks: readonly LogChunk[]) => {
  const out = unpackLog(packLog(chunks));
  return out.lines.map((text, k) => [text, out.streams[k]] as const);
};

describe('log lines on the wire: one UTF-8 byte array per message', () => {
  it('gives back the same lines, streams and first position', () => {
    const chunks: LogChunk[] = [
      { seq: 40, stream: 'stdout', step: 0, lines: ['one', '\x1b[31mtwo\x1b[0m', ''] },
      { seq: 43, stream: 'stdout', step: 0, lines: ['ünïcödé ✔ 🚀', '<script>alert(1)</script>'] },
      { seq: 45, stream: 'stderr', step: 0, lines: ['err\r', '\u202eevil'] },
      { seq: 47, stream: 'system', lines: ['ℹ notice', ''] },
    ];
    const packed = packLog(chunks);
    assert.equal(packed.seq, 40);
    assert.deepEqual(packed.runs, [
      { stream: 'stdout', step: 0, count: 5 },
      { stream: 'stderr', step: 0, count: 2 },
      { stream: 'system', count: 2 },
    ]);
    assert.ok(packed.text instanceof Uint8Array);
    assert.equal(packed.text.byteLength, packed.text.buffer.byteLength, 'its own buffer: VS Code ships a view whole buffer');
    assert.equal(packed.lengths, undefined);
    assert.deepEqual(roundTrip(chunks), flat(chunks));
  });

  it('keeps a line that itself contains a newline whole (an engine notice can)', () => {
    const chunks: LogChunk[] = [
      { seq: 0, stream: 'stdout', lines: ['a', 'b'] },
      { seq: 2, stream: 'system', lines: ['⚠ first line\nsecond line', '\n', 'last'] },
    ];
    const packed = packLog(chunks);
    assert.ok(packed.lengths);
    assert.deepEqual(roundTrip(chunks), flat(chunks));
  });

  it('packs nothing as nothing, at the given position', () => {
    const packed = packLog([], 1234);
    assert.equal(packed.seq, 1234);
    assert.deepEqual(unpackLog(packed), { seq: 1234, lines: [], streams: [] });
    assert.deepEqual(unpackLog(packLog([{ seq: 5, stream: 'stdout', lines: [''] }])).lines, ['']);
  });

  it('does not trust counts that do not add up (a forged message)', () => {
    const packed = { seq: 0, runs: [{ stream: 'stdout' as const, count: 1e9 }], text: new TextEncoder().encode('x\ny') };
    const out = unpackLog(packed);
    assert.deepEqual(out.lines, ['x', 'y']);
    assert.deepEqual(out.streams, ['stdout', 'stdout']);
    const short = unpackLog({ seq: 0, runs: [{ stream: 'stderr' as const, count: 1 }], text: new TextEncoder().encode('x\ny') });
    assert.deepEqual(short, { seq: 0, lines: ['x'], streams: ['stderr'] });
  });

  it('snapshots and deltas carry the newest lines of the model, packed, and say where the window starts', () => {
    const model = new RunModel({ deploymentId: 'd', live: true });
    const lines = Array.from({ length: 6000 }, (_, k) => (k % 10 === 0 ? `\x1b[32m✔\x1b[0m line ${k}` : `line ${k}`));
    model.apply({
      type: 'log',
      deploymentId: 'd',
      at: new Date().toISOString(),
      stream: 'stdout',
      stepIndex: 0,
      lines: lines.slice(0, 1000),
    });
    const snap = model.snapshot();
    model.markSent();
    const wired = wireSnapshot(snap, model.logStart);
    assert.equal(wired.log.total, 1000);
    assert.equal(wired.log.start, 0);
    assert.deepEqual(unpackLog(wired.log.packed).lines, lines.slice(0, 1000));
    assert.deepEqual(wired.steps, snap.steps);
    model.apply({ type: 'log', deploymentId: 'd', at: new Date().toISOString(), stream: 'stderr', stepIndex: 0, lines: lines.slice(1000) });
    const delta = wireDelta(model.takeDelta()!, model.logStart);
    assert.equal(delta.logTotal, 6000);
    assert.equal(delta.logStart, 0);
    // Only the tail travels: what crosses the channel does not grow with the output.
    const out = unpackLog(delta.appendLog!);
    assert.equal(out.lines.length, LOG_TAIL_LINES);
    assert.equal(out.seq, 6000 - LOG_TAIL_LINES);
    assert.deepEqual(out.lines, lines.slice(6000 - LOG_TAIL_LINES));
    assert.ok(out.streams.every((s) => s === 'stderr'));
    // The rest is there when the webview fetches it.
    const gap = wireLines(model.logRange(1000, 6000 - LOG_TAIL_LINES), 1000, model.logStart);
    assert.deepEqual(unpackLog(gap.packed).lines, lines.slice(1000, 6000 - LOG_TAIL_LINES));
    assert.equal(unpackLog(gap.packed).seq, 1000);
    assert.equal(wireDelta({ steps: [] }, 0).appendLog, undefined);
  });

  it('answers a fetch with the part of the range still in the window, across chunk edges', () => {
    const model = new RunModel({ deploymentId: 'd', live: true });
    let n = 0;
    // Batches of 777 lines, as the engine batches them.
    while (n < LOG_WINDOW_LINES + 30_000) {
      const lines = Array.from({ length: 777 }, () => `line ${n++}`);
      model.apply({ type: 'log', deploymentId: 'd', at: new Date().toISOString(), stream: 'stdout', stepIndex: 0, lines });
    }
    const start = model.logStart;
    assert.equal(start, n - LOG_WINDOW_LINES);
    const texts = (from: number, to: number) => model.logRange(from, to).flatMap((c) => c.lines);
    assert.deepEqual(
      texts(start + 700, start + 1600),
      Array.from({ length: 900 }, (_, k) => `line ${start + 700 + k}`),
    );
    assert.deepEqual(texts(start - 50, start + 2), [`line ${start}`, `line ${start + 1}`], 'nothing before the window');
    assert.deepEqual(texts(n - 1, n + 100), [`line ${n - 1}`], 'nothing after the end');
    assert.deepEqual(texts(0, 10), []);
    assert.deepEqual(texts(n, n + 10), []);
    const chunks = model.logRange(start + 10, start + 5000);
    for (let k = 1; k < chunks.length; k++) assert.equal(chunks[k]!.seq, chunks[k - 1]!.seq + chunks[k - 1]!.lines.length, 'contiguous');
  });
});
