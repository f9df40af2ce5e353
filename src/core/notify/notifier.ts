/**
 * Telling the team: the finished deployment's message to the webhook (a user's setting or the CLI's
 * DEPLOYGUARD_NOTIFY_WEBHOOK, never the repository's file) and to the environment's SNS topics.
 *
 * Rules:
 * - Fire and forget: `send` returns at once; a deployment never waits for, nor fails because of,
 *   a notification. Each destination is tried with backoff a bounded number of times.
 * - Failures are logged with the webhook's secret parts masked (maskUrl), never the URL itself.
 * - Whoever owns the notifier decides how long its deliveries may outlive a run: the CLI waits a
 *   bounded time at exit (`settle`), the editor disposes it with the extension.
 */
import type { AwsClients } from '../aws/clients';
import { publishToTopic, snsTopicParts } from '../aws/snsApi';
import type { Disposable } from '../disposable';
import { errorMessage } from '../errors';
import type { Logger } from '../logger';
import { DEFAULT_RETRY, maskUrl, postWebhook, webhookProblem, withRetries, type RetryPolicy } from './delivery';
import { isNotified, type NotifyMessage } from './message';
import type { DeploymentStatus, StatusOutcome } from '../deploymentStatus';

export interface NotifierOptions {
  /** Where the JSON message is POSTed; absent or blank = no webhook. */
  readonly webhookUrl?: string;
  /** Also tell of a deployment that ended stable. */
  readonly onStable?: boolean;
  readonly logger: Logger;
  readonly retry?: Partial<RetryPolicy>;
}

/** The environment's SNS topics (already checked to be the deploying account's) and the clients to reach them. */
export interface TopicDestinations {
  readonly clients: AwsClients;
  readonly topicArns: readonly string[];
}

export class Notifier implements Disposable {
  private readonly pending = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private readonly webhook: string | undefined;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: NotifierOptions) {
    const url = options.webhookUrl?.trim();
    const problem = url ? webhookProblem(url) : undefined;
    if (url && problem) options.logger.warn(`The notification webhook ${maskUrl(url)} is ignored: ${problem}`);
    this.webhook = url && !problem ? url : undefined;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** Whether a deployment that ended in `status` (meaning `outcome`, default the status's) is told to anyone. */
  wants(status: DeploymentStatus, topics: number, outcome?: StatusOutcome): boolean {
    return (this.webhook !== undefined || topics > 0) && isNotified(status, this.options.onStable === true, outcome);
  }

  /** Deliveries still being tried. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends the message to the webhook and every topic in the background; returns at once. */
  send(message: NotifyMessage, topics?: TopicDestinations): void {
    const body = JSON.stringify(message);
    const url = this.webhook;
    if (url) this.track(`webhook ${maskUrl(url)}`, message, (signal) => postWebhook(url, body, signal));
    for (const arn of topics?.topicArns ?? []) {
      const region = snsTopicParts(arn)?.region ?? topics!.clients.target.region;
      this.track(`SNS topic ${arn}`, message, async (signal) => {
        const sns = await topics!.clients.snsFor(region);
        try {
          await publishToTopic(sns, arn, message.text, body, `${message.deploymentId}-${message.status}`, signal);
        } finally {
          sns.destroy();
        }
      });
    }
  }

  private track(where: string, message: NotifyMessage, attempt: (signal: AbortSignal) => Promise<void>): void {
    const job = withRetries(this.retry, this.stop.signal, attempt)
      .then((failure) => {
        const what = `${message.environment} ${message.status} (${message.deploymentId})`;
        if (failure === undefined) this.options.logger.info(`Told ${where}: ${what}`);
        else this.options.logger.warn(`Could not tell ${where} about ${what}: ${failure}. The deployment is not affected.`);
      })
      .catch((err: unknown) => this.options.logger.warn(`Could not tell ${where}: ${errorMessage(err)}`))
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /**
   * Waits for the deliveries in flight, at most `maxMs`; then stops those still trying. Resolves
   * true when every one had finished (delivered or given up) in time.
   */
  async settle(maxMs: number): Promise<boolean> {
    if (this.pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), maxMs)));
    const all = Promise.all([...this.pending]).then(() => true as const);
    const done = await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (!done) {
      this.options.logger.warn(`${this.pending.size} notification(s) were still being delivered after ${maxMs} ms; given up`);
      this.dispose();
    }
    return done;
  }

  dispose(): void {
    this.stop.abort();
  }
}
