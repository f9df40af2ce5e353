/**
 * A run's part in telling the team (notify/notifier.ts delivers): the environment's SNS topics
 * checked when the run starts, and the finished record's message handed over when it ends. Deploys,
 * manual rollbacks, recovers and resumed deployments all tell through here.
 */
import type { AwsClients } from '../aws/clients';
import { snsTopicParts } from '../aws/snsApi';
import type { DeploymentRecord } from '../history/record';
import type { EnvironmentConfig } from '../pipeline/types';
import { notifyMessage, notifyOutcome } from '../notify/message';
import type { DeploymentRun } from './deploymentRun';
import type { EngineContext } from './engineContext';

/** What topic checking needs of a run: its record's account, and where its notices go. */
type TopicChecker = Pick<DeploymentRun, 'record' | 'notice'>;
/** What telling needs of a run: the finished record, and the clients that reach its account. */
type Teller = Pick<DeploymentRun, 'record' | 'clients'>;

/**
 * The environment's `notify.sns` topics this run may publish to: only those of the account the
 * credentials belong to (the run's account, read from STS). A topic elsewhere is refused with a
 * notice: deployguard.yaml comes with the repository, and a repository must not send deployment
 * details to an account its user does not own.
 */
export function allowedTopics(run: TopicChecker, env: EnvironmentConfig): string[] {
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

/**
 * Hands the finished record's message to the context's notifier, which delivers it in the
 * background: never awaited, never thrown from, so telling cannot block or fail the run.
 */
export function tellTeam(
  ctx: EngineContext,
  run: Teller,
  topicArns: readonly string[],
  options: { readonly resumed?: boolean } = {},
): void {
  const notifier = ctx.notifier;
  if (!notifier?.wants(run.record.status, topicArns.length, notifyOutcome(run.record))) return;
  notifier.send(notifyMessage(run.record, options), { clients: run.clients, topicArns });
}

/**
 * Tells the team of a record that finished inside another function's run (a manual rollback's
 * restore): its topics are checked here, their refusals told as notices like a run's.
 */
export function tellTeamOfRecord(ctx: EngineContext, record: DeploymentRecord, clients: AwsClients, env: EnvironmentConfig): void {
  if (!ctx.notifier) return;
  const notice = (level: 'info' | 'warning' | 'error', code: string, message: string) => {
    ctx.emit({ type: 'notice', level, code, message, deploymentId: record.id, at: new Date().toISOString() });
    ctx.logger.info(`[${code}] ${message}`);
  };
  tellTeam(ctx, { record, clients }, allowedTopics({ record, notice }, env));
}
