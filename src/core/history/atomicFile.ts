import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { storageFailure } from './storageError';

/**
 * Writes `data` to `path` so that a reader sees either the old file or the whole new one, never
 * a torn write: temp file in the same folder → fsync → rename → fsync the folder. A crash leaves
 * at worst a `*.tmp` file behind, which readers ignore.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    // A full disk leaves a partial temp file: never leave it to fill the folder further.
    await rm(temp, { force: true }).catch(() => undefined);
    throw storageFailure(err, dir, 'write the deployment history');
  }
  await syncDir(dir);
}

/** Appends one line and fsyncs it before returning (the journal must be on disk before the AWS call). */
export async function appendLineDurable(path: string, line: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a', 0o600);
    try {
      await handle.appendFile(`${line}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw storageFailure(err, dirname(path), 'write the deployment journal');
  }
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Not every platform lets you open a directory (Windows):
  // there the rename is as durable as the OS makes it, which is the best available.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* see above */
  }
}
