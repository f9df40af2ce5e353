/**
 * Building the Parameters of a change set. Values come from deployguard.yaml (with
 * variables resolved). A parameter the template declares but the file does not set keeps the
 * stack's current value on update (UsePreviousValue) — never silently reverts to its default.
 * NoEcho values are sent to CloudFormation but never written to a log or the history.
 */
import { DeployGuardError } from '../errors';
import type { ParameterRecord } from '../history/record';
import { CLOUDFORMATION_LIMITS } from '../pipeline/limits';
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
 */
export function buildParameters(
  declared: readonly DeclaredParameter[],
  values: Readonly<Record<string, string>>,
  existingKeys: ReadonlySet<string> | undefined,
): BuiltParameters {
  const sdk: SdkParameter[] = [];
  const record: ParameterRecord[] = [];
  const secrets: string[] = [];
  for (const p of declared) {
    const value = values[p.key];
    if (value !== undefined) {
      sdk.push({ ParameterKey: p.key, ParameterValue: value });
      record.push(p.noEcho ? { key: p.key, noEcho: true } : { key: p.key, value });
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

/**
 * Parameters to redeploy a recorded version (rollback). Recorded values are sent as they were;
 * NoEcho and UsePreviousValue parameters can only keep the stack's current value, which the
 * caller must tell the user (`previousValueKeys`).
 */
export function parametersForRedeploy(
  recorded: readonly ParameterRecord[],
  declared: readonly DeclaredParameter[],
  existingKeys: ReadonlySet<string>,
): { sdk: SdkParameter[]; previousValueKeys: string[] } {
  const sdk: SdkParameter[] = [];
  const previousValueKeys: string[] = [];
  const declaredKeys = new Set(declared.map((p) => p.key));
  for (const p of recorded) {
    if (!declaredKeys.has(p.key)) continue;
    if (p.value !== undefined && !p.noEcho) {
      sdk.push({ ParameterKey: p.key, ParameterValue: p.value });
    } else if (existingKeys.has(p.key)) {
      sdk.push({ ParameterKey: p.key, UsePreviousValue: true });
      previousValueKeys.push(p.key);
    }
  }
  return { sdk, previousValueKeys };
}
