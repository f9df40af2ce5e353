import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DeployGuardError } from '../core/errors';

/**
 * Parses a command's arguments strictly; unknown flags and missing values become a Usage error
 * (exit 2) that names the flag, instead of being ignored.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new DeployGuardError('Usage', `deployguard ${command}: ${(err as Error).message}`, {
      hint: `run "deployguard ${command} --help"`,
    });
  }
}
