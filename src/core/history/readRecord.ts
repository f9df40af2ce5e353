/**
 * One stored record's JSON → a typed DeploymentRecord: the one place a record is checked, and
 * where records written by older versions are brought to the current shape. Pure (no file access),
 * so every old shape is a unit-tested fixture.
 *
 * Rules:
 * - Without the fields every record has (schemaVersion, id, status, template) it is not a record:
 *   the store sets the file aside.
 * - A record written by a newer version is not ours to read: reported, never guessed at.
 * - An optional section that is malformed is left out and reported; the record itself is kept.
 *   (Alarms of the health section are left out one by one: the others are still worth showing.)
 * - Version 1 kept its sections in a free-form `extra`; they are lifted to their typed places, and
 *   the health section's older shapes (alarm names only, the restore as loose fields) are converted.
 * - Versions 1 and 2 did not say how a stable record was verified: it is derived from what the
 *   record holds (a baseline was found as it was, a rollback restored, a deploy watched by the
 *   alarms of its health section or by none). They had no `previous` links, and get none: the
 *   ledger orders such records by when they were verified.
 * - A value from the environment (a parameter's fromEnv/source/sha256, `secretTags`) is kept only
 *   whole and well formed: a malformed one is left out and reported, never read as a value.
 */
import type { HolderIdentity } from './holder';
import type { CheckpointMetrics, WatchCheckpoint } from '../health/afterDeploy';
import type { MetricSeriesWindow } from '../health/events';
import type { WatchedMetric } from '../health/metricWatch';
import type { MetricQuery, MetricSpec } from '../pipeline/types';
import type { HealthPreflight } from '../health/beforeDeploy';
import type {
  HealthSection,
  RecordedAlarm,
  RecordedChart,
  RecordedMetric,
  RecordedRollback,
  RecordedTransition,
  RecordedVerdict,
} from '../health/recordedHealth';
import type { RollbackTrigger } from '../health/resolve';
import type { AlarmState, FinalVerdict } from '../health/types';
import { INCIDENT_NOTE_VERSION, type IncidentNote, type IncidentResourceChange } from '../incident/incidentNote';
import type { RollbackMark } from '../rollback/afterUnhealthy';
import { readTrigger } from '../deploymentTrigger';
import { derivedVerification } from './ledger';
import {
  HISTORY_SCHEMA_VERSION,
  type CdkAssetRecord,
  type CdkSection,
  type DeploymentRecord,
  type EnvSourced,
  type ParameterRecord,
  type PreviousVersion,
  type RecoverSection,
  type Verification,
  type VerificationKind,
} from './record';
import type { RehearsedChange, RollbackRehearsal } from '../rollback/rehearsal';

export type RecordRead =
  /** `problems`: what was left out of it, one sentence each (empty when it was read whole). */
  | { readonly kind: 'record'; readonly record: DeploymentRecord; readonly problems: readonly string[] }
  /** Written by a newer Deploy Guard: not damaged, just not ours to read. */
  | { readonly kind: 'newer'; readonly problem: string }
  | { readonly kind: 'not-a-record'; readonly problem: string };

const SECTION_KEYS = [
  'healthPreflight',
  'healthWatch',
  'health',
  'recover',
  'rollbackOf',
  'previous',
  'verification',
  'secretTags',
  'rollbackRehearsal',
  'incident',
  'cdk',
  'startedBy',
] as const;
type SectionKey = (typeof SECTION_KEYS)[number];
const isSectionKey = (key: string): key is SectionKey => (SECTION_KEYS as readonly string[]).includes(key);
type Sections = { -readonly [K in SectionKey]?: Exclude<DeploymentRecord[K], undefined> };
/** What the store checks of the rest of the record (as it always has): the fields every record has. */
type BaseRecord = Omit<DeploymentRecord, SectionKey | 'schemaVersion'>;

