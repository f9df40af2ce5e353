/**
 * The journal of a steps-only run (`deployguard run`), written like a deploy's: one fsynced line
 * as the run starts, one as each step's process group starts (before its output is read), one
 * when the run ends. A run killed mid-step leaves its file open, and the next run ends the group
 * it recorded — only that group, only when its writer is gone from this host, only after proving
 * the pid is still that group's leader — instead of leaving it running for good.
 *
 * One file per run under `<history>/runs/journals/`: a run has no stack and no lock, so
 * concurrent runs must never rewrite each other's lines; a finished run's file is deleted.
 */
import { hostname } from 'node:os';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../errors';
import { Journal, writerGoneHere } from '../history/journal';
import type { StepGroup } from '../history/record';
import { endRecordedProcessGroup, type ProcessIdentity } from '../process';

/** How long a leftover step's process group gets between SIGTERM and SIGKILL. */
const LEFTOVER_GRACE_MS = 3_000;

function journalsDir(historyRoot: string): string {
  return join(historyRoot, 'runs', 'journals');
}

export class StepsRunJournal {
  private readonly journal: Journal;
  /** Lines still being written: the file is deleted only after them, never recreated by a late one. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    readonly runId: string,
    historyRoot: string,
  ) {
    this.journal = new Journal(path, join(historyRoot, 'runs', 'damaged'));
  }

  /** Starts the journal of run `runId` (its `started` line is durable when this resolves). */
  static async start(historyRoot: string, runId: string): Promise<StepsRunJournal> {
    const journal = new StepsRunJournal(join(journalsDir(historyRoot), `${runId}.jsonl`), runId, historyRoot);
    await journal.journal.append({ deploymentId: runId, phase: 'started' });
    return journal;
  }

  /** Records a step's process group as it starts. */
  stepStarted(stepIndex: number, group: ProcessIdentity, command: string): Promise<void> {
    const stepGroup: StepGroup = { stepIndex, pgid: group.pid, startTime: group.startTime, command, host: hostname() };
    const written = this.journal.append({ deploymentId: this.runId, phase: 'step-started', stepGroup });
    this.writes = Promise.all([this.writes, written.catch(() => undefined)]);
    return written.then(() => undefined);
  }

  /** The run ended (whatever its outcome): nothing of it is left to end. */
  async finish(): Promise<void> {
    await this.writes;
    await rm(this.path, { force: true });
  }
}

/**
 * Ends what killed runs left running: for each run journal whose writer is gone from this host,
 * the process groups it recorded (proved to be them first), then the journal. Journals of live
 * runs, or of other hosts, are left alone. Returns one line per group, for the person.
 */
export async function endLeftoverRuns(historyRoot: string): Promise<string[]> {
  const dir = journalsDir(historyRoot);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const said: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const { entries } = await new Journal(path, join(historyRoot, 'runs', 'damaged')).read().catch(() => ({ entries: [] }));
    const owner = entries[0]?.owner;
    if (!owner || !writerGoneHere(owner)) continue;
    for (const entry of entries) {
      const group = entry.stepGroup;
      if (!group || group.host !== hostname()) continue;
      try {
        const ending = await endRecordedProcessGroup(
          { pid: group.pgid, startTime: group.startTime, command: group.command },
          LEFTOVER_GRACE_MS,
        );
        switch (ending) {
          case 'ended':
            said.push(`Ended process group ${group.pgid} (${group.command}) left running by step ${group.stepIndex + 1} of a killed run`);
            break;
          case 'survived':
            said.push(`Process group ${group.pgid} (${group.command}) of a killed run survived SIGKILL; end it by hand`);
            break;
          case 'gone':
          case 'not-same':
            break;
        }
      } catch (err) {
        said.push(`Could not end process group ${group.pgid} of a killed run: ${errorMessage(err)}`);
      }
    }
    await rm(path, { force: true }).catch(() => undefined);
  }
  return said;
}
