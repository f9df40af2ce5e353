import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyAwsError,
  isStackPolicyDenial,
  isTerminationProtectionRefusal,
  toDeployGuardError,
  type AwsErrorKind,
} from '../../../../src/core/aws/awsErrors';

function err(name: string, message: string, status?: number, code?: string) {
  const e = new Error(message) as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
  e.name = name;
  if (status !== undefined) e.$metadata = { httpStatusCode: status };
  if (code) e.code = code;
  return e;
}

// Every AWS error string a deploy meets, as SDK v3 shows it, and what it must mean.
const CASES: [string, Error, AwsErrorKind, string?][] = [
  ['stack missing (DescribeStacks)', err('ValidationError', 'Stack with id orders-dev does not exist', 400), 'notFound'],
  ['stack missing (events / UPDATE change set)', err('ValidationError', 'Stack [orders-dev] does not exist', 400), 'notFound'],
  [
    'wrong state: can not',
    err('ValidationError', 'Stack:arn:aws:cloudformation:eu-west-1:1:stack/a/b is in ROLLBACK_COMPLETE state and can not be updated.', 400),
    'stateInvalid',
    'ROLLBACK_COMPLETE',
  ],
  [
    'wrong state: cannot',
    err(
      'ValidationError',
      'Stack:arn:aws:cloudformation:eu-west-1:1:stack/a/b is in UPDATE_ROLLBACK_FAILED state and cannot be updated.',
      400,
    ),
    'stateInvalid',
    'UPDATE_ROLLBACK_FAILED',
  ],
  [
    'busy',
    err(
      'ValidationError',
      'Stack:arn:aws:cloudformation:eu-west-1:1:stack/a/b is in UPDATE_IN_PROGRESS state and can not be updated.',
      400,
    ),
    'busy',
    'UPDATE_IN_PROGRESS',
  ],
  [
    'delete while busy',
    err('ValidationError', 'Stack cannot be deleted while in status UPDATE_IN_PROGRESS', 400),
    'busy',
    'UPDATE_IN_PROGRESS',
  ],
  ['no-op', err('ValidationError', 'No updates are to be performed.', 400), 'noop'],
  [
    'no-op, prefixed',
    err('ValidationError', 'CloudFormation failed to preprocess the stack: No updates are to be performed.', 400),
    'noop',
  ],
  [
    'no-op, change set',
    err('ValidationError', "The submitted information didn't contain changes. Submit different information to create a change set.", 400),
    'noop',
  ],
  ['bad template', err('ValidationError', 'Template format error: Unresolved resource dependencies [X]', 400), 'validation'],
  ['template too big', err('ValidationError', 'Template may not exceed 460800 bytes in size.', 400), 'validation'],
  [
    'termination protection',
    err('ValidationError', 'Stack [orders-dev] cannot be deleted while TerminationProtection is enabled', 400),
    'validation',
  ],
  ['name exists', err('AlreadyExistsException', 'Stack [orders-dev] already exists', 400), 'alreadyExists'],
  ['capabilities', err('InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_IAM]', 400), 'capabilities'],
  ['quota', err('LimitExceededException', 'Limit for stacks has been exceeded', 400), 'quota'],
  ['token reuse', err('TokenAlreadyExistsException', 'A client request token already exists.', 400), 'tokenReused'],
  ['change set not executable', err('InvalidChangeSetStatusException', 'ChangeSet is in FAILED state', 400), 'changeSetNotExecutable'],
  ['change set missing', err('ChangeSetNotFoundException', 'ChangeSet [x] does not exist', 404), 'changeSetNotFound'],
  ['throttling', err('Throttling', 'Rate exceeded', 400), 'throttle'],
  ['429', err('SomethingElse', 'slow down', 429), 'throttle'],
  ['expired STS (query)', err('ExpiredToken', 'The security token included in the request is expired', 403), 'authExpired'],
  ['expired STS (json)', err('ExpiredTokenException', 'The security token included in the request is expired', 400), 'authExpired'],
  ['bad key', err('InvalidClientTokenId', 'The security token included in the request is invalid.', 403), 'auth'],
  ['bad key (json)', err('UnrecognizedClientException', 'The security token included in the request is invalid.', 400), 'auth'],
  ['bad signature', err('SignatureDoesNotMatch', 'The request signature we calculated does not match', 403), 'auth'],
  ['no credentials', err('CredentialsProviderError', 'Could not load credentials from any providers'), 'noCredentials'],
  [
    'SSO expired',
    err(
      'CredentialsProviderError',
      'The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile',
    ),
    'authExpired',
  ],
  ['aborted', err('AbortError', 'Request aborted'), 'aborted'],
  ['timeout', err('TimeoutError', 'Connection timed out after 30000 ms'), 'timeout'],
  ['reset', err('Error', 'socket hang up', undefined, 'ECONNRESET'), 'network'],
  ['refused', err('Error', 'connect ECONNREFUSED 127.0.0.1:1', undefined, 'ECONNREFUSED'), 'network'],
  ['5xx', err('ServiceUnavailable', 'Service is unavailable', 503), 'server'],
];

