/**
 * The template a deploy sends, read when it is final: before the steps when no step makes it,
 * after them otherwise, from the tree the steps ran in (the temporary worktree of a push deploy).
 * A template a step was expected to make and did not is refused naming the step, never replaced
 * by whatever an earlier build left behind.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describeTemplate, readTemplateFile, type LoadedTemplate } from '../aws/template';
import { DeployGuardError } from '../errors';
import type { DeploymentRecord, TemplateRecord } from '../history/record';
import { makerWords, stepMakingTemplate } from '../pipeline/templateMaker';
import type { StepConfig } from '../pipeline/types';

/**
 * Whether the template is read after the steps: whenever steps run. A file present before them
 * may be a stale build (a `cdk.out/` from yesterday); what the steps leave is what goes out.
 */
export function templateAfterSteps(steps: readonly StepConfig[], skipSteps: boolean | undefined): boolean {
  return !skipSteps && steps.length > 0;
}

/**
 * Reads the template now, before the steps, for the checks that need no AWS — or undefined when
 * a step is expected to make it (the file there now, if any, is an earlier build's and would
 * only mislead the checks).
 */
export async function templateBeforeSteps(
  repoRoot: string,
  templatePath: string,
  steps: readonly StepConfig[],
  skipSteps: boolean | undefined,
): Promise<LoadedTemplate | undefined> {
  if (templateAfterSteps(steps, skipSteps)) {
    if (stepMakingTemplate(steps, templatePath)) return undefined;
    if (!(await exists(resolve(repoRoot, templatePath)))) return undefined;
  }
  return describeTemplate(await readTemplateFile(repoRoot, templatePath));
}

/**
 * Reads the template once the steps have run. Missing → refused naming the step expected to make
 * it (or the steps that ran). `stepsStartedAt` (ms) tells a template the steps rewrote from one
 * an earlier build left: the caller is warned of the latter through `stale`.
 */
export async function templateAfterStepsRan(
  repoRoot: string,
  templatePath: string,
  steps: readonly StepConfig[],
  stepsStartedAt: number,
  stale: (message: string) => void,
): Promise<LoadedTemplate> {
  const file = resolve(repoRoot, templatePath);
  const info = await stat(file).catch(() => undefined);
  if (!info) {
    const maker = stepMakingTemplate(steps, templatePath);
    const who = maker
      ? `step ${maker.name}`
      : steps.length === 1
        ? `step ${steps[0]!.name}`
        : `the steps (${steps.map((s) => s.name).join(', ')})`;
    throw new DeployGuardError('TemplateNotBuilt', `${who} ran but ${templatePath} was not made; nothing was deployed`, {
      hint: `check that ${makerWords(steps, templatePath)} writes ${templatePath} (a path relative to the repository root), or fix stack.template in deployguard.yaml`,
    });
  }
  const maker = stepMakingTemplate(steps, templatePath);
  // Filesystems keep mtimes to at least a second on some platforms: a second of slack.
  if (maker && info.mtimeMs < stepsStartedAt - 1_000) {
    stale(
      `step ${maker.name} ran but did not rewrite ${templatePath}: it was last written ${new Date(info.mtimeMs).toISOString()}, before the steps started; deploying it as it is`,
    );
  }
  return describeTemplate(await readTemplateFile(repoRoot, templatePath));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The record's template before the steps made one: no body yet. A run that ends in its steps
 * keeps this (nothing went out); `recordTemplate` fills it once the template is read.
 */
export const TEMPLATE_NOT_MADE: TemplateRecord = { body: '', sha256: '' };

/** Puts the template that goes out on the record: the exact body (and its sha256). */
export function recordTemplate(record: DeploymentRecord, template: LoadedTemplate): void {
  (record as { template: TemplateRecord }).template = { body: template.body, sha256: template.sha256 };
}
