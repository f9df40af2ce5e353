/**
 * Building the Parameters of a change set. Values come from deployguard.yaml (with
 * variables resolved). A parameter the template declares but the file does not set keeps the
 * stack's current value on update (UsePreviousValue) — never silently reverts to its default.
 * NoEcho values are sent to CloudFormation but never written to a log or the history.
 */
import { DeployGuardError } from '../errors';
import type { EnvSourced, ParameterRecord } from '../history/record';
import { CLOUDFORMATION_LIMITS } from '../pipeline/limits';
import { envSourcedOf, envValueAgain, sameSecret, variableWords } from '../secrets/envSourced';
import type { DeclaredParameter } from './template';

/**
 * Refuses a parameter value longer than CloudFormation takes, before any call. Names the
 * parameter and the sizes, never the value (it may be a secret).
 */
export function checkParameterValues(values: Readonly<Record<string, string>>): void {
  const limit = CLOUDFORMATION_LIMITS.parameterValueChars;
  for (const [key, value] of Object.entries(values)) {
    if (value.length <= limit) continue;
    throw new DeployGuardError(
      'ConfigInvalid',
      `Parameter ${key} is ${value.length.toLocaleString('en-US')} characters; CloudFormation accepts at most ${limit.toLocaleString('en-US')} in one parameter value`,
      {
        hint: `shorten stack.parameters.${key} (or what its variables resolve to), or pass a reference such as an S3 key or SSM parameter name instead`,
      },
    );
  }
}

export interface SdkParameter {
  ParameterKey: string;
  ParameterValue?: string;
  UsePreviousValue?: boolean;
}

export interface BuiltParameters {
  /** What to send. */
  readonly sdk: SdkParameter[];
  /** What to record: NoEcho values removed. */
  readonly record: ParameterRecord[];
  /** Values to mask in every log line. */
  readonly secrets: string[];
  /** Keys set in the file that the template does not declare (CloudFormation would refuse them). */
  readonly undeclared: string[];
}

/**
 * @param existingKeys parameter keys the stack has now (undefined when creating it)
 * @param fromEnv the values built from `${env:VAR}`: recorded as where they came from, never in clear
 */
export function buildParameters(
  declared: readonly DeclaredParameter[],
  values: Readonly<Record<string, string>>,
  existingKeys: ReadonlySet<string> | undefined,
  fromEnv: ReadonlyMap<string, EnvSourced> = new Map(),
): BuiltParameters {
  const sdk: SdkParameter[] = [];
  const record: ParameterRecord[] = [];
  const secrets: string[] = [];
  for (const p of declared) {
    const value = values[p.key];
    if (value !== undefined) {
      sdk.push({ ParameterKey: p.key, ParameterValue: value });
      const sourced = fromEnv.get(p.key);
      record.push(p.noEcho ? { key: p.key, noEcho: true } : sourced ? { key: p.key, ...sourced } : { key: p.key, value });
      if (p.noEcho) secrets.push(value);
    } else if (existingKeys?.has(p.key)) {
      sdk.push({ ParameterKey: p.key, UsePreviousValue: true });
      record.push({ key: p.key, usePreviousValue: true, ...(p.noEcho ? { noEcho: true } : {}) });
    }
    // Otherwise: not set and new → the template's default applies (CloudFormation errors if none).
  }
  const declaredKeys = new Set(declared.map((p) => p.key));
  const undeclared = Object.keys(values).filter((k) => !declaredKeys.has(k));
  return { sdk, record, secrets, undeclared };
}

/** What a redeploy needs to restore values that came from the environment. */
export interface RedeploySecrets {
  /** The deployment being restored, named when a value cannot be. */
  readonly deploymentId: string;
  /** The stack's current parameter values. */
  readonly current: ReadonlyMap<string, string>;
  /** Where `${env:VAR}` is read from now. */
  readonly processEnv: NodeJS.ProcessEnv;
}

