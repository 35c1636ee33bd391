/**
 * The fetch stage: read one location (http(s) URL or local file) into a FetchResult. Every network
 * read of Newsvault goes through `fetchResource` (see docs/fetching.md).
 *
 *   fetchResource(location, opts)
 *     → resolveLocation      (scheme policy: http/https, local paths, file: only with allowFile)
 *     → router               (per hop: proxy from opts.proxy or the environment → dispatcher; a guarded
 *                             one for hops the private-network policy checks, see guard.ts)
 *     → for each attempt (retry.ts decides whether and when to try again):
 *         politeness.acquire (per-host / global concurrency, delay between requests to a host)
 *         withDeadline       (timeoutMs for the whole attempt, linked to opts.signal)
 *         attemptHttp        (GET, redirects, 304, 2xx check, limited streaming body)
 *     | readLocalFile
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { dispatcherFor } from './dispatchers.ts';
import { FetchError, formatDuration, toFetchError } from './errors.ts';
import { readLocalFile } from './file.ts';
import { attemptHttp, type Router } from './http.ts';
import { resolveLocation } from './location.ts';
import { resolveOptions, type FetchOptions, type ResolvedOptions } from './options.ts';
import type { Release } from './politeness.ts';
import { chooseProxy } from './proxy-env.ts';
import { decideRetry, finalError } from './retry.ts';
import type { FetchResult } from './types.ts';

export { FetchError, describeError, type FetchErrorCode } from './errors.ts';
export {
  ACCEPT,
  ACCEPT_ENCODING,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_FIRST_BYTE_TIMEOUT_MS,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MIN_BYTES_PER_SECOND,
  DEFAULT_RATE_GRACE_MS,
  DEFAULT_RATE_WINDOW_MS,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  defaultUserAgent,
  newsvaultVersion,
  type FetchOptions,
  type RetryOptions,
  type Validators,
} from './options.ts';
export { DEFAULT_POLITENESS, Politeness, type AcquireOptions, type PolitenessOptions, type Release } from './politeness.ts';
export { chooseProxy, noProxyMatches, parseProxy, proxyFromEnv, type ProxySpec } from './proxy-env.ts';
export { backoffDelay, isRetryable, parseRetryAfter } from './retry.ts';
export { closeDispatchers } from './dispatchers.ts';
export { RequestIdentity, redactHeaders, type IdentityOptions } from './identity.ts';
export { parseCookiesTxt } from './cookies.ts';
export { classifyAddress, describeRange, type AddressClass } from './address.ts';
export type { FetchResult } from './types.ts';

export async function fetchResource(location: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const options = resolveOptions(opts);
  const target = resolveLocation(location, options);
  if (target.kind === 'file') {
    return withDeadline(options.timeoutMs, opts.signal, target.path, (signal) => readLocalFile(target.path, options.maxBytes, signal));
  }
  const router = makeRouter(options);
  router(target.url, false); // an unusable proxy setting fails here, before any I/O
  return withRetries(target.url, options, router, opts.signal);
}

/** The caller's dispatcher as is, else ours for the proxy that applies to each URL. */
function makeRouter(options: ResolvedOptions): Router {
  const given = options.dispatcher;
  if (given !== undefined) return () => ({ dispatcher: given, proxy: null, managed: false });
  return (url, guard) => {
    const proxy = chooseProxy(url, options.proxy, options.env);
    return { dispatcher: dispatcherFor(proxy, options.connectTimeoutMs, guard), proxy, managed: true };
  };
}

async function withRetries(url: URL, options: ResolvedOptions, router: Router, outer: AbortSignal | undefined): Promise<FetchResult> {
  const host = url.host;
  for (let attempt = 1; ; attempt++) {
    let delayMs: number;
    let release: Release | undefined;
    try {
      if (options.politeness) {
        release = await options.politeness.acquire(host, { delayMs: options.perHostDelayMs, signal: outer }).catch((err: unknown) => {
          throw aborted(url.href, err);
        });
      }
      const result = await withDeadline(options.timeoutMs, outer, url.href, (signal) => attemptHttp(url, options, signal, router));
      result.attempts = attempt;
      return result;
    } catch (err) {
      const fe = err instanceof FetchError ? err : toFetchError(err, { url: url.href });
      const decision = decideRetry(fe, attempt, options.retry);
      if (!decision.retry) throw finalError(fe, attempt, decision.note);
      delayMs = decision.delayMs;
      if (fe.retryAfterMs !== undefined) options.politeness?.defer(host, Date.now() + fe.retryAfterMs);
    } finally {
      release?.();
    }
    try {
      await sleep(delayMs, undefined, outer ? { signal: outer } : undefined);
    } catch (err) {
      throw finalError(aborted(url.href, err), attempt, null);
    }
  }
}

function aborted(url: string, cause: unknown): FetchError {
  return new FetchError('aborted', 'request aborted', { url, cause });
}

/**
 * Runs `work` with a signal that aborts when `timeoutMs` elapses or `outer` aborts, and
 * reports either as 'timeout' / 'aborted' whatever error the aborted work threw.
 */
async function withDeadline<T>(
  timeoutMs: number,
  outer: AbortSignal | undefined,
  where: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (outer?.aborted) throw aborted(where, outer.reason);
  const controller = new AbortController();
  let timedOut = false;
  // setTimeout fires at once for delays beyond 2^31-1 ms: treat those as "no timeout".
  const timer =
    Number.isFinite(timeoutMs) && timeoutMs <= 0x7fffffff
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new FetchError('timeout', `timed out after ${formatDuration(timeoutMs)}`, { url: where }));
        }, timeoutMs)
      : undefined;
  const onAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  // Settle when the signal aborts even if `work` does not (a dispatcher stuck in a bad state must
  // not hold a run past its deadline); whatever `work` does later is ignored.
  let stopWaiting: (() => void) | undefined;
  const abandoned = new Promise<never>((_resolve, reject) => {
    stopWaiting = () => reject(controller.signal.reason);
    controller.signal.addEventListener('abort', stopWaiting, { once: true });
  });
  abandoned.catch(() => {});
  const running = work(controller.signal);
  running.catch(() => {});
  try {
    return await Promise.race([running, abandoned]);
  } catch (err) {
    // The URL in these messages is the one being read when the deadline hit (after redirects).
    const url = err instanceof FetchError && err.url !== undefined ? err.url : where;
    if (timedOut) throw new FetchError('timeout', `timed out after ${formatDuration(timeoutMs)}`, { url, cause: err });
    if (outer?.aborted) throw aborted(url, err);
    throw err instanceof FetchError ? err : toFetchError(err, { url: where });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
    if (stopWaiting !== undefined) controller.signal.removeEventListener('abort', stopWaiting);
  }
}
