/**
 * Reading a CDK cloud assembly (the folder `cdk synth` writes): `manifest.json` names each stack's
 * template file, its environment, the bootstrap version it needs, and the asset manifests
 * (`*.assets.json`) whose file assets must be in S3 before the template can work. Only the parts
 * Deploy Guard acts on are read; anything unexpected is an error naming the file, never a guess.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { DeployGuardError, errorMessage } from '../errors';
import { closest } from '../pipeline/didYouMean';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One place a file asset goes. Bucket and key may hold `${AWS::AccountId}`, `${AWS::Region}`, `${AWS::Partition}`. */
export interface AssetDestination {
  readonly bucketName: string;
  readonly objectKey: string;
}

export interface FileAsset {
  readonly id: string;
  /** What the CDK calls it (`Handler/Code`), or the id. */
  readonly displayName: string;
  /** Absolute path of the file or folder in the assembly. */
  readonly path: string;
  /** `zip`: a folder (or a file) zipped; `file`: uploaded as it is. */
  readonly packaging: 'zip' | 'file';
  readonly destinations: readonly AssetDestination[];
}

export interface CdkStackArtifact {
  /** The artifact id in manifest.json. */
  readonly id: string;
  readonly displayName: string;
  /** Absolute path of the synthesised template. */
  readonly templateFile: string;
  /** `aws://ACCOUNT/REGION`, `unknown-account`/`unknown-region` for an environment-agnostic stack. */
  readonly account?: string;
  readonly region?: string;
  readonly requiresBootstrapVersion?: number;
  /** SSM parameter that holds the bootstrap version (`/cdk-bootstrap/<qualifier>/version`). */
  readonly bootstrapVersionParameter?: string;
  readonly fileAssets: readonly FileAsset[];
  /** Container image assets, by display name: not published by Deploy Guard yet. */
  readonly imageAssets: readonly string[];
}

async function readJson(file: string, what: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DeployGuardError('ConfigInvalid', `${what} ${file} cannot be read: ${errorMessage(err)}`, {
      hint: 'cdk synth should have written it: check the synth step output above',
    });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // reported below with the file's name
  }
  throw new DeployGuardError('ConfigInvalid', `${what} ${file} is not a JSON object`, {
    hint: 'run cdk synth yourself to see what it writes; Deploy Guard reads the manifest CDK CLIs of version 2 write',
  });
}

/** A path named by the assembly, which must stay inside it. */
function inside(dir: string, rel: unknown, what: string): string {
  if (typeof rel !== 'string' || rel === '') throw new DeployGuardError('ConfigInvalid', `${what} names no file in ${dir}`);
  const full = resolve(dir, rel);
  const r = relative(dir, full);
  if (r.startsWith('..') || isAbsolute(r)) {
    throw new DeployGuardError('ConfigInvalid', `${what} points outside the cloud assembly (${rel})`, {
      hint: 'the assembly must be self-contained; synthesise it again',
    });
  }
  return full;
}

function parseEnvironment(env: unknown): { account?: string; region?: string } {
  const m = typeof env === 'string' ? /^aws:\/\/([^/]+)\/(.+)$/.exec(env) : null;
  if (!m) return {};
  const [, account, region] = m;
  return {
    ...(account && account !== 'unknown-account' ? { account } : {}),
    ...(region && region !== 'unknown-region' ? { region } : {}),
  };
}

