/**
 * Which TTL a contender judges a held lock by. The holder wrote its own TTL into the lock: its
 * promise "I beat within this long". A contender judges by that promise, never by its own TTL, so a
 * contender configured with a short TTL never robs a holder that beats on a longer one, and a holder
 * with a short TTL that went silent is taken over as soon as it promised, whoever asks.
 *
 * A recorded TTL is believed only within 1 s – 24 h. Shorter is below what a heartbeat over a
 * network (and S3's one-second LastModified) can keep, so it is a garbled value, not a promise;
 * longer would let one bad lock shut the stack for days after its holder died. A TTL outside those
 * bounds, missing (a lock written before holders recorded it) or not a number is not believed: the
 * contender's own TTL decides, as it did before holders recorded theirs.
 */
export const HOLDER_TTL_MIN_MS = 1_000;
export const HOLDER_TTL_MAX_MS = 24 * 60 * 60_000;

/** The TTL a lock is judged by: the holder's recorded `ttlMs` when sane, else `ownTtlMs`. Pure. */
export function holderTtlMs(lock: { readonly ttlMs?: unknown }, ownTtlMs: number): number {
  const recorded = lock.ttlMs;
  if (typeof recorded === 'number' && Number.isFinite(recorded) && recorded >= HOLDER_TTL_MIN_MS && recorded <= HOLDER_TTL_MAX_MS) {
    return recorded;
  }
  return ownTtlMs;
}
