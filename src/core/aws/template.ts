/**
 * The stack template: read exactly as written (never re-serialised, so YAML short-form tags such
 * as `!Ref` reach CloudFormation untouched), checked against the inline size limit before any
 * call, and read for its parameter declarations (which are NoEcho, which have defaults).
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { readFile, realpath, stat } from 'node:fs/promises';
import { DeployGuardError } from '../errors';
import { CLOUDFORMATION_LIMITS } from '../pipeline/limits';

/** CloudFormation's limit for an inline TemplateBody, in bytes. */
export const MAX_TEMPLATE_BODY_BYTES = CLOUDFORMATION_LIMITS.templateBodyBytes;
/** The limit for a template given by S3 URL (1 MB). */
export const MAX_TEMPLATE_URL_BYTES = CLOUDFORMATION_LIMITS.templateUrlBytes;

const bytes = (n: number) => `${n.toLocaleString('en-US')} bytes`;

function tooLargeForCloudFormation(what: string, size: number): DeployGuardError {
  return new DeployGuardError(
    'TemplateTooLarge',
    `${what} is ${bytes(size)}; CloudFormation accepts at most ${bytes(MAX_TEMPLATE_URL_BYTES)} (1 MB), even from S3`,
    { hint: 'split the stack (nested stacks) or move inline code out of the template' },
  );
}

export interface DeclaredParameter {
  readonly key: string;
  readonly noEcho: boolean;
  readonly hasDefault: boolean;
}

export interface LoadedTemplate {
  readonly body: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly parameters: readonly DeclaredParameter[];
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Reads the template named in deployguard.yaml. The real path must stay inside the repository
 * (a `../` or a symlink must not read files elsewhere and send them to AWS).
 */
export async function readTemplateFile(repoRoot: string, templatePath: string): Promise<string> {
  const root = await realpath(repoRoot);
  let file: string;
  try {
    file = await realpath(resolve(root, templatePath));
  } catch {
    throw new DeployGuardError('ConfigInvalid', `Template not found: ${templatePath} (looked in ${root})`, {
      hint: 'fix stack.template in deployguard.yaml (a path relative to the repository root)',
    });
  }
  const rel = relative(root, file);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new DeployGuardError('ConfigInvalid', `Template ${templatePath} resolves to ${file}, outside the repository`, {
      hint: 'keep the template inside the repository',
    });
  }
  // Sized before it is read: a template CloudFormation would refuse is not read or parsed at all.
  const { size } = await stat(file);
  if (size > MAX_TEMPLATE_URL_BYTES) throw tooLargeForCloudFormation(`The template ${templatePath}`, size);
  return readFile(file, 'utf8');
}

/** Declared parameters of a template body (JSON is YAML, so one parser reads both). */
export function declaredParameters(body: string): DeclaredParameter[] {
  // Unknown tags (!Ref, !Sub, …) only produce warnings: their values are irrelevant here.
  const doc = parseDocument(body, { uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new DeployGuardError('ConfigInvalid', `The template is neither valid YAML nor JSON: ${doc.errors[0]!.message}`);
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as { Parameters?: Record<string, { NoEcho?: unknown; Default?: unknown }> } | null;
  const params = value && typeof value === 'object' ? value.Parameters : undefined;
  if (!params || typeof params !== 'object') return [];
  return Object.entries(params).map(([key, decl]) => ({
    key,
    noEcho: decl?.NoEcho === true || decl?.NoEcho === 'true',
    hasDefault: decl !== null && typeof decl === 'object' && 'Default' in decl,
  }));
}

export function describeTemplate(body: string): LoadedTemplate {
  return { body, bytes: Buffer.byteLength(body, 'utf8'), sha256: sha256(body), parameters: declaredParameters(body) };
}

/**
 * Refuses, before any AWS call, a template that cannot be sent: over 51,200 bytes without
 * `stack.templateBucket`, or over the S3 limit.
 */
export function checkTemplateSize(template: LoadedTemplate, templateBucket: string | undefined): 'inline' | 's3' {
  if (template.bytes > MAX_TEMPLATE_URL_BYTES) throw tooLargeForCloudFormation('The template', template.bytes);
  if (template.bytes <= MAX_TEMPLATE_BODY_BYTES) return 'inline';
  if (!templateBucket) {
    throw new DeployGuardError(
      'TemplateTooLarge',
      `The template is ${template.bytes} bytes, over CloudFormation's ${MAX_TEMPLATE_BODY_BYTES}-byte limit for an inline template`,
      { hint: 'set stack.templateBucket in deployguard.yaml to an S3 bucket: the template is uploaded there and deployed by URL' },
    );
  }
  return 's3';
}
