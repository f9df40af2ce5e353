/**
 * The bucket packaged artefacts go to (`stack.templateBucket`): whether a key is there already,
 * and the upload — one PutObject, or a multipart upload for a large file (parts of 8 MiB, so a
 * 200 MB function is 25 parts, each retried alone by the SDK, never the whole file again).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DeployGuardError } from '../errors';
import type { ArtifactStore } from '../packaging/packageTemplate';
import { toDeployGuardError } from './awsErrors';
import type { AwsClients } from './clients';
import { loadAwsSdk } from './sdk';

/** Files at least this large go up in parts. */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
export const PART_BYTES = 8 * 1024 * 1024;

/** The URL CloudFormation reads an object of the bucket from (a template, nested or too large to send inline). */
export function objectUrl(target: AwsClients['target'], bucket: string, key: string): string {
  const { endpoint, region } = target;
  if (!endpoint) return `https://${bucket}.s3.${region}.amazonaws.com/${key}`;
  // Emulators read TemplateURL path-style, and moto only when the host is spelled "localhost".
  const url = new URL(`${endpoint}/${bucket}/${key}`);
  if (url.hostname === '127.0.0.1' || url.hostname === '[::1]') url.hostname = 'localhost';
  return url.toString();
}

const statusOf = (err: unknown): number | undefined => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * The bucket as an ArtifactStore. Checks once that the bucket exists, so a missing bucket is
 * said as such rather than as every object being absent.
 */
export async function s3ArtifactStore(clients: AwsClients, bucket: string, signal: AbortSignal): Promise<ArtifactStore> {
  const s3 = await clients.s3();
  const sdk = (await loadAwsSdk()).s3;
  const where = { ...clients.target };
  try {
    await s3.send(new sdk.HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
  } catch (err) {
    if (statusOf(err) === 404) {
      throw new DeployGuardError(
        'ConfigInvalid',
        `The bucket ${bucket} (stack.templateBucket) does not exist in ${clients.target.region}`,
        {
          hint: 'create it, or set stack.templateBucket to a bucket this account can write to',
        },
      );
    }
    throw toDeployGuardError(err, `Reading bucket ${bucket}`, where);
  }
  return {
    bucket,
    url: (key) => objectUrl(clients.target, bucket, key),
    async exists(key) {
      try {
        await s3.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw toDeployGuardError(err, `Checking s3://${bucket}/${key}`, where);
      }
    },
    async put(key, body) {
      try {
        if (body.length < MULTIPART_THRESHOLD_BYTES) {
          await s3.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }), { abortSignal: signal });
        } else {
          await putInParts(s3, sdk, bucket, key, body, signal);
        }
      } catch (err) {
        throw toDeployGuardError(err, `Uploading s3://${bucket}/${key} (${body.length.toLocaleString('en-US')} bytes)`, where);
      }
    },
  };
}

async function putInParts(
  s3: S3Client,
  sdk: Awaited<ReturnType<typeof loadAwsSdk>>['s3'],
  bucket: string,
  key: string,
  body: Buffer,
  signal: AbortSignal,
): Promise<void> {
  const started = await s3.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  const uploadId = started.UploadId;
  if (!uploadId) throw new DeployGuardError('AwsRequestFailed', `S3 started a multipart upload of ${key} but gave no upload id`);
  try {
    const parts: { ETag: string; PartNumber: number }[] = [];
    for (let n = 1, at = 0; at < body.length; n++, at += PART_BYTES) {
      const part = await s3.send(
        new sdk.UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: n,
          Body: body.subarray(at, at + PART_BYTES),
        }),
        { abortSignal: signal },
      );
      parts.push({ ETag: part.ETag ?? '', PartNumber: n });
    }
    await s3.send(
      new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      { abortSignal: signal },
    );
  } catch (err) {
    // Parts of an unfinished upload are billed until aborted: never leave them.
    await s3.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
