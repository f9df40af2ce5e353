import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { awsOperationOf, forwardRequest, readBody, serveOnLoopback } from './httpForward';

/**
 * A fault-and-state proxy between the AWS SDK and moto_server. moto completes
 * every stack operation synchronously and has no rollback states, no throttling and no
 * ContinueUpdateRollback; this proxy adds what a test needs, over real HTTP:
 *
 * - faults for chosen operations: the exact Throttling payloads AWS sends (query XML for
 *   CloudFormation, JSON 1.0 for CloudWatch), LimitExceededException, ExpiredToken, 5xx,
 *   connection resets and hangs — each for the next N matching requests;
 * - stack state: hold a stack `*_IN_PROGRESS` for N ms after its next ExecuteChangeSet (or right
 *   now), and/or end the operation in UPDATE_ROLLBACK_COMPLETE, ROLLBACK_COMPLETE or
 *   UPDATE_ROLLBACK_FAILED, by rewriting DescribeStacks and DescribeStackEvents answers and
 *   adding the resource and stack events CloudFormation would have produced (carrying the
 *   operation's ClientRequestToken, as AWS does);
 * - ContinueUpdateRollback, answered here and played out as UPDATE_ROLLBACK_IN_PROGRESS →
 *   UPDATE_ROLLBACK_COMPLETE (or UPDATE_ROLLBACK_FAILED again, as the scenario says);
 * - resources moto does not create (it skips `AWS::CloudWatch::Alarm` silently and lists a
 *   nameless row): `stackResources` says what DescribeStackResources lists for them, as
 *   CloudFormation would once it created them.
 * - `Replacement: True` in DescribeChangeSet answers for chosen resources of chosen change sets
 *   (moto never plans a replacement).
 *
 * Controlled in-process by the test through the returned object; `requests` logs every call.
 */
/** `reset-after`: the request reaches moto, then the connection drops before the answer. */
/** `html-500`: an HTML error page, as a proxy, a load balancer or a crashed emulator answers. */
/** `termination-protected`: DeleteStack's refusal of a stack with termination protection (moto never refuses). */
/** `conflict`: S3's 409 ConditionalRequestConflict; `slow`: the request reaches moto after `delayMs`. */
export type FaultKind =
  | 'throttle'
  | 'server-error'
  | 'reset'
  | 'reset-after'
  | 'hang'
  | 'limit'
  | 'expired'
  | 'html-500'
  | 'termination-protected'
  | 'conflict'
  | 'denied'
  | 'slow';

export interface FaultRule {
  /** The operation (`Action=` or the X-Amz-Target operation), or `*`. */
  readonly action: string;
  readonly kind: FaultKind;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** For `hang`: how long before the socket is destroyed (default 60 s). */
  readonly hangMs?: number;
  /** For `slow`: how long the request waits before it goes on to moto. */
  readonly delayMs?: number;
  /** For S3 operations: only requests whose key contains this. */
  readonly keyContains?: string;
  /**
   * Only once a request of this operation has reached the proxy (e.g. `ExecuteChangeSet`: the
   * credentials expire while CloudFormation runs the update, not before it was asked to).
   */
  readonly afterAction?: string;
}

export type FinalState = 'UPDATE_ROLLBACK_COMPLETE' | 'ROLLBACK_COMPLETE' | 'UPDATE_ROLLBACK_FAILED';

export interface StackScenario {
  /** `execute`: starts with the stack's next ExecuteChangeSet (default); `now`: at once. */
  readonly start?: 'execute' | 'now';
  /** Show the stack in progress for this long. */
  readonly holdMs?: number;
  /** The in-progress status to show (default UPDATE_IN_PROGRESS, or CREATE_IN_PROGRESS for a new stack). */
  readonly holdStatus?: string;
  /** How the operation ends; default: what moto really did. */
  readonly final?: FinalState;
  /** The failed resource the final state is blamed on. */
  readonly failedResource?: { readonly logicalId: string; readonly type: string; readonly reason: string };
  /** Token of an operation started by someone else (start: 'now'). */
  readonly token?: string;
  /**
   * Start with the next ExecuteChangeSet of this other stack, with its token: a nested stack's
   * part of its parent's operation (its name is the nested stack's, the parent's is here).
   */
  readonly startsWith?: string;
  /** How a ContinueUpdateRollback of this stack ends (default UPDATE_ROLLBACK_COMPLETE): a resource that fails to roll back again. */
  readonly continuedRollback?: 'UPDATE_ROLLBACK_COMPLETE' | 'UPDATE_ROLLBACK_FAILED';
}