/**
 * Parameters to redeploy a recorded version (rollback). Recorded values are sent as they were;
 * NoEcho and UsePreviousValue parameters can only keep the stack's current value, which the
 * caller must tell the user (`previousValueKeys`). A value from the environment is kept with
 * UsePreviousValue when the stack holds it now (its fingerprint matches: exact), else read again
 * from the environment and sent only when its fingerprint matches; otherwise the redeploy is
 * refused (RollbackRefused) naming the variables to set — or, given `refused`, the reasons are
 * added to it for the caller to refuse once for everything (refuseSecrets).
 */
export function parametersForRedeploy(
  recorded: readonly ParameterRecord[],
  declared: readonly DeclaredParameter[],
  existingKeys: ReadonlySet<string>,
  secrets: RedeploySecrets = { deploymentId: 'the target', current: new Map(), processEnv: {} },
  refused?: string[],
): { sdk: SdkParameter[]; previousValueKeys: string[] } {
  const sdk: SdkParameter[] = [];
  const previousValueKeys: string[] = [];
  const declaredKeys = new Set(declared.map((p) => p.key));
  const refusals: string[] = [];
  for (const p of recorded) {
    if (!declaredKeys.has(p.key)) continue;
    const sourced = p.noEcho ? undefined : envSourcedOf(p);
    if (sourced) {
      if (existingKeys.has(p.key) && sameSecret(p.key, sourced, secrets.current.get(p.key))) {
        sdk.push({ ParameterKey: p.key, UsePreviousValue: true });
        continue;
      }
      const again = envValueAgain(p.key, sourced, secrets.processEnv);
      if (again.kind === 'value') sdk.push({ ParameterKey: p.key, ParameterValue: again.value });
      else refusals.push(secretRefusal(`Parameter ${p.key}`, secrets.deploymentId, sourced, again));
    } else if (p.value !== undefined && !p.noEcho) {
      sdk.push({ ParameterKey: p.key, ParameterValue: p.value });
    } else if (existingKeys.has(p.key)) {
      sdk.push({ ParameterKey: p.key, UsePreviousValue: true });
      previousValueKeys.push(p.key);
    }
  }
  if (refused) refused.push(...refusals);
  else refuseSecrets(refusals);
  return { sdk, previousValueKeys };
}

/**
 * The tags to redeploy a recorded version with: the recorded ones, and those from the environment
 * read again and checked against their fingerprints (refused like parameters otherwise, or the
 * reasons added to `refused`).
 */
export function tagsForRedeploy(
  tags: Readonly<Record<string, string>>,
  secretTags: Readonly<Record<string, EnvSourced>> | undefined,
  secrets: Pick<RedeploySecrets, 'deploymentId' | 'processEnv'>,
  refused?: string[],
): Record<string, string> {
  const out: Record<string, string> = { ...tags };
  const refusals: string[] = [];
  for (const [key, sourced] of Object.entries(secretTags ?? {})) {
    const again = envValueAgain(key, sourced, secrets.processEnv);
    if (again.kind === 'value') out[key] = again.value;
    else refusals.push(secretRefusal(`Tag ${key}`, secrets.deploymentId, sourced, again));
  }
  if (refused) refused.push(...refusals);
  else refuseSecrets(refusals);
  return out;
}

function secretRefusal(
  what: string,
  deploymentId: string,
  sourced: EnvSourced,
  again: { kind: 'unset'; names: readonly string[] } | { kind: 'different' },
): string {
  const from = `${what} of deployment ${deploymentId} came from ${variableWords(sourced.fromEnv)}`;
  return again.kind === 'unset'
    ? `${from}; set ${again.names.join(', ')} to the value it had then (${again.names.length === 1 ? 'it is' : 'they are'} not set now)`
    : `${from}; set ${sourced.fromEnv.join(', ')} to the value it had then (the value now is a different one)`;
}

/** Refuses a redeploy for every value from the environment that could not be restored, if any. */
export function refuseSecrets(refusals: readonly string[]): void {
  if (refusals.length === 0) return;
  throw new DeployGuardError('RollbackRefused', refusals.join('; '), {
    hint: 'values from ${env:…} are never stored in history: set the variables to the values they had at that deployment and run the rollback again',
  });
}
