import { manualRollback } from '../../core/deployment';
import { DeployGuardError } from '../../core/errors';
import { parseDuration } from '../../core/time';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../usage';
import { engineContext, loadTarget, oneEnvironment, selection, TARGET_HELP, TARGET_OPTIONS } from './engineSupport';

const HELP = `Usage: deployguard rollback ENV [--to ID] [--bake DURATION] [--json]

Redeploys a stable deployment's exact template and parameters through a change set, and
records it as its own deployment. Without --to, the newest stable deployment that differs
from what the stack runs now. Refused when the target is not stable or is what runs now.
NoEcho parameters were never stored, so they keep the stack's current value (you are told).
Values that came from \${env:VAR} were never stored either: set those variables to the values
they had then (the run checks them against the recorded fingerprints and names any that differ).
With health checks, the restored version is then watched under the guarded alarms for a
verification window: it is a verified version only if they are out of ALARM at its end.

Options:
  --to ID          the deployment to restore (see "deployguard history ENV")
  --bake DURATION  the verification window (e.g. 90s, 10m) instead of health.bake
${TARGET_HELP}
  -h, --help       show this help

Exit codes: 0 restored (and verified), 1 failed or refused, 2 usage or config error,
4 needs a person (e.g. restored but still unhealthy: the cause may lie elsewhere).
`;

export const rollbackCommand: CliCommand = {
  name: 'rollback',
  summary: 'redeploy a stable deployment of an environment (recorded as its own deployment)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('rollback', args, {
      ...TARGET_OPTIONS,
      to: { type: 'string' },
      bake: { type: 'string' },
    });
    const environment = oneEnvironment('rollback', positionals);
    const verifyMs = values.bake === undefined ? undefined : parseDuration(values.bake);
    if (values.bake !== undefined && verifyMs === undefined) {
      throw new DeployGuardError('Usage', `--bake takes a duration such as 90s, 10m or 1h (got "${values.bake}")`);
    }
    const target = await loadTarget(io, values.file, environment);
    const outcome = await manualRollback(engineContext(io, values.json === true), {
      ...selection(io, target, values),
      ...(values.to ? { to: values.to } : {}),
      ...(verifyMs !== undefined ? { verifyMs } : {}),
      holder: 'deployguard rollback',
      signal: io.signal,
    });
    return outcome.exitCode;
  },
};
