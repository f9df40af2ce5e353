/**
 * Answers the AWS SDK cannot read: an HTML error page from a proxy, a load balancer or an
 * emulator instead of AWS's XML or JSON. The SDK then reports "Unknown", a JSON SyntaxError or an
 * XML parse error that points at a hidden field; what a person needs is the HTTP status and the
 * first line of what came back. A middleware next to the transport keeps both for such answers.
 */

export interface ForeignAnswer {
  readonly status: number;
  /** The first non-empty line of the body, trimmed and cut short. */
  readonly firstLine: string;
}

/** Keyed by the SDK's response object, which the SDK attaches to its error as `$response`. */
const answers = new WeakMap<object, ForeignAnswer>();

const FIRST_LINE_MAX = 200;

interface HttpResponseLike {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

/** The foreign answer behind an SDK error, when there was one. */
export function foreignAnswerOf(err: unknown): ForeignAnswer | undefined {
  const response = typeof err === 'object' && err !== null ? (err as { $response?: unknown }).$response : undefined;
  return typeof response === 'object' && response !== null ? answers.get(response) : undefined;
}

/** The words for a foreign answer, used in place of the SDK's parse error. */
export function describeForeignAnswer(answer: ForeignAnswer): string {
  return `the endpoint answered HTTP ${answer.status} with a body that is not an AWS answer, starting: ${answer.firstLine}`;
}

/** XML or JSON as AWS writes them, or nothing (the SDK reads an empty error by its status). */
function looksLikeAws(text: string): boolean {
  return /^\s*(?:<\?xml|<[A-Za-z]+Response\b|<Error\b|\{)/.test(text) || text.trim() === '';
}

async function readAll(body: unknown): Promise<Uint8Array | undefined> {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (!body || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Middleware for the deserialize step, inside the SDK's deserializer (priority low): for an error
 * status, reads the body (small by nature), hands the SDK the same bytes, and remembers the
 * status and first line when the body is neither empty nor XML or JSON.
 */
export function foreignAnswerMiddleware() {
  return (next: (args: unknown) => Promise<{ response: unknown }>) => async (args: unknown) => {
    const result = await next(args);
    const response = result.response as HttpResponseLike | undefined;
    // Success answers are the SDK's to read (an S3 object may well be HTML); only errors are looked at.
    if (!response || typeof response !== 'object' || typeof response.statusCode !== 'number' || response.statusCode < 300) return result;
    const bytes = await readAll(response.body);
    if (!bytes) return result;
    response.body = bytes;
    const text = new TextDecoder().decode(bytes);
    if (looksLikeAws(text)) return result;
    const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
    const firstLine = line.trim().length > FIRST_LINE_MAX ? `${line.trim().slice(0, FIRST_LINE_MAX)}…` : line.trim();
    answers.set(response, { status: response.statusCode, firstLine });
    return result; // the SDK's own error carries the response as $response
  };
}
