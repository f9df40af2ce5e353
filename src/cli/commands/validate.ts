import { dirname, resolve } from 'node:path';
import { DeployGuardError } from '../../core/errors';
import { ExitCode } from '../../core/model';
import { describePipeline, loadPipeline, PIPELINE_FILE_NAME } from '../../core/pipeline';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../usage';
import { displayPath, formatProblem } from './problemFormat';

const HELP = `Usage: deployguard validate [--file PATH]

Checks the pipeline file and prints every problem as PATH:LINE:COL: message.
Templates and step folders are resolved from the folder that holds the file.

Options:
  --file PATH   the pipeline file (default: ${PIPELINE_FILE_NAME} in the current folder)
  -h, --help    show this help

Exit codes: 0 valid (warnings allowed), 1 problems found, 2 usage error.
`;

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check deployguard.yaml and print PATH:LINE:COL: message for each problem',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('validate', args, { file: { type: 'string' } });
    if (positionals.length > 0) {
      throw new DeployGuardError('Usage', `unexpected argument "${positionals[0]}"`, {
        hint: 'pass the file with --file PATH',
      });
    }
    const file = resolve(io.cwd, values.file ?? PIPELINE_FILE_NAME);
    const result = await loadPipeline(dirname(file), { file });
    for (const problem of result.problems) io.stdout.write(`${formatProblem(problem, io.cwd)}\n`);
    if (!result.config) {
      const errors = result.problems.filter((p) => p.severity === 'error').length;
      io.stderr.write(`${displayPath(file, io.cwd)}: ${errors} problem${errors === 1 ? '' : 's'}\n`);
      return ExitCode.Failed;
    }
    io.stdout.write(`${displayPath(file, io.cwd)} is valid: ${describePipeline(result.config)}\n`);
    return ExitCode.Ok;
  },
};
