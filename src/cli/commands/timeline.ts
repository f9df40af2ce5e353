import { ExitCode } from '../../core/model';
import { jsonLineSafe, terminalSafe } from '../../core/text/terminalSafe';
import { rollbackRecordOf } from '../../core/incident/incidentNote';
import { timelineFromRecords, type TimelineEntry } from '../../core/timeline/timeline';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../usage';
import { TARGET_HELP, TARGET_OPTIONS } from './engineSupport';
import { environmentAndId, lookUpRecord } from './recordLookup';

const HELP = `Usage: deployguard timeline ENV [ID] [--kind KIND,…] [--json]

Prints one deployment on one time axis (the newest deploy of ENV, or the one with id ID):
its steps (one line a step), the change set, the stack events, the guarded alarms'
transitions, the metric verdicts, the verdict, and the rollback with its verification,
all in UTC.

Options:
  --kind LIST      only these kinds, comma-separated: status, step, change-set,
                   stack-event, alarm, metric, verdict, rollback, verification
${TARGET_HELP}
  -h, --help       show this help

With --json, one JSON object per entry (at, kind, tone, title, detail, deploymentId).
`;

export const timelineCommand: CliCommand = {
  name: 'timeline',
  summary: "one deployment's steps, stack events, alarms, verdict and rollback on one time axis",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('timeline', args, { ...TARGET_OPTIONS, kind: { type: 'string' } });
    const wanted = environmentAndId('timeline', positionals);
    const { records, record } = await lookUpRecord(io, values, 'timeline', wanted, (r) => r.kind === 'deploy', 'been deployed');
    const kinds = values.kind ? new Set(values.kind.split(',').map((k) => k.trim())) : undefined;
    const entries = timelineFromRecords(record, rollbackRecordOf(record, records)).filter((e) => !kinds || kinds.has(e.kind));
    if (values.json) {
      for (const e of entries) io.stdout.write(`${jsonLineSafe(JSON.stringify(jsonEntry(e)))}\n`);
      return ExitCode.Ok;
    }
    io.stdout.write(`Timeline of ${record.id} (${record.environment}, ${record.stackName}), UTC:\n`);
    for (const e of entries) {
      const time = new Date(e.at).toISOString().slice(11, 23);
      const mark = { good: '✓', bad: '✗', warn: '!', neutral: '·' }[e.tone];
      io.stdout.write(
        terminalSafe(`${time}  ${mark} ${e.kind.padEnd(12)}  ${e.title}${e.detail ? `\n${' '.repeat(31)}${e.detail}` : ''}`) + '\n',
      );
    }
    return ExitCode.Ok;
  },
};

function jsonEntry(e: TimelineEntry) {
  return {
    at: new Date(e.at).toISOString(),
    kind: e.kind,
    tone: e.tone,
    title: e.title,
    detail: e.detail ?? null,
    deploymentId: e.link?.deploymentId ?? null,
  };
}
