/**
 * The typed model of a validated `deployguard.yaml` (its schema: deployguard.schema.json). The parser produces it;
 * everything else in the engine reads it. Values may still hold `${...}` variables: they are
 * resolved per deployment (see variables.ts), never spliced into shell strings.
 */

import type { DeployOnEvent } from '../deploymentTrigger';

export type RollbackPolicy = 'auto' | 'prompt' | 'off';

export interface StepConfig {
  readonly name: string;
  /** Bash source, run as-is with `bash -c`; variables arrive as environment variables. */
  readonly run: string;
  /** Folder relative to the repository root; default the root. */
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /** Extra environment for this step; values may contain variables. */
  readonly env: Readonly<Record<string, string>>;
}

/** A CDK app whose stack is synthesised, its file assets published, then deployed (`stack.cdk`). */
export interface CdkConfig {
  /** The stack in the cloud assembly: its artifact id or display name (`OrdersStack`, `Prod/OrdersStack`). */
  readonly stack: string;
  /** `--app` for `cdk synth` when it is not cdk.json's. */
  readonly app?: string;
  /** The folder with cdk.json and node_modules/.bin/cdk, relative to the repository root; default the root. */
  readonly cwd?: string;
}

export interface StackConfig {
  /** May contain variables, e.g. `orders-${env.name}`. */
  readonly name: string;
  /**
   * Path relative to the repository root. With `cdk` it is where the synthesised template is
   * written (`<cwd>/cdk.out/<stack>.template.json`): the assembly's manifest names the real file.
   */
  readonly template: string;
  readonly cdk?: CdkConfig;
  readonly templateBucket?: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** The service role CloudFormation acts as (RoleARN on every change set); may contain variables. */
  readonly roleArn?: string;
  /** SNS topics CloudFormation sends the stack's events to (the change sets' NotificationARNs); absent = left as they are. */
  readonly notificationArns?: readonly string[];
}

/** Who is told how a deployment of the environment ended, besides the user's own webhook. */
export interface NotifyConfig {
  /** SNS topic ARNs, of the account deployed to (others are refused when the deploy starts). */
  readonly sns: readonly string[];
}

/** One CloudWatch metric, as GetMetricData's MetricStat names it. */
export interface MetricSpec {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount` or a percentile `pNN` (p99, p99.9). */
  readonly stat: string;
}

/** What one guarded metric reads: a plain metric, or metric math over named metrics (`using`, by id). */
export type MetricQuery =
  | ({ readonly kind: 'metric' } & MetricSpec)
  | { readonly kind: 'expression'; readonly expression: string; readonly using: Readonly<Record<string, MetricSpec>> };

/** Which window the bake's samples are compared with. */
export type CompareWith = 'before' | 'previous-day' | 'previous-week';

/** A metric judged before/after the deploy (`health.metrics`). */
export interface GuardedMetric {
  /** Names the metric in verdicts, e.g. "Latency p99". */
  readonly name: string;
  readonly query: MetricQuery;
  /** Seconds per sample: 1, 5, 10, 30 or a multiple of 60. */
  readonly period: number;
  readonly bad: 'increase' | 'decrease';
  /** Fraction of the baseline a change may move before it counts (0.1 = 10 %); absent = the judge's default. */
  readonly tolerance?: number;
  /** `zero`: a period with no datapoint is a 0 (count metrics); `gap`: it is no sample. */
  readonly missing: 'gap' | 'zero';
}

export interface HealthConfig {
  readonly alarms: readonly string[];
  readonly alarmPrefix?: string;
  readonly stackAlarms: boolean;
  readonly bakeMs: number;
  readonly pollSeconds: number;
  readonly rollback: RollbackPolicy;
  /** Metrics judged before/after the deploy (absent = none). */
  readonly metrics?: readonly GuardedMetric[];
  /** Also judge the metric behind every guarded metric alarm (absent = no). */
  readonly metricsFromAlarms?: boolean;
  /** The baseline window (absent = `before`). */
  readonly compareWith?: CompareWith;
}

export interface EnvironmentConfig {
  readonly name: string;
  readonly region: string;
  readonly profile?: string;
  /** The 12-digit account the environment lives in: credentials of any other account are refused. */
  readonly account?: string;
  /** Only honoured when it is a loopback address (a repository must not redirect signed requests). */
  readonly endpoint?: string;
  /** `s3://BUCKET/PREFIX` or `local`: where this environment's history lives (wins over the file's). */
  readonly history?: string;
  readonly branch?: string;
  readonly deployOn: readonly DeployOnEvent[];
  /** Ask before deploying; always true for names starting with `prod`. */
  readonly confirm: boolean;
  readonly health?: HealthConfig;
  readonly notify?: NotifyConfig;
  /** Parameters for this environment only: each overrides the stack's of the same key. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Tags for this environment only: each overrides the stack's of the same key. */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface PipelineConfig {
  readonly version: 1;
  readonly name: string;
  readonly steps: readonly StepConfig[];
  readonly stack: StackConfig;
  /** `s3://BUCKET/PREFIX` or `local`: where history lives for environments that name none. */
  readonly history?: string;
  readonly environments: Readonly<Record<string, EnvironmentConfig>>;
}

/** What an environment's `health:` falls back to: a 5-minute bake, a poll every 10 s, automatic rollback. */
export const HEALTH_DEFAULTS = { bakeMs: 5 * 60_000, pollSeconds: 10, rollback: 'auto' as RollbackPolicy };

/** The default per-step timeout when a step names none: long enough for any build, never forever. */
export const DEFAULT_STEP_TIMEOUT_MS = 60 * 60_000;

/** `info`: a note that changes nothing (e.g. which step makes the template); never blocks a deploy. */
export type ProblemSeverity = 'error' | 'warning' | 'info';

/** One problem in the pipeline file, positioned for the Problems panel and `PATH:LINE:COL`. */
export interface PipelineProblem {
  /** Absolute path of the file the problem is in. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** 1-based, exclusive end of the offending text (same line as `line` when unknown). */
  readonly endLine: number;
  readonly endColumn: number;
  readonly message: string;
  readonly severity: ProblemSeverity;
  /** Stable machine-readable kind, e.g. `unknown-key`, `yaml-syntax`, `bad-duration`. */
  readonly code: string;
}