interface ActiveScenario extends StackScenario {
  startedAt?: number;
  token?: string;
  stackId?: string | undefined;
  isCreate?: boolean;
}

/** A resource DescribeStackResources lists for a stack, in place of moto's nameless rows. */
export interface ProxyStackResource {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
}

export interface ProxyRequestLog {
  readonly action: string;
  /** The query parameters of a CloudFormation (query protocol) request. */
  readonly params?: Readonly<Record<string, string>>;
  readonly stackName?: string;
  /** An S3 request's object key, or for a listing `?prefix=…` (what it was for, in a benchmark's breakdown). */
  readonly s3Key?: string;
  readonly status: number | 'reset' | 'hang';
  readonly at: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly requests: ProxyRequestLog[];
  fault(rule: FaultRule): void;
  scenario(stackName: string, scenario: StackScenario): void;
  /**
   * What DescribeStackResources lists for `stackName` besides moto's own named rows (moto's
   * nameless rows, the resources it skipped, are dropped); an empty list lists none of them.
   */
  stackResources(stackName: string, resources: readonly ProxyStackResource[]): void;
  /** How many requests of `action` reached the proxy. */
  count(action: string): number;
  /**
   * S3 checks ExpectedBucketOwner; moto does not. With an owner set here, an S3 request for
   * `bucket` that expects another owner is answered 403 AccessDenied, as S3 does.
   */
  bucketOwner(bucket: string, account: string): void;
  /** DescribeChangeSet of change sets named `changeSetPrefix…` answers `Replacement: True` for `logicalId`. */
  replacement(changeSetPrefix: string, logicalId: string): void;
  reset(): void;
  close(): Promise<void>;
}

