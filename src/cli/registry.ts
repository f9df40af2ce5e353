import { deployCommand } from './commands/deploy';
import { historyCommand } from './commands/history';
import { incidentCommand } from './commands/incident';
import { recoverCommand } from './commands/recover';
import { rollbackCommand } from './commands/rollback';
import { runCommand } from './commands/run';
import { timelineCommand } from './commands/timeline';
import { validateCommand } from './commands/validate';
import { watchCommand } from './commands/watch';
import type { CliCommand } from './types';

/**
 * Every CLI command. Each lives in its own module under ./commands; add new ones here.
 */
export const cliCommands: readonly CliCommand[] = [
  validateCommand,
  runCommand,
  watchCommand,
  deployCommand,
  historyCommand,
  timelineCommand,
  incidentCommand,
  rollbackCommand,
  recoverCommand,
];
