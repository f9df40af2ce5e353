/**
 * Parsing `git status --porcelain=v2 --branch -z`: one git process tells us the HEAD commit, the
 * branch, its upstream and every changed file. The format is documented as stable for scripts.
 */

export type ChangeKind = 'modified' | 'added' | 'deleted' | 'renamed' | 'copied' | 'type-changed' | 'untracked' | 'conflicted';

export interface FileChange {
  /** Path relative to the repository root, `/`-separated. */
  readonly path: string;
  /** The old path of a rename or copy. */
  readonly from?: string;
  readonly kind: ChangeKind;
  /** True when the change is in the index (staged). */
  readonly staged: boolean;
  /** True when the working tree differs from the index. */
  readonly unstaged: boolean;
}

export interface RepositoryStatus {
  /** Full sha of HEAD; undefined before the first commit. */
  readonly sha: string | undefined;
  /** Current branch; undefined when HEAD is detached. */
  readonly branch: string | undefined;
  /** `origin/main` style upstream of the branch, when it has one. */
  readonly upstream: string | undefined;
  readonly ahead: number;
  readonly behind: number;
  readonly changes: readonly FileChange[];
}

const KIND_BY_CODE: Record<string, ChangeKind> = {
  M: 'modified',
  A: 'added',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type-changed',
};

function kindOf(xy: string): ChangeKind {
  const code = xy[0] !== '.' ? xy[0]! : xy[1]!;
  return KIND_BY_CODE[code] ?? 'modified';
}

export function parseStatusV2(output: string): RepositoryStatus {
  let sha: string | undefined;
  let branch: string | undefined;
  let upstream: string | undefined;
  let ahead = 0;
  let behind = 0;
  const changes: FileChange[] = [];
  const records = output.split('\0');
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record === '') continue;
    if (record.startsWith('# ')) {
      const [, key, ...rest] = record.split(' ');
      const value = rest.join(' ');
      if (key === 'branch.oid') sha = value === '(initial)' ? undefined : value;
      else if (key === 'branch.head') branch = value === '(detached)' ? undefined : value;
      else if (key === 'branch.upstream') upstream = value;
      else if (key === 'branch.ab') {
        const match = /^\+(\d+) -(\d+)$/.exec(value);
        if (match) {
          ahead = Number(match[1]);
          behind = Number(match[2]);
        }
      }
      continue;
    }
    const type = record[0];
    if (type === '1') {
      // 1 XY sub mH mI mW hH hI path — the path is everything after the 8th space.
      const fields = record.split(' ');
      const xy = fields[1]!;
      changes.push({ path: fields.slice(8).join(' '), kind: kindOf(xy), staged: xy[0] !== '.', unstaged: xy[1] !== '.' });
    } else if (type === '2') {
      // 2 XY sub mH mI mW hH hI Xscore path, then the original path as the next NUL record.
      const fields = record.split(' ');
      const xy = fields[1]!;
      const from = records[++i];
      changes.push({
        path: fields.slice(9).join(' '),
        ...(from !== undefined ? { from } : {}),
        kind: kindOf(xy),
        staged: xy[0] !== '.',
        unstaged: xy[1] !== '.',
      });
    } else if (type === 'u') {
      const fields = record.split(' ');
      changes.push({ path: fields.slice(10).join(' '), kind: 'conflicted', staged: false, unstaged: true });
    } else if (type === '?') {
      changes.push({ path: record.slice(2), kind: 'untracked', staged: false, unstaged: true });
    }
    // '!' (ignored) is never requested.
  }
  return { sha, branch, upstream, ahead, behind, changes };
}
