/**
 * The rollback rehearsal's place in a deploy: which version a rollback would restore (the ledger's
 * choice for this very deployment), what planning it needs from the stack phase, and how its result
 * reaches the record, the log, the notices and the confirmation.
 */
import { parametersForRedeploy, refuseSecrets, tagsForRedeploy } from '../aws/parameters';
import type { LiveToTarget, RehearsalPlan } from '../aws/rollbackRehearsal';
import { declaredParameters } from '../aws/template';
import type { PlannedChange } from '../events';
import { chooseRollbackTarget } from '../history/ledger';
import type { DeploymentRecord } from '../history/record';
import type { EnvironmentConfig } from '../pipeline/types';
import { rehearsalDangers, rehearsalSummary, rollbackChanges, type RollbackRehearsal } from '../rollback/rehearsal';
import { isGuardedEnvironment } from '../triggers/triggerGuards';
import type { DeploymentRun } from './deploymentRun';
import type { DeployRequest } from './runDeployment';
import { parametersMatch } from './targetMatch';

export interface PreparedRehearsal {
  readonly plan: RehearsalPlan;
  /** Turns the stack phase's answer into the recorded rehearsal, told to views as it is. */
  report(liveToTarget: LiveToTarget, deployChanges: readonly PlannedChange[]): RollbackRehearsal;
}

/**
 * Whether to rehearse and against what. On by default where a rollback matters and the rehearsal is
 * cheap: guarded and `prod*` environments (when the stack runs the verified version, which is the
 * usual case, it costs no AWS call at all). `undefined`: no rehearsal (not asked, or no version to
 * roll back to).
 */
export async function prepareRehearsal(
  run: DeploymentRun,
  request: Pick<DeployRequest, 'rehearseRollback' | 'processEnv'>,
  env: EnvironmentConfig,
): Promise<PreparedRehearsal | undefined> {
  if (!(request.rehearseRollback ?? isGuardedEnvironment(env))) return undefined;
  const { records } = await run.stackHistory.list();
  const choice = chooseRollbackTarget(records, run.record);
  if (!choice) {
    run.log('Rollback rehearsal: there is no earlier version of this stack to roll back to');
    return undefined;
  }
  const target = choice.target;
  const processEnv = request.processEnv ?? process.env;
  const plan: RehearsalPlan = {
    changeSetName: `deployguard-rehearsal-${run.record.id}`,
    templateBody: target.template.body,
    ...(target.template.url ? { templateUrl: target.template.url } : {}),
    capabilities: target.capabilities,
    // The same values a rollback would send (rollbackToRecord.ts): NoEcho ones as UsePreviousValue,
    // those from `${env:VAR}` read again, refused when the variable no longer holds them.
    inputs: (stack) => {
      const secrets = { deploymentId: target.id, current: stack.parameters, processEnv };
      const refused: string[] = [];
      const declared = declaredParameters(target.template.body);
      const { sdk } = parametersForRedeploy(target.parameters, declared, new Set(stack.parameters.keys()), secrets, refused);
      const tags = tagsForRedeploy(target.tags, target.secretTags, secrets, refused);
      refuseSecrets(refused);
      return { parameters: sdk, tags };
    },
    liveIsTarget: (stack) =>
      run.record.previous?.templateSha256 === target.template.sha256 && parametersMatch(target.parameters, stack.parameters),
  };
  return { plan, report: (live, changes) => report(run, target, live, changes) };
}

function report(
  run: DeploymentRun,
  target: DeploymentRecord,
  live: LiveToTarget,
  deployChanges: readonly PlannedChange[],
): RollbackRehearsal {
  const base = { targetId: target.id, ...(target.commit ? { targetCommit: target.commit } : {}) };
  let rehearsal: RollbackRehearsal;
  if (live.kind === 'failed') {
    rehearsal = { ...base, changes: [], dangers: [], failed: live.message };
  } else {
    const changes = rollbackChanges(deployChanges, live.kind === 'planned' ? live.changes : []);
    rehearsal = {
      ...base,
      ...(live.kind === 'planned' ? { changeSetName: live.changeSetName } : {}),
      changes,
      dangers: rehearsalDangers(changes),
    };
  }
  run.record.rollbackRehearsal = rehearsal;
  run.log(rehearsalSummary(rehearsal));
  if (rehearsal.failed)
    run.notice('warning', 'rollback-rehearsal-failed', `${rehearsalSummary(rehearsal)}; a rollback may fail the same way`);
  for (const danger of rehearsal.dangers) run.notice('warning', 'rollback-rehearsal', danger.charAt(0).toUpperCase() + danger.slice(1));
  return rehearsal;
}
