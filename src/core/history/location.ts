/**
 * Where an environment's history lives: the local folder (DEPLOYGUARD_HOME) or an S3 bucket and
 * prefix the team shares (`s3://BUCKET/PREFIX`). Pure.
 *
 * Precedence, strongest first: the person's own choice (the CLI's --history, DEPLOYGUARD_HISTORY,
 * the editor's user setting), then the environment's `history:` in deployguard.yaml, then the
 * file's top-level `history:`, then the local folder.
 */
import { DeployGuardError } from '../errors';

export type HistoryLocation =
  { readonly kind: 'local' } | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string; readonly url: string };

export type HistoryLocationSource = 'user' | 'environment' | 'pipeline-file' | 'default';

// S3's bucket naming rules (lowercase, 3–63, no leading/trailing dot or hyphen); prefixes are kept to
// characters that need no escaping in a key and never walk up (`..`).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9!_.*'()=+,@-]+(\/[A-Za-z0-9!_.*'()=+,@-]+)*$/;

/** `s3://bucket/prefix` (prefix optional) or `local`; anything else is a ConfigInvalid error naming `origin`. */
export function parseHistoryLocation(text: string, origin: string): HistoryLocation {
  const value = text.trim();
  if (value === 'local') return { kind: 'local' };
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  const bucket = m?.[1] ?? '';
  const prefix = (m?.[2] ?? '').replace(/\/+$/, '');
  if (
    !m ||
    !BUCKET.test(bucket) ||
    bucket.includes('..') ||
    (prefix !== '' && (!PREFIX.test(prefix) || prefix.split('/').includes('..')))
  ) {
    throw new DeployGuardError('ConfigInvalid', `${origin} "${value}" is not a history location`, {
      hint: 'write s3://BUCKET/PREFIX (a bucket name of lowercase letters, digits, dots and hyphens), or local',
    });
  }
  return { kind: 's3', bucket, prefix, url: `s3://${bucket}${prefix ? `/${prefix}` : ''}` };
}

export interface LocationInputs {
  /** --history, DEPLOYGUARD_HISTORY or the editor's user setting (already chosen among them). */
  readonly user?: string | undefined;
  readonly environment?: string | undefined;
  readonly pipeline?: string | undefined;
}

export function chooseHistoryLocation(inputs: LocationInputs): { location: HistoryLocation; source: HistoryLocationSource } {
  const pick = (value: string | undefined) => (value !== undefined && value.trim() !== '' ? value : undefined);
  const user = pick(inputs.user);
  if (user) return { location: parseHistoryLocation(user, 'The history location you set'), source: 'user' };
  const environment = pick(inputs.environment);
  if (environment) return { location: parseHistoryLocation(environment, "The environment's history:"), source: 'environment' };
  const pipeline = pick(inputs.pipeline);
  if (pipeline) return { location: parseHistoryLocation(pipeline, 'history: in deployguard.yaml'), source: 'pipeline-file' };
  return { location: { kind: 'local' }, source: 'default' };
}

/** The CLI's --history wins over DEPLOYGUARD_HISTORY. */
export function userHistoryChoice(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env['DEPLOYGUARD_HISTORY']?.trim();
  return flag?.trim() || fromEnv || undefined;
}
