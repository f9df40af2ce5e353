/**
 * AWS client setup: the only place that constructs SDK clients. The SDK modules are loaded by
 * loadAwsSdk() (sdk.ts) on first use, so nothing here costs anything until a deploy or a watch starts.
 *
 * Every client gets the same hardening:
 * - request timeouts that really throw (`throwOnRequestTimeout`; the default only warns);
 * - bounded retries (standard mode) for throttling, 5xx and dropped connections, with every
 *   retried failure reported through `onRetry` so the log can say "throttled, retrying";
 * - LimitExceededException, a hard quota, is NOT retried (the SDK would treat it as throttling);
 * - CloudWatch pinned to JSON 1.0 (AwsJson1_0Protocol): emulators do not speak CBOR.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import { DeployGuardError } from '../errors';
import { classifyAwsError, type AwsErrorKind } from './awsErrors';
import { describeForeignAnswer, foreignAnswerMiddleware, foreignAnswerOf } from './foreignAnswer';
import { loadAwsSdk } from './sdk';

export interface AwsTarget {
  readonly region: string;
  /** Named profile; undefined = the SDK's default credential chain. */
  readonly profile?: string;
  /** Already vetted by chooseEndpoint(). */
  readonly endpoint?: string;
}

/** A failed attempt the SDK is about to retry (or gave up on). */
export interface RetryNotice {
  readonly service: string;
  readonly operation: string;
  readonly kind: AwsErrorKind;
  readonly name: string;
}

export interface ClientOptions {
  /** Per-attempt time limit; the call fails (and may be retried) after it. Default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly connectionTimeoutMs?: number;
  /** Total attempts per call, first included. Default 4. */
  readonly maxAttempts?: number;
  readonly onRetry?: (notice: RetryNotice) => void;
}

const DEFAULTS = { requestTimeoutMs: 30_000, connectionTimeoutMs: 5_000, maxAttempts: 4 };

/** Config common to every client. */
function baseConfig(target: AwsTarget, options: ClientOptions) {
  return {
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    retryMode: 'standard',
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULTS.connectionTimeoutMs,
      throwOnRequestTimeout: true,
    },
    // S3 path-style keeps emulator URLs simple (no bucket subdomains on 127.0.0.1).
    forcePathStyle: true,
  } as const;
}

interface MiddlewareStackLike {
  add(middleware: unknown, options: { step: string; priority?: string; name?: string }): void;
}

/**
 * Sits outside the deserializer, inside the retry loop: sees each attempt's error. Reports
 * retryable ones, and turns a quota error into a non-retryable DeployGuardError.
 */
function installRetryObserver(client: { middlewareStack: MiddlewareStackLike }, service: string, options: ClientOptions): void {
  client.middlewareStack.add(foreignAnswerMiddleware(), { step: 'deserialize', priority: 'low', name: 'deployGuardForeignAnswer' });
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (err) {
        // The SDK's parse error points at a hidden field; the status and first line say more.
        const foreign = foreignAnswerOf(err);
        if (foreign && err instanceof Error) err.message = describeForeignAnswer(foreign);
        const c = classifyAwsError(err);
        const operation = (context.commandName ?? 'request').replace(/Command$/, '');
        if (c.kind === 'quota') {
          throw new DeployGuardError('QuotaExceeded', `${service} ${operation}: ${c.name}: ${c.message}`, {
            cause: err,
            hint: 'this is a service quota, not throttling: retrying will not help',
          });
        }
        if (c.kind === 'throttle' || c.kind === 'server' || c.kind === 'network' || c.kind === 'timeout') {
          options.onRetry?.({ service, operation, kind: c.kind, name: c.name });
        }
        throw err;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'deployGuardRetryObserver' },
  );
}

export async function createCloudFormationClient(target: AwsTarget, options: ClientOptions = {}): Promise<CloudFormationClient> {
  const { CloudFormationClient } = (await loadAwsSdk()).cloudFormation;
  const client = new CloudFormationClient(baseConfig(target, options));
  installRetryObserver(client, 'CloudFormation', options);
  return client;
}

