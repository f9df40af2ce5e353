import { runCommand } from './commands/run';
import { validateCommand } from './commands/validate';
import type { CliCommand } from './types';

/**
 * Every CLI command. Each lives in its own module under ./commands; add new ones here.
 */
export const cliCommands: readonly CliCommand[] = [validateCommand, runCommand];
