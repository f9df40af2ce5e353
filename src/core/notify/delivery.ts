/**
 * Delivering one notification: a webhook POST and the retry loop every destination shares. A
 * notification is worth a few tries, never a deployment: every attempt has a deadline, the loop
 * gives up after a bounded number of tries, and it stops at once when its owner is disposed.
 */
import { errorMessage } from '../errors';
import { sleep } from '../time';

/**
 * A webhook URL as logs may show it: scheme and host only. Webhook URLs carry their secret in the
 * path (Slack's `/services/T…/B…/token`) or the query (`?token=`), and credentials in the user part.
 */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname !== '/' && u.pathname !== '' ? '/***' : '';
    return `${u.protocol}//${u.host}${path}${u.search ? '?***' : ''}`;
  } catch {
    return '(an unreadable URL)';
  }
}

/** `text` with every occurrence of the URL (and of its path and query alone) replaced by the masked form. */
export function maskUrlIn(text: string, url: string): string {
  let out = text.split(url).join(maskUrl(url));
  try {
    const u = new URL(url);
    for (const secret of [u.pathname, u.search, u.username, u.password]) if (secret.length > 4) out = out.split(secret).join('***');
  } catch {
    // Nothing more to mask than the whole text of an unreadable URL.
  }
  return out;
}

/** Why a URL cannot be a webhook, or undefined when it can. */
export function webhookProblem(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? undefined : `${u.protocol} is not http or https`;
  } catch {
    return 'it is not a URL';
  }
}

/** A failure worth another try (the receiver down, slow or overloaded), or not (it refused the message). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

export interface RetryPolicy {
  /** Tries in all (default 4). */
  readonly attempts: number;
  /** Pause before the second try, doubled before each next one, capped at 8 s (default 500 ms). */
  readonly backoffMs: number;
  /** Deadline of one try (default 5 s): a receiver that hangs costs at most this per try. */
  readonly attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, backoffMs: 500, attemptTimeoutMs: 5_000 };

/**
 * Runs `attempt` until it succeeds, refuses for good, or the tries run out; never throws. Returns the
 * last failure's message, or undefined when delivered.
 */
export async function withRetries(
  policy: RetryPolicy,
  signal: AbortSignal,
  attempt: (signal: AbortSignal) => Promise<void>,
): Promise<string | undefined> {
  let last = 'not tried';
  for (let n = 0; n < policy.attempts; n++) {
    if (signal.aborted) return `${last} (stopped)`;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), policy.attemptTimeoutMs);
    const stop = () => deadline.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await attempt(deadline.signal);
      return undefined;
    } catch (err) {
      last = deadline.signal.aborted && !signal.aborted ? `no answer within ${policy.attemptTimeoutMs} ms` : errorMessage(err);
      if (err instanceof DeliveryError && !err.retry) return last;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
    if (n + 1 < policy.attempts) {
      const pause = Math.min(8_000, policy.backoffMs * 2 ** n) * (0.8 + Math.random() * 0.4);
      try {
        await sleep(pause, signal);
      } catch {
        return `${last} (stopped)`;
      }
    }
  }
  return `${last} (after ${policy.attempts} tries)`;
}

/** One POST of the message as JSON; 2xx delivered, 429 and 5xx worth another try, any other answer refused. */
export async function postWebhook(url: string, body: string, signal: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal, redirect: 'error' });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new DeliveryError(maskUrlIn(`${errorMessage(err)}${cause ? ` (${errorMessage(cause)})` : ''}`, url), true);
  }
  // The answer's body is read (and dropped) so the connection is released.
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  throw new DeliveryError(`the receiver answered HTTP ${res.status}`, res.status === 429 || res.status >= 500);
}
