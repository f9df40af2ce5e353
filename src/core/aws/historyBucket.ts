/**
 * The S3 objects of a team history store (src/core/history/s3Store.ts): the one module that sends
 * the history's S3 calls. Plain values in and out; no SDK type leaves it.
 *
 * Rules:
 * - Every call sends ExpectedBucketOwner = the account of the credentials, so a deployguard.yaml
 *   cannot make anyone write templates, parameters and logs into a bucket another account owns
 *   (S3 answers 403 instead).
 * - Conditional writes say what failed by kind: `precondition` (412: someone else's write won),
 *   `conflict` (409 ConditionalRequestConflict: a concurrent write; retried here a few times),
 *   `missing` (404), `denied` (403), `unreachable` (network, timeouts, 5xx after the SDK's retries).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DeployGuardError, errorMessage } from '../errors';
import { classifyAwsError } from './awsErrors';
import { loadAwsSdk } from './sdk';

export type BucketFailureKind = 'precondition' | 'conflict' | 'missing' | 'denied' | 'unreachable' | 'other';

/** An S3 call of the history that failed, by kind (decide on `kind`, never the message). */
export class BucketFailure extends Error {
  override readonly name = 'BucketFailure';
  constructor(
    readonly kind: BucketFailureKind,
    readonly operation: string,
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  static is(err: unknown, ...kinds: BucketFailureKind[]): err is BucketFailure {
    return err instanceof BucketFailure && (kinds.length === 0 || kinds.includes(err.kind));
  }
}

export interface StoredObject {
  readonly body: string;
  readonly etag: string;
  /** S3's clock, not ours: a lock's age is judged by it. */
  readonly lastModified: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ListedObject {
  readonly key: string;
  readonly etag: string;
  readonly lastModified: number;
}

export interface PutCondition {
  /** `*`: create only (If-None-Match). */
  readonly ifNoneMatch?: '*';
  /** Replace only this version (If-Match). */
  readonly ifMatch?: string;
}

/** How often a 409 ConditionalRequestConflict is retried before it is reported. */
const CONFLICT_ATTEMPTS = 5;

/** Counts requests, for the benchmark and the tests that hold the cost of a listing constant. */
export interface RequestCounter {
  count: number;
}

export class HistoryBucket {
  constructor(
    private readonly client: () => Promise<S3Client>,
    readonly bucket: string,
    /** The credentials' account: sent as ExpectedBucketOwner on every call. */
    readonly owner: string,
    private readonly counter?: RequestCounter,
  ) {}

  /**
   * Whether the bucket answers for this owner under `prefix`; a failure is a BucketFailure. A
   * listing of one key, not HeadBucket: a least-privilege policy grants s3:ListBucket only under
   * the history's prefix (`s3:prefix`), and HeadBucket names no prefix, so such a policy denies it.
   */
  async check(prefix: string, signal?: AbortSignal): Promise<void> {
    await this.probe(prefix, this.owner, signal);
  }

  /**
   * Whether the bucket answers under `prefix` when no owner is expected: told apart from `check`,
   * it says a 403 came from another account owning the bucket, not from missing permissions. A
   * read, never a write.
   */
  async answersWithoutOwner(prefix: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.probe(prefix, undefined, signal);
      return true;
    } catch {
      return false;
    }
  }

