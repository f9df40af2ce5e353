import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wireDelta, wireSnapshot } from '../../../src/extension/runPanel/wire';
import { RunModel } from '../../../src/extension/runPanel/runState';
import { packLog, unpackLog } from '../../../src/shared/logWire';
import type { LogChunk } from '../../../src/shared/protocol';

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

  it('snapshots and deltas carry the same lines as the model, packed', () => {
    const model = new RunModel({ deploymentId: 'd', live: true });
    const lines = Array.from({ length: 2500 }, (_, k) => (k % 10 === 0 ? `\x1b[32m✔\x1b[0m line ${k}` : `line ${k}`));
    model.apply({ type: 'log', deploymentId: 'd', at: new Date().toISOString(), stream: 'stdout', stepIndex: 0, lines: lines.slice(0, 1000) });
    const snap = model.snapshot();
    model.markSent();
    const wired = wireSnapshot(snap);
    assert.equal(wired.log.total, 1000);
    assert.deepEqual(unpackLog(wired.log.packed).lines, lines.slice(0, 1000));
    assert.deepEqual(wired.steps, snap.steps);
    model.apply({ type: 'log', deploymentId: 'd', at: new Date().toISOString(), stream: 'stderr', stepIndex: 0, lines: lines.slice(1000) });
    const delta = wireDelta(model.takeDelta()!);
    assert.equal(delta.logTotal, 2500);
    const out = unpackLog(delta.appendLog!);
    assert.equal(out.seq, 1000);
    assert.deepEqual(out.lines, lines.slice(1000));
    assert.ok(out.streams.every((s) => s === 'stderr'));
    assert.equal(wireDelta({ steps: [] }).appendLog, undefined);
  });
});
