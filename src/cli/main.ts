import { terminalSafe } from '../core/text/terminalSafe';
import { DeployGuardError, errorMessage, isCancellation } from '../core/errors';
import { ExitCode } from '../core/model';
import { settleNotifications } from './commands/engineSupport';
import { cliCommands } from './registry';
import type { CliIo } from './types';

declare const DEPLOYGUARD_VERSION: string | undefined;

/** The oldest Node major the CLI runs on; package.json's engines.node says the same (a unit test holds them together). */
export const MIN_NODE_MAJOR = 20;

/**
 * Why the CLI cannot run on Node `version` ("20.20.2", as in process.versions.node), or undefined
 * when it can. Checked before anything else, so an old Node gets this sentence instead of a
 * syntax or API error from deep inside the bundle.
 */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return (
    `deployguard: needs Node.js ${MIN_NODE_MAJOR} or newer, but it is running on Node.js ${version}.\n` +
    `  → install Node.js ${MIN_NODE_MAJOR} or newer (node --version shows which one is first on PATH) and run deployguard again\n`
  );
}

/** The AWS SDK's notice that its later releases need a newer Node (see cli.ts for why the CLI drops it). */
export function isSdkNodeVersionWarning(warning: Error): boolean {
  return warning.name === 'NodeVersionSupportWarning' || warning.message.startsWith('NodeVersionSupportWarning');
}

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
  const nodeProblem = nodeVersionProblem(io.nodeVersion ?? process.versions.node);
  if (nodeProblem !== undefined) {
    io.stderr.write(nodeProblem);
    return ExitCode.Usage;
  }
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
  } finally {
    // The team's notifications are sent in the background; they get a bounded wait, never the exit code.
    await settleNotifications();
  }
}