  private async probe(prefix: string, owner: string | undefined, signal?: AbortSignal): Promise<void> {
    const { ListObjectsV2Command } = (await loadAwsSdk()).s3;
    await this.call('ListObjectsV2', prefix, (c) =>
      c.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1, ...(owner ? { ExpectedBucketOwner: owner } : {}) }),
        opts(signal),
      ),
    );
  }

  async get(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
    const { GetObjectCommand } = (await loadAwsSdk()).s3;
    try {
      const out = await this.call('GetObject', key, (c) =>
        c.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ExpectedBucketOwner: this.owner }), opts(signal)),
      );
      return {
        body: (await out.Body?.transformToString('utf8')) ?? '',
        etag: out.ETag ?? '',
        lastModified: out.LastModified?.getTime() ?? 0,
        metadata: out.Metadata ?? {},
      };
    } catch (err) {
      if (BucketFailure.is(err, 'missing')) return undefined;
      throw err;
    }
  }

  /** Writes `body`; the new ETag. A failed condition throws BucketFailure `precondition`. */
  async put(
    key: string,
    body: string,
    condition: PutCondition = {},
    metadata: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<string> {
    const { PutObjectCommand } = (await loadAwsSdk()).s3;
    const out = await this.call('PutObject', key, (c) =>
      c.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: key.endsWith('.log') ? 'text/plain; charset=utf-8' : 'application/json',
          ExpectedBucketOwner: this.owner,
          Metadata: metadata,
          ...(condition.ifNoneMatch ? { IfNoneMatch: condition.ifNoneMatch } : {}),
          ...(condition.ifMatch ? { IfMatch: condition.ifMatch } : {}),
        }),
        opts(signal),
      ),
    );
    return out.ETag ?? '';
  }

  /** Deletes `key`, only if it is still the version `ifMatch` names when given. */
  async delete(key: string, ifMatch?: string, signal?: AbortSignal): Promise<void> {
    const { DeleteObjectCommand } = (await loadAwsSdk()).s3;
    await this.call('DeleteObject', key, (c) =>
      c.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ExpectedBucketOwner: this.owner,
          ...(ifMatch ? { IfMatch: ifMatch } : {}),
        }),
        opts(signal),
      ),
    );
  }

  /**
   * Deletes `keys` (unconditionally), up to 1,000 in one DeleteObjects request: what a per-key
   * DeleteObject would cost in requests, one round trip. A key S3 could not delete fails the call.
   */
  async deleteMany(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    if (keys.length === 0) return;
    const { DeleteObjectsCommand } = (await loadAwsSdk()).s3;
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.call('DeleteObjects', batch[0]!, (c) =>
        c.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            ExpectedBucketOwner: this.owner,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
          opts(signal),
        ),
      );
      const failed = out.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new BucketFailure(
          'other',
          'DeleteObjects',
          first.Key ?? batch[0]!,
          `S3 DeleteObjects s3://${this.bucket}: ${failed.length} of ${batch.length} keys not deleted (${first.Key ?? '?'}: ${first.Code ?? '?'} ${first.Message ?? ''})`.trim(),
        );
      }
    }
  }

  /**
   * Keys under `prefix` in key order, at most `limit` (all when undefined), one request per 1,000:
   * a caller that needs the newest few of a newest-first layout pays for those few.
   */
  async list(prefix: string, limit?: number, signal?: AbortSignal): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, limit === undefined ? 1000 : Math.min(1000, limit - out.length), token, signal);
      out.push(...page.objects);
      token = page.next;
    } while (token && (limit === undefined || out.length < limit));
    return out;
  }

  /** One page of keys under `prefix` in key order; `next` continues it. */
  async listPage(
    prefix: string,
    maxKeys: number,
    token?: string,
    signal?: AbortSignal,
  ): Promise<{ objects: ListedObject[]; next?: string }> {
    const { ListObjectsV2Command } = (await loadAwsSdk()).s3;
    const page = await this.call('ListObjectsV2', prefix, (c) =>
      c.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: maxKeys,
          ExpectedBucketOwner: this.owner,
          ...(token ? { ContinuationToken: token } : {}),
        }),
        opts(signal),
      ),
    );
    const objects = (page.Contents ?? []).flatMap((o) =>
      o.Key ? [{ key: o.Key, etag: o.ETag ?? '', lastModified: o.LastModified?.getTime() ?? 0 }] : [],
    );
    return { objects, ...(page.IsTruncated && page.NextContinuationToken ? { next: page.NextContinuationToken } : {}) };
  }

  /** The "folders" right under `prefix` (CommonPrefixes with delimiter `/`), without the prefix. */
  async folders(prefix: string, signal?: AbortSignal): Promise<string[]> {
    const { ListObjectsV2Command } = (await loadAwsSdk()).s3;
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', prefix, (c) =>
        c.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            Delimiter: '/',
            ExpectedBucketOwner: this.owner,
            ...(token ? { ContinuationToken: token } : {}),
          }),
          opts(signal),
        ),
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  private async call<T>(operation: string, key: string, send: (client: S3Client) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.counter) this.counter.count++;
      try {
        return await send(await this.client());
      } catch (err) {
        if (DeployGuardError.is(err, 'Cancelled')) throw err;
        const failure = toBucketFailure(err, operation, this.bucket, key);
        // A 409 is a concurrent conditional write S3 could not order: the next attempt gets 412 or succeeds.
        if (failure.kind === 'conflict' && attempt < CONFLICT_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, 50 * attempt + Math.floor(Math.random() * 50)));
          continue;
        }
        throw failure;
      }
    }
  }
}

function opts(signal?: AbortSignal): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

function toBucketFailure(err: unknown, operation: string, bucket: string, key: string): BucketFailure {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const name = (err as { name?: string } | undefined)?.name ?? '';
  const where = `s3://${bucket}/${key}`;
  const say = (kind: BucketFailureKind) =>
    new BucketFailure(kind, operation, key, `S3 ${operation} ${where}: ${errorMessage(err)}`, { cause: err });
  if (status === 412 || name === 'PreconditionFailed') return say('precondition');
  if (status === 409 || name === 'ConditionalRequestConflict') return say('conflict');
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket') return say('missing');
  if (status === 403 || name === 'AccessDenied' || name === 'Forbidden') return say('denied');
  const kind = classifyAwsError(err).kind;
  switch (kind) {
    case 'network':
    case 'timeout':
    case 'server':
    case 'throttle':
      return say('unreachable');
    case 'auth':
    case 'authExpired':
    case 'noCredentials':
      return say('denied');
    case 'aborted':
      throw err;
    case 'noop':
    case 'busy':
    case 'notFound':
    case 'stateInvalid':
    case 'quota':
    case 'capabilities':
    case 'tokenReused':
    case 'changeSetNotExecutable':
    case 'changeSetNotFound':
    case 'alreadyExists':
    case 'validation':
    case 'unknown':
      return say(status !== undefined && status >= 500 ? 'unreachable' : 'other');
  }
}
