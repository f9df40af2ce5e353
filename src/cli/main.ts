import { terminalSafe } from '../core/text/terminalSafe';
import { DeployGuardError, errorMessage, isCancellation } from '../core/errors';
import { ExitCode } from '../core/model';
import { cliCommands } from './registry';
import type { CliIo } from './types';

declare const DEPLOYGUARD_VERSION: string | undefined;

function topLevelHelp(): string {
  const width = Math.max(...cliCommands.map((c) => c.name.length), 8);
  const lines = cliCommands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: deployguard <command> [options]',
    '',
    'Runs the pipeline in deployguard.yaml, deploys its CloudFormation stack, watches the',
    'guarded alarms and rolls back to the last stable version when they fire.',
    '',
    'Commands:',
    ...lines,
    '',
    'Run "deployguard <command> --help" for a command\'s options.',
    'Exit codes: 0 stable or unchanged, 1 failed, 2 usage or config error, 3 unhealthy and rolled back, 4 needs a person.',
    '',
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topLevelHelp());
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${typeof DEPLOYGUARD_VERSION === 'string' ? DEPLOYGUARD_VERSION : 'dev'}\n`);
    return ExitCode.Ok;
  }
  const command = cliCommands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`deployguard: unknown command "${name}"\n\n${topLevelHelp()}`);
    return ExitCode.Usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return ExitCode.Ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (isCancellation(err)) {
      io.stderr.write('deployguard: cancelled\n');
      return ExitCode.Failed;
    }
    const hint = DeployGuardError.is(err) && err.hint ? `\n  → ${err.hint}` : '';
    // Error messages carry AWS text: printed without the escapes a terminal would obey.
    io.stderr.write(`${terminalSafe(`deployguard ${name}: ${errorMessage(err)}${hint}`)}\n`);
    if (DeployGuardError.is(err, 'Usage', 'ConfigInvalid')) return ExitCode.Usage;
    if (DeployGuardError.is(err, 'StackNeedsAttention', 'RollbackFailed', 'LockHeld')) return ExitCode.NeedsPerson;
    return ExitCode.Failed;
  }
}
