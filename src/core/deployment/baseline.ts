import { isSettledHealthy } from '../aws/stackStatus';
import { declaredParameters, sha256 } from '../aws/template';
import { deploymentIdTime, newDeploymentId } from '../history/paths';
import type { DeploymentRecord } from '../history/record';
import type { StackHistory } from '../history/store';
import type { EnvironmentConfig } from '../pipeline/types';
import type { EngineContext } from './engineContext';
import type { StackAsFound } from './previousVersion';
import { newRecord, parameterRecordsOfStack, reportDamagedHistory } from './stackRecords';

/**
 * Before the first deployment of a stack that already exists, its current template and
 * parameters are recorded as the baseline: the stack as found, never verified, a rollback target
 * only while no verified version exists. Its id sorts just before the deployment's (`before`), so
 * lists show it first; the ledger's order never depends on that.
 */
export async function captureBaselineIfFirst(
  ctx: EngineContext,
  stackHistory: StackHistory,
  env: EnvironmentConfig,
  stackName: string,
  found: StackAsFound,
  before?: string,
): Promise<DeploymentRecord | undefined> {
  const { records, damaged } = await stackHistory.list();
  reportDamagedHistory(ctx.emit, damaged);
  if (records.length > 0) return undefined;
  const { stack, body } = found;
  if (!stack || body === undefined || !isSettledHealthy(stack.status)) return undefined;
  let declared: ReturnType<typeof declaredParameters> = [];
  try {
    declared = declaredParameters(body);
  } catch {
    /* unparseable template: record every parameter value as it is */
  }
  const noEcho = new Set(declared.filter((p) => p.noEcho).map((p) => p.key));
  const now = new Date().toISOString();
  const record: DeploymentRecord = {
    ...newRecord(),
    id: newDeploymentId(((before !== undefined ? deploymentIdTime(before) : undefined) ?? Date.now()) - 1),
    kind: 'baseline',
    environment: env.name,
    stackName,
    region: env.region,
    account: stackHistory.key.account,
    stackId: stack.stackId,
    trigger: 'baseline',
    template: { body, sha256: sha256(body) },
    parameters: parameterRecordsOfStack(stack.parameters, noEcho),
    tags: stack.tags,
    capabilities: [],
    status: 'stable',
    verification: { kind: 'as-found', at: now },
    reason: `The stack as it was (${stack.status}) before Deploy Guard first deployed it`,
    stackStatus: stack.status,
    startedAt: now,
    finishedAt: now,
    steps: [],
  };
  await stackHistory.write(record);
  ctx.emit({
    type: 'notice',
    deploymentId: record.id,
    at: now,
    level: 'info',
    code: 'baseline-captured',
    message: `Recorded the current version of ${stackName} as the baseline (rollback target)`,
  });
  return record;
}
