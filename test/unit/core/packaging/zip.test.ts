import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crc32, writeZip, type ZipInput } from '../../../../src/core/packaging/zip';
import { readZip } from '../../../support/zip';

const files: ZipInput[] = [
  { name: 'src/app.py', data: Buffer.from('def handler(e, c):\n    return 1\n'.repeat(20)), executable: false },
  { name: 'bootstrap', data: Buffer.from('#!/bin/sh\nexec ./app\n'), executable: true },
  { name: 'data/random.bin', data: Buffer.from([0, 255, 3, 7, 9, 200, 1]), executable: false },
];

function unpack(zip: Buffer) {
  const path = join(mkdtempSync(join(tmpdir(), 'dg-zip-')), 'a.zip');
  writeFileSync(path, zip);
  return readZip(path).map((e) => [e.name, e.read().toString('base64')]);
}

describe('writeZip', () => {
  it('gives the same bytes for the same files in any order', () => {
    const a = writeZip(files);
    const b = writeZip([...files].reverse());
    assert.ok(a.equals(b));
    assert.ok(!a.equals(writeZip([...files, { name: 'x', data: Buffer.from('1'), executable: false }])), 'other content, other bytes');
  });

  it('holds every file, sorted by name, with its content', () => {
    assert.deepEqual(
      unpack(writeZip(files)),
      [...files].sort((x, y) => (x.name < y.name ? -1 : 1)).map((f) => [f.name, f.data.toString('base64')]),
    );
  });

  it('writes the zip epoch as every timestamp and 0644/0755 as modes', () => {
    const zip = writeZip(files);
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const modes: number[] = [];
    for (let at = central; at >= 0 && at < zip.length;) {
      if (zip.readUInt32LE(at) !== 0x02014b50) break;
      assert.equal(zip.readUInt16LE(at + 12), 0, 'time 00:00');
      assert.equal(zip.readUInt16LE(at + 14), 33, 'date 1980-01-01');
      modes.push((zip.readUInt32LE(at + 38) >>> 16) & 0o777);
      at += 46 + zip.readUInt16LE(at + 28);
    }
    assert.deepEqual(modes, [0o755, 0o644, 0o644]);
  });

  it('computes the standard CRC-32', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });
});
