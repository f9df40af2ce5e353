/**
 * A CDK folder asset as the zip its destination key names: every file under the folder, by its
 * path inside it, through the deterministic zip writer the packaging uses (the same files always
 * give the same bytes). Symlinks are followed: their targets' content is what the code needs.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { writeZip, type ZipInput } from '../packaging/zip';

async function collect(root: string, dir: string, out: ZipInput[]): Promise<void> {
  for (const item of await readdir(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? posix.join(dir, item.name) : item.name;
    const info = await stat(join(root, rel));
    if (info.isDirectory()) await collect(root, rel, out);
    else if (info.isFile()) out.push({ name: rel, data: await readFile(join(root, rel)), executable: (info.mode & 0o111) !== 0 });
  }
}

export async function zipFolder(folder: string): Promise<Buffer> {
  const inputs: ZipInput[] = [];
  await collect(folder, '', inputs);
  return writeZip(inputs);
}
