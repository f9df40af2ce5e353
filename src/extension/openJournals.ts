import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Whether any stack's write-ahead journal under the history folder has a deployment without a
 * `finished` (or `in-doubt`) line — one a window reload or a crash interrupted. Plain file reads, so activation
 * can ask without loading the engine (and the AWS SDK); only a `yes` makes it load the engine to
 * reattach. The engine's Journal stays the authority on what the entries mean.
 */
export async function hasOpenJournalEntries(historyFolder: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const root =
    historyFolder ?? (env['DEPLOYGUARD_HOME']?.trim() ? resolve(env['DEPLOYGUARD_HOME'].trim()) : join(homedir(), '.deployguard'));
  const stacks = join(root, 'stacks');
  for (const account of await dirs(stacks)) {
    for (const region of await dirs(join(stacks, account))) {
      for (const stack of await dirs(join(stacks, account, region))) {
        if (await journalHasOpenEntry(join(stacks, account, region, stack, 'journal.jsonl'))) return true;
      }
    }
  }
  return false;
}

/**
 * Whether the workspace's deploys may keep their history in a team bucket: the user setting names
 * one, or deployguard.yaml has a `history: s3://…` (top level or an environment's). Only a yes
 * makes activation load the engine to read the team's journal (an AWS call); the engine decides
 * which store each environment really uses. A setting of `local` wins over the file.
 */
export async function mayUseTeamHistory(userHistory: string | undefined, repoRoot: string): Promise<boolean> {
  let text: string | undefined;
  try {
    text = await readFile(join(repoRoot, 'deployguard.yaml'), 'utf8');
  } catch {
    text = undefined;
  }
  return namesTeamHistory(userHistory, text);
}

/** The rule of `mayUseTeamHistory`, on the setting's value and the file's text. Pure. */
export function namesTeamHistory(userHistory: string | undefined, pipelineText: string | undefined): boolean {
  const chosen = userHistory?.trim();
  if (chosen) return chosen.startsWith('s3://');
  return pipelineText !== undefined && /^[ \t]*history:[ \t]*["']?s3:\/\//m.test(pipelineText);
}

async function journalHasOpenEntry(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return false;
  }
  const lastPhase = new Map<string, string>();
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { deploymentId?: unknown; phase?: unknown };
      if (typeof entry.deploymentId === 'string' && typeof entry.phase === 'string') lastPhase.set(entry.deploymentId, entry.phase);
    } catch {
      /* a torn line: the engine sets it aside when it reads the journal */
    }
  }
  // `in-doubt`: a run left it open on purpose (outcome unknown, or live and not verified); a person
  // reattaches to it (the next deploy, or "Watch the Live Version"), not the window on its own.
  return [...lastPhase.values()].some((phase) => phase !== 'finished' && phase !== 'in-doubt');
}

async function dirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}
