/**
 * When and how long to wait before trying again. Pure functions; the loop is in index.ts.
 *
 *   retried:      connection errors, timeouts (any phase), resets; HTTP 408, 429 and 5xx;
 *                 a proxy's 5xx to CONNECT; temporary DNS failures (EAI_AGAIN)
 *   not retried:  other 4xx, TLS certificate errors, unknown hosts, redirects refused, bodies too
 *                 large, undecodable bodies, bad URLs, a caller's abort
 *   delay:        baseDelayMs · 2^(retry − 1), capped at maxDelayMs, then a random 50–100 % of it
 *                 (jitter, so that many clients do not retry in step); a Retry-After (seconds or an
 *                 HTTP date) raises the delay to what the server asked for, when that is at most
 *                 maxRetryAfterMs; a server asking for more is not retried within this fetch.
 */

import { FetchError, formatDuration } from './errors.ts';
import type { ResolvedRetry } from './options.ts';

export function isRetryable(err: unknown): boolean {
  if (!(err instanceof FetchError)) return false;
  if (err.transient !== undefined) return err.transient;
  switch (err.code) {
    case 'connect':
    case 'timeout':
    case 'network':
      return true;
    case 'http-status': {
      const s = err.status ?? 0;
      return s === 408 || s === 429 || (s >= 500 && s <= 599);
    }
    default:
      return false;
  }
}

/** Retry-After as ms from `now`: delta-seconds or an HTTP date. null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** The delay before retry number `retry` (1 = the first retry), without Retry-After. `random` ∈ [0, 1). */
export function backoffDelay(retry: number, opts: Pick<ResolvedRetry, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; note: string | null };

/**
 * After attempt number `attempt` (1-based) failed with `err`: retry (after how long), or give up
 * (with a note for the message, e.g. why a Retry-After was not waited for).
 */
export function decideRetry(err: unknown, attempt: number, opts: ResolvedRetry, random: () => number = Math.random): RetryDecision {
  if (!isRetryable(err)) return { retry: false, note: null };
  const retryAfterMs = err instanceof FetchError ? err.retryAfterMs : undefined;
  if (retryAfterMs !== undefined && retryAfterMs > opts.maxRetryAfterMs) {
    return { retry: false, note: `server asks to retry after ${formatDuration(retryAfterMs)}` };
  }
  if (attempt > opts.retries) return { retry: false, note: null };
  const delayMs = Math.max(backoffDelay(attempt, opts, random), retryAfterMs ?? 0);
  return { retry: true, delayMs };
}

/** The final error: its reason says how many attempts were made, and why we stopped early if we did. */
export function finalError(err: FetchError, attempts: number, note: string | null): FetchError {
  const notes = [note, attempts > 1 ? `after ${attempts} attempts` : null].filter((n): n is string => n !== null);
  if (notes.length === 0) return attempts === err.attempts ? err : err.with({ attempts });
  return err.with({ reason: `${err.reason} (${notes.join('; ')})`, attempts });
}
