import { manualRollback } from '../../core/deployment';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../usage';
import { engineContext, loadTarget, oneEnvironment, selection, TARGET_HELP, TARGET_OPTIONS } from './engineSupport';

const HELP = `Usage: deployguard rollback ENV [--to ID] [--json]

Redeploys a stable deployment's exact template and parameters through a change set, and
records it as its own deployment. Without --to, the newest stable deployment that differs
from what the stack runs now. Refused when the target is not stable or is what runs now.
NoEcho parameters were never stored, so they keep the stack's current value (you are told).
Values that came from \${env:VAR} were never stored either: set those variables to the values
they had then (the run checks them against the recorded fingerprints and names any that differ).

Options:
  --to ID          the deployment to restore (see "deployguard history ENV")
${TARGET_HELP}
  -h, --help       show this help

Exit codes: 0 restored, 1 failed or refused, 2 usage or config error, 4 needs a person.
`;

export const rollbackCommand: CliCommand = {
  name: 'rollback',
  summary: 'redeploy a stable deployment of an environment (recorded as its own deployment)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('rollback', args, { ...TARGET_OPTIONS, to: { type: 'string' } });
    const environment = oneEnvironment('rollback', positionals);
    const target = await loadTarget(io, values.file, environment);
    const outcome = await manualRollback(engineContext(io, values.json === true), {
      ...selection(io, target, values),
      ...(values.to ? { to: values.to } : {}),
      holder: 'deployguard rollback',
      signal: io.signal,
    });
    return outcome.exitCode;
  },
};
