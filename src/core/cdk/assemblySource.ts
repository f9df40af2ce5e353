/**
 * A CDK stack's logical id → where to show it: the user's line (from the traces the cloud assembly
 * keeps, through a source map for compiled JavaScript), the construct path, and the resource in
 * the built template. Reads the assembly the last `cdk synth` left in the app's folder; what it
 * cannot read is left out (the caller falls back to what it has), never an error: this only
 * points a person somewhere, and a missing trace must not stop them from seeing the template.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { CdkConfig } from '../pipeline/types';
import { locateResource, type ResourceLocation } from '../template/templateText';
import {
  callEndLine,
  constructSourceOf,
  firstRepoFrame,
  inRepository,
  originalPosition,
  parseSourceMap,
  sourceMappingUrl,
  type RawSourceMap,
  type RepoFrame,
} from './constructSource';
import { assemblyDir } from './synthStep';

export interface CdkResourceSource {
  readonly logicalId: string;
  /** `OrdersStack/Handler/Resource`, from the assembly's metadata or the template's `aws:cdk:path`. */
  readonly constructPath?: string;
  /** The user's line that made it, when a recorded trace names one in the repository. */
  readonly source?: RepoFrame & {
    /** The compiled file the trace named, when a source map led from it to `path`. */
    readonly compiled?: string;
  };
  /** The built template in the assembly, when it is there, and the resource's place in it. */
  readonly template?: { readonly file: string; readonly body: string; readonly at?: ResourceLocation };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readJson(file: string): Promise<Json | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Where `logicalId` of the CDK stack `cdk.stack` comes from, as far as the assembly under `repoRoot` tells. */
export async function cdkResourceSource(repoRoot: string, cdk: CdkConfig, logicalId: string): Promise<CdkResourceSource> {
  const dir = resolve(repoRoot, assemblyDir(cdk));
  const artifacts = (await readJson(join(dir, 'manifest.json')))?.artifacts;
  const artifact = Object.entries(isObject(artifacts) ? artifacts : {}).find(
    ([id, a]) => isObject(a) && a.type === 'aws:cloudformation:stack' && (id === cdk.stack || a.displayName === cdk.stack),
  )?.[1];
  if (!isObject(artifact)) return { logicalId };

  // Older CLIs keep the metadata in the manifest; newer ones in a file beside it. Both are read.
  const metadata: Record<string, readonly unknown[]> = {};
  const extraFile = typeof artifact.additionalMetadataFile === 'string' ? insideAssembly(dir, artifact.additionalMetadataFile) : undefined;
  const extra = extraFile ? await readJson(extraFile) : undefined;
  for (const source of [artifact.metadata, extra]) {
    for (const [path, entries] of Object.entries(isObject(source) ? source : {})) {
      if (Array.isArray(entries)) metadata[path] = [...(metadata[path] ?? []), ...(entries as unknown[])];
    }
  }
  const construct = constructSourceOf(metadata, logicalId);

  const props = isObject(artifact.properties) ? artifact.properties : {};
  const templateFile = typeof props.templateFile === 'string' ? insideAssembly(dir, props.templateFile) : undefined;
  const body = templateFile ? await readFile(templateFile, 'utf8').catch(() => undefined) : undefined;
  const at = body ? locateResource(body, logicalId) : undefined;
  const constructPath = construct?.constructPath ?? (body ? cdkPathOf(body, logicalId) : undefined);

  const frame = construct ? firstRepoFrame(construct.traces, repoRoot) : undefined;
  const source = frame ? await throughSourceMap(repoRoot, frame) : undefined;
  return {
    logicalId,
    ...(constructPath ? { constructPath } : {}),
    ...(source ? { source } : {}),
    ...(templateFile && body ? { template: { file: templateFile, body, ...(at ? { at } : {}) } } : {}),
  };
}

/** A file the manifest names, only when it stays inside the assembly (it is opened in the editor). */
function insideAssembly(dir: string, rel: string): string | undefined {
  const file = resolve(dir, rel);
  return file.startsWith(dir + sep) ? file : undefined;
}

/** The `aws:cdk:path` a synthesised template keeps in the resource's Metadata. */
export function cdkPathOf(body: string, logicalId: string): string | undefined {
  try {
    const template = JSON.parse(body) as { Resources?: Record<string, { Metadata?: Record<string, unknown> }> };
    const path = template.Resources?.[logicalId]?.Metadata?.['aws:cdk:path'];
    return typeof path === 'string' ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A frame in compiled JavaScript is taken back to its source (the .ts) when the file names a
 * source map (inline or beside it) whose source is in the repository; otherwise the compiled
 * line itself, which is still the right line of the file that ran. The range runs to the end of
 * the call that starts there, in whichever file is shown.
 */
async function throughSourceMap(
  repoRoot: string,
  frame: { file: string; line: number; column?: number },
): Promise<CdkResourceSource['source']> {
  const path = inRepository(frame.file, repoRoot)!;
  const code = await readFile(frame.file, 'utf8').catch(() => undefined);
  const asIs = {
    path,
    line: frame.line,
    ...(frame.column ? { column: frame.column } : {}),
    endLine: code ? callEndLine(code, frame.line, frame.column) : frame.line,
  };
  if (!/\.[cm]?js$/.test(frame.file) || !code) return asIs;
  const named = sourceMappingUrl(code);
  let map: RawSourceMap | undefined;
  let mapDir = dirname(frame.file);
  if (named && 'inline' in named) map = named.inline;
  else {
    const mapFile = named ? resolve(dirname(frame.file), named.file) : `${frame.file}.map`;
    const text = await readFile(mapFile, 'utf8').catch(() => undefined);
    map = text ? parseSourceMap(text) : undefined;
    mapDir = dirname(mapFile);
  }
  const original = map ? originalPosition(map, frame.line, frame.column) : undefined;
  const file = original ? resolve(mapDir, original.source.replace(/^file:\/\//, '')) : undefined;
  const mapped = file ? inRepository(file, repoRoot) : undefined;
  const source = mapped ? await readFile(file!, 'utf8').catch(() => undefined) : undefined;
  if (!original || !mapped || source === undefined) return asIs;
  return {
    path: mapped,
    line: original.line,
    column: original.column,
    endLine: callEndLine(source, original.line, original.column),
    compiled: path,
  };
}
