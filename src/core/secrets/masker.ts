/**
 * Secret masking applied to every line before it is shown or written (screen, run panel, log
 * file, history). Two sources: known values (the pipeline's `${env:VAR}` values, the AWS
 * credentials in the environment) and shapes of AWS credentials that may appear anywhere.
 */
export const MASK = '****';

/** Values shorter than this are not masked: hiding every "dev" or "1" would garble the log. */
export const MIN_SECRET_LENGTH = 4;

export interface Masker {
  mask(text: string): string;
  /** Adds a known secret value (each line of a multi-line value is masked on its own). */
  addSecret(value: string | undefined): void;
  /** How many known values are masked (patterns not counted). */
  readonly knownSecretCount: number;
}

// Access key ids: AKIA (long-term), ASIA (temporary), ABIA/ACCA (service-specific).
const ACCESS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/g;
// A value right after a credential-ish name: `aws_secret_access_key = X`, `"SessionToken": "X"`.
const NAMED_CREDENTIAL =
  /((?:aws_?)?(?:secret_?access_?key|session_?token|security_?token)|x-amz-security-token)(["']?\s*[:=]\s*["']?)([A-Za-z0-9/+=]{16,})/gi;
// A bare 40-character secret access key: base64 alphabet, mixed case (a git SHA is lower-case hex).
const BARE_SECRET_KEY = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
// STS session tokens start with a base64-encoded protobuf header.
const SESSION_TOKEN = /(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{20,}/g;

function looksLikeSecretKey(candidate: string): boolean {
  return /[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /[0-9/+]/.test(candidate);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function createMasker(secrets: Iterable<string | undefined> = []): Masker {
  const known = new Set<string>();
  let knownPattern: RegExp | undefined;

  const rebuild = () => {
    // Longest first, so a secret containing another is masked whole.
    const alternatives = [...known].sort((a, b) => b.length - a.length).map(escapeRegExp);
    knownPattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : undefined;
  };

  const addOne = (value: string) => {
    for (const part of value.split(/\r?\n/)) {
      const trimmed = part.trim();
      if (trimmed.length >= MIN_SECRET_LENGTH) known.add(trimmed);
    }
  };

  for (const s of secrets) if (s) addOne(s);
  rebuild();

  return {
    mask(text: string): string {
      let out = knownPattern ? text.replace(knownPattern, MASK) : text;
      if (out.length < 16) return out;
      out = out.replace(ACCESS_KEY_ID, MASK);
      out = out.replace(NAMED_CREDENTIAL, (_m, name: string, sep: string) => `${name}${sep}${MASK}`);
      out = out.replace(SESSION_TOKEN, MASK);
      if (out.length >= 40) out = out.replace(BARE_SECRET_KEY, (m) => (looksLikeSecretKey(m) ? MASK : m));
      return out;
    },
    addSecret(value: string | undefined): void {
      if (!value) return;
      const before = known.size;
      addOne(value);
      if (known.size !== before) rebuild();
    },
    get knownSecretCount() {
      return known.size;
    },
  };
}

/** The credential values an AWS-aware process environment carries; always masked. */
export function credentialValuesFrom(env: NodeJS.ProcessEnv): string[] {
  return ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN']
    .map((name) => env[name])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
}
