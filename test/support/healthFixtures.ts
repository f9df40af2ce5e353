/**
 * Helpers for the health-watch and rollback suites: alarms made with PutMetricAlarm and driven
 * with SetAlarmState on a real moto_server, history in a temp DEPLOYGUARD_HOME, and records shaped
 * like the engine's.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { StackPollers } from '../../src/core/aws/stackPoller';
import { runDeployment, type DeploymentOutcome, type EngineContext } from '../../src/core/deployment';
import type { EngineEvent, EngineEventSink } from '../../src/core/events';
import { HistoryStore, type StackHistory } from '../../src/core/history/store';
import { newDeploymentId } from '../../src/core/history/paths';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord, type ParameterRecord } from '../../src/core/history/record';
import type { Logger } from '../../src/core/logger';
import type { EnvironmentConfig, HealthConfig, PipelineConfig } from '../../src/core/pipeline/types';
import type { ConfirmRollback } from '../../src/core/rollback/afterUnhealthy';
import { MOTO_ENV } from './moto';

export const REGION = MOTO_ENV.AWS_REGION;

/** A small stack whose template differs per version (moto creates SSM parameters), for rollback tests. */
export const versionedTemplate = (version: string) => `Description: orders service ${version}
Parameters:
  Version:
    Type: String
Resources:
  Marker:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/orders/\${AWS::StackName}/version'
      Type: String
      Value: !Ref Version
`;
export const ACCOUNT = '123456789012';

/** The one-stack `orders` pipeline of the rollback suites: template-VERSION.yaml, its Version parameter set to VERSION. */
export function versionedPipeline(options: { stackName: string; version: string; endpoint: string; health: HealthConfig }): PipelineConfig {
  const { stackName, version, endpoint } = options;
  return {
    version: 1,
    name: 'orders',
    steps: [],
    stack: { name: stackName, template: `template-${version}.yaml`, parameters: { Version: version }, capabilities: [], tags: {} },
    environments: {
      dev: { name: 'dev', region: REGION, endpoint, deployOn: [], confirm: false, health: options.health },
    },
  };
}

/** The engine's surroundings for a test: history under `home`, fresh pollers, timings short enough for moto. */
export function engineContext(home: string, emit: EngineEventSink): EngineContext {
  const logger = memoryLogger();
  return {
    history: new HistoryStore(home),
    pollers: new StackPollers(logger),
    emit,
    logger,
    timing: { changeSetPollMs: 50, acceptWithoutEventsMs: 200 },
  };
}

export interface VersionDeploy {
  readonly ctx: EngineContext;
  readonly repo: string;
  readonly pipeline: PipelineConfig;
  readonly version: string;
  /** The template body to deploy (default: versionedTemplate(version)). */
  readonly template?: string;
  /** Runs alongside the deploy (started once the template is written) and is awaited after it. */
  readonly during?: () => Promise<void>;
  readonly confirmRollback?: ConfirmRollback;
}

/** Writes the version's template into the repo and deploys it to `dev` through the engine: no steps, no questions. */
export async function deployVersion(d: VersionDeploy): Promise<DeploymentOutcome> {
  await writeFile(join(d.repo, `template-${d.version}.yaml`), d.template ?? versionedTemplate(d.version));
  const during = d.during?.();
  const outcome = await runDeployment(d.ctx, {
    pipeline: d.pipeline,
    environment: 'dev',
    repoRoot: d.repo,
    skipSteps: true,
    yes: true,
    git: { sha: `sha-${d.version}` },
    ...(d.confirmRollback ? { confirmRollback: d.confirmRollback } : {}),
  });
  await during;
  return outcome;
}

