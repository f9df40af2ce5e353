import type { CliCommand } from './types';

/**
 * Every CLI command. Each lives in its own module under ./commands; add new ones here.
 */
export const cliCommands: readonly CliCommand[] = [];
