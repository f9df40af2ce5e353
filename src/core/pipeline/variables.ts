import { DeployGuardError } from '../errors';

/**
 * `${...}` variables. In values (stack name, parameters, tags, step env) they are
 * replaced by their values. In a step's `run` they become references to environment variables
 * (`${env.name}` → `${DEPLOYGUARD_ENV}`), so a value never becomes shell source.
 */
export const BUILTIN_VARIABLES = ['env.name', 'git.sha', 'git.shortSha', 'git.branch', 'deployment.id'] as const;
export type BuiltinVariable = (typeof BUILTIN_VARIABLES)[number];

/** The environment variable each built-in variable reaches a step as. */
export const VARIABLE_ENV_NAMES: Readonly<Record<BuiltinVariable, string>> = {
  'env.name': 'DEPLOYGUARD_ENV',
  'git.sha': 'DEPLOYGUARD_GIT_SHA',
  'git.shortSha': 'DEPLOYGUARD_GIT_SHORT_SHA',
  'git.branch': 'DEPLOYGUARD_GIT_BRANCH',
  'deployment.id': 'DEPLOYGUARD_DEPLOYMENT_ID',
};

export interface VariableContext {
  /** The environment being deployed (`${env.name}`). */
  readonly envName: string;
  readonly git?: { readonly sha: string; readonly shortSha?: string; readonly branch?: string };
  /** Undefined where a value must not depend on the deployment (the stack name). */
  readonly deploymentId?: string | undefined;
  /** Where `${env:VAR}` is read from (usually process.env). */
  readonly processEnv: NodeJS.ProcessEnv;
}

export type VariableReference =
  | { readonly kind: 'builtin'; readonly name: BuiltinVariable; readonly text: string; readonly index: number }
  | { readonly kind: 'process-env'; readonly name: string; readonly text: string; readonly index: number }
  | { readonly kind: 'unknown'; readonly name: string; readonly text: string; readonly index: number };

const REFERENCE = /\$\{([^}\n]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function classify(expr: string, text: string, index: number): VariableReference {
  const name = expr.trim();
  if ((BUILTIN_VARIABLES as readonly string[]).includes(name)) {
    return { kind: 'builtin', name: name as BuiltinVariable, text, index };
  }
  if (name.startsWith('env:') && ENV_NAME.test(name.slice(4))) {
    return { kind: 'process-env', name: name.slice(4), text, index };
  }
  return { kind: 'unknown', name, text, index };
}

/**
 * `$${…}` is the literal text `${…}` in a value (CloudFormation's own `${AWS::Region}`, a log
 * format): never a variable, and written with one `$` when the value is resolved.
 */
const ESCAPED = '$${';

/**
 * The `${...}` references in `text` (an escaped `$${…}` is none). In `shell` mode only references that look like ours
 * (`${env.x}`, `${git.x}`, `${deployment.x}`, `${env:X}`, anything with a dot) are returned:
 * `${HOME}` or `${1:-x}` in a step is bash's own business.
 */
export function findVariables(text: string, mode: 'value' | 'shell' = 'value'): VariableReference[] {
  const refs: VariableReference[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const expr = match[1]!;
    if (mode === 'value' && (match.index ?? 0) > 0 && text[(match.index ?? 0) - 1] === '$') continue;
    if (mode === 'shell' && !/^\s*(?:env[.:]|git\.|deployment\.)/.test(expr) && !/^[A-Za-z_][\w]*\.[\w.]*$/.test(expr.trim())) {
      continue;
    }
    refs.push(classify(expr, match[0], match.index ?? 0));
  }
  return refs;
}

function builtinValue(name: BuiltinVariable, ctx: VariableContext): string | undefined {
  switch (name) {
    case 'env.name':
      return ctx.envName === '' ? undefined : ctx.envName;
    case 'git.sha':
      return ctx.git?.sha;
    case 'git.shortSha':
      return ctx.git?.shortSha ?? ctx.git?.sha.slice(0, 7);
    case 'git.branch':
      return ctx.git?.branch;
    case 'deployment.id':
      return ctx.deploymentId;
  }
}

function missing(ref: VariableReference, where: string): DeployGuardError {
  if (ref.kind === 'process-env') {
    return new DeployGuardError('ConfigInvalid', `${ref.text} in ${where}: environment variable ${ref.name} is not set`, {
      hint: `set ${ref.name} in the environment that runs Deploy Guard`,
    });
  }
  if (ref.kind === 'unknown') {
    return new DeployGuardError('ConfigInvalid', `${ref.text} in ${where} is not a Deploy Guard variable`, {
      hint: `use one of ${BUILTIN_VARIABLES.map((v) => '${' + v + '}').join(', ')} or \${env:NAME}`,
    });
  }
  const why = ref.name.startsWith('git.')
    ? ref.name === 'git.branch'
      ? 'the repository is on a detached HEAD (no branch)'
      : 'the folder is not a git repository'
    : ref.name === 'env.name'
      ? 'no environment was given'
      : 'no deployment id was given';
  return new DeployGuardError('ConfigInvalid', `${ref.text} in ${where} has no value: ${why}`);
}

/**
 * Replaces every variable in a value (stack name, parameter, tag, step env value). Throws a
 * ConfigInvalid DeployGuardError naming the variable when one is unknown or has no value.
 */
export function resolveVariables(text: string, ctx: VariableContext, where = 'deployguard.yaml'): string {
  let out = '';
  let last = 0;
  for (const ref of findVariables(text, 'value')) {
    let value: string | undefined;
    if (ref.kind === 'builtin') value = builtinValue(ref.name, ctx);
    else if (ref.kind === 'process-env') value = ctx.processEnv[ref.name];
    if (value === undefined) throw missing(ref, where);
    out += unescape(text.slice(last, ref.index)) + value;
    last = ref.index + ref.text.length;
  }
  return out + unescape(text.slice(last));
}

/** The text between variables, with every `$${` written as the literal `${` it stands for. */
function unescape(text: string): string {
  return text.replaceAll(ESCAPED, '${');
}

/** Resolves every value of a map (parameters, tags, step env). */
export function resolveVariablesIn(values: Readonly<Record<string, string>>, ctx: VariableContext, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) out[key] = resolveVariables(value, ctx, `${where}.${key}`);
  return out;
}

