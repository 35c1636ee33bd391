/**
 * The fetch stage: read one feed location (http(s) URL or local file) into a FetchResult.
 *
 *   fetchResource(location, opts)
 *     → resolveLocation   (scheme policy: http/https, local paths, file: only with allowFile)
 *     → withDeadline      (timeoutMs for the whole attempt, linked to opts.signal)
 *     → attemptHttp       (one attempt: GET, redirects, 2xx check, limited streaming body)
 *       | readLocalFile
 *
 * Later iterations (conditional GET, retries with backoff, proxies, per-host politeness)
 * wrap `attemptHttp`/`fetchResource` or pass a `dispatcher`; FetchError.code tells what
 * is worth retrying, and FetchResult keeps `etag` / `lastModified` for the next request.
 */

import { FetchError, formatDuration, toFetchError } from './errors.ts';
import { readLocalFile } from './file.ts';
import { attemptHttp } from './http.ts';
import { resolveLocation } from './location.ts';
import { resolveOptions, type FetchOptions } from './options.ts';
import type { FetchResult } from './types.ts';

export { FetchError, describeError, type FetchErrorCode } from './errors.ts';
export {
  ACCEPT,
  ACCEPT_ENCODING,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_TIMEOUT_MS,
  defaultUserAgent,
  type FetchOptions,
} from './options.ts';
export type { FetchResult } from './types.ts';

export async function fetchResource(location: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const options = resolveOptions(opts);
  const target = resolveLocation(location, options);
  const where = target.kind === 'http' ? target.url.href : target.path;
  return withDeadline(options.timeoutMs, opts.signal, where, (signal) =>
    target.kind === 'http' ? attemptHttp(target.url, options, signal) : readLocalFile(target.path, options.maxBytes, signal),
  );
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
  if (outer?.aborted) throw new FetchError('aborted', 'request aborted', { url: where, cause: outer.reason });
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
  try {
    return await work(controller.signal);
  } catch (err) {
    // The URL in these messages is the one being read when the deadline hit (after redirects).
    const url = err instanceof FetchError && err.url !== undefined ? err.url : where;
    if (timedOut) throw new FetchError('timeout', `timed out after ${formatDuration(timeoutMs)}`, { url, cause: err });
    if (outer?.aborted) throw new FetchError('aborted', 'request aborted', { url, cause: err });
    throw err instanceof FetchError ? err : toFetchError(err, { url: where });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}
