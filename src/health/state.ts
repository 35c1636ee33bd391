/**
 * The archive's operational state, as pure functions over a plain value:
 *   - per feed URL, the validators for a conditional GET (ETag, Last-Modified);
 *   - per source, its health: attempts, successes, failures in a row, the last error, and when it
 *     may be polled again.
 *
 * Backoff (the rule `backoffUntil` implements): a source is polled every run until it has failed
 * BACKOFF_AFTER_FAILURES times in a row; then it waits 1 hour, and the wait doubles with each
 * further failure (2 h, 4 h, 8 h, 16 h) up to 24 hours. A Retry-After longer than that wait is
 * honoured (up to 24 hours too). One success resets it all. `isDue(..., { force: true })` (e.g. a
 * `--force` flag, or `--only <slug>`) polls a source whatever its backoff.
 *
 * Times are ms since the epoch in memory; store.ts writes them as ISO 8601 strings.
 */

export interface FeedValidators {
  etag?: string;
  lastModified?: string;
}

export interface SourceHealth {
  lastAttempt: number | null;
  lastSuccess: number | null;
  /** HTTP status of the last attempt (304 included), null when no response came (connection error…). */
  lastStatus: number | null;
  consecutiveFailures: number;
  /** One line, as shown to the user. Kept after a success (see lastFailure for when). */
  lastError: string | null;
  lastFailure: number | null;
  /** When the current run of failures began; null while the source works. */
  failingSince: number | null;
  /** When new articles last arrived. */
  lastNewArticle: number | null;
  /** Not polled before this (backoff); null = at the next run. */
  nextAttemptAfter: number | null;
}

export interface HealthState {
  version: 1;
  /** Keyed by feed URL (or file path) as configured. */
  feeds: Record<string, FeedValidators>;
  /** Keyed by source slug. */
  sources: Record<string, SourceHealth>;
}

/** What one poll of a source came to. */
export interface AttemptOutcome {
  /** At least one of its feeds was read (a 304 counts). */
  ok: boolean;
  /** Status of the (last) response, or null when none came. */
  httpStatus?: number | null;
  /** One line, for a failure. */
  error?: string | null;
  /** Articles added by this poll. */
  newArticles?: number;
  /** A Retry-After the server sent with its refusal, in ms. */
  retryAfterMs?: number | null;
}

export const BACKOFF_AFTER_FAILURES = 3;
export const BACKOFF_FIRST_MS = 60 * 60 * 1000;
export const BACKOFF_MAX_MS = 24 * 60 * 60 * 1000;
/** A source failing for longer than this is shown as FAILING in `newsvault status`. */
export const FAILING_LONG_MS = 24 * 60 * 60 * 1000;

export function emptyState(): HealthState {
  return { version: 1, feeds: {}, sources: {} };
}

export function emptyHealth(): SourceHealth {
  return {
    lastAttempt: null,
    lastSuccess: null,
    lastStatus: null,
    consecutiveFailures: 0,
    lastError: null,
    lastFailure: null,
    failingSince: null,
    lastNewArticle: null,
    nextAttemptAfter: null,
  };
}

/**
 * When a source that has failed `consecutiveFailures` times in a row may be polled again:
 * `now` below BACKOFF_AFTER_FAILURES, then now + 1 h, 2 h, 4 h, … capped at 24 h.
 */
export function backoffUntil(consecutiveFailures: number, now: number): number {
  if (consecutiveFailures < BACKOFF_AFTER_FAILURES) return now;
  const doublings = consecutiveFailures - BACKOFF_AFTER_FAILURES;
  const wait = doublings >= 10 ? BACKOFF_MAX_MS : Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** doublings);
  return now + wait;
}

/** The state after one poll of `slug` ended with `outcome` at `now`. Does not modify `state`. */
export function recordAttempt(state: HealthState, slug: string, outcome: AttemptOutcome, now: number): HealthState {
  const before = state.sources[slug] ?? emptyHealth();
  const h: SourceHealth = { ...before, lastAttempt: now, lastStatus: outcome.httpStatus ?? null };
  if ((outcome.newArticles ?? 0) > 0) h.lastNewArticle = now;
  if (outcome.ok) {
    h.lastSuccess = now;
    h.consecutiveFailures = 0;
    h.failingSince = null;
    h.nextAttemptAfter = null;
  } else {
    h.consecutiveFailures = before.consecutiveFailures + 1;
    h.failingSince = before.failingSince ?? now;
    h.lastFailure = now;
    h.lastError = oneLine(outcome.error ?? 'failed');
    const retryAfter = outcome.retryAfterMs ? now + Math.min(outcome.retryAfterMs, BACKOFF_MAX_MS) : now;
    const until = Math.max(backoffUntil(h.consecutiveFailures, now), retryAfter);
    h.nextAttemptAfter = until > now ? until : null;
  }
  return { ...state, sources: { ...state.sources, [slug]: h } };
}

/** Whether `slug` should be polled at `now`: never polled, not backing off, or forced. */
export function isDue(state: HealthState, slug: string, now: number, opts: { force?: boolean } = {}): boolean {
  if (opts.force) return true;
  const next = state.sources[slug]?.nextAttemptAfter ?? null;
  return next === null || next <= now;
}

/** The validators to send for `feedUrl`, if any were kept. */
export function validatorsFor(state: HealthState, feedUrl: string): FeedValidators | undefined {
  const v = state.feeds[feedUrl];
  return v && (v.etag || v.lastModified) ? { ...v } : undefined;
}

/**
 * Keeps the validators of a response to `feedUrl`. After a 200, exactly the response's (a feed
 * that stopped sending an ETag must not keep an old one); after a 304, the old ones updated with
 * any the 304 carried.
 */
export function rememberValidators(
  state: HealthState,
  feedUrl: string,
  response: { notModified: boolean; etag?: string | undefined; lastModified?: string | undefined },
): HealthState {
  const base: FeedValidators = response.notModified ? { ...state.feeds[feedUrl] } : {};
  if (response.etag) base.etag = response.etag;
  if (response.lastModified) base.lastModified = response.lastModified;
  const feeds = { ...state.feeds };
  if (base.etag || base.lastModified) feeds[feedUrl] = base;
  else delete feeds[feedUrl];
  return { ...state, feeds };
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 499)}…` : flat || 'failed';
}