export function migrateRecord(value: unknown): RecordRead {
  if (isObject(value) && typeof value['schemaVersion'] === 'number' && value['schemaVersion'] > HISTORY_SCHEMA_VERSION) {
    return { kind: 'newer', problem: `written by a newer version (schema ${value['schemaVersion']})` };
  }
  if (
    !isObject(value) ||
    !READABLE_VERSIONS.has(value['schemaVersion']) ||
    typeof value['id'] !== 'string' ||
    typeof value['status'] !== 'string' ||
    !isObject(value['template']) ||
    typeof value['template']['body'] !== 'string'
  ) {
    return { kind: 'not-a-record', problem: 'not a deployment record (missing schemaVersion, id, status or template)' };
  }
  const problems: string[] = [];
  const source = value['schemaVersion'] === 1 ? extraOf(value, problems) : value;
  const sections = readSections(source, value, problems);
  const base = Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'extra' && key !== 'trigger' && !isSectionKey(key)));
  // A trigger this version does not know (an earlier or later version's) is read as `unknown`: the record is kept.
  const trigger = readTrigger(value['trigger']);
  // The fields every record has were checked above; the rest of the base is trusted, as it always was.
  const record: DeploymentRecord = {
    ...(base as BaseRecord),
    ...(trigger !== undefined ? { trigger } : {}),
    schemaVersion: HISTORY_SCHEMA_VERSION,
    ...sections,
  };
  if (Array.isArray(record.parameters)) record.parameters = record.parameters.map((p) => readEnvSourcedParameter(p, problems));
  if (value['schemaVersion'] !== HISTORY_SCHEMA_VERSION && record.status === 'stable' && !record.verification) {
    record.verification = derivedVerification(record);
  }
  return { kind: 'record', record, problems };
}

const READABLE_VERSIONS = new Set<unknown>([1, 2, HISTORY_SCHEMA_VERSION]);

/** Version 1's sections, all under `extra`. */
function extraOf(value: Obj, problems: string[]): Obj {
  const extra = value['extra'];
  if (extra === undefined) return {};
  if (!isObject(extra)) {
    problems.push('its extra was not an object and was left out');
    return {};
  }
  for (const key of Object.keys(extra)) {
    if (!isSectionKey(key)) problems.push(`its extra.${key} is not known and was left out`);
  }
  return extra;
}

function readSections(source: Obj, record: Obj, problems: string[]): Sections {
  const out: Sections = {};
  const read = <T>(key: SectionKey, reader: (v: unknown) => T): T | undefined => {
    if (source[key] === undefined) return undefined;
    try {
      return reader(source[key]);
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      problems.push(`its ${key} section was left out: ${err.message}`);
      return undefined;
    }
  };
  const healthPreflight = read('healthPreflight', readPreflight);
  if (healthPreflight) out.healthPreflight = healthPreflight;
  const healthWatch = read('healthWatch', readCheckpoint);
  if (healthWatch) out.healthWatch = healthWatch;
  const health = read('health', (v) => readHealth(v, { record, ...(healthWatch ? { checkpoint: healthWatch } : {}) }, problems));
  if (health) out.health = health;
  const recover = read('recover', readRecover);
  if (recover) out.recover = recover;
  const rollbackOf = read('rollbackOf', (v) => (typeof v === 'string' ? v : fail('rollbackOf is not a string')));
  if (rollbackOf !== undefined) out.rollbackOf = rollbackOf;
  const previous = read('previous', readPrevious);
  if (previous) out.previous = previous;
  const verification = read('verification', readVerification);
  if (verification) out.verification = verification;
  const secretTags = read('secretTags', readSecretTags);
  if (secretTags) out.secretTags = secretTags;
  const rollbackRehearsal = read('rollbackRehearsal', readRehearsal);
  if (rollbackRehearsal) out.rollbackRehearsal = rollbackRehearsal;
  const incident = read('incident', readIncident);
  if (incident) out.incident = incident;
  const cdk = read('cdk', readCdk);
  if (cdk) out.cdk = cdk;
  const startedBy = read('startedBy', readStartedBy);
  if (startedBy) out.startedBy = startedBy;
  return out;
}

const REHEARSED_ACTIONS = ['Add', 'Modify', 'Remove'] as const;
const REPLACEMENTS = ['True', 'Conditional', 'False'] as const;