const CFN_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** The exact error payloads AWS sends for throttling (and their siblings for the other fault kinds). */
function faultResponse(
  kind: FaultKind,
  json: boolean,
  stackName = 'unknown',
): { status: number; headers: Record<string, string>; body: string } {
  if (kind === 'html-500') {
    return {
      status: 500,
      headers: { 'content-type': 'text/html' },
      body: '<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1></body></html>\n',
    };
  }
  const codes: Record<
    Exclude<FaultKind, 'reset' | 'reset-after' | 'hang' | 'html-500' | 'conflict' | 'slow'>,
    [number, string, string, string]
  > = {
    throttle: [400, 'Throttling', 'Rate exceeded', 'Sender'],
    limit: [400, 'LimitExceededException', 'Limit for stacks has been exceeded', 'Sender'],
    expired: [403, 'ExpiredToken', 'The security token included in the request is expired', 'Sender'],
    denied: [403, 'AccessDenied', 'Access Denied', 'Sender'],
    'server-error': [503, 'ServiceUnavailable', 'Service is unavailable', 'Receiver'],
    'termination-protected': [
      400,
      'ValidationError',
      `Stack [${stackName}] cannot be deleted while TerminationProtection is enabled`,
      'Sender',
    ],
  };
  const [status, code, message, type] = codes[kind as keyof typeof codes];
  if (json) {
    return {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${code};${type}` },
      body: JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message }),
    };
  }
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="${CFN_NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

function stackNameOf(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const arn = /:stack\/([^/]+)\//.exec(value);
  return arn ? arn[1] : value;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function eventXml(e: {
  stackId: string;
  stackName: string;
  logicalId: string;
  type: string;
  status: string;
  reason?: string;
  token?: string | undefined;
  at: number;
}): string {
  const physical = e.logicalId === e.stackName ? e.stackId : `${e.logicalId}-physical`;
  return (
    `<member><StackId>${e.stackId}</StackId><EventId>${randomUUID()}</EventId><StackName>${e.stackName}</StackName>` +
    `<LogicalResourceId>${e.logicalId}</LogicalResourceId><PhysicalResourceId>${escapeXml(physical)}</PhysicalResourceId>` +
    `<ResourceType>${e.type}</ResourceType><Timestamp>${new Date(e.at).toISOString()}</Timestamp>` +
    `<ResourceStatus>${e.status}</ResourceStatus>${e.reason ? `<ResourceStatusReason>${escapeXml(e.reason)}</ResourceStatusReason>` : ''}` +
    `${e.token ? `<ClientRequestToken>${e.token}</ClientRequestToken>` : ''}</member>`
  );
}

const TERMINAL_STACK = /_(COMPLETE|FAILED)$/;

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: FaultRule[] = [];
  const scenarios = new Map<string, ActiveScenario>();
  const resources = new Map<string, readonly ProxyStackResource[]>();
  const requests: ProxyRequestLog[] = [];
  const hung = new Set<ServerResponse>();
  const replacements: { changeSetPrefix: string; logicalId: string }[] = [];
  const withReplacements = (changeSetName: string | null, body: string): string => {
    // By name or ARN (arn:…:changeSet/NAME/uuid).
    const name = changeSetName?.startsWith('arn:') ? changeSetName.split('/')[1] : changeSetName;
    const wanted = replacements.filter((r) => name?.startsWith(r.changeSetPrefix)).map((r) => r.logicalId);
    if (wanted.length === 0) return body;
    return body.replace(/<ResourceChange>([\s\S]*?)<\/ResourceChange>/g, (whole, inner: string) => {
      const logical = /<LogicalResourceId>([^<]+)<\/LogicalResourceId>/.exec(inner)?.[1];
      if (!logical || !wanted.includes(logical)) return whole;
      const replaced = /<Replacement>[^<]*<\/Replacement>/.test(inner)
        ? inner.replace(/<Replacement>[^<]*<\/Replacement>/, '<Replacement>True</Replacement>')
        : `${inner}<Replacement>True</Replacement>`;
      return `<ResourceChange>${replaced}</ResourceChange>`;
    });
  };
  /** Synthetic events per stack, created once per phase so EventIds stay stable across polls. */
  const synthetic = new Map<string, { key: string; xml: string[] }>();

  const phaseOf = (s: ActiveScenario, now: number): 'waiting' | 'hold' | 'final' | 'done' => {
    if (s.startedAt === undefined) return 'waiting';
    if (now < s.startedAt + (s.holdMs ?? 0)) return 'hold';
    return s.final ? 'final' : 'done';
  };

  const statusFor = (s: ActiveScenario, phase: 'hold' | 'final'): string => {
    if (phase === 'hold') return s.holdStatus ?? (s.isCreate ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS');
    return s.final!;
  };

  const eventsFor = (name: string, s: ActiveScenario, phase: 'hold' | 'final'): string[] => {
    const key = `${phase}|${s.startedAt}|${s.final ?? ''}`;
    const cached = synthetic.get(name);
    if (cached?.key === key) return cached.xml;
    const at = s.startedAt!;
    const base = {
      stackId: s.stackId ?? `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/proxy`,
      stackName: name,
      token: s.token,
    };
    const stackEvent = (status: string, offset: number, reason?: string) =>
      eventXml({ ...base, logicalId: name, type: 'AWS::CloudFormation::Stack', status, ...(reason ? { reason } : {}), at: at + offset });
    const holdStatus = statusFor(s, 'hold');
    const list = [stackEvent(holdStatus, 0, 'User Initiated')];
    if (phase === 'final') {
      const res = s.failedResource ?? {
        logicalId: 'Resource',
        type: 'AWS::SNS::Topic',
        reason: 'Resource handler returned message: "Injected failure" (HandlerErrorCode: InvalidRequest)',
      };
      const end = (s.holdMs ?? 0) + 1;
      if (s.final === 'ROLLBACK_COMPLETE') {
        list.push(
          eventXml({ ...base, logicalId: res.logicalId, type: res.type, status: 'CREATE_FAILED', reason: res.reason, at: at + end }),
        );
        list.push(
          stackEvent(
            'ROLLBACK_IN_PROGRESS',
            end + 1,
            `The following resource(s) failed to create: [${res.logicalId}]. Rollback requested by user.`,
          ),
        );
        list.push(stackEvent('ROLLBACK_COMPLETE', end + 2));
      } else {
        list.push(
          eventXml({ ...base, logicalId: res.logicalId, type: res.type, status: 'UPDATE_FAILED', reason: res.reason, at: at + end }),
        );
        list.push(stackEvent('UPDATE_ROLLBACK_IN_PROGRESS', end + 1, `The following resource(s) failed to update: [${res.logicalId}].`));
        if (s.final === 'UPDATE_ROLLBACK_FAILED') {
          list.push(
            eventXml({
              ...base,
              logicalId: res.logicalId,
              type: res.type,
              status: 'UPDATE_FAILED',
              reason: 'Resource was modified outside CloudFormation',
              at: at + end + 2,
            }),
          );
          list.push(stackEvent('UPDATE_ROLLBACK_FAILED', end + 3, `The following resource(s) failed to update: [${res.logicalId}].`));
        } else {
          list.push(stackEvent('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', end + 2));
          list.push(stackEvent('UPDATE_ROLLBACK_COMPLETE', end + 3));
        }
      }
    }
    const xml = list.reverse(); // newest first, like the API
    synthetic.set(name, { key, xml });
    return xml;
  };

  const rewrite = (action: string, name: string | undefined, body: string): string => {
    if (!name) return body;
    if (action === 'DescribeStackResources') return withResources(name, body);
    const s = scenarios.get(name);
    if (!s) return body;
    const stackId = /<StackId>([^<]+)<\/StackId>/.exec(body)?.[1];
    if (stackId) s.stackId ??= stackId;
    const phase = phaseOf(s, Date.now());
    if (phase === 'waiting' || phase === 'done') return body;
    if (action === 'DescribeStacks') {
      const status = statusFor(s, phase);
      let out = body.replace(/<StackStatus>[^<]*<\/StackStatus>/, `<StackStatus>${status}</StackStatus>`);
      out = out.replace(/<StackStatusReason>[^<]*<\/StackStatusReason>/, '');
      if (phase === 'final') {
        const reason =
          s.final === 'ROLLBACK_COMPLETE' ? 'The following resource(s) failed to create' : 'The following resource(s) failed to update';
        out = out.replace(/(<StackStatus>[^<]*<\/StackStatus>)/, `$1<StackStatusReason>${reason}</StackStatusReason>`);
      }
      return out;
    }
    if (action === 'DescribeStackEvents') {
      // Hide moto's own end of the operation (it finished instantly) and show ours instead.
      const startedAt = s.startedAt!;
      const kept = body.replace(/<member>([\s\S]*?)<\/member>/g, (whole, inner: string) => {
        const ts = Date.parse(/<Timestamp>([^<]+)<\/Timestamp>/.exec(inner)?.[1] ?? '');
        const status = /<ResourceStatus>([^<]+)<\/ResourceStatus>/.exec(inner)?.[1] ?? '';
        const logical = /<LogicalResourceId>([^<]+)<\/LogicalResourceId>/.exec(inner)?.[1];
        const ours = ts >= startedAt - 2000 && logical === name;
        return ours && (TERMINAL_STACK.test(status) || status.endsWith('_IN_PROGRESS')) ? '' : whole;
      });
      const injected = eventsFor(name, s, phase).join('');
      if (/<StackEvents\/>/.test(kept)) return kept.replace('<StackEvents/>', `<StackEvents>${injected}</StackEvents>`);
      return kept.replace('<StackEvents>', `<StackEvents>${injected}`);
    }
    return body;
  };

  /** DescribeStackResources with moto's nameless rows replaced by the resources the test named. */
  const withResources = (name: string, body: string): string => {
    const extra = resources.get(name);
    if (!extra) return body;
    const stackId = /<StackId>([^<]+)<\/StackId>/.exec(body)?.[1] ?? `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/proxy`;
    const named = body.replace(/<member>([\s\S]*?)<\/member>/g, (whole, inner: string) =>
      inner.includes('<LogicalResourceId>') ? whole : '',
    );
    const rows = extra
      .map(
        (r) =>
          `<member><StackName>${name}</StackName><StackId>${stackId}</StackId><LogicalResourceId>${r.logicalId}</LogicalResourceId>` +
          `<PhysicalResourceId>${escapeXml(r.physicalId)}</PhysicalResourceId><ResourceType>${r.type}</ResourceType>` +
          `<Timestamp>${new Date().toISOString()}</Timestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>`,
      )
      .join('');
    if (/<StackResources\/>/.test(named)) return named.replace('<StackResources/>', `<StackResources>${rows}</StackResources>`);
    return named.replace('<StackResources>', `<StackResources>${rows}`);
  };

  const owners = new Map<string, string>();
  const { server, endpoint } = await serveOnLoopback('proxy', async (req, res) => {
    const body = await readBody(req);
    const s3 = s3OperationOf(req);
    const { operation: action, json, params } = s3 ?? awsOperationOf(req, body);
    const stackName = stackNameOf(params.get('StackName'));
    const log = (status: ProxyRequestLog['status']) =>
      requests.push({
        action,
        ...(json ? {} : { params: Object.fromEntries(params) }),
        ...(stackName ? { stackName } : {}),
        ...(s3 ? { s3Key: s3.listed } : {}),
        status,
        at: Date.now(),
      });

    if (s3) {
      const expected = req.headers['x-amz-expected-bucket-owner'];
      const owner = owners.get(s3.bucket);
      if (owner !== undefined && typeof expected === 'string' && expected !== owner) {
        log(403);
        res
          .writeHead(403, { 'content-type': 'application/xml' })
          .end(
            s3.method === 'HEAD'
              ? ''
              : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`,
          );
        return;
      }
    }
    const rule = rules.find(
      (r) =>
        (r.action === action || r.action === '*') &&
        (r.times ?? 1) > 0 &&
        (r.keyContains === undefined || (s3?.key.includes(r.keyContains) ?? false)) &&
        (r.afterAction === undefined || requests.some((q) => q.action === r.afterAction)),
    );
    if (rule?.kind === 'slow') {
      rule.times = (rule.times ?? 1) - 1;
      await new Promise((r) => setTimeout(r, rule.delayMs ?? 1000));
    }
    if (rule?.kind === 'conflict') {
      rule.times = (rule.times ?? 1) - 1;
      log(409);
      res
        .writeHead(409, { 'content-type': 'application/xml' })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ConditionalRequestConflict</Code><Message>A conflicting conditional operation is currently in progress against this resource.</Message></Error>`,
        );
      return;
    }
    let resetAfter = false;
    if (rule?.kind === 'reset-after') {
      rule.times = (rule.times ?? 1) - 1;
      resetAfter = true;
    } else if (rule && rule.kind !== 'slow') {
      rule.times = (rule.times ?? 1) - 1;
      if (rule.kind === 'reset') {
        log('reset');
        req.socket.destroy();
        return;
      }
      if (rule.kind === 'hang') {
        log('hang');
        hung.add(res);
        setTimeout(() => {
          hung.delete(res);
          req.socket.destroy();
        }, rule.hangMs ?? 60_000).unref();
        return;
      }
      const f = faultResponse(rule.kind, json, stackName);
      log(f.status);
      res.writeHead(f.status, f.headers).end(f.body);
      return;
    }

    // ContinueUpdateRollback: moto has none; play it out on the stack's scenario.
    if (action === 'ContinueUpdateRollback' && stackName) {
      const prev = scenarios.get(stackName);
      const token = params.get('ClientRequestToken');
      scenarios.set(stackName, {
        start: 'now',
        startedAt: Date.now(),
        holdMs: prev?.holdMs ?? 200,
        holdStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
        final: prev?.continuedRollback ?? 'UPDATE_ROLLBACK_COMPLETE',
        ...(token !== null ? { token } : {}),
        stackId: prev?.stackId,
        ...(prev?.failedResource ? { failedResource: prev.failedResource } : {}),
      });
      synthetic.delete(stackName);
      log(200);
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          `<ContinueUpdateRollbackResponse xmlns="${CFN_NS}"><ContinueUpdateRollbackResult/><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ContinueUpdateRollbackResponse>`,
        );
      return;
    }
    // CancelUpdateStack: moto has none either; the update rolls back.
    if (action === 'CancelUpdateStack' && stackName) {
      const prev = scenarios.get(stackName);
      scenarios.set(stackName, {
        start: 'now',
        startedAt: Date.now(),
        holdMs: 300,
        holdStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
        ...(prev?.token !== undefined ? { token: prev.token } : {}),
        stackId: prev?.stackId,
      });
      synthetic.delete(stackName);
      log(200);
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          `<CancelUpdateStackResponse xmlns="${CFN_NS}"><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></CancelUpdateStackResponse>`,
        );
      return;
    }
    if (action === 'DeleteStack' && stackName) scenarios.delete(stackName);

    // Uncompressed, because answers are rewritten below.
    const upstreamRes = await forwardRequest(req, body, upstream, { 'accept-encoding': 'identity' });
    let text = (await readBody(upstreamRes)).toString('utf8');
    const status = upstreamRes.statusCode ?? 502;

    if (action === 'ExecuteChangeSet' && status === 200) {
      const name = stackName ?? stackNameOf(params.get('ChangeSetName'));
      const s = name ? scenarios.get(name) : undefined;
      if (s && s.startedAt === undefined && (s.start ?? 'execute') === 'execute') {
        s.startedAt = Date.now();
        const token = params.get('ClientRequestToken') ?? s.token;
        if (token !== undefined) s.token = token;
        const arn = params.get('StackName');
        if (arn?.startsWith('arn:')) s.stackId = arn;
      }
      for (const nested of scenarios.values()) {
        if (!name || nested.startsWith !== name || nested.startedAt !== undefined) continue;
        nested.startedAt = Date.now();
        const token = params.get('ClientRequestToken');
        if (token !== null) nested.token = token;
      }
    }
    if (action === 'CreateChangeSet' && status === 200 && stackName) {
      const s = scenarios.get(stackName);
      if (s && s.startedAt === undefined) s.isCreate = params.get('ChangeSetType') === 'CREATE';
    }
    if (resetAfter) {
      log('reset');
      req.socket.destroy();
      return;
    }
    if (action === 'DescribeChangeSet' && status === 200) text = withReplacements(params.get('ChangeSetName'), text);
    text = rewrite(action, stackName, text);
    const headers = { ...upstreamRes.headers };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    log(status);
    res.writeHead(status, headers).end(text);
  });

  return {
    endpoint,
    requests,
    fault: (rule) => rules.push({ ...rule, times: rule.times ?? 1 }),
    scenario: (stackName, scenario) => {
      const active: ActiveScenario = { ...scenario };
      if ((scenario.start ?? 'execute') === 'now') active.startedAt = Date.now();
      scenarios.set(stackName, active);
      synthetic.delete(stackName);
    },
    stackResources: (stackName, list) => resources.set(stackName, [...list]),
    count: (action) => requests.filter((r) => r.action === action).length,
    bucketOwner: (bucket, account) => owners.set(bucket, account),
    replacement: (changeSetPrefix, logicalId) => replacements.push({ changeSetPrefix, logicalId }),
    reset: () => {
      owners.clear();
      rules.length = 0;
      replacements.length = 0;
      scenarios.clear();
      resources.clear();
      synthetic.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An S3 request (signed for service `s3`, path style): its operation by method and path, as the
 * SDK names them, so rules can name PutObject, GetObject, DeleteObject, ListObjectsV2, HeadBucket.
 */
function s3OperationOf(
  req: IncomingMessage,
): { operation: string; json: boolean; params: URLSearchParams; bucket: string; key: string; method: string; listed: string } | undefined {
  const auth = req.headers['authorization'];
  if (typeof auth !== 'string' || !/\/s3\/aws4_request/.test(auth)) return undefined;
  const url = new URL(req.url ?? '/', 'http://proxy');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const method = req.method ?? 'GET';
  const operation =
    key === ''
      ? method === 'HEAD'
        ? 'HeadBucket'
        : method === 'GET'
          ? 'ListObjectsV2'
          : method === 'POST' && url.searchParams.has('delete')
            ? 'DeleteObjects'
            : `S3 ${method} bucket`
      : method === 'PUT'
        ? 'PutObject'
        : method === 'GET'
          ? 'GetObject'
          : method === 'DELETE'
            ? 'DeleteObject'
            : method === 'HEAD'
              ? 'HeadObject'
              : `S3 ${method}`;
  const listed = key === '' ? `?prefix=${url.searchParams.get('prefix') ?? ''}` : key;
  return { operation, json: false, params: new URLSearchParams(), bucket, key, method, listed };
}
