/**
 * The commit subject in a run's header. No `vscode` import, so it is tested in node against a
 * real repository; the extension supplies the look-up (runPanel/index.ts).
 */
import { errorMessage } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { RunModel } from './runState';

/** A commit's message by sha; undefined when this machine cannot tell (no repository, not trusted). */
export type CommitMessageLookup = (sha: string) => Promise<string | undefined>;

/** The header is one line: a longer subject is cut. */
const MAX_SUBJECT_CHARS = 200;

/**
 * Puts the subject of the run's commit into its header; true when the header changed. A commit
 * this repository does not have (a run deployed from another clone, read from history) leaves
 * the line as it was: the sha alone.
 */
export async function setCommitSubject(model: RunModel, lookup: CommitMessageLookup | undefined, logger: Logger): Promise<boolean> {
  const commit = model.currentHeader.commit;
  if (!commit || commit.message || !lookup) return false;
  let message: string | undefined;
  try {
    message = await lookup(commit.sha);
  } catch (err) {
    logger.debug(`run panel: no message for commit ${commit.sha}: ${errorMessage(err)}`);
    return false;
  }
  const subject = message?.split('\n')[0]?.trim().slice(0, MAX_SUBJECT_CHARS);
  // The run may have moved on to another commit's header meanwhile: only its own sha gets this.
  if (!subject || model.currentHeader.commit?.sha !== commit.sha) return false;
  model.setCommitMessage(subject);
  return true;
}
