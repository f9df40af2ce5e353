import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { PipelineConfig } from './types';

/** Scripts bigger than this are hashed but not kept for the "what changed" diff. */
const MAX_KEPT_TEXT = 256 * 1024;

export interface FingerprintedFile {
  /** Relative to the repository root, with `/` separators. */
  readonly path: string;
  readonly sha256: string;
  /** The content, kept so a later approval prompt can show what changed; absent when too big. */
  readonly text?: string;
}

export interface PipelineFingerprint {
  /** One hash over the pipeline file and every script its steps name. */
  readonly hash: string;
  readonly files: readonly FingerprintedFile[];
}

// A token in bash that names a file: `./x`, `scripts/x.sh`, `bash deploy.sh`, `node tools/a.mjs`.
const TOKEN = /[^\s;&|<>()'"`]+/g;
const SCRIPT_EXTENSIONS = /\.(?:sh|bash|py|js|mjs|cjs|ts|rb|pl|ps1|mk)$/;

/**
 * The files a step's bash source refers to that exist inside the repository: what the
 * approval prompt must cover besides deployguard.yaml, since changing them changes what runs.
 */
export function referencedScripts(repoRoot: string, config: Pick<PipelineConfig, 'steps'>): string[] {
  const root = resolve(repoRoot);
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    // keep the unresolved root
  }
  const found = new Set<string>();
  for (const step of config.steps) {
    const base = resolve(root, step.cwd ?? '.');
    for (const token of step.run.match(TOKEN) ?? []) {
      if (token.includes('$') || token.startsWith('-')) continue;
      if (!token.includes('/') && !SCRIPT_EXTENSIONS.test(token)) continue;
      const full = resolve(base, token);
      if (!existsSync(full)) continue;
      let real: string;
      try {
        real = realpathSync(full);
        if (!statSync(real).isFile()) continue;
      } catch {
        continue;
      }
      const rel = relative(realRoot, real);
      if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) continue; // outside: not the repo's to change
      found.add(rel.split(sep).join('/'));
    }
  }
  return [...found].sort();
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Fingerprints the pipeline file and the scripts it runs. Approval is keyed by this hash: a
 * pull request that edits a step or a script it calls needs a new approval before it runs.
 */
export function pipelineFingerprint(repoRoot: string, pipelineFile: string, config?: Pick<PipelineConfig, 'steps'>): PipelineFingerprint {
  const root = resolve(repoRoot);
  const paths = [relative(root, resolve(root, pipelineFile)).split(sep).join('/')];
  if (config) for (const script of referencedScripts(root, config)) if (!paths.includes(script)) paths.push(script);
  const files: FingerprintedFile[] = paths.map((path) => {
    let data: Buffer;
    try {
      data = readFileSync(resolve(root, path));
    } catch {
      data = Buffer.alloc(0);
    }
    const text = data.length <= MAX_KEPT_TEXT ? data.toString('utf8') : undefined;
    return text === undefined ? { path, sha256: sha256(data) } : { path, sha256: sha256(data), text };
  });
  const hash = sha256(files.map((f) => `${f.path}\0${f.sha256}`).join('\n'));
  return { hash, files };
}
