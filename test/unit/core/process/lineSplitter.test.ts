import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter, cutMarker } from '../../../../src/core/process';

function split(chunks: (string | Uint8Array)[], max?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l), max);
  for (const c of chunks) splitter.push(typeof c === 'string' ? Buffer.from(c) : c);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n across chunk boundaries and flushes the last line', () => {
    assert.deepEqual(split(['a\r', '\nb', 'c\n', '\nlast']), ['a', 'bc', '', 'last']);
  });

  it('keeps a multi-byte character split between chunks intact', () => {
    const bytes = Buffer.from('héllo €\n');
    assert.deepEqual(split([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]), ['héllo €']);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of failing', () => {
    assert.deepEqual(split([new Uint8Array([0x61, 0xff, 0xfe, 0x62, 0x0a, 0xc3])]), ['a\uFFFD\uFFFDb', '\uFFFD']);
  });

  it('cuts an over-long line with a marker and resumes at the next line', () => {
    const lines = split(['x'.repeat(30), 'y'.repeat(30), '\nnext\n'], 40);
    assert.deepEqual(lines, [`${'x'.repeat(30)}${'y'.repeat(10)}${cutMarker(20)}`, 'next']);
  });

  it("hands on a chunk's lines together, exactly as it would one by one, however the bytes are cut", () => {
    const text = 'héllo €\r\n\nplain\r\r\n' + 'x'.repeat(50) + '\nshort\n\x1b[31mred\x1b[0m\nlast\r';
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 7, 16, 64, bytes.length]) {
      const single: string[] = [];
      const batches: string[][] = [];
      const a = new LineSplitter((l) => single.push(l), 40);
      const b = new LineSplitter(
        () => assert.fail('per-line callback used'),
        40,
        (lines) => batches.push(lines),
      );
      for (let at = 0; at < bytes.length; at += size) {
        a.push(bytes.subarray(at, at + size));
        b.push(bytes.subarray(at, at + size));
      }
      a.end();
      b.end();
      assert.deepEqual(batches.flat(), single, `chunks of ${size}`);
      assert.ok(batches.every((batch) => batch.length > 0));
    }
    const one: string[][] = [];
    const whole = new LineSplitter(
      () => undefined,
      40,
      (lines) => one.push(lines),
    );
    whole.push(bytes);
    whole.end();
    assert.equal(one.length, 2, 'one batch for the chunk, one for the unterminated last line');
  });
});
