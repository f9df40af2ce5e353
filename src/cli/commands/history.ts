import { openStackHistory } from '../../core/deployment';
import { DeployGuardError } from '../../core/errors';
import { currentVersion, verificationOf, verificationWords } from '../../core/history/ledger';
import type { DeploymentRecord } from '../../core/history/record';
import { ExitCode } from '../../core/model';
import { jsonLineSafe, terminalSafe } from '../../core/text/terminalSafe';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../usage';
import { engineContext, loadTarget, oneEnvironment, selection, TARGET_HELP, TARGET_OPTIONS } from './engineSupport';

const HELP = `Usage: deployguard history ENV [--limit N] [--json]

Lists the deployments of environment ENV's stack, newest first: id, status, commit,
start and finish time, how a stable one was verified, and why it ended that way. The
version the stack runs as far as Deploy Guard knows (the last one found good) is marked
with *. A stable version is "verified by N alarms" (watched through the bake), "restored
and verified", "deployed, not verified" (the environment has no health checks) or "as
found (never verified)" (the stack before Deploy Guard first deployed it). Damaged history
files are reported, never hidden.

Options:
  --limit N        show at most N records (default 20; 0 = all)
${TARGET_HELP}
  -h, --help       show this help

With --json, one JSON object per record (id, environment, stack, status, commit, reason,
startedAt, finishedAt, kind, verification {kind, alarms, at} or null, verified (those
words) or null, current, …; never template bodies or secret values).
`;

/** The fields `history` shows; the template body and parameters stay in the record file. */
export function summarise(r: DeploymentRecord) {
  return {
    id: r.id,
    kind: r.kind,
    environment: r.environment,
    stack: r.stackName,
    region: r.region,
    account: r.account,
    status: r.status,
    commit: r.commit ?? null,
    branch: r.branch ?? null,
    dirty: r.dirty ?? null,
    reason: r.reason ?? null,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt ?? null,
    rollbackTargetId: r.rollbackTargetId ?? null,
    templateSha256: r.template.sha256,
    verification: verificationOf(r) ?? null,
    verified: verificationWords(r) ?? null,
    previousId: r.previous?.deploymentId ?? null,
    /** The stack's outputs after this deployment (masked), or null when none were read. */
    outputs: r.outputs ?? null,
  };
}

export const historyCommand: CliCommand = {
  name: 'history',
  summary: "list an environment's deployments, newest first",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('history', args, { ...TARGET_OPTIONS, limit: { type: 'string' } });
    const environment = oneEnvironment('history', positionals);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new DeployGuardError('Usage', `--limit takes a whole number (got "${values.limit}")`);
    const target = await loadTarget(io, values.file, environment);
    const ctx = engineContext(io, values.json === true);
    const { stackHistory, clients } = await openStackHistory(ctx, selection(io, target, values), io.signal);
    clients.dispose();
    const { records, damaged } = await stackHistory.list();
    for (const d of damaged) io.stderr.write(`warning: ${d.problem}: ${d.path}${d.movedTo ? ` (moved to ${d.movedTo})` : ''}\n`);
    const shown = (limit === 0 ? records : records.slice(0, limit)).filter((r) => r.environment === environment || r.kind === 'baseline');
    const stableId = currentVersion(records)?.id;
    if (values.json) {
      for (const r of shown) io.stdout.write(`${jsonLineSafe(JSON.stringify({ ...summarise(r), current: r.id === stableId }))}\n`);
      return ExitCode.Ok;
    }
    if (shown.length === 0) {
      io.stdout.write(
        `No deployments of ${stackHistory.key.stackName} (${stackHistory.key.region}, account ${stackHistory.key.account}) yet.\n`,
      );
      return ExitCode.Ok;
    }
    io.stdout.write(
      `Deployments of ${stackHistory.key.stackName} (${stackHistory.key.region}, account ${stackHistory.key.account}), newest first:\n`,
    );
    for (const r of shown) {
      const mark = r.id === stableId ? '*' : ' ';
      const commit = r.commit ? r.commit.slice(0, 7) + (r.dirty ? '+' : '') : '-';
      const verified = verificationWords(r);
      // "stable" is the word of a verified version: one nothing verified does not get it.
      const kind = verificationOf(r)?.kind;
      const status = kind === 'unguarded' ? 'deployed' : kind === 'as-found' ? 'as found' : r.status;
      const restores = r.rollbackTargetId ? ` (restores ${r.rollbackTargetId})` : '';
      io.stdout.write(
        `${mark} ${r.id}  ${r.kind.padEnd(8)}  ${status.padEnd(15)}  ${commit.padEnd(8)}  ${r.startedAt}  ${r.finishedAt ?? '(running)'}${verified ? `\n      ${verified}${restores}` : ''}${r.reason ? `\n      ${terminalSafe(r.reason)}` : ''}\n`,
      );
    }
    return ExitCode.Ok;
  },
};
