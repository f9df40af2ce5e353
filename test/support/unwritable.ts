/**
 * Makes a file or folder refuse writes, as a full or read-only disk would, for storage-failure
 * tests. As a normal user a mode without write bits does it (EACCES); root ignores modes, so as
 * root the immutable attribute does it (`chattr +i`, EPERM). Each path is checked to really refuse
 * a write; where neither works (no chattr, a file system without the attribute) it returns
 * undefined and the test says it is skipped.
 */
import { execFile } from 'node:child_process';
import { appendFile, chmod, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

export interface Unwritable {
  /** The errno a write now gets: EACCES (mode) or EPERM (immutable). */
  readonly errno: 'EACCES' | 'EPERM';
  /** Makes every path writable again (idempotent). */
  restore(): Promise<void>;
}

/** Makes `paths` refuse writes (a folder: no new, renamed or removed entries; a file: no appends). */
export async function makeUnwritable(...paths: string[]): Promise<Unwritable | undefined> {
  const done: (() => Promise<void>)[] = [];
  const restore = async () => {
    for (const undo of done.splice(0).reverse()) await undo();
  };
  try {
    for (const path of paths) {
      if (asRoot) {
        await run('chattr', ['+i', path]);
        done.push(() => run('chattr', ['-i', path]).then(() => undefined));
      } else {
        const mode = (await stat(path)).mode & 0o777;
        await chmod(path, mode & ~0o222);
        done.push(() => chmod(path, mode));
      }
      if (!(await refusesWrites(path))) throw new Error(`${path} still takes writes`);
    }
  } catch {
    await restore().catch(() => undefined);
    return undefined;
  }
  return { errno: asRoot ? 'EPERM' : 'EACCES', restore };
}

async function refusesWrites(path: string): Promise<boolean> {
  const folder = (await stat(path)).isDirectory();
  const probe = folder ? join(path, `.probe-${process.pid}`) : path;
  try {
    if (folder) await writeFile(probe, '');
    else await appendFile(probe, '');
  } catch {
    return true;
  }
  if (folder) await rm(probe, { force: true });
  return false;
}
