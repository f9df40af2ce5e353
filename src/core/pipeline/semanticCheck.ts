import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Document, Node } from 'yaml';
import { isProdName } from './confirmation';
import { parseDuration } from '../time';
import { closest } from './didYouMean';
import { CLOUDFORMATION_LIMITS } from './limits';
import { DEFAULT_MIN_SAMPLES } from '../health/metrics/verdict';
import { HEALTH_DEFAULTS } from './types';
import { expressionIds, isValidPeriod, METRIC_ID, parseStat, parseTolerance } from './metricRules';
import { describePath, locate, rangeOf, type PathSegment } from './locate';
import type { ProblemList, SourceRange } from './problems';
import { declaredParameters, type DeclaredParameter } from '../aws/template';
import { stepMakingTemplate } from './templateMaker';
import { BUILTIN_VARIABLES, findVariables } from './variables';

/** CloudFormation's inline TemplateBody limit; bigger templates must go through S3. */
export const TEMPLATE_BODY_LIMIT = CLOUDFORMATION_LIMITS.templateBodyBytes;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const STACK_NAME_MAX = 128;
/** An IAM role's ARN in any partition (aws, aws-cn, aws-us-gov), path allowed. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where variables may appear, and how (`shell`: only our forms; bash's own `${X}` is left alone). */
function variablePolicy(path: readonly PathSegment[]): 'value' | 'shell' | 'none' {
  const [a, b, c] = path;
  if (a === 'steps' && c === 'run') return 'shell';
  if (a === 'steps' && c === 'env') return 'value';
  if (a === 'environments' && (c === 'parameters' || c === 'tags')) return 'value';
  if (a === 'stack' && (b === 'name' || b === 'templateBucket' || b === 'parameters' || b === 'tags' || b === 'roleArn')) return 'value';
  return 'none';
}

export interface SemanticContext {
  readonly doc: Document;
  readonly text: string;
  readonly problems: ProblemList;
  /** Absent when validating text with no repository (then file checks are skipped). */
  readonly repoRoot?: string;
}

/** The checks a schema cannot express: variables, durations, names, files, environment rules. */
export function checkSemantics(value: unknown, ctx: SemanticContext): void {
  if (!isObject(value)) return;
  checkVariables(value, [], ctx);
  checkSteps(value.steps, ctx);
  checkStack(value, ctx);
  checkEnvironments(value.environments, ctx);
}

function nodeAt(ctx: SemanticContext, path: readonly PathSegment[]): Node | undefined {
  return locate(ctx.doc, path).value;
}

function rangeAt(ctx: SemanticContext, path: readonly PathSegment[]): SourceRange | undefined {
  const found = locate(ctx.doc, path);
  return rangeOf(found.value) ?? rangeOf(found.key) ?? rangeOf(found.nearest);
}

function keyRangeAt(ctx: SemanticContext, path: readonly PathSegment[]): SourceRange | undefined {
  const found = locate(ctx.doc, path);
  return rangeOf(found.key) ?? rangeOf(found.value);
}

/** The source range of `needle` (the n-th occurrence) inside a scalar, or the whole scalar. */
function rangeWithin(ctx: SemanticContext, node: Node | undefined, needle: string, occurrence: number): SourceRange | undefined {
  const range = rangeOf(node);
  if (!range) return undefined;
  const raw = ctx.text.slice(range[0], range[1]);
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = raw.indexOf(needle, at + 1);
    if (at < 0) return range;
  }
  return [range[0] + at, range[0] + at + needle.length];
}

