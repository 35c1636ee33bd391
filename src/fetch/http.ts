/** HTTP(S) with undici: one exchange, one attempt (redirects + body), nothing else. */

import { STATUS_CODES } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { FetchError, formatBytes, toFetchError, type ErrorContext } from './errors.ts';
import { collect, decodeBody, limitBytes, parseContentEncoding } from './decode.ts';
import { isHttpScheme } from './location.ts';
import type { ResolvedOptions } from './options.ts';
import type { FetchResult } from './types.ts';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Request headers not carried to another origin when a redirect crosses origins. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export interface Exchange {
  url: URL;
  status: number;
  statusText: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Not yet read: the caller must consume, dump or destroy it. */
  body: Dispatcher.ResponseData['body'];
}

export interface ExchangeInit {
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
  signal: AbortSignal;
}

export function errorContext(url: URL): ErrorContext {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { url: url.href, hostPort: `${url.hostname}:${port}`, hostname: url.hostname };
}

/** One GET of exactly `url`: no redirect following, no body reading. Network errors → FetchError. */
export async function exchange(url: URL, init: ExchangeInit): Promise<Exchange> {
  const target = new URL(url.href);
  target.hash = '';
  try {
    const res = await request(target, {
      method: 'GET',
      headers: init.headers,
      signal: init.signal,
      ...(init.dispatcher ? { dispatcher: init.dispatcher } : {}),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      url,
      status: res.statusCode,
      statusText: res.statusText || STATUS_CODES[res.statusCode] || '',
      headers,
      body: res.body,
    };
  } catch (err) {
    throw toFetchError(err, errorContext(url));
  }
}

/** Reads an unwanted body (redirect, error) so the connection can be reused; never throws. */
async function discard(body: Exchange['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    abandon(body);
  }
}

/** Destroys a body we no longer want; undici then emits an abort error nobody needs to see. */
function abandon(body: Exchange['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/**
 * One attempt: GET `start`, follow redirects (http/https only, loop detection, limit),
 * require a 2xx, and read the body within the byte limits. Retries, conditional GET and
 * politeness belong around this function, not inside it.
 */
export async function attemptHttp(start: URL, opts: ResolvedOptions, signal: AbortSignal): Promise<FetchResult> {
  let url = start;
  let headers = { ...opts.headers };
  const redirects: string[] = [];
  const visited = new Set<string>([withoutHash(url)]);

  for (;;) {
    const res = await exchange(url, { headers, dispatcher: opts.dispatcher, signal });
    const ctx = { url: url.href };

    if (REDIRECT_STATUSES.has(res.status)) {
      await discard(res.body);
      const location = res.headers['location'];
      if (!location) throw new FetchError('redirect', `HTTP ${res.status} redirect without a Location header`, ctx);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new FetchError('redirect', `redirect to an invalid URL (${truncate(location)})`, ctx);
      }
      if (!isHttpScheme(next.protocol)) throw new FetchError('redirect', `redirect to unsupported scheme ${next.protocol}`, ctx);
      redirects.push(url.href);
      if (visited.has(withoutHash(next))) throw new FetchError('redirect', `redirect loop (back to ${next.href})`, ctx);
      if (redirects.length > opts.maxRedirects) throw new FetchError('redirect', `too many redirects (${redirects.length})`, ctx);
      visited.add(withoutHash(next));
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      url = next;
      continue;
    }

    if (res.status < 200 || res.status > 299) {
      await discard(res.body);
      const text = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      throw new FetchError('http-status', text, { ...ctx, status: res.status });
    }

    const body = await readBody(res, opts.maxBytes, signal);
    const result: FetchResult = {
      url: url.href,
      status: res.status,
      contentType: res.headers['content-type'] ?? null,
      body,
      headers: res.headers,
      redirects,
    };
    if (res.headers['etag'] !== undefined) result.etag = res.headers['etag'];
    if (res.headers['last-modified'] !== undefined) result.lastModified = res.headers['last-modified'];
    return result;
  }
}

/** Wire limit (Content-Length up front, then counted), decoding, decoded limit. */
export async function readBody(res: Exchange, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const ctx = errorContext(res.url);
  try {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      throw new FetchError('too-large', `response larger than ${formatBytes(maxBytes)} (Content-Length ${declared})`);
    }
    const wire = limitBytes(res.body as AsyncIterable<Buffer>, maxBytes, 'response');
    const decoded = decodeBody(wire, parseContentEncoding(res.headers['content-encoding']));
    return await collect(decoded, maxBytes, 'response', signal);
  } catch (err) {
    abandon(res.body);
    if (err instanceof FetchError && err.url === undefined) {
      throw new FetchError(err.code, err.reason, { url: ctx.url, status: err.status, cause: err.cause });
    }
    throw toFetchError(err, ctx);
  }
}

function withoutHash(url: URL): string {
  const u = new URL(url.href);
  u.hash = '';
  return u.href;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  for (const name of CREDENTIAL_HEADERS) delete out[name];
  return out;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