/** The DEPLOYGUARD_* environment variables every step gets (only those with a value). */
export function variableEnvironment(ctx: VariableContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of BUILTIN_VARIABLES) {
    const value = builtinValue(name, ctx);
    if (value !== undefined) env[VARIABLE_ENV_NAMES[name]] = value;
  }
  return env;
}

/**
 * Rewrites a step's bash source so variables become environment-variable references:
 * `echo ${env.name}` → `echo ${DEPLOYGUARD_ENV}`, `${env:TOKEN}` → `${TOKEN}`. The values
 * themselves travel in the environment, so nothing from git or the file becomes shell code.
 */
export function toShellReferences(run: string, ctx: VariableContext, where = 'run'): string {
  let out = '';
  let last = 0;
  for (const ref of findVariables(run, 'shell')) {
    let replacement: string;
    if (ref.kind === 'builtin') {
      if (builtinValue(ref.name, ctx) === undefined) throw missing(ref, where);
      replacement = '${' + VARIABLE_ENV_NAMES[ref.name] + '}';
    } else if (ref.kind === 'process-env') {
      if (ctx.processEnv[ref.name] === undefined) throw missing(ref, where);
      replacement = '${' + ref.name + '}';
    } else {
      throw missing(ref, where);
    }
    out += run.slice(last, ref.index) + replacement;
    last = ref.index + ref.text.length;
  }
  return out + run.slice(last);
}

/** The names of every `${env:VAR}` the pipeline uses anywhere; their values are masked as secrets. */
export function processEnvReferences(texts: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const text of texts) {
    for (const ref of findVariables(text, 'value')) if (ref.kind === 'process-env') names.add(ref.name);
  }
  return [...names];
}

/**
 * Every `${env:VAR}` value the pipeline uses (steps, stack name, parameters, tags): the values to
 * mask in everything shown or written.
 */
export function pipelineSecrets(
  config: {
    readonly steps: readonly { readonly run: string; readonly env: Readonly<Record<string, string>> }[];
    readonly stack: {
      readonly name: string;
      readonly templateBucket?: string;
      readonly parameters: Readonly<Record<string, string>>;
      readonly tags: Readonly<Record<string, string>>;
    };
    readonly environments?: Readonly<
      Record<string, { readonly parameters?: Readonly<Record<string, string>>; readonly tags?: Readonly<Record<string, string>> }>
    >;
  },
  processEnv: NodeJS.ProcessEnv,
): string[] {
  const texts = [
    ...config.steps.flatMap((s) => [s.run, ...Object.values(s.env)]),
    config.stack.name,
    config.stack.templateBucket ?? '',
    ...Object.values(config.stack.parameters),
    ...Object.values(config.stack.tags),
    ...Object.values(config.environments ?? {}).flatMap((e) => [...Object.values(e.parameters ?? {}), ...Object.values(e.tags ?? {})]),
  ];
  return processEnvReferences(texts)
    .map((name) => processEnv[name])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
}