function checkVariables(value: unknown, path: PathSegment[], ctx: SemanticContext): void {
  if (typeof value === 'string') {
    if (!value.includes('${')) return;
    if (ctx.problems.full) {
      ctx.problems.drop(1); // nothing more will be shown: skip locating and suggesting
      return;
    }
    const policy = variablePolicy(path);
    const refs = findVariables(value, policy === 'shell' ? 'shell' : 'value');
    const node = nodeAt(ctx, path);
    const seen = new Map<string, number>();
    for (const ref of refs) {
      const n = seen.get(ref.text) ?? 0;
      seen.set(ref.text, n + 1);
      const at = rangeWithin(ctx, node, ref.text, n);
      if (policy === 'none') {
        ctx.problems.add(at, `${describePath(path)}: variables are not allowed here (${ref.text})`, 'variable-not-allowed');
      } else if (ref.kind === 'unknown') {
        const suggestion = closest(ref.name, BUILTIN_VARIABLES);
        // Text that is not trying to be ours (CloudFormation's `${AWS::Region}`) is told the escape.
        const literal = /^(env|git|deployment)\b/.test(ref.name) ? '' : `; for the literal text write $${ref.text}`;
        ctx.problems.add(
          at,
          `unknown variable ${ref.text}${suggestion ? ` (did you mean \${${suggestion}}?)` : ''}: use ${BUILTIN_VARIABLES.map((v) => `\${${v}}`).join(', ')} or \${env:NAME}${literal}`,
          'unknown-variable',
        );
      }
    }
    return;
  }
  if (Array.isArray(value)) value.forEach((item, i) => checkVariables(item, [...path, i], ctx));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) checkVariables(v, [...path, k], ctx);
}

/** Resolves `relPath` under the repository and reports it when it escapes or is missing. */
function checkRepoPath(
  ctx: SemanticContext,
  path: readonly PathSegment[],
  relPath: string,
  kind: 'file' | 'directory',
  label: string,
): string | undefined {
  const at = rangeAt(ctx, path);
  if (relPath.includes('${')) return undefined; // reported as a variable problem
  if (isAbsolute(relPath)) {
    ctx.problems.add(
      at,
      `${label} must be a path relative to the repository root, not an absolute path ("${relPath}")`,
      'path-outside-repo',
    );
    return undefined;
  }
  if (!ctx.repoRoot) return undefined;
  const root = resolve(ctx.repoRoot);
  const full = resolve(root, relPath);
  if (escapes(root, full)) {
    ctx.problems.add(at, `${label} "${relPath}" resolves outside the repository: keep it inside ${root}`, 'path-outside-repo');
    return undefined;
  }
  if (!existsSync(full)) {
    ctx.problems.add(at, `${label} "${relPath}" does not exist (looked for ${full})`, 'file-not-found');
    return undefined;
  }
  let real: string;
  let realRoot: string;
  try {
    real = realpathSync(full);
    realRoot = realpathSync(root);
  } catch (err) {
    ctx.problems.add(at, `${label} "${relPath}" cannot be read: ${(err as Error).message}`, 'file-not-found');
    return undefined;
  }
  if (escapes(realRoot, real)) {
    ctx.problems.add(at, `${label} "${relPath}" is a symlink that resolves outside the repository (to ${real})`, 'path-outside-repo');
    return undefined;
  }
  const stat = statSync(real);
  if (kind === 'file' ? !stat.isFile() : !stat.isDirectory()) {
    ctx.problems.add(at, `${label} "${relPath}" is not a ${kind}`, 'file-not-found');
    return undefined;
  }
  return real;
}