describe('AWS error classification (reliability.md §1.3)', () => {
  for (const [label, error, kind, state] of CASES) {
    it(`${label} → ${kind}${state ? ` (${state})` : ''}`, () => {
      const c = classifyAwsError(error);
      assert.equal(c.kind, kind);
      if (state) assert.equal(c.state, state);
    });
  }

  it('turns errors into actionable DeployGuardErrors', () => {
    const sso = toDeployGuardError(CASES.find((c) => c[0] === 'SSO expired')![1], 'Reading the stack', { profile: 'dev' });
    assert.equal(sso.code, 'CredentialsExpired');
    assert.match(sso.hint!, /aws sso login --profile dev/);
    const quota = toDeployGuardError(err('LimitExceededException', 'Limit for stacks has been exceeded', 400), 'Creating');
    assert.equal(quota.code, 'QuotaExceeded');
    assert.match(quota.hint!, /not throttling/);
    const caps = toDeployGuardError(
      err('InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_NAMED_IAM]', 400),
      'Creating',
    );
    assert.equal(caps.code, 'InsufficientCapabilities');
    assert.match(caps.message, /CAPABILITY_NAMED_IAM/);
    assert.match(caps.hint!, /stack.capabilities/);
    const down = toDeployGuardError(err('Error', 'connect ECONNREFUSED', undefined, 'ECONNREFUSED'), 'Reading', {
      endpoint: 'http://127.0.0.1:9',
    });
    assert.equal(down.code, 'EndpointUnreachable');
    assert.match(down.hint!, /127\.0\.0\.1:9/);
  });
});

describe('a delete refused by termination protection', () => {
  it('is told apart from other validation errors', () => {
    assert.equal(
      isTerminationProtectionRefusal(
        err('ValidationError', 'Stack [orders-dev] cannot be deleted while TerminationProtection is enabled', 400),
      ),
      true,
    );
    assert.equal(
      isTerminationProtectionRefusal(err('ValidationError', 'Template format error: Unresolved resource dependencies [X]', 400)),
      false,
    );
    assert.equal(isTerminationProtectionRefusal(err('Throttling', 'cannot be deleted while TerminationProtection is enabled', 400)), false);
  });
});

describe('a stack policy refusal, told by its reason text', () => {
  it('matches the prefixes CloudFormation and emulators use, and nothing else', () => {
    assert.equal(
      isStackPolicyDenial(
        'Action denied by stack policy: Statement [#1] does not allow [Update:Replace] for resource [LogicalResourceId/VPC];',
      ),
      true,
    );
    assert.equal(isStackPolicyDenial('  Action not allowed by stack policy'), true);
    assert.equal(isStackPolicyDenial('Resource handler returned message: "Action denied by stack policy"'), false);
    assert.equal(isStackPolicyDenial('Topic policy is invalid (Service: Sns, Status Code: 400)'), false);
  });
});
