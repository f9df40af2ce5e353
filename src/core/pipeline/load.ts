import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PIPELINE_LIMITS } from './limits';
import type { PipelineConfig, PipelineProblem } from './types';
import { validatePipelineText } from './validate';

export const PIPELINE_FILE_NAME = 'deployguard.yaml';

export interface LoadPipelineOptions {
  /** The pipeline file; relative paths are taken from the repository root. Default deployguard.yaml. */
  readonly file?: string;
}

export interface LoadedPipeline {
  /** Present only when the file has no errors. */
  readonly config?: PipelineConfig;
  readonly problems: readonly PipelineProblem[];
  /** Absolute path of the file that was read. */
  readonly file: string;
  /** The exact text validated (for hashing and approval); undefined when it could not be read. */
  readonly text?: string;
}

function problemAt(file: string, message: string, code: string): PipelineProblem {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 2, message, severity: 'error', code };
}

/**
 * Reads and validates the repository's pipeline file. The size is checked before reading, so a
 * huge file is refused in microseconds. Never throws for a bad file: problems say what is wrong.
 */
export async function loadPipeline(repoRoot: string, options: LoadPipelineOptions = {}): Promise<LoadedPipeline> {
  const file = resolve(repoRoot, options.file ?? PIPELINE_FILE_NAME);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `no pipeline file: ${file} does not exist (create one with "Deploy Guard: Create Pipeline File", or pass --file)`
        : `cannot read ${file}: ${(err as Error).message}`;
    return { file, problems: [problemAt(file, message, 'file-not-found')] };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { file, problems: [problemAt(file, `${file} is not a file`, 'file-not-found')] };
    if (stat.size > PIPELINE_LIMITS.maxFileBytes) {
      const mb = (stat.size / (1024 * 1024)).toFixed(1);
      return {
        file,
        problems: [
          problemAt(
            file,
            `the file is ${mb} MB; a pipeline file may be at most ${PIPELINE_LIMITS.maxFileBytes / (1024 * 1024)} MB`,
            'file-too-large',
          ),
        ],
      };
    }
    const text = await handle.readFile('utf8');
    const result = validatePipelineText(text, { file, repoRoot: resolve(repoRoot) });
    return { ...result, file, text };
  } finally {
    await handle.close();
  }
}