/** Resolves once a `watch-started` event arrives after this call (the bake of the deploy in flight). */
export async function watchStarted(events: readonly EngineEvent[], timeoutMs = 20_000): Promise<void> {
  const seen = events.length;
  const deadline = Date.now() + timeoutMs;
  while (!events.slice(seen).some((e) => e.type === 'watch-started')) {
    if (Date.now() > deadline) throw new Error('the watch never started');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Resolves true once a restore's verification window starts after this call (its `watch-started`
 * with phase `restore`), or false once a deployment that is not a rollback finishes without one.
 */
export async function restoreVerifying(events: readonly EngineEvent[], timeoutMs = 60_000): Promise<boolean> {
  const seen = events.length;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = events.slice(seen);
    if (fresh.some((e) => e.type === 'watch-started' && e.phase === 'restore')) return true;
    const rollbacks = new Set(events.flatMap((e) => (e.type === 'deployment-started' && e.kind === 'rollback' ? [e.deploymentId] : [])));
    if (fresh.some((e) => e.type === 'deployment-finished' && !rollbacks.has(e.deploymentId))) return false;
    if (Date.now() > deadline) throw new Error('neither a restore was verified nor the deployment finished');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Points the SDK's default credential chain at moto's fake credentials. */
export function useMotoCredentials(): void {
  for (const [k, v] of Object.entries(MOTO_ENV)) process.env[k] = v;
}

export function rawCloudWatch(endpoint: string): CloudWatchClient {
  return new CloudWatchClient({
    region: REGION,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
}

/** A metric alarm (moto starts it OK); `threshold` as a template would set it (default 1). */
export async function putAlarm(cw: CloudWatchClient, name: string, threshold = 1): Promise<void> {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      MetricName: `${name}-metric`,
      Namespace: 'DeployGuard/Test',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
}

export async function setAlarm(cw: CloudWatchClient, name: string, state: StateValue, reason = `test set ${state}`): Promise<void> {
  await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
}

export async function deleteAlarm(cw: CloudWatchClient, name: string): Promise<void> {
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
}

export async function tempHistory(stackName: string): Promise<StackHistory> {
  const root = await mkdtemp(join(tmpdir(), 'dg-health-'));
  return new HistoryStore(root).stack({ account: ACCOUNT, region: REGION, stackName });
}

export function health(over: Partial<HealthConfig> = {}): HealthConfig {
  return { alarms: [], stackAlarms: false, bakeMs: 1500, pollSeconds: 0.2, rollback: 'auto', ...over };
}

export function environment(endpoint: string, h: HealthConfig | undefined): EnvironmentConfig {
  return { name: 'dev', region: REGION, endpoint, deployOn: [], confirm: false, ...(h ? { health: h } : {}) };
}

export function record(over: Partial<DeploymentRecord> & { body?: string; params?: ParameterRecord[] } = {}): DeploymentRecord {
  const body = over.body ?? 'Resources: {}\n';
  const { body: _b, params, ...rest } = over;
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id: newDeploymentId(),
    kind: 'deploy',
    environment: 'dev',
    stackName: 'orders-dev',
    region: REGION,
    account: ACCOUNT,
    template: { body, sha256: createHash('sha256').update(body).digest('hex') },
    parameters: params ?? [],
    tags: {},
    capabilities: [],
    status: 'watching',
    startedAt: new Date().toISOString(),
    steps: [],
    ...rest,
  };
}

/** Collects engine events for assertions. */
export function eventLog(): { events: EngineEvent[]; emit: (e: EngineEvent) => void; types: () => string[] } {
  const events: EngineEvent[] = [];
  return { events, emit: (e) => events.push(e), types: () => events.map((e) => e.type) };
}

/** A logger that keeps lines (and can print them with DEBUG_TESTS=1). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put =
    (level: string) =>
    (m: string | Error, ...a: unknown[]) => {
      const line = `${level} ${m instanceof Error ? m.message : m}${a.length ? ' ' + JSON.stringify(a) : ''}`;
      lines.push(line);
      if (process.env['DEBUG_TESTS']) console.error(line);
    };
  return { lines, trace: put('trace'), debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}