function readRehearsal(v: unknown): RollbackRehearsal {
  const o = object(v, 'rollbackRehearsal');
  const optional = (key: 'targetCommit' | 'changeSetName' | 'failed') => (o[key] !== undefined ? { [key]: string(o, key) } : {});
  return {
    targetId: string(o, 'targetId'),
    ...optional('targetCommit'),
    ...optional('changeSetName'),
    ...optional('failed'),
    changes: list(o, 'changes', (item): RehearsedChange => {
      const c = object(item, 'a rehearsed change');
      return {
        action: oneOf(c, 'action', REHEARSED_ACTIONS),
        logicalId: string(c, 'logicalId'),
        resourceType: string(c, 'resourceType'),
        ...(c['replacement'] !== undefined ? { replacement: oneOf(c, 'replacement', REPLACEMENTS) } : {}),
        exact: c['exact'] === true,
      };
    }),
    dangers: strings(o, 'dangers'),
  };
}

function readEnvSourced(v: unknown, what: string): EnvSourced {
  const o = object(v, what);
  const fromEnv = strings(o, 'fromEnv');
  if (fromEnv.length === 0) fail(`${what} names no environment variable`);
  const sha256 = string(o, 'sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${what} has no sha256 fingerprint`);
  return { fromEnv, source: string(o, 'source'), sha256 };
}

function readSecretTags(v: unknown): Record<string, EnvSourced> {
  const o = object(v, 'secretTags');
  return Object.fromEntries(Object.entries(o).map(([key, value]) => [key, readEnvSourced(value, `secret tag ${key}`)]));
}

/** A parameter whose value came from the environment, its reference checked; malformed, it is kept as unrecorded. */
function readEnvSourcedParameter(p: ParameterRecord, problems: string[]): ParameterRecord {
  if (!isObject(p) || (p.fromEnv === undefined && p.source === undefined && p.sha256 === undefined)) return p;
  try {
    return { ...p, ...readEnvSourced(p, `parameter ${p.key}`) };
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    problems.push(`its parameter ${p.key}'s environment reference was left out: ${err.message}`);
    const { fromEnv: _f, source: _s, sha256: _h, ...rest } = p;
    return rest;
  }
}

function readCdk(v: unknown): CdkSection {
  const o = object(v, 'cdk');
  return {
    stack: string(o, 'stack'),
    assets: list(o, 'assets', (a): CdkAssetRecord => {
      const asset = object(a, 'cdk asset');
      if (typeof asset['uploaded'] !== 'boolean') fail('a cdk asset has no uploaded flag');
      return {
        id: string(asset, 'id'),
        displayName: string(asset, 'displayName'),
        bucket: string(asset, 'bucket'),
        key: string(asset, 'key'),
        uploaded: asset['uploaded'],
      };
    }),
  };
}

function readPrevious(v: unknown): PreviousVersion {
  const o = object(v, 'previous');
  const optional = (key: keyof PreviousVersion) => (o[key] !== undefined ? { [key]: string(o, key) } : {});
  return { ...optional('deploymentId'), ...optional('templateSha256'), ...optional('parametersFingerprint') };
}

const VERIFICATION_KINDS = new Set<unknown>(['alarms', 'restored', 'unguarded', 'as-found'] satisfies VerificationKind[]);

/** Who ran it: text other machines wrote, shown in views as plain text (never markup). */
function readStartedBy(v: unknown): HolderIdentity {
  const o = object(v, 'startedBy');
  return {
    name: string(o, 'name'),
    ...(o['url'] !== undefined ? { url: string(o, 'url') } : {}),
    ...(o['ci'] !== undefined ? { ci: string(o, 'ci') } : {}),
  };
}

function readVerification(v: unknown): Verification {
  const o = object(v, 'verification');
  const kind = o['kind'];
  if (!VERIFICATION_KINDS.has(kind)) fail(`${String(kind)} is not a way of verifying`);
  return {
    kind: kind as VerificationKind,
    ...(o['alarms'] !== undefined ? { alarms: strings(o, 'alarms') } : {}),
    ...(o['metrics'] !== undefined ? { metrics: strings(o, 'metrics') } : {}),
    at: string(o, 'at'),
  };
}

function readPreflight(v: unknown): HealthPreflight {
  const o = object(v, 'healthPreflight');
  return {
    checkedAt: number(o, 'checkedAt'),
    alarms: strings(o, 'alarms'),
    baseline: baseline(o, 'baseline'),
    alreadyInAlarm: strings(o, 'alreadyInAlarm'),
    rollbackTriggers: list(o, 'rollbackTriggers', (t): RollbackTrigger => {
      const trigger = object(t, 'a rollback trigger');
      if (trigger['type'] !== 'AWS::CloudWatch::Alarm') fail('a rollback trigger is not an AWS::CloudWatch::Alarm');
      return { name: string(trigger, 'name'), arn: string(trigger, 'arn'), type: 'AWS::CloudWatch::Alarm' };
    }),
    rollbackTriggersWhy: string(o, 'rollbackTriggersWhy'),
  };
}

function readCheckpoint(v: unknown): WatchCheckpoint {
  const o = object(v, 'healthWatch');
  if (o['version'] !== 1) fail(`its version is ${String(o['version'])}, not 1`);
  const historySupported = o['historySupported'];
  if (historySupported !== undefined && typeof historySupported !== 'boolean') fail('historySupported is not true or false');
  return {
    version: 1,
    deployStartedAt: number(o, 'deployStartedAt'),
    bakeStartedAt: number(o, 'bakeStartedAt'),
    deadline: string(o, 'deadline'),
    bakeMs: number(o, 'bakeMs'),
    pollMs: number(o, 'pollMs'),
    alarms: strings(o, 'alarms'),
    baseline: baseline(o, 'baseline'),
    ...(historySupported !== undefined ? { historySupported } : {}),
    ...(o['metrics'] !== undefined ? { metrics: checkpointMetrics(o['metrics']) } : {}),
    ...(o['verdict'] !== undefined ? { verdict: finalVerdict(o['verdict']) } : {}),
    ...(o['rollback'] !== undefined ? { rollback: rollbackMark(o['rollback']) } : {}),
  };
}

function checkpointMetrics(v: unknown): CheckpointMetrics {
  const o = object(v, 'the watched metrics');
  const window = object(o['baseline'], 'the metric baseline');
  const series = object(window['series'], 'the baseline series');
  return {
    watched: list(o, 'watched', watchedMetric),
    baseline: {
      start: number(window, 'start'),
      end: number(window, 'end'),
      series: Object.fromEntries(Object.entries(series).map(([key, points]) => [key, pairs(points)])),
    },
  };
}

function watchedMetric(v: unknown): WatchedMetric {
  const o = object(v, 'a watched metric');
  const tolerance = o['tolerance'];
  return {
    key: string(o, 'key'),
    name: string(o, 'name'),
    ...(o['alarm'] !== undefined ? { alarm: string(o, 'alarm') } : {}),
    query: metricQuery(o['query']),
    period: number(o, 'period'),
    bad: oneOf(o, 'bad', ['increase', 'decrease'] as const),
    ...(tolerance !== undefined ? { tolerance: number(o, 'tolerance') } : {}),
    missing: oneOf(o, 'missing', ['gap', 'zero'] as const),
    ...(o['threshold'] !== undefined ? { threshold: number(o, 'threshold') } : {}),
    // Read back exactly: a metric that was only drawn must never become judged after a resume.
    ...(o['chartOnly'] === true ? { chartOnly: true as const } : {}),
  };
}

function metricQuery(v: unknown): MetricQuery {
  const o = object(v, 'a metric query');
  if (o['kind'] === 'metric') return { kind: 'metric', ...metricSpec(o) };
  if (o['kind'] !== 'expression') fail('a metric query is neither a metric nor an expression');
  const using = object(o['using'], 'using');
  return {
    kind: 'expression',
    expression: string(o, 'expression'),
    using: Object.fromEntries(Object.entries(using).map(([id, spec]) => [id, metricSpec(object(spec, 'a metric'))])),
  };
}

function metricSpec(o: Obj): MetricSpec {
  const dimensions = object(o['dimensions'], 'dimensions');
  return {
    namespace: string(o, 'namespace'),
    metric: string(o, 'metric'),
    dimensions: Object.fromEntries(
      Object.entries(dimensions).map(([k, d]) => [k, typeof d === 'string' ? d : fail('a dimension is not a string')]),
    ),
    stat: string(o, 'stat'),
  };
}

/** [epoch ms, value] pairs, as series are kept. */
function pairs(v: unknown): [number, number][] {
  if (!Array.isArray(v)) fail('a series is not a list');
  return v.map((p: unknown): [number, number] =>
    Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number'
      ? [p[0], p[1]]
      : fail('a series point is not [time, value]'),
  );
}

function seriesWindow(v: unknown, what: string): MetricSeriesWindow {
  const o = object(v, what);
  return { start: number(o, 'start'), end: number(o, 'end'), points: pairs(o['points']) };
}

function oneOf<const T extends readonly string[]>(o: Obj, key: string, allowed: T): T[number] {
  const v = o[key];
  return allowed.includes(v as string) ? (v as T[number]) : fail(`${key} is not one of ${allowed.join(', ')}`);
}

function recordedMetric(v: unknown): RecordedMetric {
  const o = object(v, 'a metric');
  const change = o['relativeChange'];
  return {
    name: string(o, 'name'),
    ...(o['alarm'] !== undefined ? { alarm: string(o, 'alarm') } : {}),
    verdict: oneOf(o, 'verdict', ['pass', 'regressed', 'improved', 'unknown'] as const),
    reason: string(o, 'reason'),
    bad: oneOf(o, 'bad', ['increase', 'decrease'] as const),
    tolerance: number(o, 'tolerance'),
    relativeChange: change === null ? null : number(o, 'relativeChange'),
    ...(o['interval'] !== undefined ? { interval: interval(o['interval']) } : {}),
    ...optionalNumbers(o, ['baselineMedian', 'bakeMedian', 'threshold']),
    baseline: seriesWindow(o['baseline'], 'the baseline series'),
    bake: seriesWindow(o['bake'], 'the bake series'),
  };
}

function recordedChart(v: unknown): RecordedChart {
  const o = object(v, 'a chart');
  return {
    name: string(o, 'name'),
    alarm: string(o, 'alarm'),
    bad: oneOf(o, 'bad', ['increase', 'decrease'] as const),
    ...optionalNumbers(o, ['threshold']),
    baseline: seriesWindow(o['baseline'], 'the baseline series'),
    bake: seriesWindow(o['bake'], 'the bake series'),
  };
}

function interval(v: unknown): readonly [number, number] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number'
    ? [v[0], v[1]]
    : fail('an interval is not [lower, upper]');
}

