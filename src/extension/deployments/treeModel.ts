import type { DamagedEntry, DeploymentRecord } from '../../core/history/record';
import { errorMessage, DeployGuardError } from '../../core/errors';
import { currentVersion } from '../../core/history/ledger';
import type { EnvironmentConfig, PipelineConfig } from '../../core/pipeline/types';
import { loadEngine } from '../engineLoader';
import type { EngineHost } from '../engineHost';

/** One environment of deployguard.yaml with its stack's history (local folder or team store). */
export interface EnvironmentEntry {
  readonly name: string;
  readonly config: EnvironmentConfig;
  readonly stackName: string;
  /** Newest first. */
  readonly records: readonly DeploymentRecord[];
  readonly damaged: readonly DamagedEntry[];
  /** The account whose history is shown (absent when there is none yet). */
  readonly account?: string;
  /** Other accounts with a stack of this name in this region: their histories are never merged in. */
  readonly otherAccounts?: readonly string[];
  /** The team history's `s3://BUCKET/PREFIX` when the environment's history lives there (absent: the local folder). */
  readonly teamHistory?: string;
  /** Set when the team history could not be read and the records are this machine's copy: the row that says so. */
  readonly stale?: string;
  /** Set when the history could not be read: the tree shows an error row, never throws. */
  readonly error?: { readonly message: string; readonly hint?: string };
}

/** The tree's nodes. Every node has a stable `id`, so expansion and selection survive updates. */
export type TreeNode =
  | { readonly kind: 'environment'; readonly id: string; readonly env: EnvironmentEntry }
  | { readonly kind: 'deployment'; readonly id: string; readonly env: EnvironmentEntry; readonly record: DeploymentRecord }
  /** One output of the stack's current version (click copies the value). */
  | { readonly kind: 'output'; readonly id: string; readonly env: EnvironmentEntry; readonly key: string; readonly value: string }
  | {
      readonly kind: 'message';
      readonly id: string;
      readonly severity: 'error' | 'warning' | 'info';
      readonly label: string;
      readonly detail?: string;
      readonly hint?: string;
    };

/**
 * The outputs of the version the stack runs (the ledger's current one), shown above its history:
 * where people look for the URL they deployed. One row per output, in the record's order.
 */
export function outputRows(env: EnvironmentEntry): TreeNode[] {
  const outputs = currentVersion(env.records)?.outputs ?? {};
  return Object.entries(outputs).map(([key, value]) => ({ kind: 'output', id: `out:${env.name}:${key}`, env, key, value }));
}

/** What the view shows at the top level. */
export type TreeContents =
  | { readonly kind: 'empty'; readonly why: 'untrusted' | 'no-workspace' | 'no-pipeline' | 'invalid-pipeline' }
  | { readonly kind: 'environments'; readonly pipeline: PipelineConfig; readonly environments: EnvironmentEntry[] };

/** How many records each environment lists (the newest; older ones stay in history for the CLI). */
export const HISTORY_ROWS = 50;

/**
 * Reads deployguard.yaml and every environment's history: the local folder without any AWS call,
 * a team store through the engine (STS for the account, then S3).
 */
export async function loadTreeContents(host: EngineHost): Promise<TreeContents> {
  const loaded = await host.loadPipeline();
  if (!loaded) return { kind: 'empty', why: 'no-workspace' };
  if (!loaded.config) {
    const missing = loaded.problems.length === 1 && loaded.problems[0]?.code === 'file-not-found';
    return { kind: 'empty', why: missing ? 'no-pipeline' : 'invalid-pipeline' };
  }
  const pipeline = loaded.config;
  const environments = await Promise.all(Object.values(pipeline.environments).map((config) => loadEnvironment(host, pipeline, config)));
  return { kind: 'environments', pipeline, environments };
}

export async function loadEnvironment(host: EngineHost, pipeline: PipelineConfig, config: EnvironmentConfig): Promise<EnvironmentEntry> {
  let stackName = pipeline.stack.name;
  try {
    stackName = loadEngine().stackNameFor({ pipeline, environment: config.name });
  } catch {
    /* a name that needs a commit (${git.sha}): shown as written */
  }
  try {
    // The history the deploy would use: a team store is read as the CLI's `history` reads it (the
    // newest rows only; this machine's copy, marked stale, when the bucket does not answer).
    const team = await host.teamHistory(pipeline, config);
    if (team) {
      try {
        const listing = await team.stackHistory.list({ limit: HISTORY_ROWS, allowStale: true });
        return {
          name: config.name,
          config,
          stackName,
          records: listing.records.slice(0, HISTORY_ROWS),
          damaged: listing.damaged,
          account: team.stackHistory.key.account,
          teamHistory: team.where,
          ...(listing.stale ? { stale: staleRow(team.where, listing.staleReason ?? listing.stale) } : {}),
        };
      } finally {
        team.dispose();
      }
    }
    const store = host.historyStore();
    // History is keyed by account too, which only AWS can tell; the tree reads the folders on disk
    // instead of calling STS. Two accounts' stacks of one name are different stacks: one account's
    // history is shown, never a merge (a rollback target from another account would be wrong).
    const keys = (await store.listStacks()).filter((k) => k.stackName === stackName && k.region === config.region);
    const accounts = [...new Set(keys.map((k) => k.account))].sort();
    const account = await accountShown(
      config,
      accounts,
      async (a) => (await store.stack({ account: a, region: config.region, stackName }).list()).records,
    );
    if (account === undefined)
      return { name: config.name, config, stackName, records: [], damaged: [], ...otherAccountsOf(accounts, undefined) };
    const listing = await store.stack({ account, region: config.region, stackName }).list();
    const records = [...listing.records].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return {
      name: config.name,
      config,
      stackName,
      records: records.slice(0, HISTORY_ROWS),
      damaged: listing.damaged,
      account,
      ...otherAccountsOf(accounts, account),
    };
  } catch (err) {
    const hint = DeployGuardError.is(err) ? err.hint : undefined;
    return {
      name: config.name,
      config,
      stackName,
      records: [],
      damaged: [],
      error: { message: errorMessage(err), ...(hint ? { hint } : {}) },
    };
  }
}

/**
 * Which account's history an environment shows: the pinned one (even with no history yet), else
 * the only one, else the one deployed to most recently (the credentials in use, most likely).
 */
async function accountShown(
  config: EnvironmentConfig,
  accounts: readonly string[],
  recordsOf: (account: string) => Promise<readonly DeploymentRecord[]>,
): Promise<string | undefined> {
  if (config.account !== undefined) return config.account;
  if (accounts.length <= 1) return accounts[0];
  let best: { account: string; at: string } | undefined;
  for (const account of accounts) {
    const at = (await recordsOf(account)).reduce((max, r) => (r.startedAt > max ? r.startedAt : max), '');
    if (!best || at > best.at) best = { account, at };
  }
  return best?.account;
}

function otherAccountsOf(accounts: readonly string[], shown: string | undefined): { otherAccounts?: readonly string[] } {
  const others = accounts.filter((a) => a !== shown);
  return others.length > 0 ? { otherAccounts: others } : {};
}

/** The tree's row for a listing from this machine's copy because the team history did not answer. */
export function staleRow(where: string, reason: string): string {
  return `showing this machine's copy: the team history at ${where} could not be read — ${reason}`;
}
