/**
 * The S3 calls asset publishing makes: does a bucket exist, is an object already there, put one.
 * Plain values out; "not found" is decided by the HTTP status S3 answers with (a HEAD has no body
 * to name the error), never by message text.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyAwsError } from './awsErrors';
import { loadAwsSdk } from './sdk';

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.$metadata?.httpStatusCode === 404 || e.name === 'NotFound' || e.name === 'NoSuchBucket' || e.name === 'NoSuchKey';
}

/** `missing` when the bucket does not exist; `exists` also when it exists but belongs to someone else (403: the upload says so). */
export async function bucketState(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<'exists' | 'missing'> {
  const { HeadBucketCommand } = (await loadAwsSdk()).s3;
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }), signal ? { abortSignal: signal } : {});
    return 'exists';
  } catch (err) {
    if (isMissing(err)) return 'missing';
    if (classifyAwsError(err).kind === 'auth') return 'exists';
    throw err;
  }
}

/** Whether the object is already in the bucket (the key names its content: present means published). */
export async function objectExists(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<boolean> {
  const { HeadObjectCommand } = (await loadAwsSdk()).s3;
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

export async function putObject(
  s3: S3Client,
  object: { readonly bucket: string; readonly key: string; readonly body: Buffer; readonly contentType: string },
  signal?: AbortSignal,
): Promise<void> {
  const { PutObjectCommand } = (await loadAwsSdk()).s3;
  await s3.send(
    new PutObjectCommand({ Bucket: object.bucket, Key: object.key, Body: object.body, ContentType: object.contentType }),
    signal ? { abortSignal: signal } : {},
  );
}
