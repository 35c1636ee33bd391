/**
 * HTTP(S) with undici: one exchange, one attempt (redirects + body), nothing else.
 *
 * Limits of one attempt, each with its own message:
 *   connect        the dispatcher's connect timeout (TCP, TLS, proxy handshake)
 *   first byte     a timer per hop: request start (connecting included) → response headers
 *   idle body      undici bodyTimeout: no body data for as long as the first-byte limit
 *   whole body     a timer from the headers to the last byte
 *   minimum rate   a sliding-window watchdog (rate.ts)
 *   bytes          on the wire and after decoding (decode.ts)
 */

import { STATUS_CODES } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { FetchError, formatBytes, formatDuration, toFetchError, type ErrorContext } from './errors.ts';
import { collect, decodeBody, limitBytes, parseContentEncoding, type Chunks } from './decode.ts';
import { classifyAddress, isLocalhostName } from './address.ts';
import { connectedTo, refusedHost } from './guard.ts';
import { isHttpScheme } from './location.ts';
import type { ResolvedOptions } from './options.ts';
import type { ProxySpec } from './proxy-env.ts';
import { TransferRate, formatRate } from './rate.ts';
import { parseRetryAfter } from './retry.ts';
import type { FetchResult } from './types.ts';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Request headers not carried to another origin when a redirect crosses origins. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** What a response's Set-Cookie shows as in FetchResult.headers. */
const REDACTED = '[redacted]';

/** How one URL is reached: the dispatcher to use and the proxy behind it (for messages). */
export interface Route {
  dispatcher: Dispatcher | undefined;
  proxy: ProxySpec | null;
  /** Whether the dispatcher is ours (so its connect timeout is the one in the options). */
  managed?: boolean;
}

/**
 * Chooses the route of each hop (NO_PROXY may differ between the hosts of a redirect chain). `guard`:
 * the hop may only connect to public addresses (a dispatcher that refuses the others; see guard.ts).
 */
export type Router = (url: URL, guard: boolean) => Route;

export interface Exchange {
  url: URL;
  status: number;
  statusText: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Each Set-Cookie header of the response, apart (they cannot be joined with ", "). */
  setCookie: string[];
  /** Not yet read: the caller must consume, dump or destroy it. */
  body: Dispatcher.ResponseData['body'];
  route: Route;
}

export interface ExchangeInit {
  headers: Record<string, string>;
  route: Route;
  signal: AbortSignal;
  connectTimeoutMs?: number | undefined;
  firstByteTimeoutMs?: number | undefined;
}

export function errorContext(url: URL, route?: Route, limits: Partial<ExchangeInit> = {}): ErrorContext {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return {
    url: url.href,
    hostPort: `${url.hostname}:${port}`,
    hostname: url.hostname,
    proxy: route?.proxy ? { label: route.proxy.label } : undefined,
    connectTimeoutMs: route?.managed ? limits.connectTimeoutMs : undefined,
    headersTimeoutMs: limits.firstByteTimeoutMs,
    idleTimeoutMs: limits.firstByteTimeoutMs,
  };
}

/**
 * One GET of exactly `url`: no redirect following, no body reading. Network errors → FetchError.
 * The first-byte limit runs from the request's start (connecting included) to the response
 * headers, on a precise timer of its own (undici's headersTimeout, kept as a backstop, has about
 * a second of resolution).
 */
