import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Disposable } from '../disposable';
import { errorMessage, isCancellation } from '../errors';
import { readRef } from '../git/refs';
import { silentLogger, type Logger } from '../logger';
import { sleep } from '../time';

export interface RefWatcherOptions {
  /** The git folder holding refs/ and packed-refs (see resolveCommonDir). */
  readonly commonDir: string;
  /** Full ref name, e.g. `refs/remotes/origin/main`. */
  readonly ref: string;
  /** Called with the ref's new value each time it changes (undefined: the ref was deleted). */
  readonly onChange: (sha: string | undefined) => void;
  /**
   * Backstop re-check interval. fs.watch can miss events (network file systems, a folder
   * created after the watch began), so the ref files' stat signature is compared this often.
   */
  readonly pollMs?: number;
  readonly logger?: Logger;
}

/**
 * Follows one ref in the git folder with fs.watch on its folder and on the git folder (for
 * packed-refs), re-reading the value on every event. Git replaces ref files by rename, so the
 * folder watch sees every update; the value comparison makes repeated events harmless.
 */
export class RefWatcher implements Disposable {
  private readonly controller = new AbortController();
  private readonly watchers = new Map<string, FSWatcher>();
  private current: string | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private signature = '';
  private readonly logger: Logger;

  constructor(private readonly options: RefWatcherOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Reads the current value (which is not a change) and starts watching. */
  async start(): Promise<string | undefined> {
    this.current = await readRef(this.options.commonDir, this.options.ref);
    this.signature = await this.statSignature();
    await this.arm();
    void this.backstop();
    return this.current;
  }

  get value(): string | undefined {
    return this.current;
  }

  /** Re-reads the ref now (e.g. VS Code's git extension said the repository changed). */
  check(): Promise<void> {
    if (this.controller.signal.aborted) return Promise.resolve();
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        await this.reread();
      } while (this.readAgain && !this.controller.signal.aborted);
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  dispose(): void {
    this.controller.abort();
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private async reread(): Promise<void> {
    const value = await readRef(this.options.commonDir, this.options.ref);
    this.signature = await this.statSignature();
    // The ref's folder may have been created (first fetch of a new branch): watch it now.
    await this.arm();
    if (this.controller.signal.aborted || value === this.current) return;
    this.current = value;
    this.options.onChange(value);
  }

  /** Watches the git folder and the deepest existing folder on the way to the ref's file. */
  private async arm(): Promise<void> {
    const wanted = new Set([this.options.commonDir, await this.deepestExistingFolder()]);
    for (const [dir, watcher] of this.watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir) || this.controller.signal.aborted) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => void this.check());
        watcher.on('error', (err) => {
          // The folder went away (e.g. the branch was deleted): forget it and let the next check re-arm.
          this.logger.debug(`Watching ${dir} stopped: ${errorMessage(err)}`);
          watcher.close();
          this.watchers.delete(dir);
          void this.check();
        });
        this.watchers.set(dir, watcher);
      } catch (err) {
        this.logger.debug(`Cannot watch ${dir} yet: ${errorMessage(err)}`);
      }
    }
  }

  private async deepestExistingFolder(): Promise<string> {
    let dir = dirname(join(this.options.commonDir, this.options.ref));
    while (dir.length > this.options.commonDir.length) {
      if (await isDirectory(dir)) return dir;
      dir = dirname(dir);
    }
    return this.options.commonDir;
  }

  /** Inode, size and mtime of the loose ref and packed-refs: a change means "re-read". */
  private async statSignature(): Promise<string> {
    const parts = await Promise.all(
      [join(this.options.commonDir, this.options.ref), join(this.options.commonDir, 'packed-refs')].map((path) =>
        stat(path).then(
          (s) => `${s.ino}:${s.size}:${s.mtimeMs}`,
          () => '-',
        ),
      ),
    );
    return parts.join('|');
  }

  private async backstop(): Promise<void> {
    const pollMs = this.options.pollMs ?? 2000;
    try {
      for (;;) {
        await sleep(pollMs, this.controller.signal);
        if ((await this.statSignature()) !== this.signature) await this.check();
      }
    } catch (err) {
      if (!isCancellation(err)) this.logger.warn(`Ref backstop check stopped: ${errorMessage(err)}`);
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
