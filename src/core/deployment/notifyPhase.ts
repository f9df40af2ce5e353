/**
 * A deploy's part in telling the team (notify/notifier.ts delivers): the environment's SNS topics
 * checked when the run starts, and the finished record's message handed over when it ends.
 */
import { snsTopicParts } from '../aws/snsApi';
import type { EnvironmentConfig } from '../pipeline/types';
import { notifyMessage } from '../notify/message';
import type { DeploymentRun } from './deploymentRun';
import type { EngineContext } from './engineContext';

/**
 * The environment's `notify.sns` topics this run may publish to: only those of the account the
 * credentials belong to (the run's account, read from STS). A topic elsewhere is refused with a
 * notice: deployguard.yaml comes with the repository, and a repository must not send deployment
 * details to an account its user does not own.
 */
export function allowedTopics(run: DeploymentRun, env: EnvironmentConfig): string[] {
  const account = run.record.account;
  return (env.notify?.sns ?? []).filter((arn) => {
    const parts = snsTopicParts(arn);
    if (parts?.account === account) return true;
    run.notice(
      'warning',
      'notify-topic-refused',
      `SNS topic ${arn} is ${parts ? `in account ${parts.account}` : 'not a topic ARN'}, not the credentials' account ${account}: it will not be told of this deployment (notify.sns takes topics of the account deployed to)`,
    );
    return false;
  });
}

/** Hands the finished record's message to the context's notifier, which delivers it in the background. */
export function tellTeam(ctx: EngineContext, run: DeploymentRun, topicArns: readonly string[]): void {
  const notifier = ctx.notifier;
  if (!notifier?.wants(run.record.status, topicArns.length)) return;
  notifier.send(notifyMessage(run.record), { clients: run.clients, topicArns });
}
