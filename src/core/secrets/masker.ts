/**
 * Secret masking applied to every line before it is shown or written (screen, run panel, log
 * file, history). Two sources: known values (the pipeline's `${env:VAR}` values, the AWS
 * credentials in the environment) and shapes of AWS credentials that may appear anywhere.
 */
export const MASK = '****';

/** Values shorter than this are not masked: hiding every "dev" or "1" would garble the log. */
export const MIN_SECRET_LENGTH = 4;

export interface Masker {
  /**
   * Masks one line — or several joined by '\n': no mask spans a line break (known values are
   * masked per line, every pattern stops at a line break), so the result is the same line for line.
   */
  mask(text: string): string;
  /** Adds a known secret value (each line of a multi-line value is masked on its own). */
  addSecret(value: string | undefined): void;
  /** How many known values are masked (patterns not counted). */
  readonly knownSecretCount: number;
}

// Every credential shape below contains a run of at least 16 base64 characters; a line without
// one (most build output) skips the pattern work entirely.
const BASE64_CHAR = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=') BASE64_CHAR[ch.charCodeAt(0)] = 1;

/** A plain loop: several times cheaper than /[A-Za-z0-9/+=]{16}/ on every line of a big build log. */
function hasBase64Run(text: string, length: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 && BASE64_CHAR[code] === 1) {
      if (++run >= length) return true;
    } else {
      run = 0;
    }
  }
  return false;
}
// One case-sensitive pass for: access key ids (AKIA long-term, ASIA temporary, ABIA/ACCA
// service-specific); STS session tokens (a base64-encoded protobuf header); bare 40-character
// secret access keys (base64 alphabet, checked for mixed case below: a git SHA is lower-case hex).
const SHAPES = new RegExp(
  [
    String.raw`(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])`,
    String.raw`(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{20,}`,
    String.raw`(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])`,
  ].join('|'),
  'g',
);
// A value right after a credential-ish name: `aws_secret_access_key = X`, `"SessionToken": "X"`.
// The blanks around the separator never include a line break, so masking several lines joined
// by '\n' at once (the step runner does, per chunk) gives exactly what masking each line would.
const NAMED_CREDENTIAL =
  /((?:aws_?)?(?:secret_?access_?key|session_?token|security_?token)|x-amz-security-token)(["']?[^\S\n]*[:=][^\S\n]*["']?)([A-Za-z0-9/+=]{16,})/gi;

function looksLikeSecretKey(candidate: string): boolean {
  return /[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /[0-9/+]/.test(candidate);
}

function maskShape(match: string): string {
  // Only the bare 40-character alternative needs the mixed-case check.
  return match.length === 40 && !/^(?:AKIA|ASIA|ABIA|ACCA|IQoJ|FwoG|FQoG)/.test(match) && !looksLikeSecretKey(match) ? match : MASK;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Up to this many known values are found with includes(); more use one alternation regex. */
const PLAIN_SEARCH_LIMIT = 16;

export function createMasker(secrets: Iterable<string | undefined> = []): Masker {
  const known = new Set<string>();
  let ordered: string[] = [];
  let knownPattern: RegExp | undefined;

  const rebuild = () => {
    // Longest first, so a secret containing another is masked whole.
    ordered = [...known].sort((a, b) => b.length - a.length);
    knownPattern = ordered.length > PLAIN_SEARCH_LIMIT ? new RegExp(ordered.map(escapeRegExp).join('|'), 'g') : undefined;
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
      let out = text;
      if (knownPattern) {
        out = out.replace(knownPattern, MASK);
      } else {
        for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(MASK);
      }
      if (out.length < 16 || !hasBase64Run(out, 16)) return out;
      out = out.replace(SHAPES, maskShape);
      return out.replace(NAMED_CREDENTIAL, (_m, name: string, sep: string) => `${name}${sep}${MASK}`);
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