export async function exchange(url: URL, init: ExchangeInit): Promise<Exchange> {
  const target = new URL(url.href);
  target.hash = '';
  const ctx = errorContext(url, init.route, init);
  const controller = new AbortController();
  const follow = () => controller.abort(init.signal.reason);
  if (init.signal.aborted) follow();
  else init.signal.addEventListener('abort', follow, { once: true });
  let timedOut: FetchError | undefined;
  const limit = init.firstByteTimeoutMs;
  const timer =
    limit !== undefined && limit <= 0x7fffffff
      ? setTimeout(() => {
          timedOut = new FetchError('timeout', `timed out waiting for response headers (no response within ${formatDuration(limit)})`, { url: url.href });
          controller.abort(timedOut);
        }, limit)
      : undefined;
  try {
    const res = await request(target, {
      method: 'GET',
      headers: init.headers,
      signal: controller.signal,
      ...(limit !== undefined ? { headersTimeout: limit + 1000, bodyTimeout: limit } : {}),
      ...(init.route.dispatcher ? { dispatcher: init.route.dispatcher } : {}),
    });
    const headers: Record<string, string> = {};
    const setCookie: string[] = [];
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      if (name.toLowerCase() === 'set-cookie') {
        // its values are secrets: kept apart for the identity, and only named in `headers`
        setCookie.push(...(Array.isArray(value) ? value : [value]));
        headers['set-cookie'] = REDACTED;
        continue;
      }
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      url,
      status: res.statusCode,
      statusText: res.statusText || STATUS_CODES[res.statusCode] || '',
      headers,
      setCookie,
      body: res.body,
      route: init.route,
    };
  } catch (err) {
    if (timedOut) throw timedOut;
    const fe = toFetchError(err, ctx);
    // a refusal comes from the connector, which does not know the URL
    throw fe.code === 'refused' && fe.url === undefined ? fe.with({ url: url.href }) : fe;
  } finally {
    clearTimeout(timer);
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
function abandon(body: Exchange['body'], reason?: Error): void {
  body.on('error', () => {});
  body.destroy(reason);
}

/**
 * One attempt: GET `start`, follow redirects (http/https only, loop detection, limit), then
 * a 2xx is read within the limits, a 304 to a conditional request is `notModified`, anything
 * else is an 'http-status' error (with the server's Retry-After, if any). Retries and
 * politeness belong around this function, not inside it.
 *
 * The private-network policy (docs/fetching.md#private-networks): every hop but a trusted first one
 * is checked unless private networks are allowed — explicitly, or (allowPrivateNetworks unset) because
 * the trusted first hop was itself reached on a non-public address. A checked hop whose host is a
 * non-public IP literal or localhost is refused before any I/O; its route refuses the others at connect time.
 */
export async function attemptHttp(
  start: URL,
  opts: ResolvedOptions,
  signal: AbortSignal,
  router: Router = () => ({ dispatcher: opts.dispatcher, proxy: null }),
): Promise<FetchResult> {
  let url = start;
  let headers = { ...opts.headers };
  const redirects: string[] = [];
  const identity = opts.identity;
  /** The identity's headers (cookies, credentials) for a hop: decided by its URL alone. */
  const own = async (hop: URL): Promise<Record<string, string>> => {
    if (!identity) return {};
    try {
      return await identity.headersFor(hop);
    } catch (err) {
      const fe = err instanceof FetchError ? err : toFetchError(err, { url: hop.href });
      throw fe.url === undefined ? fe.with({ url: hop.href }) : fe;
    }
  };
  let hopHeaders = await own(url);
  // A URL is visited again only with other cookies: a consent wall sets one and redirects back (maxRedirects still bounds it).
  const visitKey = (hop: URL, sent: Record<string, string>) => `${withoutHash(hop)}\n${sent['cookie'] ?? ''}`;
  const visited = new Set<string>([visitKey(url, hopHeaders)]);
  /** Where the first hop was reached, when that was a non-public address. */
  let privateAddress: string | undefined;

  for (;;) {
    const first = redirects.length === 0;
    const guarded = !(first && opts.trustLocation) && !(opts.allowPrivateNetworks ?? (opts.trustLocation && privateAddress !== undefined));
    if (guarded) {
      const refused = refusedHost(url);
      if (refused !== null) throw refused;
    }
    const route = router(url, guarded);
    const res = await exchange(url, {
      headers: { ...headers, ...hopHeaders },
      route,
      signal,
      connectTimeoutMs: opts.connectTimeoutMs,
      firstByteTimeoutMs: opts.firstByteTimeoutMs,
    });
    if (first) privateAddress = reachedPrivately(url, route);
    const ctx = { url: url.href };
    if (identity && res.setCookie.length > 0) await identity.received(url, res.setCookie);

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
      if (!isHttpScheme(next.protocol)) throw new FetchError('redirect', `redirect to unsupported scheme ${next.protocol} (only http: and https: are followed)`, ctx);
      redirects.push(url.href);
      const nextHeaders = await own(next);
      const key = visitKey(next, nextHeaders);
      if (visited.has(key)) throw new FetchError('redirect', `redirect loop (back to ${next.href})`, ctx);
      if (redirects.length > opts.maxRedirects) throw new FetchError('redirect', `too many redirects (${redirects.length})`, ctx);
      visited.add(key);
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      url = next;
      hopHeaders = nextHeaders;
      continue;
    }

    if (res.status === 304) {
      await discard(res.body);
      if (!opts.conditional) {
        throw new FetchError('http-status', 'HTTP 304 Not Modified to a request that was not conditional', { ...ctx, status: 304 });
      }
      return result(res, Buffer.alloc(0), redirects, true, privateAddress);
    }

    if (res.status < 200 || res.status > 299) {
      await discard(res.body);
      const text = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now()) ?? undefined;
      throw new FetchError('http-status', text, { ...ctx, status: res.status, retryAfterMs });
    }

    const body = await readBody(res, opts, signal);
    return result(res, body, redirects, false, privateAddress);
  }
}

