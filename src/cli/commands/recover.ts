import { recoverStack } from '../../core/deployment';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../usage';
import { engineContext, loadTarget, oneEnvironment, selection, TARGET_HELP, TARGET_OPTIONS } from './engineSupport';

const HELP = `Usage: deployguard recover ENV [--skip LOGICAL_ID]... [--json]

For a stack stuck in UPDATE_ROLLBACK_FAILED: continues the rollback (ContinueUpdateRollback)
and follows it to the end. Run it first without --skip. Name a resource with --skip only
when you know why it cannot roll back: CloudFormation then marks it UPDATE_COMPLETE although
it may not match the template, and later updates of it may fail.

Options:
  --skip LOGICAL_ID   a resource to skip (repeatable; nested stacks: Nested.LogicalId)
${TARGET_HELP}
  -h, --help          show this help

Exit codes: 0 the rollback completed, 2 usage or config error (or nothing to recover),
4 it still needs a person.
`;

export const recoverCommand: CliCommand = {
  name: 'recover',
  summary: 'continue a failed rollback (UPDATE_ROLLBACK_FAILED) of an environment',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('recover', args, { ...TARGET_OPTIONS, skip: { type: 'string', multiple: true } });
    const environment = oneEnvironment('recover', positionals);
    const target = await loadTarget(io, values.file, environment);
    const outcome = await recoverStack(engineContext(io, values.json === true), {
      ...selection(io, target, values),
      resourcesToSkip: values.skip ?? [],
      holder: 'deployguard recover',
      signal: io.signal,
    });
    return outcome.exitCode;
  },
};