/** CloudWatch with its wire protocol pinned to JSON 1.0 (moto and LocalStack answer it; not CBOR). */
export async function createCloudWatchClient(target: AwsTarget, options: ClientOptions = {}): Promise<CloudWatchClient> {
  const sdk = await loadAwsSdk();
  const { CloudWatchClient } = sdk.cloudWatch;
  const { AwsJson1_0Protocol } = sdk.protocols;
  const client = new CloudWatchClient({ ...baseConfig(target, options), protocol: AwsJson1_0Protocol });
  installRetryObserver(client, 'CloudWatch', options);
  return client;
}

export async function createS3Client(target: AwsTarget, options: ClientOptions = {}): Promise<S3Client> {
  const { S3Client } = (await loadAwsSdk()).s3;
  const client = new S3Client({
    ...baseConfig(target, options),
    // A bucket (the team's history) may live in another region than the stack: follow S3's redirect.
    followRegionRedirects: true,
    // A checksum only where S3 requires one (DeleteObjects), as before the SDK's 2025 default:
    // TLS already guards what is sent and read, a record is checked when parsed, and a CRC32 on
    // every PutObject and GetObject cost a team-history deploy 2 ms a request (one in three of
    // its S3 time, measured against moto).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  installRetryObserver(client, 'S3', options);
  return client;
}

export async function createStsClient(target: AwsTarget, options: ClientOptions = {}): Promise<STSClient> {
  const { STSClient } = (await loadAwsSdk()).sts;
  // Identity is a preflight: one attempt, so missing credentials fail fast (no retry storm).
  const client = new STSClient({ ...baseConfig(target, options), maxAttempts: 1 });
  installRetryObserver(client, 'STS', options);
  return client;
}

/**
 * SNS for the team's notifications. One attempt: the notifier's own loop retries with backoff, so a
 * topic that cannot be reached costs a bounded number of tries, not tries times the SDK's.
 */
export async function createSnsClient(target: AwsTarget, options: ClientOptions = {}): Promise<SNSClient> {
  const { SNSClient } = (await loadAwsSdk()).sns;
  const client = new SNSClient({ ...baseConfig(target, options), maxAttempts: 1 });
  installRetryObserver(client, 'SNS', options);
  return client;
}

/** Lazily created, cached clients for one target; dispose() closes their sockets. */
export class AwsClients {
  private cfn?: Promise<CloudFormationClient> | undefined;
  private cw?: Promise<CloudWatchClient> | undefined;
  private s3c?: Promise<S3Client> | undefined;
  private stsc?: Promise<STSClient> | undefined;

  constructor(
    readonly target: AwsTarget,
    private readonly options: ClientOptions = {},
  ) {}

  cloudFormation(): Promise<CloudFormationClient> {
    return (this.cfn ??= createCloudFormationClient(this.target, this.options));
  }
  cloudWatch(): Promise<CloudWatchClient> {
    return (this.cw ??= createCloudWatchClient(this.target, this.options));
  }
  s3(): Promise<S3Client> {
    return (this.s3c ??= createS3Client(this.target, this.options));
  }
  sts(): Promise<STSClient> {
    return (this.stsc ??= createStsClient(this.target, this.options));
  }
  /**
   * An SNS client for a topic's region, not cached and not closed by dispose(): notifications are
   * delivered after the deployment has ended and its clients are gone. The caller destroys it.
   */
  snsFor(region: string): Promise<SNSClient> {
    return createSnsClient({ ...this.target, region }, this.options);
  }

  dispose(): void {
    for (const p of [this.cfn, this.cw, this.s3c, this.stsc]) void p?.then((c) => c.destroy()).catch(() => undefined);
    this.cfn = this.cw = this.s3c = this.stsc = undefined;
  }
}
