import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
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
 *   UPDATE_ROLLBACK_COMPLETE.
 *
 * Controlled in-process by the test through the returned object; `requests` logs every call.
 */
/** `reset-after`: the request reaches moto, then the connection drops before the answer. */
/** `html-500`: an HTML error page, as a proxy, a load balancer or a crashed emulator answers. */
export type FaultKind = 'throttle' | 'server-error' | 'reset' | 'reset-after' | 'hang' | 'limit' | 'expired' | 'html-500';

export interface FaultRule {
  /** The operation (`Action=` or the X-Amz-Target operation), or `*`. */
  readonly action: string;
  readonly kind: FaultKind;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** For `hang`: how long before the socket is destroyed (default 60 s). */
  readonly hangMs?: number;
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
}

interface ActiveScenario extends StackScenario {
  startedAt?: number;
  token?: string;
  stackId?: string | undefined;
  isCreate?: boolean;
}

export interface ProxyRequestLog {
  readonly action: string;
  /** The query parameters of a CloudFormation (query protocol) request. */
  readonly params?: Readonly<Record<string, string>>;
  readonly stackName?: string;
  readonly status: number | 'reset' | 'hang';
  readonly at: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly requests: ProxyRequestLog[];
  fault(rule: FaultRule): void;
  scenario(stackName: string, scenario: StackScenario): void;
  /** How many requests of `action` reached the proxy. */
  count(action: string): number;
  reset(): void;
  close(): Promise<void>;
}

const CFN_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** The exact error payloads AWS sends for throttling (and their siblings for the other fault kinds). */
function faultResponse(kind: FaultKind, json: boolean): { status: number; headers: Record<string, string>; body: string } {
  if (kind === 'html-500') {
    return {
      status: 500,
      headers: { 'content-type': 'text/html' },
      body: '<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1></body></html>\n',
    };
  }
  const codes: Record<Exclude<FaultKind, 'reset' | 'reset-after' | 'hang' | 'html-500'>, [number, string, string, string]> = {
    throttle: [400, 'Throttling', 'Rate exceeded', 'Sender'],
    limit: [400, 'LimitExceededException', 'Limit for stacks has been exceeded', 'Sender'],
    expired: [403, 'ExpiredToken', 'The security token included in the request is expired', 'Sender'],
    'server-error': [503, 'ServiceUnavailable', 'Service is unavailable', 'Receiver'],
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
  const requests: ProxyRequestLog[] = [];
  const hung = new Set<ServerResponse>();
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

  const { server, endpoint } = await serveOnLoopback('proxy', async (req, res) => {
    const body = await readBody(req);
    const { operation: action, json, params } = awsOperationOf(req, body);
    const stackName = stackNameOf(params.get('StackName'));
    const log = (status: ProxyRequestLog['status']) =>
      requests.push({
        action,
        ...(json ? {} : { params: Object.fromEntries(params) }),
        ...(stackName ? { stackName } : {}),
        status,
        at: Date.now(),
      });

    const rule = rules.find((r) => (r.action === action || r.action === '*') && (r.times ?? 1) > 0);
    let resetAfter = false;
    if (rule?.kind === 'reset-after') {
      rule.times = (rule.times ?? 1) - 1;
      resetAfter = true;
    } else if (rule) {
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
      const f = faultResponse(rule.kind, json);
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
        final: 'UPDATE_ROLLBACK_COMPLETE',
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
    count: (action) => requests.filter((r) => r.action === action).length,
    reset: () => {
      rules.length = 0;
      scenarios.clear();
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