/** The keys present in `o`, each a number (a present key that is not one fails the read). */
function optionalNumbers(o: Obj, keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, number(o, k)]));
}

function finalVerdict(v: unknown): FinalVerdict {
  const o = object(v, 'the verdict');
  const reason = string(o, 'reason');
  switch (o['kind']) {
    case 'healthy':
      return { kind: 'healthy', reason };
    case 'unhealthy':
      return {
        kind: 'unhealthy',
        alarm: string(o, 'alarm'),
        reason,
        at: number(o, 'at'),
        ...(o['metric'] !== undefined ? { metric: string(o, 'metric') } : {}),
      };
    case 'unknown':
      return { kind: 'unknown', reason, alarms: strings(o, 'alarms') };
    default:
      return fail('the verdict is not healthy, unhealthy or unknown');
  }
}

function rollbackMark(v: unknown): RollbackMark {
  const o = object(v, 'the rollback mark');
  return { token: string(o, 'token'), targetId: string(o, 'targetId'), startedAt: string(o, 'startedAt') };
}

function readRecover(v: unknown): RecoverSection {
  return { resourcesToSkip: strings(object(v, 'recover'), 'resourcesToSkip') };
}

/**
 * The health section, in either shape: the current one, or the first one (alarm names only, the
 * restore as `rollbackTargetId`/`rollbackDeploymentId` beside the verdict). For the first, what
 * it did not keep comes from the watch's checkpoint: the bake window, and each alarm's state as
 * the watch started from it (its baseline), the blamed alarm in ALARM from the verdict's time.
 */
