import { runDeployment } from '../../core/deployment';
import { DeployGuardError } from '../../core/errors';
import { targetWords } from '../../core/history/ledger';
import { needsConfirmation } from '../../core/pipeline/confirmation';
import { requireEnvironment } from '../../core/pipeline';
import { parseDuration } from '../../core/time';
import { terminalSafe } from '../../core/text/terminalSafe';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../usage';
import { askYesNo, engineContext, loadTarget, oneEnvironment, readGit, selection, TARGET_HELP, TARGET_OPTIONS } from './engineSupport';

const HELP = `Usage: deployguard deploy ENV [--skip-steps] [--bake DURATION] [--yes] [--[no-]rehearse-rollback] [--json]

Runs the pipeline's steps for environment ENV, then deploys its CloudFormation stack
through a change set (showing what will change), follows the stack's events to the end,
and watches the guarded alarms for the bake time. Every deployment is recorded in the
history (~/.deployguard, or DEPLOYGUARD_HOME).

Options:
  --skip-steps              deploy the stack without running the steps
  --bake DURATION           watch the alarms this long (e.g. 90s, 10m) instead of health.bake;
                            also the verification window of an automatic rollback's restore
  --yes                     do not ask (confirm: true environments, alarms already firing)
  --replace-failed-stack    a stack left in ROLLBACK_COMPLETE by a failed create is deleted
                            and created again (only with this flag)
  --wait-if-busy DURATION   wait this long for another stack operation to finish (default: refuse)
  --rehearse-rollback       plan (never run) the change set a rollback to the current version
                            would need, and flag what it would replace or delete (default: on for
                            guarded and prod* environments)
  --no-rehearse-rollback    do not rehearse the rollback
${TARGET_HELP}
  -h, --help                show this help

Exit codes: 0 stable or unchanged, 1 failed, 2 usage or config error,
3 unhealthy and rolled back (the restore verified), 4 needs a person (e.g. rolled back but
still unhealthy, or UPDATE_ROLLBACK_FAILED: run "deployguard recover ENV"; or left in doubt,
or live but not verified after Ctrl+C during the bake: run the same deploy again to watch it).
`;

function duration(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new DeployGuardError('Usage', `${flag} takes a duration such as 90s, 10m or 1h (got "${text}")`);
  return ms;
}

export const deployCommand: CliCommand = {
  name: 'deploy',
  summary: 'run the steps, deploy the stack through a change set, watch its alarms',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('deploy', args, {
      ...TARGET_OPTIONS,
      'skip-steps': { type: 'boolean' },
      bake: { type: 'string' },
      yes: { type: 'boolean' },
      'replace-failed-stack': { type: 'boolean' },
      'wait-if-busy': { type: 'string' },
      'rehearse-rollback': { type: 'boolean' },
      'no-rehearse-rollback': { type: 'boolean' },
    });
    if (values['rehearse-rollback'] && values['no-rehearse-rollback'])
      throw new DeployGuardError('Usage', '--rehearse-rollback and --no-rehearse-rollback contradict each other', {
        hint: 'pass one of them (without either, guarded and prod* environments are rehearsed)',
      });
    const environment = oneEnvironment('deploy', positionals);
    const bakeMs = duration('--bake', values.bake);
    const waitIfBusyMs = duration('--wait-if-busy', values['wait-if-busy']);
    const target = await loadTarget(io, values.file, environment);
    const env = requireEnvironment(target.config, environment);
    const mustConfirm = needsConfirmation(env);
    if (mustConfirm && !values.yes && !io.isTty) {
      throw new DeployGuardError('Usage', `environment "${environment}" asks for confirmation and there is no terminal to ask`, {
        hint: 'run it in a terminal, or pass --yes',
      });
    }
    const git = await readGit(target.repoRoot, io);
    const outcome = await runDeployment(engineContext(io, values.json === true), {
      ...selection(io, target, values, git),
      repoRoot: target.repoRoot,
      trigger: 'cli',
      holder: 'deployguard CLI',
      ...(values['skip-steps'] ? { skipSteps: true } : {}),
      ...(bakeMs !== undefined ? { bakeMs } : {}),
      ...(values.yes ? { yes: true } : {}),
      ...(values['replace-failed-stack'] ? { replaceFailedStack: true } : {}),
      ...(waitIfBusyMs !== undefined ? { waitIfBusyMs } : {}),
      ...(values['rehearse-rollback'] ? { rehearseRollback: true } : values['no-rehearse-rollback'] ? { rehearseRollback: false } : {}),
      ...(mustConfirm && !values.yes
        ? {
            confirmChanges: (_changes, rehearsal) => {
              const n = rehearsal?.dangers.length ?? 0;
              const warning = n > 0 ? ` A rollback would be destructive (${n} step${n === 1 ? '' : 's'}, listed above).` : '';
              return askYesNo(io, `${warning.trim()}${warning ? ' ' : ''}Deploy these changes to ${environment}?`);
            },
          }
        : {}),
      ...(io.isTty && !values.yes
        ? {
            confirmAlarmsFiring: (alarms) =>
              askYesNo(io, `Guarded alarm(s) already in ALARM: ${alarms.map((a) => a.name).join(', ')}. Deploy anyway?`),
          }
        : {}),
      ...(io.isTty && !values.yes
        ? { confirmRollback: (q) => askYesNo(io, `Alarm ${q.alarm} fired: ${q.reason}. Roll back to ${targetWords(q.target)}?`) }
        : {}),
      signal: io.signal,
    });
    // The stack's outputs last, where a person looks for the URL they just deployed.
    const outputs = Object.entries(outcome.record.outputs ?? {});
    if (!values.json && outputs.length > 0) {
      io.stdout.write(`Outputs of ${terminalSafe(outcome.record.stackName)}:\n`);
      for (const [key, value] of outputs) io.stdout.write(`  ${terminalSafe(key)} = ${terminalSafe(value)}\n`);
    }
    return outcome.exitCode;
  },
};
