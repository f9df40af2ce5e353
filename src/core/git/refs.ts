import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Reading refs straight from the git folder, without a git process. The push trigger re-reads a
 * ref on every file-system event, and git writes refs by lock-file + rename, so a read always
 * sees a whole value. This is git's documented on-disk format (gitrepository-layout(5)).
 */

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The folder holding `refs/` and `packed-refs` for the repository whose working tree is `root`. */
export async function resolveCommonDir(root: string): Promise<string> {
  const dotGit = join(root, '.git');
  const info = await stat(dotGit);
  let gitDir = dotGit;
  if (info.isFile()) {
    // A linked worktree or submodule: `.git` is a file saying `gitdir: <path>`.
    const text = (await readFile(dotGit, 'utf8')).trim();
    const target = text.startsWith('gitdir:') ? text.slice('gitdir:'.length).trim() : text;
    gitDir = isAbsolute(target) ? target : resolve(root, target);
  }
  try {
    const common = (await readFile(join(gitDir, 'commondir'), 'utf8')).trim();
    return isAbsolute(common) ? common : resolve(gitDir, common);
  } catch {
    return gitDir;
  }
}

/**
 * The sha a full ref name (e.g. `refs/remotes/origin/main`) points at, or undefined when the ref
 * does not exist. A loose ref file wins over packed-refs, as in git.
 */
export async function readRef(commonDir: string, ref: string): Promise<string | undefined> {
  const loose = await readFile(join(commonDir, ref), 'utf8').catch(() => undefined);
  if (loose !== undefined) {
    const value = loose.trim();
    if (SHA.test(value)) return value;
    if (value.startsWith('ref: ')) return readRef(commonDir, value.slice(5).trim());
  }
  const packed = await readFile(join(commonDir, 'packed-refs'), 'utf8').catch(() => undefined);
  if (packed === undefined) return undefined;
  for (const line of packed.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1).trim() === ref) {
      const sha = line.slice(0, space);
      return SHA.test(sha) ? sha : undefined;
    }
  }
  return undefined;
}
