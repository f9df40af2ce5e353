/**
 * Packaging, as `aws cloudformation package` and `sam package` do it: every local path in a
 * packaged property (packagedProperties.ts) is zipped deterministically or taken as it is,
 * stored in the bucket under a key made of its content's sha256 (same content → same key → no
 * upload and no redeploy), and the template rewritten to point at it. Nested templates are
 * packaged in turn. Only the packaged values change: the rest of the body is kept byte for byte
 * (short-form tags such as `!Ref` reach CloudFormation untouched). A path whose real location is
 * outside the repository is refused, also through a symlink.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isMap, isScalar, parseDocument, type Node } from 'yaml';
import { DeployGuardError } from '../errors';
import type { PackagedArtifact } from '../history/record';
import { PACKAGED_PROPERTIES, type PackagedProperty } from './packagedProperties';
import { writeZip, type ZipInput } from './zip';

/** One local path found in a template, and where its text is. */
export interface LocalArtifact {
  readonly resource: string;
  readonly resourceType: string;
  readonly property: string;
  /** The path as written. */
  readonly path: string;
  readonly spec: PackagedProperty;
  /** The value's text in the body: [start, end). */
  readonly range: readonly [number, number];
}

/** Where packaged artefacts go: the bucket (S3 behind it, or memory in a unit test). */
export interface ArtifactStore {
  readonly bucket: string;
  exists(key: string): Promise<boolean>;
  put(key: string, body: Buffer): Promise<void>;
  /** The `https://` URL CloudFormation reads a nested template from. */
  url(key: string): string;
}

export interface PackageOptions {
  /** The repository root: nothing outside it is read. */
  readonly repoRoot: string;
  /** The template's own file: its paths are relative to its folder. */
  readonly templateFile: string;
  readonly store: ArtifactStore;
  /** Told of each artefact once it is in the bucket (uploaded now or already there). */
  readonly onArtifact?: (artifact: PackagedArtifact) => void;
}

export interface PackagedTemplate {
  readonly body: string;
  readonly artifacts: readonly PackagedArtifact[];
}

/** A value that names a local path: not empty, not already an S3 or HTTP location. */
export function isLocalPath(value: string): boolean {
  return value.trim() !== '' && !/^(s3|https?):\/\//i.test(value.trim());
}

/**
 * The local paths of a template's packaged properties (pure: reads only the text). A value
 * that is not a plain string (an intrinsic function, a tag, an object) is not a path.
 */
