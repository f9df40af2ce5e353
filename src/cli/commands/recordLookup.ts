/**
 * What `incident` and `timeline` share: the environment's history, and the one record they are
 * about (the id given, or the newest that fits).
 */
import { openStackHistory } from '../../core/deployment';
import { DeployGuardError } from '../../core/errors';
import type { DeploymentRecord } from '../../core/history/record';
import type { CliIo } from '../types';
import { engineContext, loadTarget, selection, type LoadedTarget } from './engineSupport';

export interface RecordLookup {
  readonly target: LoadedTarget;
  readonly records: readonly DeploymentRecord[];
  readonly record: DeploymentRecord;
}

export function environmentAndId(command: string, positionals: string[]): { environment: string; id?: string } {
  if (positionals.length === 0 || positionals.length > 2) {
    throw new DeployGuardError('Usage', `expected ENV [ID], got ${positionals.length} arguments`, {
      hint: `run "deployguard ${command} --help"`,
    });
  }
  const [environment, id] = positionals as [string, string | undefined];
  return id === undefined ? { environment } : { environment, id };
}

/**
 * The record `id` names (of this environment's stack), or the newest record of the environment
 * that `fits`; a Usage error that says what exists when there is none.
 */
export async function lookUpRecord(
  io: CliIo,
  values: { file?: string; endpoint?: string; profile?: string; json?: boolean },
  command: string,
  wanted: { environment: string; id?: string },
  fits: (record: DeploymentRecord) => boolean,
  what: string,
): Promise<RecordLookup> {
  const target = await loadTarget(io, values.file, wanted.environment);
  const ctx = engineContext(io, values.json === true);
  const { stackHistory, clients } = await openStackHistory(ctx, selection(io, target, values), io.signal);
  clients.dispose();
  const { records, damaged } = await stackHistory.list();
  for (const d of damaged) io.stderr.write(`warning: ${d.problem}: ${d.path}${d.movedTo ? ` (moved to ${d.movedTo})` : ''}\n`);
  const ofEnvironment = records.filter((r) => r.environment === wanted.environment);
  const record = wanted.id !== undefined ? records.find((r) => r.id === wanted.id) : ofEnvironment.find(fits);
  if (!record) {
    throw new DeployGuardError(
      'Usage',
      wanted.id !== undefined
        ? `deployment ${wanted.id} is not in the history of ${stackHistory.key.stackName} (${stackHistory.key.region})`
        : `no deployment of ${wanted.environment} has ${what}`,
      {
        hint: `deployguard history ${wanted.environment} lists its deployments; pass an id: deployguard ${command} ${wanted.environment} ID`,
      },
    );
  }
  return { target, records, record };
}