function readHealth(v: unknown, from: { readonly record: Obj; readonly checkpoint?: WatchCheckpoint }, problems: string[]): HealthSection {
  const o = object(v, 'health');
  const verdict = recordedVerdict(o['verdict']);
  const entries = Array.isArray(o['alarms']) ? o['alarms'] : fail('its alarms are not a list');
  let unreadable = 0;
  const alarms = entries.flatMap((entry: unknown): RecordedAlarm[] => {
    if (typeof entry === 'string') return [alarmFromName(entry, verdict, from.checkpoint)];
    try {
      return [recordedAlarm(entry)];
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      unreadable += 1;
      return [];
    }
  });
  if (unreadable > 0) problems.push(`${unreadable} unreadable alarm(s) were left out of its health section`);
  // Metrics, like alarms, are left out one by one: the others are still worth showing.
  let unreadableMetrics = 0;
  const metrics = Array.isArray(o['metrics'])
    ? o['metrics'].flatMap((entry: unknown): RecordedMetric[] => {
        try {
          return [recordedMetric(entry)];
        } catch (err) {
          if (!(err instanceof Malformed)) throw err;
          unreadableMetrics += 1;
          return [];
        }
      })
    : o['metrics'] === undefined
      ? undefined
      : fail('its metrics are not a list');
  if (unreadableMetrics > 0) problems.push(`${unreadableMetrics} unreadable metric(s) were left out of its health section`);
  // Charts, like metrics, are left out one by one.
  let unreadableCharts = 0;
  const charts = Array.isArray(o['charts'])
    ? o['charts'].flatMap((entry: unknown): RecordedChart[] => {
        try {
          return [recordedChart(entry)];
        } catch (err) {
          if (!(err instanceof Malformed)) throw err;
          unreadableCharts += 1;
          return [];
        }
      })
    : undefined;
  if (unreadableCharts > 0) problems.push(`${unreadableCharts} unreadable chart(s) were left out of its health section`);
  // Transitions, too, are left out one by one.
  let unreadableTransitions = 0;
  const transitions = Array.isArray(o['transitions'])
    ? o['transitions'].flatMap((entry: unknown): RecordedTransition[] => {
        try {
          return [recordedTransition(entry)];
        } catch (err) {
          if (!(err instanceof Malformed)) throw err;
          unreadableTransitions += 1;
          return [];
        }
      })
    : o['transitions'] === undefined
      ? undefined
      : fail('its transitions are not a list');
  if (unreadableTransitions > 0)
    problems.push(`${unreadableTransitions} unreadable alarm transition(s) were left out of its health section`);
  const bakeStartedAt = o['bakeStartedAt'] !== undefined ? time(o, 'bakeStartedAt') : from.checkpoint?.bakeStartedAt;
  const bakeEndsAt =
    o['bakeEndsAt'] !== undefined ? time(o, 'bakeEndsAt') : from.checkpoint ? Date.parse(from.checkpoint.deadline) : undefined;
  const rollback =
    o['rollback'] !== undefined
      ? recordedRollback(o['rollback'])
      : typeof o['rollbackTargetId'] === 'string'
        ? rollbackFromFirstShape(o, o['rollbackTargetId'], from.record)
        : undefined;
  return {
    alarms,
    ...(bakeStartedAt !== undefined ? { bakeStartedAt } : {}),
    ...(bakeEndsAt !== undefined && Number.isFinite(bakeEndsAt) ? { bakeEndsAt } : {}),
    verdict,
    ...(rollback ? { rollback } : {}),
    ...(metrics ? { metrics } : {}),
    ...(charts && charts.length > 0 ? { charts } : {}),
    ...(transitions ? { transitions } : {}),
  };
}