/** Reads the stack `name` (artifact id or display name) from the assembly in `dir`. */
export async function readCdkStack(dir: string, name: string): Promise<CdkStackArtifact> {
  const manifest = await readJson(join(dir, 'manifest.json'), 'The cloud assembly manifest');
  const artifacts = isObject(manifest.artifacts) ? manifest.artifacts : {};
  const stacks = Object.entries(artifacts).filter(([, a]) => isObject(a) && a.type === 'aws:cloudformation:stack') as [string, Json][];
  const found = stacks.find(([id, a]) => id === name || a.displayName === name);
  if (!found) {
    const names = stacks.map(([id, a]) => (typeof a.displayName === 'string' ? a.displayName : id));
    const guess = closest(name, [...names, ...stacks.map(([id]) => id)]);
    throw new DeployGuardError(
      'ConfigInvalid',
      `The CDK app has no stack "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; it has ${names.length > 0 ? names.join(', ') : 'no stacks'}`,
      { hint: 'set stack.cdk.stack in deployguard.yaml to one of them' },
    );
  }
  const [id, artifact] = found;
  const props = isObject(artifact.properties) ? artifact.properties : {};
  const displayName = typeof artifact.displayName === 'string' ? artifact.displayName : id;
  const templateFile = inside(dir, props.templateFile, `Stack ${displayName}'s templateFile`);

  // Its asset manifests are the artifacts it depends on of type cdk:asset-manifest.
  const deps = Array.isArray(artifact.dependencies) ? artifact.dependencies.filter((d): d is string => typeof d === 'string') : [];
  const fileAssets: FileAsset[] = [];
  const imageAssets: string[] = [];
  for (const dep of deps) {
    const a = artifacts[dep];
    if (!isObject(a) || a.type !== 'cdk:asset-manifest') continue;
    const file = inside(dir, isObject(a.properties) ? a.properties.file : undefined, `Asset manifest ${dep}`);
    const assets = await readJson(file, 'The asset manifest');
    for (const [assetId, raw] of Object.entries(isObject(assets.files) ? assets.files : {})) {
      fileAssets.push(fileAsset(dir, file, assetId, raw));
    }
    for (const [assetId, raw] of Object.entries(isObject(assets.dockerImages) ? assets.dockerImages : {})) {
      imageAssets.push(isObject(raw) && typeof raw.displayName === 'string' ? `${raw.displayName} (${assetId})` : assetId);
    }
  }
  const version = props.requiresBootstrapStackVersion;
  return {
    id,
    displayName,
    templateFile,
    ...parseEnvironment(artifact.environment),
    ...(typeof version === 'number' ? { requiresBootstrapVersion: version } : {}),
    ...(typeof props.bootstrapStackVersionSsmParameter === 'string'
      ? { bootstrapVersionParameter: props.bootstrapStackVersionSsmParameter }
      : {}),
    fileAssets,
    imageAssets,
  };
}

function fileAsset(dir: string, manifestFile: string, id: string, raw: unknown): FileAsset {
  const where = `File asset ${id} in ${manifestFile}`;
  if (!isObject(raw) || !isObject(raw.source) || !isObject(raw.destinations))
    throw new DeployGuardError('ConfigInvalid', `${where} has no source or destinations`);
  const source = raw.source;
  if (typeof source.executable !== 'undefined' || typeof source.path !== 'string') {
    throw new DeployGuardError(
      'NotSupported',
      `${where} is built by a command (source.executable): Deploy Guard publishes files and folders only`,
      {
        hint: 'publish it with cdk deploy, or make it a folder asset',
      },
    );
  }
  const packaging = source.packaging === 'zip' ? 'zip' : source.packaging === 'file' || source.packaging === undefined ? 'file' : undefined;
  if (!packaging)
    throw new DeployGuardError('NotSupported', `${where} has packaging "${String(source.packaging)}"; Deploy Guard knows file and zip`);
  const destinations: AssetDestination[] = [];
  for (const d of Object.values(raw.destinations)) {
    if (!isObject(d) || typeof d.bucketName !== 'string' || typeof d.objectKey !== 'string')
      throw new DeployGuardError('ConfigInvalid', `${where} has a destination without bucketName and objectKey`);
    destinations.push({ bucketName: d.bucketName, objectKey: d.objectKey });
  }
  return {
    id,
    displayName: typeof raw.displayName === 'string' ? raw.displayName : id,
    path: inside(dir, source.path, where),
    packaging,
    destinations,
  };
}

/** Fills `${AWS::AccountId}`, `${AWS::Region}`, `${AWS::Partition}` as the CDK's publishing does. */
export function substitutePlaceholders(text: string, target: { account: string; region: string; partition: string }): string {
  return text
    .replaceAll('${AWS::AccountId}', target.account)
    .replaceAll('${AWS::Region}', target.region)
    .replaceAll('${AWS::Partition}', target.partition);
}

/** `cdk-hnb659fds-assets-…` → `hnb659fds`: the bootstrap qualifier a bucket name or SSM parameter carries. */
export function bootstrapQualifier(stack: Pick<CdkStackArtifact, 'bootstrapVersionParameter'>, bucket?: string): string | undefined {
  const fromParameter = stack.bootstrapVersionParameter
    ? /^\/cdk-bootstrap\/([^/]+)\/version$/.exec(stack.bootstrapVersionParameter)
    : null;
  if (fromParameter) return fromParameter[1];
  const fromBucket = bucket ? /^cdk-([a-z0-9]+)-assets-/.exec(bucket) : null;
  return fromBucket?.[1];
}
