import { GitRepository } from '../../core/git';
import { incidentMarkdown, needsIncidentNote, type IncidentNote } from '../../core/incident/incidentNote';
import { buildIncidentNote } from '../../core/incident/writeIncident';
import { DeployGuardError } from '../../core/errors';
import { ExitCode } from '../../core/model';
import { statusRow } from '../../core/deploymentStatus';
import { jsonLineSafe, terminalSafe } from '../../core/text/terminalSafe';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../usage';
import { TARGET_HELP, TARGET_OPTIONS } from './engineSupport';
import { environmentAndId, lookUpRecord } from './recordLookup';

const HELP = `Usage: deployguard incident ENV [ID] [--json]

Prints the incident note of a deployment that was rolled back, failed or needs a person
(the newest such deployment of ENV, or the one with id ID), as Markdown: what fired (the
alarm or metric, its reason and datapoints), when (deploy start, first bad signal, the
decision, restore complete, verified or not), what changed (the change set's resources and
properties, the commits between the restored and the bad version, the template diff), what
was restored, and what to look at next.

The note is written into the deployment's record when it finishes; for a record written
before notes existed, it is composed now (the commits from the git repository of the
pipeline file, when it has them).

Options:
${TARGET_HELP}
  -h, --help       show this help

With --json, the note as one JSON object (version, deploymentId, status, headline, fired,
times, changes {resources, commits, templateDiff}, restore, next, writtenAt).
`;

export const incidentCommand: CliCommand = {
  name: 'incident',
  summary: 'print the incident note of a rolled-back, failed or stuck deployment',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('incident', args, TARGET_OPTIONS);
    const wanted = environmentAndId('incident', positionals);
    const { target, records, record } = await lookUpRecord(
      io,
      values,
      'incident',
      wanted,
      (r) => needsIncidentNote(r.status),
      'been rolled back, failed or needed a person',
    );
    if (!needsIncidentNote(record.status)) {
      throw new DeployGuardError('Usage', `deployment ${record.id} is ${statusRow(record.status).words}: it has no incident note`, {
        hint: 'notes are written for deployments that were rolled back, failed or need a person',
      });
    }
    const note: IncidentNote =
      record.incident ??
      (await buildIncidentNote(
        record,
        records,
        // The CLI is run on purpose by the user in their own repository: that is the trust decision.
        new GitRepository({ root: target.repoRoot, isTrusted: () => true, env: io.env }),
      ));
    if (values.json) io.stdout.write(`${jsonLineSafe(JSON.stringify(note))}\n`);
    else io.stdout.write(terminalSafe(incidentMarkdown(note)).replace(/\n?$/, '\n'));
    return ExitCode.Ok;
  },
};
