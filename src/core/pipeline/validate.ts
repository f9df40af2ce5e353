import { checkAgainstSchema } from './schemaCheck';
import { checkSemantics } from './semanticCheck';
import { buildPipelineConfig } from './buildConfig';
import type { PipelineConfig, PipelineProblem } from './types';
import { parsePipelineYaml } from './yamlSource';
import { PIPELINE_LIMITS } from './limits';
import { ProblemList } from './problems';
import { keepWrittenText } from './writtenValues';

export interface PipelineValidation {
  /** Present only when there are no errors (warnings allowed). */
  readonly config?: PipelineConfig;
  /** Every problem found, sorted by position. */
  readonly problems: readonly PipelineProblem[];
}

export interface ValidateTextOptions {
  /** Absolute path shown in problems. */
  readonly file: string;
  /** Repository root for template and cwd checks; omit to skip file-system checks. */
  readonly repoRoot?: string;
}

/**
 * Validates pipeline text completely and synchronously (the editor calls it as the user types):
 * YAML syntax, schema, variables, names, files. Reports every problem at once; never throws.
 */
export function validatePipelineText(text: string, options: ValidateTextOptions): PipelineValidation {
  if (text.length > PIPELINE_LIMITS.maxFileBytes) {
    const tooBig = new ProblemList(options.file);
    tooBig.addAt(
      1,
      1,
      `the file is ${(text.length / (1024 * 1024)).toFixed(1)} MB; a pipeline file may be at most ${PIPELINE_LIMITS.maxFileBytes / (1024 * 1024)} MB`,
      'file-too-large',
    );
    return { problems: tooBig.finish() };
  }
  const parsed = parsePipelineYaml(text, options.file);
  const { problems } = parsed;
  if (parsed.doc === undefined || parsed.value === undefined) return { problems: problems.finish() };
  const value = parsed.value;
  if (value === null || value === undefined) {
    problems.add([0, 1], 'the file is empty: start with "version: 1" (run "Deploy Guard: Create Pipeline File" for a starter)', 'empty');
    return { problems: problems.finish() };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.add(
      parsed.doc.contents?.range ? [parsed.doc.contents.range[0], parsed.doc.contents.range[1]] : [0, 1],
      'the file must be a mapping of keys (version, name, steps, stack, environments)',
      'wrong-type',
    );
    return { problems: problems.finish() };
  }
  checkAgainstSchema(parsed.doc, value, problems);
  checkSemantics(value, { doc: parsed.doc, text, problems, ...(options.repoRoot !== undefined ? { repoRoot: options.repoRoot } : {}) });
  if (problems.hasErrors) return { problems: problems.finish() };
  keepWrittenText(parsed.doc, value as Record<string, unknown>);
  return { config: buildPipelineConfig(value as Record<string, unknown>), problems: problems.finish() };
}
