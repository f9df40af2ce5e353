/**
 * One place that reads AWS errors and says what they mean for a deploy.
 * Decisions are made on the returned `kind`, never on message text elsewhere. The message
 * patterns here are the documented exceptions: CloudFormation reports "no changes", "wrong
 * state" and "stack missing" all as a generic `ValidationError`, so only the text tells them apart.
 */
import { DeployGuardError, errorMessage } from '../errors';
import { describeForeignAnswer, foreignAnswerOf } from './foreignAnswer';

export type AwsErrorKind =
  | 'noop'
  | 'busy'
  | 'notFound'
  | 'stateInvalid'
  | 'auth'
  | 'authExpired'
  | 'noCredentials'
  | 'throttle'
  | 'quota'
  | 'network'
  | 'timeout'
  | 'server'
  | 'capabilities'
  | 'tokenReused'
  | 'changeSetNotExecutable'
  | 'changeSetNotFound'
  | 'alreadyExists'
  | 'validation'
  | 'aborted'
  | 'unknown';

export interface AwsErrorClass {
  readonly kind: AwsErrorKind;
  /** The stack status named in a "… is in STATE state and can not be updated" message. */
  readonly state?: string;
  /** The AWS error name (`err.name`) or Node error code. */
  readonly name: string;
  readonly message: string;
}

const NOOP = /No updates are to be performed|didn't contain changes|did not contain changes|submitted information didn't contain changes/i;
const WRONG_STATE = /is in ([A-Z_]+) state and can ?not be updated/;
const DELETE_WRONG_STATE = /cannot be deleted while in status ([A-Z_]+)/;
const STACK_MISSING = /Stack with id .* does not exist|Stack \[.*\] does not exist/;
/** DeleteStack on a protected stack: "Stack [NAME] cannot be deleted while TerminationProtection is enabled". */
const TERMINATION_PROTECTED = /cannot be deleted while TerminationProtection is enabled/i;

/**
 * Whether CloudFormation refused a delete because the stack has termination protection: a
 * `ValidationError` (kind `validation`) that only its text tells apart.
 */
export function isTerminationProtectionRefusal(err: unknown): boolean {
  const c = classifyAwsError(err);
  return c.kind === 'validation' && TERMINATION_PROTECTED.test(c.message);
}
const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EPROTO',
  'ECONNABORTED',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT']);