export function findLocalArtifacts(body: string): LocalArtifact[] {
  const doc = parseDocument(body, { uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) return [];
  const resources = doc.get('Resources', true) as Node | undefined;
  if (!isMap(resources)) return [];
  const found: LocalArtifact[] = [];
  for (const pair of resources.items) {
    const resource = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const decl = pair.value;
    if (!resource || !isMap(decl)) continue;
    const type = decl.get('Type');
    const properties = decl.get('Properties', true) as Node | undefined;
    if (typeof type !== 'string' || !isMap(properties)) continue;
    for (const spec of PACKAGED_PROPERTIES) {
      if (spec.resourceType !== type) continue;
      let node: unknown = properties;
      for (const part of spec.property.split('.')) node = isMap(node) ? node.get(part, true) : undefined;
      if (!isScalar(node) || node.tag !== undefined || typeof node.value !== 'string' || !isLocalPath(node.value) || !node.range) continue;
      found.push({
        resource,
        resourceType: type,
        property: spec.property,
        path: node.value,
        spec,
        range: [node.range[0], node.range[1]],
      });
    }
  }
  return found;
}

/** Whether the template names the SAM transform (or any): it then deploys with CAPABILITY_AUTO_EXPAND. */
export function hasTransform(body: string): boolean {
  const doc = parseDocument(body, { uniqueKeys: false, prettyErrors: false });
  return doc.errors.length === 0 && doc.has('Transform');
}

/** Packages every local path of `body` into the store and returns the rewritten body. */
export async function packageTemplate(body: string, options: PackageOptions): Promise<PackagedTemplate> {
  const root = await realpath(options.repoRoot);
  const artifacts: PackagedArtifact[] = [];
  const done = new Map<string, { key: string; url?: string }>();
  const body2 = await packageOne(body, options.templateFile, '', { ...options, root, artifacts, done, depth: 0 });
  return { body: body2, artifacts };
}

interface Walk extends PackageOptions {
  readonly root: string;
  readonly artifacts: PackagedArtifact[];
  /** Real path and packing → its key, so a folder named twice is packed once. */
  readonly done: Map<string, { key: string; url?: string }>;
  readonly depth: number;
}

/** Nested templates deeper than this are refused: a template that includes itself never ends. */
const MAX_NESTING = 8;

async function packageOne(body: string, templateFile: string, prefix: string, walk: Walk): Promise<string> {
  const found = findLocalArtifacts(body);
  if (found.length === 0) return body;
  const edits: { range: readonly [number, number]; text: string }[] = [];
  for (const artifact of found) {
    const where = `${prefix}${artifact.resource} ${artifact.property}`;
    const full = await insideRepository(walk.root, dirname(templateFile), artifact.path, where);
    const cacheKey = `${artifact.spec.packing}:${full}`;
    let placed = walk.done.get(cacheKey);
    if (!placed) {
      const content = await contentOf(artifact, full, where, prefix, walk);
      const sha = createHash('sha256').update(content.bytes).digest('hex');
      const key = `deployguard/artifacts/${sha}${content.extension}`;
      const exists = await walk.store.exists(key);
      if (!exists) await walk.store.put(key, content.bytes);
      placed = { key, ...(artifact.spec.form === 'template' ? { url: walk.store.url(key) } : {}) };
      walk.done.set(cacheKey, placed);
      const record: PackagedArtifact = {
        resource: `${prefix}${artifact.resource}`,
        property: artifact.property,
        path: relative(walk.root, full).split(sep).join('/') || '.',
        key,
        sha256: sha,
        bytes: content.bytes.length,
        uploaded: !exists,
      };
      walk.artifacts.push(record);
      walk.onArtifact?.(record);
    }
    edits.push({ range: artifact.range, text: replacement(artifact.spec, walk.store.bucket, placed) });
  }
  // From the end, so earlier ranges stay valid.
  let out = body;
  for (const edit of edits.sort((a, b) => b.range[0] - a.range[0])) {
    out = out.slice(0, edit.range[0]) + edit.text + out.slice(edit.range[1]);
  }
  return out;
}

/** The new value's text: JSON, which is also YAML, so it fits either kind of template. */
function replacement(spec: PackagedProperty, bucket: string, placed: { key: string; url?: string }): string {
  switch (spec.form) {
    case 's3-uri':
      return JSON.stringify(`s3://${bucket}/${placed.key}`);
    case 'code':
      return `{"S3Bucket": ${JSON.stringify(bucket)}, "S3Key": ${JSON.stringify(placed.key)}}`;
    case 'bucket-key':
      return `{"Bucket": ${JSON.stringify(bucket)}, "Key": ${JSON.stringify(placed.key)}}`;
    case 'template':
      return JSON.stringify(placed.url);
  }
}

async function contentOf(
  artifact: LocalArtifact,
  full: string,
  where: string,
  prefix: string,
  walk: Walk,
): Promise<{ bytes: Buffer; extension: string }> {
  const info = await stat(full);
  switch (artifact.spec.packing) {
    case 'template': {
      if (!info.isFile()) throw notAFile(where, artifact.path);
      if (walk.depth >= MAX_NESTING) {
        throw new DeployGuardError('ConfigInvalid', `${where}: templates nest more than ${MAX_NESTING} deep (${artifact.path})`, {
          hint: 'check that no nested template names itself or its parent',
        });
      }
      const nested = await packageOne(await readFile(full, 'utf8'), full, `${prefix}${artifact.resource}/`, {
        ...walk,
        depth: walk.depth + 1,
      });
      return { bytes: Buffer.from(nested, 'utf8'), extension: '.template' };
    }
    case 'file':
      if (!info.isFile()) throw notAFile(where, artifact.path);
      return { bytes: await readFile(full), extension: extname(full).slice(0, 16) };
    case 'zip': {
      if (info.isFile()) {
        const ext = extname(full).toLowerCase();
        if (ext === '.zip' || ext === '.jar') return { bytes: await readFile(full), extension: ext };
        return {
          bytes: writeZip([{ name: basename(full), data: await readFile(full), executable: (info.mode & 0o111) !== 0 }]),
          extension: '.zip',
        };
      }
      return { bytes: writeZip(await filesUnder(walk.root, full, where)), extension: '.zip' };
    }
  }
}

function notAFile(where: string, path: string): DeployGuardError {
  return new DeployGuardError('ConfigInvalid', `${where}: "${path}" is a folder; this property takes one file`, {
    hint: 'name the file itself',
  });
}

/** The real path of `path` (relative to `base`), refused when it is missing or outside the repository. */
async function insideRepository(root: string, base: string, path: string, where: string): Promise<string> {
  const full = resolve(base, path);
  let real: string;
  try {
    real = await realpath(full);
  } catch {
    throw new DeployGuardError('ConfigInvalid', `${where}: "${path}" does not exist (looked for ${full})`, {
      hint: "fix the path in the template (relative to the template's folder), or let a step make it",
    });
  }
  if (outside(root, real)) {
    throw new DeployGuardError('ConfigInvalid', `${where}: "${path}" resolves to ${real}, outside the repository; it is not packaged`, {
      hint: `keep packaged code inside ${root} (a symlink out of it is refused too)`,
    });
  }
  return real;
}

function outside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/** Every file under a folder, symlinks followed while they stay inside the repository. */
async function filesUnder(root: string, folder: string, where: string): Promise<ZipInput[]> {
  const out: ZipInput[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string, inZip: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return; // a symlink loop
    seen.add(real);
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const entryName = inZip ? `${inZip}/${name}` : name;
      const link = await lstat(path);
      const target = link.isSymbolicLink() ? await realpath(path).catch(() => undefined) : path;
      if (!target) continue; // a dangling link names nothing to pack
      if (link.isSymbolicLink() && outside(root, target)) {
        throw new DeployGuardError(
          'ConfigInvalid',
          `${where}: ${relative(root, path)} is a symlink to ${target}, outside the repository; it is not packaged`,
          {
            hint: 'copy what it points at into the folder, or remove the link',
          },
        );
      }
      const info = await stat(target);
      if (info.isDirectory()) await visit(target, entryName);
      else if (info.isFile()) out.push({ name: entryName, data: await readFile(target), executable: (info.mode & 0o111) !== 0 });
    }
  };
  await visit(folder, '');
  return out;
}
