import { openStackHistory } from '../../core/deployment';
import { DeployGuardError } from '../../core/errors';
import { currentVersion, verificationOf, verificationWords } from '../../core/history/ledger';
import { identityWords } from '../../core/history/holder';
import type { DeploymentRecord } from '../../core/history/record';
import { isOpenStatus, statusRow } from '../../core/deploymentStatus';
import { ExitCode } from '../../core/model';
import { jsonLineSafe, terminalSafe } from '../../core/text/terminalSafe';
import type { CliCommand, CliIo } from '../types';
import { parseCommandArgs } from '../usage';
import { engineContext, loadTarget, oneEnvironment, selection, TARGET_HELP, TARGET_OPTIONS } from './engineSupport';

const HELP = `Usage: deployguard history ENV [--limit N] [--json]
       deployguard history push ENV


Lists the deployments of environment ENV's stack, newest first: id, status, commit,
start and finish time, who started it (a person at a machine, or a CI run and its page), how
a stable one was verified, and why it ended that way. The
version the stack runs as far as Deploy Guard knows (the last one found good) is marked
with *. A stable version is "verified by N alarms" (watched through the bake), "restored
and verified", "deployed, not verified" (the environment has no health checks) or "as
found (never verified)" (the stack before Deploy Guard first deployed it). A deployment
left "in doubt" (its outcome unknown) or "live, not verified" (its bake stopped) is still
open: the next deploy reattaches to it and watches it. Damaged history files are reported,
never hidden.

With a team store (history: s3://BUCKET/PREFIX, --history or DEPLOYGUARD_HISTORY), the
newest N records are read from the bucket; when it cannot be reached, what this machine last
read and wrote is shown instead and marked stale. "history push ENV" uploads this machine's
local history of ENV's stack to the team store; a rerun uploads nothing new.

Options:
  --limit N        show at most N records (default 20; 0 = all)
${TARGET_HELP}
  -h, --help       show this help

With --json, one JSON object per record (id, environment, stack, status, commit, reason,
startedAt, finishedAt, startedBy {name, ci, url} or null, kind, verification {kind, alarms,
at} or null, verified (those words) or null, current, …; never template bodies or secret
values).
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
    /** Who started it (`ana@laptop`, or `CI run 4711` with its system and page); null in records older than the team history. */
    startedBy: r.startedBy ?? null,
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
    if (positionals[0] === 'push' && positionals.length === 2) return pushHistory(io, positionals[1]!, values);
    const environment = oneEnvironment('history', positionals);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new DeployGuardError('Usage', `--limit takes a whole number (got "${values.limit}")`);
    const target = await loadTarget(io, values.file, environment);
    const ctx = engineContext(io, values.json === true);
    const { stackHistory, clients } = await openStackHistory(ctx, selection(io, target, values), io.signal);
    let listing;
    try {
      // A team store reads only the newest `limit` records; the local folder reads them all.
      listing = await stackHistory.list({ ...(limit > 0 ? { limit } : {}), allowStale: true });
    } finally {
      clients.dispose();
    }
    const { records, damaged, stale } = listing;
    for (const d of damaged) io.stderr.write(`warning: ${d.problem}: ${d.path}${d.movedTo ? ` (moved to ${d.movedTo})` : ''}\n`);
    if (stale) io.stderr.write(`warning: stale: ${terminalSafe(stale)}\n`);
    const shown = (limit === 0 ? records : records.slice(0, limit)).filter((r) => r.environment === environment || r.kind === 'baseline');
    const stableId = currentVersion(records)?.id;
    if (values.json) {
      for (const r of shown)
        io.stdout.write(
          `${jsonLineSafe(JSON.stringify({ ...summarise(r), current: r.id === stableId, ...(stale ? { stale: true } : {}) }))}\n`,
        );
      return ExitCode.Ok;
    }
    if (shown.length === 0) {
      io.stdout.write(
        `No deployments of ${stackHistory.key.stackName} (${stackHistory.key.region}, account ${stackHistory.key.account}) yet.\n`,
      );
      return ExitCode.Ok;
    }
    io.stdout.write(
      `Deployments of ${stackHistory.key.stackName} (${stackHistory.key.region}, account ${stackHistory.key.account}), newest first${stale ? " (STALE: this machine's copy; the team store did not answer)" : ''}:\n`,
    );
    for (const r of shown) {
      const mark = r.id === stableId ? '*' : ' ';
      const commit = r.commit ? r.commit.slice(0, 7) + (r.dirty ? '+' : '') : '-';
      const verified = verificationWords(r);
      // "stable" is the word of a verified version: one nothing verified does not get it.
      const kind = verificationOf(r)?.kind;
      // A record left open (in doubt, or live and not verified) is named in words: it is not over.
      const status =
        kind === 'unguarded'
          ? 'deployed'
          : kind === 'as-found'
            ? 'as found'
            : isOpenStatus(r.status)
              ? statusRow(r.status).words
              : r.status;
      const finished = r.finishedAt ?? (isOpenStatus(r.status) ? '(open: deploy again to watch it)' : '(running)');
      const restores = r.rollbackTargetId ? ` (restores ${r.rollbackTargetId})` : '';
      // A team store holds every machine's and CI's deployments: each says who started it.
      const by = r.startedBy ? `by ${identityWords(r.startedBy)}` : undefined;
      io.stdout.write(
        `${mark} ${r.id}  ${r.kind.padEnd(8)}  ${status.padEnd(15)}  ${commit.padEnd(8)}  ${r.startedAt}  ${finished}${verified ? `\n      ${verified}${restores}` : ''}${by ? `\n      ${terminalSafe(by)}` : ''}${r.reason ? `\n      ${terminalSafe(r.reason)}` : ''}\n`,
      );
    }
    return ExitCode.Ok;
  },
};

/**
 * `history push ENV`: this machine's local history of the stack → the team store. Each record is
 * created only where it is missing (If-None-Match); one already there with the same content is
 * counted, not written, so a rerun adds nothing. A record the team store holds differently is
 * reported and left as the team has it.
 */
async function pushHistory(
  io: CliIo,
  environment: string,
  values: { file?: string; endpoint?: string; profile?: string; history?: string; json?: boolean },
) {
  const target = await loadTarget(io, values.file, environment);
  const ctx = engineContext(io, values.json === true);
  const sel = selection(io, target, values);
  const { stackHistory: remote, clients } = await openStackHistory(ctx, sel, io.signal, { check: true });
  try {
    if (remote.where === ctx.history.stack(remote.key).where) {
      throw new DeployGuardError('Usage', `The history of ${environment} is the local folder: there is no team store to push to`, {
        hint: 'set history: s3://BUCKET/PREFIX in deployguard.yaml, or pass --history s3://BUCKET/PREFIX',
      });
    }
    const { records, damaged } = await ctx.history.stack(remote.key).list();
    for (const d of damaged) io.stderr.write(`warning: ${d.problem}: ${d.path}\n`);
    const counts = { uploaded: 0, present: 0, conflicting: 0 };
    for (const record of [...records].reverse()) {
      const there = await remote.get(record.id);
      if (there && JSON.stringify(there) === JSON.stringify(record)) {
        counts.present++;
        continue;
      }
      if (there) {
        counts.conflicting++;
        io.stderr.write(`warning: ${record.id} is already in ${remote.where} with other content; left as the team store has it\n`);
        continue;
      }
      await remote.write(record);
      counts.uploaded++;
    }
    const line = `${counts.uploaded} uploaded, ${counts.present} already there, ${counts.conflicting} different (left alone) → ${remote.where}`;
    io.stdout.write(values.json ? `${JSON.stringify({ type: 'history-pushed', ...counts, to: remote.where })}\n` : `${line}\n`);
    return counts.conflicting > 0 ? ExitCode.Failed : ExitCode.Ok;
  } finally {
    clients.dispose();
  }
}