const AUTH_NAMES = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AccessDeniedException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AuthFailure',
]);
const EXPIRED_NAMES = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired']);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** Classifies anything thrown by an SDK call (or by our own middleware). */
export function classifyAwsError(err: unknown): AwsErrorClass {
  if (DeployGuardError.is(err)) {
    const mapped: Partial<Record<string, AwsErrorKind>> = {
      AwsThrottled: 'throttle',
      QuotaExceeded: 'quota',
      CredentialsExpired: 'authExpired',
      CredentialsMissing: 'noCredentials',
      EndpointUnreachable: 'network',
      Cancelled: 'aborted',
    };
    return { kind: mapped[err.code] ?? 'unknown', name: err.code, message: err.message };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as AwsLikeError;
  const name = e.name ?? e.code ?? 'Error';
  const message = e.message ?? errorMessage(err);
  const code = e.code ?? (e.cause as AwsLikeError | undefined)?.code;
  const status = e.$metadata?.httpStatusCode;
  const is = (kind: AwsErrorKind, extra: Partial<AwsErrorClass> = {}): AwsErrorClass => ({ kind, name, message, ...extra });

  if (name === 'AbortError') return is('aborted');
  const foreign = foreignAnswerOf(err);
  if (foreign) {
    // Not AWS speaking (a proxy's or an emulator's page): only the status can be trusted.
    const words = { name: `HTTP ${foreign.status}`, message: describeForeignAnswer(foreign) };
    if (foreign.status === 429) return is('throttle', words);
    return is(foreign.status >= 500 ? 'server' : 'unknown', words);
  }
  if (name === 'CredentialsProviderError') {
    return /SSO session|expired|refresh/i.test(message) ? is('authExpired') : is('noCredentials');
  }
  if (EXPIRED_NAMES.has(name)) return is('authExpired');
  if (AUTH_NAMES.has(name)) return is('auth');
  // LimitExceededException is a hard quota in CloudFormation (number of stacks, …), although the
  // SDK classifies it as throttling: retrying cannot help.
  if (name === 'LimitExceededException') return is('quota');
  if (THROTTLING_NAMES.has(name) || status === 429) return is('throttle');
  if (TIMEOUT_NAMES.has(name) || code === 'ETIMEDOUT') return is('timeout');
  if ((code && NETWORK_CODES.has(code)) || NETWORK_CODES.has(name)) return is('network');
  if (name === 'InsufficientCapabilitiesException') return is('capabilities');
  if (name === 'TokenAlreadyExistsException') return is('tokenReused');
  if (name === 'InvalidChangeSetStatusException' || name === 'InvalidChangeSetStatus') return is('changeSetNotExecutable');
  if (name === 'ChangeSetNotFoundException' || name === 'ChangeSetNotFound') return is('changeSetNotFound');
  if (name === 'AlreadyExistsException') return is('alreadyExists');
  if (name === 'ValidationError' || name === 'CloudFormationServiceException' || status === 400) {
    if (NOOP.test(message)) return is('noop');
    const wrong = WRONG_STATE.exec(message) ?? DELETE_WRONG_STATE.exec(message);
    if (wrong) {
      const state = wrong[1]!;
      return is(state.endsWith('_IN_PROGRESS') ? 'busy' : 'stateInvalid', { state });
    }
    if (STACK_MISSING.test(message)) return is('notFound');
    return is('validation');
  }
  if (status !== undefined && status >= 500) return is('server');
  return is('unknown');
}

/**
 * CloudFormation reports a stack policy's refusal only as a resource's failure reason, with no
 * code: "Action denied by stack policy: Statement [#1] does not allow [Update:Replace] for
 * resource [LogicalResourceId/VPC];" (the wording after the prefix varies; some emulators say
 * "Action not allowed by stack policy"). The prefix is the one stable part.
 */
const STACK_POLICY_DENIAL = /^Action (?:denied|not allowed) by stack policy/i;

/** Whether a resource's failure reason is a stack policy refusing the change. */
export function isStackPolicyDenial(reason: string): boolean {
  return STACK_POLICY_DENIAL.test(reason.trim());
}

/** True for errors that a poller should wait out rather than end the deployment for. */
export function isTransient(kind: AwsErrorKind): boolean {
  return kind === 'throttle' || kind === 'network' || kind === 'timeout' || kind === 'server';
}

/**
 * Turns an AWS error into a DeployGuardError a person can act on: what happened, to what, and
 * the next step. `context` names the call, e.g. `Creating change set for stack orders-dev`.
 */
export function toDeployGuardError(err: unknown, context: string, opts: { profile?: string; endpoint?: string } = {}): DeployGuardError {
  if (DeployGuardError.is(err)) return DeployGuardError.chain(err, err.code, context);
  const foreign = foreignAnswerOf(err);
  if (foreign) {
    return new DeployGuardError('AwsRequestFailed', `${context}: ${describeForeignAnswer(foreign)}`, {
      cause: err,
      hint: opts.endpoint
        ? `is the emulator at ${opts.endpoint} healthy? Its answer was not AWS's`
        : 'something between you and AWS (a proxy, a firewall, a sign-in page) answered instead: check HTTPS_PROXY and the network',
    });
  }
  const c = classifyAwsError(err);
  const profile = opts.profile ? `profile "${opts.profile}"` : 'the default credential chain';
  switch (c.kind) {
    case 'noCredentials':
      return new DeployGuardError('CredentialsMissing', `${context}: no AWS credentials from ${profile} (${c.message})`, {
        cause: err,
        hint: opts.profile
          ? `sign in with "aws sso login --profile ${opts.profile}" or check ~/.aws/config`
          : 'set AWS_PROFILE, run "aws sso login", or export AWS credentials',
      });
    case 'authExpired':
      return new DeployGuardError('CredentialsExpired', `${context}: the AWS credentials from ${profile} have expired (${c.message})`, {
        cause: err,
        hint: opts.profile ? `run "aws sso login --profile ${opts.profile}" and try again` : 'refresh your AWS credentials and try again',
      });
    case 'auth':
      return new DeployGuardError(
        'CredentialsMissing',
        `${context}: AWS refused the credentials from ${profile}: ${c.name}: ${c.message}`,
        {
          cause: err,
          hint: 'check the profile, account and IAM permissions (see README "IAM permissions")',
        },
      );
    case 'quota':
      return new DeployGuardError('QuotaExceeded', `${context}: an AWS quota was reached (${c.message})`, {
        cause: err,
        hint: 'this is a service limit, not throttling: delete unused stacks or ask AWS for a higher quota',
      });
    case 'throttle':
      return new DeployGuardError('AwsThrottled', `${context}: AWS kept throttling the request after retries (${c.message})`, {
        cause: err,
        hint: 'another tool may be calling the same API heavily; try again in a minute',
      });
    case 'network':
    case 'timeout':
      return new DeployGuardError(
        'EndpointUnreachable',
        `${context}: could not reach ${opts.endpoint ?? 'AWS'} (${c.name}: ${c.message})`,
        {
          cause: err,
          hint: opts.endpoint ? `is the emulator at ${opts.endpoint} running?` : 'check the network connection and proxy settings',
        },
      );
    case 'capabilities':
      return new DeployGuardError('InsufficientCapabilities', `${context}: ${c.message}`, {
        cause: err,
        hint: `add the capability it names (e.g. CAPABILITY_IAM or CAPABILITY_NAMED_IAM) to stack.capabilities in deployguard.yaml`,
      });
    case 'busy':
      return new DeployGuardError('StackBusy', `${context}: the stack is in ${c.state} (another operation is running)`, {
        cause: err,
        hint: 'wait for it to finish and deploy again',
      });
    case 'stateInvalid':
      return new DeployGuardError('StackNeedsAttention', `${context}: the stack is in ${c.state} and cannot be updated`, { cause: err });
    case 'notFound':
      return new DeployGuardError('StackNotFound', `${context}: ${c.message}`, { cause: err });
    case 'aborted':
      return new DeployGuardError('Cancelled', `${context}: cancelled`, { cause: err });
    case 'alreadyExists':
    case 'changeSetNotExecutable':
    case 'changeSetNotFound':
    case 'noop':
    case 'server':
    case 'tokenReused':
    case 'unknown':
    case 'validation':
      return new DeployGuardError('AwsRequestFailed', `${context}: ${c.name}: ${c.message}`, { cause: err });
  }
}
