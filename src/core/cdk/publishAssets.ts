/**
 * Publishing a CDK stack's file assets where its template expects them: each destination's
 * bucket and key with the account, region and partition filled in. A key names its content (the
 * CDK hashes the source into it), so an object already there is the same asset and is not sent
 * again. The bootstrap bucket must exist: Deploy Guard never creates it (that is `cdk bootstrap`'s
 * job, with its roles and policies), and says what `cdk bootstrap` would make when it is missing.
 * Container image assets are refused before anything is uploaded.
 */
import { readFile, stat } from 'node:fs/promises';
import { bucketState, objectExists, putObject } from '../aws/s3Objects';
import type { AwsClients } from '../aws/clients';
import { toDeployGuardError } from '../aws/awsErrors';
import { DeployGuardError } from '../errors';
import { bootstrapQualifier, substitutePlaceholders, type CdkStackArtifact } from './assembly';
import { zipFolder } from './zipFolder';

/** One asset as it went out (kept on the record: a rollback can check its objects are still there). */
export interface PublishedAsset {
  readonly id: string;
  readonly displayName: string;
  readonly bucket: string;
  readonly key: string;
  /** False when the object was already in the bucket (same key, same content). */
  readonly uploaded: boolean;
  readonly bytes?: number;
}

export interface PublishTarget {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

/** Refuses what cannot be published, before any call: container images. */
export function checkPublishable(stack: CdkStackArtifact): void {
  if (stack.imageAssets.length === 0) return;
  throw new DeployGuardError(
    'NotSupported',
    `Stack ${stack.displayName} has container image assets, which Deploy Guard does not publish yet: ${stack.imageAssets.join(', ')}`,
    {
      hint: 'deploy this stack with cdk deploy for now, or build the image elsewhere and reference it by URI (ContainerImage.fromEcrRepository)',
    },
  );
}

export async function publishFileAssets(
  clients: AwsClients,
  stack: CdkStackArtifact,
  target: PublishTarget,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<PublishedAsset[]> {
  checkPublishable(stack);
  const s3 = await clients.s3();
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (DeployGuardError.is(err)) throw err;
      throw toDeployGuardError(err, what, { ...clients.target });
    }
  };

  const planned = stack.fileAssets.flatMap((asset) =>
    asset.destinations.map((d) => ({
      asset,
      bucket: substitutePlaceholders(d.bucketName, target),
      key: substitutePlaceholders(d.objectKey, target),
    })),
  );
  for (const bucket of new Set(planned.map((p) => p.bucket))) {
    const state = await call(`Checking the CDK assets bucket ${bucket}`, () => bucketState(s3, bucket, signal));
    if (state === 'missing') {
      const qualifier = bootstrapQualifier(stack, bucket);
      throw new DeployGuardError(
        'BootstrapMissing',
        `The CDK assets bucket ${bucket} does not exist: ${target.account}/${target.region} is not bootstrapped${qualifier ? ` with qualifier ${qualifier}` : ''}, so stack ${stack.displayName}'s assets have nowhere to go`,
        {
          hint: `run "cdk bootstrap aws://${target.account}/${target.region}"${qualifier && qualifier !== 'hnb659fds' ? ` --qualifier ${qualifier}` : ''}: it makes the bucket ${bucket}, the SSM parameter ${stack.bootstrapVersionParameter ?? `/cdk-bootstrap/${qualifier ?? 'hnb659fds'}/version`} and the publishing roles. Nothing was deployed`,
        },
      );
    }
  }

  const published: PublishedAsset[] = [];
  for (const { asset, bucket, key } of planned) {
    const base = { id: asset.id, displayName: asset.displayName, bucket, key };
    if (await call(`Checking asset ${asset.displayName} in s3://${bucket}/${key}`, () => objectExists(s3, bucket, key, signal))) {
      log(`Asset ${asset.displayName}: already in s3://${bucket}/${key}`);
      published.push({ ...base, uploaded: false });
      continue;
    }
    const isFolder = (await stat(asset.path)).isDirectory();
    if (asset.packaging === 'file' && isFolder) {
      throw new DeployGuardError('ConfigInvalid', `Asset ${asset.displayName} is packaged as a file but ${asset.path} is a folder`);
    }
    // A zip asset whose source is already a file (a prebuilt .zip or .jar) goes as it is.
    const body = asset.packaging === 'zip' && isFolder ? await zipFolder(asset.path) : await readFile(asset.path);
    const contentType =
      asset.packaging === 'zip' ? 'application/zip' : key.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    await call(`Uploading asset ${asset.displayName} to s3://${bucket}/${key}`, () =>
      putObject(s3, { bucket, key, body, contentType }, signal),
    );
    log(`Asset ${asset.displayName}: uploaded to s3://${bucket}/${key} (${body.length.toLocaleString('en-US')} bytes)`);
    published.push({ ...base, uploaded: true, bytes: body.length });
  }
  return published;
}

/**
 * The recorded assets of a version that are no longer in their bucket (someone emptied it or a
 * lifecycle rule expired them): restoring that version's template would point its functions at
 * code that is gone, so a rollback refuses it instead.
 */
export async function missingAssets(
  clients: AwsClients,
  assets: readonly { readonly displayName: string; readonly bucket: string; readonly key: string }[],
  signal?: AbortSignal,
): Promise<string[]> {
  const s3 = await clients.s3();
  const missing: string[] = [];
  for (const a of assets) {
    try {
      if (!(await objectExists(s3, a.bucket, a.key, signal))) missing.push(`${a.displayName} (s3://${a.bucket}/${a.key})`);
    } catch (err) {
      throw toDeployGuardError(err, `Checking asset ${a.displayName} in s3://${a.bucket}/${a.key}`, { ...clients.target });
    }
  }
  return missing;
}
