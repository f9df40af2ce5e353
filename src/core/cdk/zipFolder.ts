/**
 * A deterministic zip of a folder, as a Lambda code bundle: entries sorted by path, every date
 * the zip epoch (1980-01-01), modes normalised (0755 for executables, 0644 otherwise), deflated.
 * The same files always give the same bytes, whoever zips them and whenever.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

interface Entry {
  readonly name: string;
  readonly data: Buffer;
  readonly executable: boolean;
}

async function collect(root: string, dir: string, out: Entry[]): Promise<void> {
  for (const item of await readdir(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? posix.join(dir, item.name) : item.name;
    // A symlink is followed (its target's content is what the function needs), as the CDK does.
    const info = await stat(join(root, rel));
    if (info.isDirectory()) await collect(root, rel, out);
    else if (info.isFile()) out.push({ name: rel, data: await readFile(join(root, rel)), executable: (info.mode & 0o111) !== 0 });
  }
}

/** DOS date of 1980-01-01 00:00 (the earliest a zip can hold). */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

export async function zipFolder(folder: string): Promise<Buffer> {
  const entries: Entry[] = [];
  await collect(folder, '', entries);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const compressed = deflateRawSync(e.data, { level: 9 });
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is read
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100000 | (e.executable ? 0o755 : 0o644)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