function recordedTransition(v: unknown): RecordedTransition {
  const o = object(v, 'an alarm transition');
  return {
    alarm: string(o, 'alarm'),
    ...(o['from'] !== undefined ? { from: alarmState(o['from']) } : {}),
    to: alarmState(o['to']),
    at: number(o, 'at'),
    ...(o['reason'] !== undefined ? { reason: string(o, 'reason') } : {}),
  };
}

/**
 * The incident note: its shape checked where readers rely on it (the lists and the times);
 * strings stay strings. A note of another version is left out (it is written again on demand).
 */
function readIncident(v: unknown): IncidentNote {
  const o = object(v, 'incident');
  if (o['version'] !== INCIDENT_NOTE_VERSION) fail(`its version is ${String(o['version'])}, not ${INCIDENT_NOTE_VERSION}`);
  const fired = object(o['fired'], 'what fired');
  const times = object(o['times'], 'the times');
  const changes = object(o['changes'], 'the changes');
  const optionalString = (from: Obj, key: string) => (from[key] !== undefined ? { [key]: string(from, key) } : {});
  const restore = o['restore'] !== undefined ? object(o['restore'], 'the restore') : undefined;
  return {
    version: INCIDENT_NOTE_VERSION,
    deploymentId: string(o, 'deploymentId'),
    environment: string(o, 'environment'),
    stackName: string(o, 'stackName'),
    region: string(o, 'region'),
    account: string(o, 'account'),
    status: string(o, 'status') as IncidentNote['status'],
    headline: string(o, 'headline'),
    ...optionalString(o, 'reason'),
    ...optionalString(o, 'commit'),
    fired: {
      kind: oneOf(fired, 'kind', ['alarm', 'metric', 'stack', 'step', 'other'] as const),
      reason: string(fired, 'reason'),
      ...optionalString(fired, 'name'),
      ...optionalString(fired, 'resourceType'),
      ...optionalString(fired, 'eventId'),
      ...(fired['datapoints'] !== undefined ? { datapoints: strings(fired, 'datapoints') } : {}),
    },
    times: {
      deployStartedAt: string(times, 'deployStartedAt'),
      ...optionalString(times, 'firstBadSignalAt'),
      ...optionalString(times, 'decidedAt'),
      ...optionalString(times, 'rollbackStartedAt'),
      ...optionalString(times, 'restoredAt'),
      ...optionalString(times, 'verifiedAt'),
      ...optionalString(times, 'finishedAt'),
    },
    changes: {
      resources: list(changes, 'resources', (r): IncidentResourceChange => {
        const c = object(r, 'a changed resource');
        return {
          action: string(c, 'action') as IncidentResourceChange['action'],
          logicalId: string(c, 'logicalId'),
          resourceType: string(c, 'resourceType'),
          ...optionalString(c, 'physicalId'),
          ...(c['replacement'] !== undefined ? { replacement: oneOf(c, 'replacement', ['True', 'False', 'Conditional'] as const) } : {}),
          ...(c['properties'] !== undefined
            ? {
                properties: list(c, 'properties', (p) => {
                  const prop = object(p, 'a changed property');
                  return { property: string(prop, 'property'), change: oneOf(prop, 'change', ['added', 'removed', 'modified'] as const) };
                }),
              }
            : {}),
        };
      }),
      ...(changes['commits'] !== undefined
        ? {
            commits: list(changes, 'commits', (x) => {
              const c = object(x, 'a commit');
              return { sha: string(c, 'sha'), subject: string(c, 'subject'), author: string(c, 'author') };
            }),
          }
        : {}),
      ...optionalString(changes, 'commitsUnavailable'),
      ...optionalString(changes, 'templateDiff'),
    },
    ...(restore
      ? {
          restore: {
            deploymentId: string(restore, 'deploymentId'),
            ...optionalString(restore, 'commit'),
            restored: restore['restored'] === true,
            ...optionalString(restore, 'rollbackDeploymentId'),
            verification: oneOf(restore, 'verification', ['verified', 'still-unhealthy', 'not-verified'] as const),
            ...optionalString(restore, 'verificationReason'),
          },
        }
      : {}),
    next: strings(o, 'next'),
    writtenAt: string(o, 'writtenAt'),
  };
}

