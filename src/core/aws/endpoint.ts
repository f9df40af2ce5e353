/**
 * Which endpoint the AWS clients talk to. A repository's deployguard.yaml is
 * untrusted input: its `endpoint:` is honoured only when it points at this machine (emulators),
 * because otherwise a hostile repository could have signed requests, templates and parameters
 * sent to its own host. Any other endpoint must come from the user (settings or a CLI flag) or
 * from the standard AWS_ENDPOINT_URL environment variables.
 */
import { DeployGuardError } from '../errors';

export type EndpointSource = 'user' | 'environment' | 'pipeline-file' | 'default';

export interface EndpointChoice {
  /** Undefined: the SDK's regional AWS endpoint. */
  readonly endpoint?: string;
  readonly source: EndpointSource;
}

export interface EndpointInputs {
  /** `endpoint:` of the environment in deployguard.yaml (untrusted). */
  readonly fileEndpoint?: string | undefined;
  /** From user settings or a CLI flag (trusted). */
  readonly userEndpoint?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/** True for http(s) URLs whose host is loopback: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function validUrl(text: string, origin: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text.replace(/\/+$/, '');
  } catch {
    /* fall through */
  }
  throw new DeployGuardError('ConfigInvalid', `The AWS endpoint "${text}" from ${origin} is not an http(s) URL`, {
    hint: 'use a URL such as http://127.0.0.1:5000',
  });
}

/** User setting wins, then AWS_ENDPOINT_URL(_CLOUDFORMATION), then the file (loopback only). */
export function chooseEndpoint(inputs: EndpointInputs): EndpointChoice {
  const env = inputs.env ?? process.env;
  if (inputs.userEndpoint?.trim()) return { endpoint: validUrl(inputs.userEndpoint.trim(), 'your settings'), source: 'user' };
  const fromEnv = env['AWS_ENDPOINT_URL_CLOUDFORMATION']?.trim() || env['AWS_ENDPOINT_URL']?.trim();
  if (fromEnv && !isTruthy(env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'])) {
    return { endpoint: validUrl(fromEnv, 'AWS_ENDPOINT_URL'), source: 'environment' };
  }
  if (inputs.fileEndpoint?.trim()) {
    const fileEndpoint = inputs.fileEndpoint.trim();
    if (!isLoopbackUrl(fileEndpoint)) {
      throw new DeployGuardError(
        'EndpointRejected',
        `deployguard.yaml asks to send AWS requests to ${fileEndpoint}, which is not this machine; refusing (a repository may only point at a local emulator)`,
        { hint: 'set the endpoint in your own settings (deployGuard.endpoint) or AWS_ENDPOINT_URL if you trust it' },
      );
    }
    return { endpoint: validUrl(fileEndpoint, 'deployguard.yaml'), source: 'pipeline-file' };
  }
  return { source: 'default' };
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes)$/i.test(value.trim());
}
