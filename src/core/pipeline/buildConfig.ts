import type { DeployOnEvent } from '../deploymentTrigger';
import { posix } from 'node:path';
import { parseDuration } from '../time';
import { parseTolerance } from './metricRules';
import { isProdName } from './confirmation';
import {
  HEALTH_DEFAULTS,
  type CdkConfig,
  type CompareWith,
  type EnvironmentConfig,
  type GuardedMetric,
  type MetricSpec,
  type NotifyConfig,
  type HealthConfig,
  type PipelineConfig,
  type RollbackPolicy,
  type StackConfig,
  type StepConfig,
} from './types';

type Json = Record<string, unknown>;

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Json)) out[k] = String(v);
  }
  return out;
}

/** T whose optional properties may also be given as undefined: what `build` takes before it drops them. */
type Loose<T> = { [K in keyof T]: object extends Pick<T, K> ? T[K] | undefined : T[K] };

function build<T extends object>(value: Loose<T>): T {
  // Drop undefined optionals so records compare and serialise cleanly.
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return Object.freeze(value) as T;
}

/**
 * Turns a value that passed the schema and the semantic checks into the typed model, applying
 * the documented defaults. Only called when there are no errors.
 */
export function buildPipelineConfig(value: Json): PipelineConfig {
  const steps = ((value.steps as Json[] | undefined) ?? []).map((s): StepConfig =>
    build<StepConfig>({
      name: s.name as string,
      run: s.run as string,
      cwd: s.cwd as string | undefined,
      timeoutMs: typeof s.timeout === 'string' ? parseDuration(s.timeout) : undefined,
      env: stringMap(s.env),
    }),
  );
  const stack = value.stack as Json;
  const environments: Record<string, EnvironmentConfig> = {};
  for (const [name, raw] of Object.entries(value.environments as Json)) {
    const env = raw as Json;
    environments[name] = build<EnvironmentConfig>({
      name,
      region: env.region as string,
      profile: env.profile as string | undefined,
      account: typeof env.account === 'string' ? env.account : undefined,
      endpoint: env.endpoint as string | undefined,
      history: env.history as string | undefined,
      branch: env.branch as string | undefined,
      deployOn: Object.freeze([...((env.deployOn as DeployOnEvent[] | undefined) ?? [])]),
      confirm: isProdName(name) ? true : ((env.confirm as boolean | undefined) ?? false),
      health: env.health === undefined ? undefined : buildHealth(env.health as Json),
      notify: buildNotify(env.notify),
      parameters: env.parameters === undefined ? undefined : Object.freeze(stringMap(env.parameters)),
      tags: env.tags === undefined ? undefined : Object.freeze(stringMap(env.tags)),
    });
  }
  return Object.freeze({
    version: 1 as const,
    name: value.name as string,
    steps: Object.freeze(steps),
    stack: build<StackConfig>({
      name: stack.name as string,
      template: (stack.template as string | undefined) ?? cdkTemplatePath(stack.cdk as Json),
      cdk: stack.cdk === undefined ? undefined : buildCdk(stack.cdk as Json),
      templateBucket: stack.templateBucket as string | undefined,
      parameters: stringMap(stack.parameters),
      capabilities: Object.freeze([...((stack.capabilities as string[] | undefined) ?? [])]),
      tags: stringMap(stack.tags),
      notificationArns: Array.isArray(stack.notificationArns) ? Object.freeze([...(stack.notificationArns as string[])]) : undefined,
      roleArn: stack.roleArn as string | undefined,
    }),
    environments: Object.freeze(environments),
    ...(typeof value.history === 'string' ? { history: value.history } : {}),
  });
}

/** `notify:`, kept only when it names a topic. */
function buildNotify(value: unknown): NotifyConfig | undefined {
  const sns = (value as Json | undefined)?.sns;
  return Array.isArray(sns) && sns.length > 0 ? Object.freeze({ sns: Object.freeze([...(sns as string[])]) }) : undefined;
}

function buildCdk(c: Json): CdkConfig {
  return build<CdkConfig>({ stack: c.stack as string, app: c.app as string | undefined, cwd: c.cwd as string | undefined });
}

/** Where `cdk synth --output cdk.out` writes a stack's template (the manifest names the real file). */
function cdkTemplatePath(c: Json): string {
  return posix.join((c.cwd as string | undefined) ?? '.', 'cdk.out', `${c.stack as string}.template.json`);
}

function buildHealth(h: Json): HealthConfig {
  return build<HealthConfig>({
    alarms: Object.freeze([...((h.alarms as string[] | undefined) ?? [])]),
    alarmPrefix: h.alarmPrefix as string | undefined,
    stackAlarms: (h.stackAlarms as boolean | undefined) ?? false,
    bakeMs: typeof h.bake === 'string' ? (parseDuration(h.bake) ?? HEALTH_DEFAULTS.bakeMs) : HEALTH_DEFAULTS.bakeMs,
    pollSeconds: (h.pollSeconds as number | undefined) ?? HEALTH_DEFAULTS.pollSeconds,
    rollback: (h.rollback as RollbackPolicy | undefined) ?? HEALTH_DEFAULTS.rollback,
    // Kept only when set: a health section of alarms alone builds as it always did.
    metrics: Array.isArray(h.metrics) && h.metrics.length > 0 ? Object.freeze((h.metrics as Json[]).map(buildMetric)) : undefined,
    metricsFromAlarms: h.metricsFromAlarms === true ? true : undefined,
    compareWith: h.compareWith as CompareWith | undefined,
  });
}

function metricSpec(m: Json): MetricSpec {
  return Object.freeze({
    namespace: m.namespace as string,
    metric: m.metric as string,
    dimensions: Object.freeze(stringMap(m.dimensions)),
    stat: m.stat as string,
  });
}

/** A `health.metrics` entry; the semantic checks have vetted its stat, period, tolerance and ids. */
function buildMetric(m: Json): GuardedMetric {
  const tolerance = typeof m.tolerance === 'string' ? parseTolerance(m.tolerance) : undefined;
  const using = (m.using as Json | undefined) ?? {};
  const query: GuardedMetric['query'] =
    typeof m.expression === 'string'
      ? Object.freeze({
          kind: 'expression' as const,
          expression: m.expression,
          using: Object.freeze(Object.fromEntries(Object.entries(using).map(([id, spec]) => [id, metricSpec(spec as Json)]))),
        })
      : Object.freeze({ kind: 'metric' as const, ...metricSpec(m) });
  const name = typeof m.name === 'string' ? m.name : query.kind === 'metric' ? `${query.metric} ${query.stat}` : query.expression;
  return Object.freeze({
    name,
    query,
    period: m.period as number,
    bad: m.bad as 'increase' | 'decrease',
    ...(tolerance !== undefined ? { tolerance } : {}),
    missing: m.missing === 'zero' ? ('zero' as const) : ('gap' as const),
  });
}
