/**
 * Packaging before the change set: the template's local code and nested templates go to
 * `stack.templateBucket` under content-addressed keys and the template is rewritten to name them
 * (packaging/packageTemplate.ts). A template with a `Transform` (SAM) deploys with
 * CAPABILITY_AUTO_EXPAND. The record keeps the rewritten body and the artefacts' keys: what went
 * out, so a rollback redeploys it with no build and no clone.
 */
import { resolve } from 'node:path';
import { s3ArtifactStore } from '../aws/artifactStore';
import { describeTemplate, type LoadedTemplate } from '../aws/template';
import { DeployGuardError } from '../errors';
import type { PackagedArtifact, TemplateRecord } from '../history/record';
import { findLocalArtifacts, hasTransform, packageTemplate } from '../packaging/packageTemplate';
import type { StackConfig } from '../pipeline/types';
import type { DeploymentRun } from './deploymentRun';

export const AUTO_EXPAND = 'CAPABILITY_AUTO_EXPAND';

/** Refuses, before any AWS call, local paths to package when there is no bucket to put them in. */
export function checkPackaging(template: LoadedTemplate, stack: StackConfig): void {
  if (stack.templateBucket) return;
  const local = findLocalArtifacts(template.body);
  if (local.length === 0) return;
  const named = local.slice(0, 3).map((a) => `${a.resource} ${a.property} "${a.path}"`);
  throw new DeployGuardError(
    'ConfigInvalid',
    `The template ${stack.template} names local paths to package (${named.join(', ')}${local.length > 3 ? `, ${local.length - 3} more` : ''}), but stack.templateBucket is not set`,
    {
      hint: 'set stack.templateBucket in deployguard.yaml to an S3 bucket: the code is zipped and uploaded there, and the template rewritten to name it',
    },
  );
}

/** The configured capabilities, plus CAPABILITY_AUTO_EXPAND for a template with a Transform. */
export function capabilitiesFor(template: LoadedTemplate, configured: readonly string[]): string[] {
  const out = [...configured];
  if (!out.includes(AUTO_EXPAND) && hasTransform(template.body)) out.push(AUTO_EXPAND);
  return out;
}

/** Packages the template's local paths (if any) and puts what goes out on the record. */
export async function packageForDeploy(
  run: DeploymentRun,
  repoRoot: string,
  stack: StackConfig,
  template: LoadedTemplate,
  signal: AbortSignal,
): Promise<LoadedTemplate> {
  checkPackaging(template, stack);
  let out = template;
  let artifacts: readonly PackagedArtifact[] = [];
  if (stack.templateBucket && findLocalArtifacts(template.body).length > 0) {
    const store = await s3ArtifactStore(run.clients, stack.templateBucket, signal);
    const packaged = await packageTemplate(template.body, {
      repoRoot,
      templateFile: resolve(repoRoot, stack.template),
      store,
      onArtifact: (a) =>
        run.log(
          `Packaged ${a.resource} ${a.property} (${a.path}) as s3://${store.bucket}/${a.key}: ${a.uploaded ? `uploaded ${a.bytes.toLocaleString('en-US')} bytes` : 'already in the bucket, not uploaded'}`,
        ),
    });
    const sent = packaged.artifacts.filter((a) => a.uploaded).length;
    run.notice(
      'info',
      'packaged',
      `Packaged ${packaged.artifacts.length} local path${packaged.artifacts.length === 1 ? '' : 's'} into ${store.bucket}: ${sent} uploaded, ${packaged.artifacts.length - sent} unchanged`,
    );
    out = describeTemplate(packaged.body);
    artifacts = packaged.artifacts;
  }
  const record = run.record as { template: TemplateRecord; capabilities: readonly string[] };
  record.template = { body: out.body, sha256: out.sha256, ...(artifacts.length > 0 ? { artifacts } : {}) };
  record.capabilities = capabilitiesFor(out, stack.capabilities);
  return out;
}