function alarmFromName(name: string, verdict: RecordedVerdict, checkpoint: WatchCheckpoint | undefined): RecordedAlarm {
  if (verdict.kind === 'unhealthy' && verdict.alarm === name) {
    return { name, state: 'ALARM', ...(verdict.at !== undefined ? { changedAt: verdict.at } : {}) };
  }
  return { name, state: checkpoint?.baseline[name] ?? 'MISSING' };
}

/** The first shape kept the restore's target and record; its phase follows from the deployment's final status. */
function rollbackFromFirstShape(health: Obj, targetDeploymentId: string, record: Obj): RecordedRollback {
  const status = record['status'];
  const rollbackDeploymentId = health['rollbackDeploymentId'];
  const reason = record['reason'];
  return {
    phase: status === 'rolled-back' ? 'succeeded' : status === 'rollback-failed' ? 'failed' : 'skipped',
    targetDeploymentId,
    ...(typeof rollbackDeploymentId === 'string' ? { rollbackDeploymentId } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}

function recordedVerdict(v: unknown): RecordedVerdict {
  const o = object(v, 'the verdict');
  const kind = o['kind'];
  if (kind !== 'healthy' && kind !== 'unhealthy' && kind !== 'unknown') fail('the verdict is not healthy, unhealthy or unknown');
  return {
    kind,
    reason: string(o, 'reason'),
    ...(o['at'] !== undefined ? { at: time(o, 'at') } : {}),
    ...(o['alarm'] !== undefined ? { alarm: string(o, 'alarm') } : {}),
  };
}

function recordedAlarm(v: unknown): RecordedAlarm {
  const o = object(v, 'an alarm');
  return {
    name: string(o, 'name'),
    state: alarmState(o['state']),
    ...(o['changedAt'] !== undefined ? { changedAt: time(o, 'changedAt') } : {}),
    ...(o['reason'] !== undefined ? { reason: string(o, 'reason') } : {}),
  };
}

function recordedRollback(v: unknown): RecordedRollback {
  const o = object(v, 'the rollback');
  const phase = o['phase'];
  if (phase !== 'succeeded' && phase !== 'failed' && phase !== 'skipped') fail('the rollback phase is not succeeded, failed or skipped');
  return {
    phase,
    targetDeploymentId: string(o, 'targetDeploymentId'),
    ...(o['targetCommit'] !== undefined ? { targetCommit: string(o, 'targetCommit') } : {}),
    ...(o['rollbackDeploymentId'] !== undefined ? { rollbackDeploymentId: string(o, 'rollbackDeploymentId') } : {}),
    ...(o['reason'] !== undefined ? { reason: string(o, 'reason') } : {}),
    ...(o['at'] !== undefined ? { at: time(o, 'at') } : {}),
  };
}

// A few readers, each failing with what was wrong, so a report can say it.

type Obj = Readonly<Record<string, unknown>>;

class Malformed extends Error {}

function fail(problem: string): never {
  throw new Malformed(problem);
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, what: string): Obj {
  return isObject(v) ? v : fail(`${what} is not an object`);
}

function string(o: Obj, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : fail(`${key} is not a string`);
}

function number(o: Obj, key: string): number {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fail(`${key} is not a number`);
}

/** Epoch ms; an ISO time is read too, as the run panel always accepted one. */
function time(o: Obj, key: string): number {
  const v = o[key];
  const ms = typeof v === 'string' ? Date.parse(v) : v;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : fail(`${key} is not a time`);
}

function list<T>(o: Obj, key: string, item: (v: unknown) => T): T[] {
  const v = o[key];
  return Array.isArray(v) ? v.map((x: unknown) => item(x)) : fail(`${key} is not a list`);
}

function strings(o: Obj, key: string): string[] {
  return list(o, key, (v) => (typeof v === 'string' ? v : fail(`${key} holds something other than names`)));
}

const ALARM_STATES = new Set<unknown>(['OK', 'ALARM', 'INSUFFICIENT_DATA', 'MISSING'] satisfies AlarmState[]);

function isAlarmState(v: unknown): v is AlarmState {
  return ALARM_STATES.has(v);
}

function alarmState(v: unknown): AlarmState {
  return isAlarmState(v) ? v : fail(`${String(v)} is not an alarm state`);
}

function baseline(o: Obj, key: string): Record<string, AlarmState> {
  const states = object(o[key], key);
  return Object.fromEntries(Object.entries(states).map(([name, state]) => [name, alarmState(state)]));
}
