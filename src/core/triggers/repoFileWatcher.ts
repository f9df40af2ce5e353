import { watch, type Dirent, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Disposable } from '../disposable';
import { errorMessage } from '../errors';
import type { GitRepository } from '../git/gitRepository';
import { silentLogger, type Logger } from '../logger';

export interface RepoFileWatcherOptions {
  readonly repo: GitRepository;
  /** A file inside the repository was written, created, renamed or deleted. */
  readonly onChange: (path: string) => void;
  /** Stop adding folders past this many (inotify watches are a per-user budget). Default 20,000. */
  readonly maxFolders?: number;
  readonly logger?: Logger;
}

/**
 * "A save" for the CLI, which has no editor: a non-recursive fs.watch on every folder of the
 * repository that git does not ignore (node_modules, build output and `.git` are never watched,
 * so a big dependency tree costs nothing). Folders created later are picked up as they appear.
 */
export class RepoFileWatcher implements Disposable {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly logger: Logger;
  private readonly root: string;
  private disposed = false;
  private warnedFull = false;

  constructor(private readonly options: RepoFileWatcherOptions) {
    this.root = options.repo.root;
    this.logger = options.logger ?? silentLogger;
  }

  /** Walks the repository and starts watching; resolves with the number of folders watched. */
  async start(): Promise<number> {
    await this.addTree(this.root);
    return this.watchers.size;
  }

  get folderCount(): number {
    return this.watchers.size;
  }

  dispose(): void {
    this.disposed = true;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /**
   * Breadth-first, one `git check-ignore` per level for all of that level's sub-folders. With
   * `reportFiles` (a folder that appeared while watching) the files already in it count as
   * changes: they were written before its watch could be armed, and would otherwise be missed.
   */
  private async addTree(top: string, reportFiles = false): Promise<void> {
    let level = [top];
    while (level.length > 0 && !this.disposed) {
      for (const dir of level) this.watchFolder(dir);
      const children: string[] = [];
      for (const dir of level) {
        const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const entry of entries) {
          // Symlinked folders are not followed: they may lead outside the repository or loop.
          if (entry.isDirectory() && entry.name !== '.git') children.push(join(dir, entry.name));
          else if (reportFiles && !entry.isDirectory()) this.options.onChange(join(dir, entry.name));
        }
      }
      if (children.length === 0) break;
      const ignored = await this.options.repo.ignored(children);
      level = children.filter((c) => !ignored.has(c) && !this.watchers.has(c));
    }
  }

  private watchFolder(dir: string): void {
    if (this.watchers.has(dir) || this.disposed) return;
    if (this.watchers.size >= (this.options.maxFolders ?? 20_000)) {
      if (!this.warnedFull) {
        this.warnedFull = true;
        this.logger.warn(`Watching the first ${this.watchers.size} folders only; saves in the others are not seen.`);
      }
      return;
    }
    try {
      const watcher = watch(dir, (_event, name) => {
        if (name) void this.onEvent(join(dir, name.toString()));
      });
      watcher.on('error', () => this.unwatch(dir));
      this.watchers.set(dir, watcher);
    } catch (err) {
      this.logger.debug(`Cannot watch ${dir}: ${errorMessage(err)}`);
    }
  }

  private unwatch(dir: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }

  private async onEvent(path: string): Promise<void> {
    if (this.disposed) return;
    const rel = relative(this.root, path);
    if (rel === '.git' || rel.startsWith(`.git${sep}`)) return;
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      if (this.watchers.has(path)) return;
      try {
        if ((await this.options.repo.ignored([path])).has(path)) return;
        await this.addTree(path, true);
      } catch (err) {
        this.logger.warn(`Cannot watch the new folder ${path}: ${errorMessage(err)}`);
      }
      return;
    }
    if (!info && this.watchers.has(path)) {
      this.unwatch(path); // a watched folder was deleted or renamed away
    }
    // Written, created, renamed or deleted file: each is a change the next deploy should see.
    this.options.onChange(path);
  }
}