/**
 * The non-public address `url` was reached on, if it was: its host's own (an IP literal, localhost),
 * else the address a direct connection of ours went to. Through a proxy or a caller's dispatcher a
 * name's address is unknown, and counts as public.
 */
function reachedPrivately(url: URL, route: Route): string | undefined {
  const literal = classifyAddress(url.hostname);
  if (literal !== null) return literal.public ? undefined : literal.address;
  const connected = route.proxy === null && route.managed ? connectedTo(url) : undefined;
  if (connected !== undefined) return connected.public ? undefined : connected.address;
  return isLocalhostName(url.hostname) ? url.hostname : undefined;
}

function result(res: Exchange, body: Buffer, redirects: string[], notModified: boolean, privateAddress: string | undefined): FetchResult {
  const out: FetchResult = {
    url: res.url.href,
    status: res.status,
    contentType: res.headers['content-type'] ?? null,
    body,
    headers: res.headers,
    redirects,
    notModified,
    attempts: 1,
  };
  if (res.headers['etag'] !== undefined) out.etag = res.headers['etag'];
  if (res.headers['last-modified'] !== undefined) out.lastModified = res.headers['last-modified'];
  if (privateAddress !== undefined) out.privateAddress = privateAddress;
  return out;
}

export type BodyLimits = Pick<ResolvedOptions, 'maxBytes' | 'bodyTimeoutMs' | 'minBytesPerSecond' | 'rateWindowMs' | 'rateGraceMs'> &
  Partial<Pick<ResolvedOptions, 'firstByteTimeoutMs'>>;

/**
 * Wire limit (Content-Length up front, then counted), decoding, decoded limit; the whole-body
 * timer and the minimum-rate watchdog stop the body with a FetchError naming the limit.
 */
export async function readBody(res: Exchange, limits: BodyLimits, signal: AbortSignal): Promise<Buffer> {
  const ctx = errorContext(res.url, res.route, { firstByteTimeoutMs: limits.firstByteTimeoutMs });
  const { maxBytes } = limits;
  let stopped: FetchError | undefined;
  const stop = (err: FetchError) => {
    if (stopped) return;
    stopped = err;
    abandon(res.body, err);
  };
  const started = Date.now();
  const rate = new TransferRate({ minBytesPerSecond: limits.minBytesPerSecond, windowMs: limits.rateWindowMs, graceMs: limits.rateGraceMs }, started);
  const bodyTimer = setTimeout(
    () => stop(new FetchError('timeout', `the body took longer than ${formatDuration(limits.bodyTimeoutMs)}`)),
    Math.min(limits.bodyTimeoutMs, 0x7fffffff),
  );
  const watchdog =
    limits.minBytesPerSecond > 0
      ? setInterval(
          () => {
            const observed = rate.tooSlow(Date.now());
            if (observed === null) return;
            const window = formatDuration(limits.rateWindowMs);
            stop(
              new FetchError(
                'timeout',
                observed === 0
                  ? `the server stopped sending mid-body (no data for ${window})`
                  : `transfer too slow: ${formatRate(observed)} over the last ${window} (minimum ${formatRate(limits.minBytesPerSecond)})`,
              ),
            );
          },
          Math.max(10, Math.min(1000, limits.rateWindowMs / 4)),
        )
      : undefined;

  try {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      throw new FetchError('too-large', `response larger than ${formatBytes(maxBytes)} (Content-Length ${declared})`);
    }
    const wire = limitBytes(measured(res.body as AsyncIterable<Buffer>, rate), maxBytes, 'response');
    const encodings = parseContentEncoding(res.headers['content-encoding']);
    const decoded = decodeBody(wire, encodings);
    return await collect(decoded, maxBytes, encodings.length > 0 ? 'decompressed response' : 'response', signal);
  } catch (caught) {
    const err = stopped ?? caught;
    abandon(res.body);
    if (err instanceof FetchError && err.url === undefined) throw err.with({ url: ctx.url });
    throw toFetchError(err, ctx);
  } finally {
    clearTimeout(bodyTimer);
    if (watchdog !== undefined) clearInterval(watchdog);
  }
}

async function* measured(source: AsyncIterable<Buffer>, rate: TransferRate): Chunks {
  for await (const chunk of source) {
    rate.add(chunk.length, Date.now());
    yield chunk;
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
