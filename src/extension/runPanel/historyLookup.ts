import type { DeploymentRecord } from '../../core/history/record';
import type { HistoryStore } from '../../core/history/store';
import { loadEngine } from '../engineLoader';
import { readSettings } from '../settings';

/**
 * Finds a record by id in the deployment history (any stack). The store lives in the engine
 * bundle, loaded on first use — opening a finished run is such a use; activation is not.
 *
 * The history folder comes from user settings only (a workspace must not redirect where records
 * are read from; `readSettings` ignores workspace values), else the engine's default
 * (`DEPLOYGUARD_HOME` or ~/.deployguard).
 */
export async function findRecordInHistory(deploymentId: string): Promise<DeploymentRecord | undefined> {
  const Store = (loadEngine() as unknown as { HistoryStore?: typeof HistoryStore }).HistoryStore;
  if (!Store) return undefined; // an engine bundle without the history store: nothing to read
  const folder = readSettings().historyFolder;
  const store = folder ? new Store(folder) : new Store();
  for (const key of await store.listStacks()) {
    const record = await store.stack(key).get(deploymentId);
    if (record) return record;
  }
  return undefined;
}