function escapes(root: string, full: string): boolean {
  const rel = relative(root, full);
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

function checkSteps(steps: unknown, ctx: SemanticContext): void {
  if (!Array.isArray(steps)) return;
  const names = new Map<string, number>();
  steps.forEach((step, i) => {
    if (!isObject(step)) return;
    if (typeof step.name === 'string') {
      const first = names.get(step.name);
      if (first !== undefined) {
        ctx.problems.add(
          rangeAt(ctx, ['steps', i, 'name']),
          `duplicate step name "${step.name}" (also step ${first + 1}): step names must be unique`,
          'duplicate-step',
        );
      } else names.set(step.name, i);
    }
    if (typeof step.timeout === 'string' && parseDuration(step.timeout) === 0) {
      ctx.problems.add(rangeAt(ctx, ['steps', i, 'timeout']), `steps[${i}].timeout must be longer than 0`, 'bad-duration');
    }
    if (typeof step.cwd === 'string') checkRepoPath(ctx, ['steps', i, 'cwd'], step.cwd, 'directory', `steps[${i}].cwd`);
  });
}

function checkStack(value: Json, ctx: SemanticContext): void {
  const stack = value.stack;
  if (!isObject(stack)) return;
  checkCdk(stack, ctx);
  if (typeof stack.template === 'string' && templateMadeByStep(ctx, stack.template, value.steps)) {
    // Nothing more to check until the steps have run: the deploy reads it after them.
  } else if (typeof stack.template === 'string') {
    const real = checkRepoPath(ctx, ['stack', 'template'], stack.template, 'file', 'template');
    const size = real ? statSync(real).size : 0;
    if (size > CLOUDFORMATION_LIMITS.templateUrlBytes) {
      ctx.problems.add(
        rangeAt(ctx, ['stack', 'template']),
        `template "${stack.template}" is ${size.toLocaleString('en-US')} bytes; CloudFormation takes at most ${CLOUDFORMATION_LIMITS.templateUrlBytes.toLocaleString('en-US')} (1 MB), even from S3: split the stack (nested stacks)`,
        'template-too-large',
      );
    } else if (real && stack.templateBucket === undefined) {
      if (size > TEMPLATE_BODY_LIMIT) {
        ctx.problems.add(
          rangeAt(ctx, ['stack', 'template']),
          `template "${stack.template}" is ${size.toLocaleString('en-US')} bytes; CloudFormation takes at most ${TEMPLATE_BODY_LIMIT.toLocaleString('en-US')} inline: set stack.templateBucket so it is uploaded to S3`,
          'template-too-large',
        );
      }
    }
    if (real && size <= CLOUDFORMATION_LIMITS.templateUrlBytes) checkTemplateParameters(ctx, value, stack.template, real);
  }
  if (isObject(stack.parameters)) {
    const limit = CLOUDFORMATION_LIMITS.parameterValueChars;
    for (const [key, v] of Object.entries(stack.parameters)) {
      if (typeof v === 'string' && v.length > limit) {
        ctx.problems.add(
          rangeAt(ctx, ['stack', 'parameters', key]),
          `stack.parameters.${key} is ${v.length.toLocaleString('en-US')} characters; CloudFormation takes at most ${limit.toLocaleString('en-US')} in one parameter value`,
          'parameter-too-long',
        );
      }
    }
  }
  if (typeof stack.name === 'string') checkStackName(stack.name, value.environments, ctx);
  if (typeof stack.roleArn === 'string' && !stack.roleArn.includes('${') && !ROLE_ARN.test(stack.roleArn)) {
    ctx.problems.add(
      rangeAt(ctx, ['stack', 'roleArn']),
      `stack.roleArn "${stack.roleArn}" is not an IAM role ARN: it looks like arn:aws:iam::123456789012:role/deploy-orders`,
      'bad-role-arn',
    );
  }
}

/** A stack is a template file or a CDK app's stack: exactly one of the two. */
function checkCdk(stack: Json, ctx: SemanticContext): void {
  const hasTemplate = stack.template !== undefined;
  const cdk = stack.cdk;
  if (!hasTemplate && cdk === undefined) {
    ctx.problems.add(
      keyRangeAt(ctx, ['stack']),
      "stack needs a template (a CloudFormation template file) or cdk (a CDK app's stack, e.g. cdk: { stack: OrdersStack })",
      'missing-template',
    );
    return;
  }
  if (hasTemplate && cdk !== undefined) {
    ctx.problems.add(
      keyRangeAt(ctx, ['stack', 'cdk']),
      "stack has both template and cdk: keep one (with cdk the template comes from cdk synth's cloud assembly)",
      'template-and-cdk',
    );
  }
  if (isObject(cdk) && typeof cdk.cwd === 'string') checkRepoPath(ctx, ['stack', 'cdk', 'cwd'], cdk.cwd, 'directory', 'stack.cdk.cwd');
}

/**
 * A template that does not exist yet is fine when steps run before the deploy: it is read after
 * them (a `cdk synth`, a build script). Says which step is expected to make it, as a note.
 */
function templateMadeByStep(ctx: SemanticContext, template: string, rawSteps: unknown): boolean {
  if (!ctx.repoRoot || template.includes('${') || isAbsolute(template)) return false;
  const root = resolve(ctx.repoRoot);
  const full = resolve(root, template);
  if (escapes(root, full) || existsSync(full)) return false;
  const steps = (Array.isArray(rawSteps) ? rawSteps : [])
    .filter(isObject)
    .filter((s) => typeof s.name === 'string' && typeof s.run === 'string')
    .map((s) => ({ name: s.name as string, run: s.run as string, env: {}, ...(typeof s.cwd === 'string' ? { cwd: s.cwd } : {}) }));
  if (steps.length === 0) return false;
  const maker = stepMakingTemplate(steps, template);
  ctx.problems.add(
    rangeAt(ctx, ['stack', 'template']),
    maker
      ? `template "${template}" does not exist yet: step ${maker.name} is expected to make it (it is read after the steps)`
      : `template "${template}" does not exist yet: it must be made by one of the steps (${steps.map((s) => s.name).join(', ')}), and is read after them`,
    'template-made-by-step',
    'info',
  );
  return true;
}

/**
 * The parameters the file sets against those the template declares, per environment, before
 * any AWS call: one the template does not declare is an error (CloudFormation refuses it), with
 * the closest declared name; one with no Default that nothing sets is a warning (creating the
 * stack fails; an existing stack keeps its value).
 */
function checkTemplateParameters(ctx: SemanticContext, value: Json, template: string, real: string): void {
  const declared = templateParameters(real);
  if (!declared) return; // unreadable or not YAML/JSON: the deploy says so with the parser's words
  const names = declared.map((p) => p.key);
  const stack = value.stack as Json;
  const environments = isObject(value.environments) ? value.environments : {};
  const sets: { path: PathSegment[]; keys: string[] }[] = [
    { path: ['stack', 'parameters'], keys: isObject(stack.parameters) ? Object.keys(stack.parameters) : [] },
    ...Object.entries(environments).map(([name, env]) => ({
      path: ['environments', name, 'parameters'] as PathSegment[],
      keys: isObject(env) && isObject(env.parameters) ? Object.keys(env.parameters) : [],
    })),
  ];
  for (const { path, keys } of sets) {
    for (const key of keys) {
      if (names.includes(key)) continue;
      const suggestion = closest(key, names);
      ctx.problems.add(
        keyRangeAt(ctx, [...path, key]),
        `${describePath([...path, key])}: the template ${template} declares no parameter ${key}${suggestion ? ` (did you mean ${suggestion}?)` : names.length > 0 ? ` (it declares ${names.join(', ')})` : ''}; CloudFormation would refuse it`,
        'undeclared-parameter',
      );
    }
  }
  const stackKeys = sets[0]!.keys;
  for (const p of declared) {
    if (p.hasDefault || stackKeys.includes(p.key)) continue;
    const unset = Object.keys(environments).filter((name) => !sets.some((s) => s.path[1] === name && s.keys.includes(p.key)));
    if (unset.length === 0) continue;
    ctx.problems.add(
      rangeAt(ctx, isObject(stack.parameters) ? ['stack', 'parameters'] : ['stack', 'template']),
      `parameter ${p.key} has no Default in ${template} and nothing sets it for ${unset.length === 1 ? 'environment' : 'environments'} ${unset.join(', ')}: creating the stack there fails (an existing stack keeps its value); set it under stack.parameters or the environment's parameters`,
      'parameter-not-set',
      'warning',
    );
  }
}

/** The template's declared parameters, cached by path, size and mtime (validation runs as the user types). */
const templateCache = new Map<string, { stamp: string; params: DeclaredParameter[] | undefined }>();
function templateParameters(real: string): DeclaredParameter[] | undefined {
  const info = statSync(real);
  const stamp = `${info.size}:${info.mtimeMs}`;
  const cached = templateCache.get(real);
  if (cached?.stamp === stamp) return cached.params;
  let params: DeclaredParameter[] | undefined;
  try {
    params = declaredParameters(readFileSync(real, 'utf8'));
  } catch {
    params = undefined;
  }
  if (templateCache.size > 20) templateCache.clear();
  templateCache.set(real, { stamp, params });
  return params;
}

/** Checks the stack name as each environment would produce it. */
function checkStackName(template: string, environments: unknown, ctx: SemanticContext): void {
  const refs = findVariables(template, 'value');
  if (refs.some((r) => r.kind === 'unknown')) return; // already reported
  const at0 = rangeAt(ctx, ['stack', 'name']);
  if (refs.some((r) => r.kind === 'builtin' && r.name === 'deployment.id')) {
    ctx.problems.add(
      at0,
      'stack name cannot use ${deployment.id}: a stack keeps its name across deployments (history and rollback follow it)',
      'bad-stack-name',
    );
    return;
  }
  if (refs.some((r) => r.kind === 'builtin' && (r.name === 'git.sha' || r.name === 'git.shortSha'))) {
    ctx.problems.add(
      at0,
      'stack name uses the commit: every commit then deploys a new stack, with no earlier version to roll back to',
      'stack-per-commit',
      'warning',
    );
  }
  const envNames = isObject(environments) && Object.keys(environments).length > 0 ? Object.keys(environments) : ['dev'];
  const at = rangeAt(ctx, ['stack', 'name']);
  for (const envName of envNames) {
    const sample = template
      .replace(/\$\{\s*env\.name\s*\}/g, envName)
      .replace(/\$\{\s*git\.sha\s*\}/g, 'a'.repeat(40))
      .replace(/\$\{\s*git\.shortSha\s*\}/g, 'a'.repeat(7))
      .replace(/\$\{\s*git\.branch\s*\}/g, 'main')
      .replace(/\$\{\s*deployment\.id\s*\}/g, '20261126T223000123Z-ab12cd')
      .replace(/\$\{[^}]*\}/g, 'x');
    if (!STACK_NAME.test(sample) || sample.length > STACK_NAME_MAX) {
      const forEnv = template.includes('${') ? ` (for environment "${envName}")` : '';
      ctx.problems.add(
        at,
        `stack name "${sample}"${forEnv} is not a valid CloudFormation stack name: start with a letter, then letters, digits and hyphens, at most ${STACK_NAME_MAX} characters`,
        'bad-stack-name',
      );
      if (!template.includes('${env.name}')) return;
    }
  }
  if (/\$\{\s*git\.branch\s*\}/.test(template)) {
    ctx.problems.add(
      at,
      'stack name uses ${git.branch}: branch names may contain "/" or "_", which stack names cannot',
      'bad-stack-name',
      'warning',
    );
  }
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

function checkEnvironments(environments: unknown, ctx: SemanticContext): void {
  if (!isObject(environments)) return;
  for (const [name, env] of Object.entries(environments)) {
    if (!isObject(env)) continue;
    const base = ['environments', name];
    const isProd = isProdName(name);
    const deployOn = Array.isArray(env.deployOn) ? env.deployOn : [];
    const health = isObject(env.health) ? env.health : undefined;
    const guarded =
      health !== undefined &&
      ((Array.isArray(health.alarms) && health.alarms.length > 0) ||
        typeof health.alarmPrefix === 'string' ||
        health.stackAlarms === true ||
        (Array.isArray(health.metrics) && health.metrics.length > 0));
    if (health && Array.isArray(health.metrics)) checkMetrics(health.metrics, health.bake, [...base, 'health', 'metrics'], ctx);

    if (typeof env.endpoint === 'string' && /^https?:\/\//.test(env.endpoint) && !isLoopback(env.endpoint)) {
      ctx.problems.add(
        rangeAt(ctx, [...base, 'endpoint']),
        `environments.${name}.endpoint "${env.endpoint}" is not a loopback address: a repository may only point at a local emulator; set other endpoints in the user setting deployGuard.endpoint`,
        'endpoint-not-loopback',
      );
    }
    if (typeof env.account === 'number') {
      // YAML reads 012345678901 as a number and drops the leading zero: only the source text has it.
      const range = rangeAt(ctx, [...base, 'account']);
      const raw = range ? ctx.text.slice(range[0], range[1]).trim() : '';
      const digits = /^[0-9]+$/.test(raw) ? raw : String(env.account).padStart(12, '0');
      ctx.problems.add(
        range,
        `environments.${name}.account must be in quotes: a number loses its leading zeros; write account: "${digits}"`,
        'account-not-quoted',
      );
    }
    if (deployOn.includes('push') && typeof env.branch !== 'string') {
      ctx.problems.add(
        rangeAt(ctx, [...base, 'deployOn']),
        `environment "${name}" deploys on push but names no branch: add branch: (e.g. branch: main)`,
        'push-without-branch',
      );
    }
    if (deployOn.includes('save') && (isProd || guarded)) {
      const index = deployOn.indexOf('save');
      const why = isProd ? `its name starts with "prod"` : 'it has guarded alarms (health)';
      ctx.problems.add(
        rangeAt(ctx, [...base, 'deployOn', index]),
        `environment "${name}" cannot use deployOn: [save] because ${why}: deploy on save is for dev stacks only`,
        'save-not-allowed',
      );
    }
    if (isProd && env.confirm === false) {
      ctx.problems.add(
        rangeAt(ctx, [...base, 'confirm']),
        `environment "${name}": confirm: false is ignored: deploys to environments named prod* are always confirmed`,
        'confirm-forced',
        'warning',
      );
    }
    if (health && !guarded) {
      ctx.problems.add(
        keyRangeAt(ctx, [...base, 'health']),
        `environment "${name}" has health settings but guards no alarm: add alarms, alarmPrefix, stackAlarms: true or metrics`,
        'health-unguarded',
        'warning',
      );
    }
    if (health && typeof health.bake === 'string' && typeof health.pollSeconds === 'number') {
      const bake = parseDuration(health.bake);
      if (bake !== undefined && bake > 0 && bake < health.pollSeconds * 1000) {
        ctx.problems.add(
          rangeAt(ctx, [...base, 'health', 'bake']),
          `environments.${name}.health.bake (${health.bake}) is shorter than pollSeconds (${health.pollSeconds}s): the alarms would be read at most once`,
          'bake-too-short',
          'warning',
        );
      }
    }
  }
}

const DEFAULT_BAKE_MS = HEALTH_DEFAULTS.bakeMs;
const STAT_HELP = 'use Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p99 or p99.9';

/** A metric's statistic, as CloudWatch would accept it. */
function checkStat(stat: unknown, path: readonly PathSegment[], ctx: SemanticContext): void {
  if (typeof stat !== 'string' || parseStat(stat) !== undefined) return;
  const suggestion = closest(stat, ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount']);
  ctx.problems.add(
    rangeAt(ctx, path),
    `${describePath(path)}: "${stat}" is not a CloudWatch statistic${suggestion ? ` (did you mean ${suggestion}?)` : ''}: ${STAT_HELP}`,
    'bad-stat',
  );
}

/** `health.metrics`: each entry is a plain metric or an expression over `using`, with a valid stat, period and tolerance. */
function checkMetrics(metrics: readonly unknown[], bake: unknown, base: readonly PathSegment[], ctx: SemanticContext): void {
  metrics.forEach((entry, i) => {
    if (!isObject(entry)) return;
    const at = [...base, i];
    const where = describePath(at);
    if (typeof entry.expression === 'string') {
      const plain = ['namespace', 'metric', 'stat', 'dimensions'].filter((k) => entry[k] !== undefined);
      if (plain.length > 0) {
        ctx.problems.add(
          keyRangeAt(ctx, [...at, plain[0]!]),
          `${where}: an expression reads the metrics under using; move ${plain.join(', ')} into one of them`,
          'metric-shape',
        );
      }
      const using = isObject(entry.using) ? entry.using : {};
      if (!isObject(entry.using)) {
        ctx.problems.add(
          keyRangeAt(ctx, [...at, 'expression']),
          `${where}: an expression needs using: the metrics it names, by id`,
          'metric-shape',
        );
      }
      for (const [id, spec] of Object.entries(using)) {
        if (!METRIC_ID.test(id)) {
          ctx.problems.add(
            keyRangeAt(ctx, [...at, 'using', id]),
            `${where}.using: "${id}" is not a metric id: start with a lowercase letter, then letters, digits and _`,
            'bad-metric-id',
          );
        }
        if (isObject(spec)) checkStat(spec.stat, [...at, 'using', id, 'stat'], ctx);
      }
      const node = nodeAt(ctx, [...at, 'expression']);
      for (const id of expressionIds(entry.expression)) {
        if (Object.hasOwn(using, id)) continue;
        const suggestion = closest(id, Object.keys(using));
        ctx.problems.add(
          rangeWithin(ctx, node, id, 0),
          `${where}.expression names "${id}", which is not under using${suggestion ? ` (did you mean ${suggestion}?)` : ''}: list it there with its namespace, metric and stat`,
          'unknown-metric-id',
        );
      }
    } else {
      if (entry.using !== undefined) {
        ctx.problems.add(keyRangeAt(ctx, [...at, 'using']), `${where}: using is only for an expression`, 'metric-shape');
      }
      const absent = ['namespace', 'metric', 'stat'].filter((k) => entry[k] === undefined);
      if (absent.length > 0) {
        ctx.problems.add(rangeAt(ctx, at), `${where} needs ${absent.join(', ')} (or an expression with using)`, 'metric-shape');
      }
      checkStat(entry.stat, [...at, 'stat'], ctx);
    }
    if (typeof entry.period === 'number' && !isValidPeriod(entry.period)) {
      ctx.problems.add(
        rangeAt(ctx, [...at, 'period']),
        `${where}.period ${entry.period} is not a period CloudWatch keeps: use 1, 5, 10, 30 or a multiple of 60 seconds`,
        'bad-period',
      );
    }
    const bakeMs = typeof bake === 'string' ? parseDuration(bake) : DEFAULT_BAKE_MS;
    if (typeof entry.period === 'number' && isValidPeriod(entry.period) && bakeMs !== undefined && bakeMs > 0) {
      const samples = Math.floor(bakeMs / (entry.period * 1000));
      if (samples < DEFAULT_MIN_SAMPLES) {
        ctx.problems.add(
          rangeAt(ctx, [...at, 'period']),
          `${where}: a ${entry.period}s period gives ${samples} sample${samples === 1 ? '' : 's'} in the bake, and a verdict needs ${DEFAULT_MIN_SAMPLES} on each side (else it is unknown): shorten the period or lengthen the bake`,
          'too-few-samples',
          'warning',
        );
      }
    }
    if (typeof entry.tolerance === 'string' && parseTolerance(entry.tolerance) === undefined) {
      ctx.problems.add(
        rangeAt(ctx, [...at, 'tolerance']),
        `${where}.tolerance "${entry.tolerance}" is not a percentage: write it like 10%`,
        'bad-tolerance',
      );
    }
  });
}
