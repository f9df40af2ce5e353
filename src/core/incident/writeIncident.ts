/**
 * Gathers an incident note's facts (the stack's history, the commits git knows between the good
 * and the bad version) and keeps the note on the deployment's record. Writing a note never fails
 * a deployment: git that cannot answer is said in the note, and a note that cannot be written is
 * logged.
 */
import { errorMessage } from '../errors';
import type { CommitSummary } from '../git/gitRepository';
import type { DeploymentRecord } from '../history/record';
import type { StackHistory } from '../history/store';
import type { Logger } from '../logger';
import {
  composeIncidentNote,
  goodVersionId,
  needsIncidentNote,
  rollbackRecordOf,
  type IncidentGitFacts,
  type IncidentNote,
} from './incidentNote';

/** What the note asks of git (a GitRepository, or a test's stand-in); absent when the deploy was not from a repository. */
export interface IncidentGit {
  commitsBetween(from: string, to: string, limit?: number): Promise<CommitSummary[]>;
}

/** The note of `record` from its stack's history, read now. */
export async function buildIncidentNote(
  record: DeploymentRecord,
  records: readonly DeploymentRecord[],
  git: IncidentGit | undefined,
  now: Date = new Date(),
): Promise<IncidentNote> {
  const goodId = goodVersionId(record);
  const good = goodId !== undefined ? records.find((r) => r.id === goodId) : undefined;
  const rollback = rollbackRecordOf(record, records);
  return composeIncidentNote({
    record,
    ...(good ? { good } : {}),
    ...(rollback ? { rollback } : {}),
    git: await commitFacts(record, good, git),
    now: now.toISOString(),
  });
}

async function commitFacts(
  record: DeploymentRecord,
  good: DeploymentRecord | undefined,
  git: IncidentGit | undefined,
): Promise<IncidentGitFacts> {
  if (!record.commit) return { unavailable: 'the deployment was not made from a commit' };
  if (!good) return { unavailable: 'there is no earlier version to compare with' };
  if (!good.commit) return { unavailable: `the good version ${good.id} was not deployed from a commit` };
  if (!git) return { unavailable: 'no git repository was at hand when the note was written' };
  if (good.commit === record.commit) return { commits: [] };
  try {
    const commits = await git.commitsBetween(good.commit, record.commit);
    return { commits: commits.map((c) => ({ sha: c.sha, subject: c.subject, author: c.author })) };
  } catch (err) {
    return { unavailable: `git could not list them: ${errorMessage(err)}` };
  }
}

/**
 * Writes the incident note onto a finished deployment's record when its status calls for one
 * (rolled back, failed, needs a person). Returns the record as written (unchanged when no note was due).
 */
export async function writeIncidentNote(
  history: StackHistory,
  record: DeploymentRecord,
  git: IncidentGit | undefined,
  logger: Logger,
): Promise<DeploymentRecord> {
  if (!needsIncidentNote(record.status)) return record;
  try {
    const { records } = await history.list();
    record.incident = await buildIncidentNote(record, records, git);
    await history.write(record);
  } catch (err) {
    logger.warn(`could not write the incident note of ${record.id}: ${errorMessage(err)}`);
  }
  return record;
}
