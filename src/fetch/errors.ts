/**
 * Errors of the fetch stage: one class, `FetchError`, with a machine-readable `code`
 * and a one-line human message, plus the mapping from undici / Node / zlib errors.
 */

export type FetchErrorCode =
  | 'connect'
  | 'dns'
  | 'timeout'
  | 'http-status'
  | 'too-large'
  | 'redirect'
  | 'bad-url'
  | 'file'
  | 'decode'
  | 'aborted'
  | 'network'
  /** The private-network policy refused the address (guard.ts); never retried. */
  | 'refused';

export interface FetchErrorInit {
  /** The URL (or absolute file path) being read when the error happened. */
  url?: string | undefined;
  /** HTTP status, for 'http-status'. */
  status?: number | undefined;
  cause?: unknown;
  /** Attempts made before giving up (set by the retry loop). */
  attempts?: number | undefined;
  /** What the server's Retry-After asked for, in ms (429 / 503). */
  retryAfterMs?: number | undefined;
  /** Overrides the retry rule of the error's code: true = worth retrying, false = permanent. */
  transient?: boolean | undefined;
}

export class FetchError extends Error {
  override readonly name = 'FetchError';
  readonly code: FetchErrorCode;
  /** What went wrong, without the URL, e.g. `HTTP 404 Not Found`. */
  readonly reason: string;
  /** The URL (credentials redacted) or absolute file path being read, when known. */
  readonly url: string | undefined;
  /** The response status, for 'http-status' errors. */
  readonly status: number | undefined;
  /** Attempts made, when the retry loop gave up (the reason then ends with "(after N attempts)"). */
  readonly attempts: number | undefined;
  /** The server's Retry-After, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** Set when the error's code alone does not tell whether a retry can help (TLS: no; EAI_AGAIN: yes). */
  readonly transient: boolean | undefined;

  constructor(code: FetchErrorCode, reason: string, init: FetchErrorInit = {}) {
    const url = init.url === undefined ? undefined : redactUrl(init.url);
    super(url ? `${url}: ${reason}` : reason, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.reason = reason;
    this.url = url;
    this.status = init.status;
    this.attempts = init.attempts;
    this.retryAfterMs = init.retryAfterMs;
    this.transient = init.transient;
  }

  /** A copy with other fields; `reason` / `url` replaced when given. */
  with(init: FetchErrorInit & { reason?: string }): FetchError {
    return new FetchError(this.code, init.reason ?? this.reason, {
      url: this.url,
      status: this.status,
      cause: this.cause,
      attempts: this.attempts,
      retryAfterMs: this.retryAfterMs,
      transient: this.transient,
      ...stripUndefined(init),
    });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'reason')) as Partial<T>;
}

/** Hides the password of `http://user:pass@host/` in messages. */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return url;
  }
}

export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB) return `${trimNumber(n / MiB)} MiB`;
  if (n >= 1024) return `${trimNumber(n / 1024)} KiB`;
  return `${n} bytes`;
}

export function formatDuration(ms: number): string {
  if (ms >= 3_600_000) return `${trimNumber(ms / 3_600_000)}h`;
  if (ms >= 120_000) return `${trimNumber(ms / 60_000)}m`;
  return ms >= 1000 ? `${trimNumber(ms / 1000)}s` : `${Math.round(ms)}ms`;
}

function trimNumber(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** Where a low-level error happened, for naming the host in the message. */
export interface ErrorContext {
  url?: string | undefined;
  /** `host:port` being connected to. */
  hostPort?: string | undefined;
  hostname?: string | undefined;
  /**
   * The proxy the request went through, if any. Connection-level failures (refused, unreachable,
   * DNS, connect timeout) are then the proxy's: the client never connects to the target itself.
   */
  proxy?: { label: string } | undefined;
  /** Limits in force, named in timeout messages. */
  connectTimeoutMs?: number | undefined;
  headersTimeoutMs?: number | undefined;
  idleTimeoutMs?: number | undefined;
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
  EADDRNOTAVAIL: 'address not available',
};

const STATUS_TEXT: Record<number, string> = {
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA']);

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
]);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  name?: unknown;
  hostname?: unknown;
  address?: unknown;
  port?: unknown;
}

/** The error itself, then its causes and (AggregateError) members, breadth first, bounded. */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [err];
  const seen = new Set<unknown>();
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const el = e as ErrorLike;
    out.push(el);
    if (el.cause !== undefined) queue.push(el.cause);
    if (Array.isArray(el.errors)) queue.push(...el.errors);
  }
  return out;
}

function codeOf(e: ErrorLike): string | undefined {
  return typeof e.code === 'string' ? e.code : undefined;
}

function messageOf(e: ErrorLike): string {
  return typeof e.message === 'string' ? e.message : '';
}

function hostPortOf(e: ErrorLike, ctx: ErrorContext): string {
  if (ctx.hostPort) return ctx.hostPort;
  if (typeof e.address === 'string') return typeof e.port === 'number' ? `${e.address}:${e.port}` : e.address;
  return ctx.hostname ?? 'host';
}

/**
 * Maps any error thrown by undici, node:net/tls/dns, node:zlib or node:fs to a FetchError.
 * A FetchError found anywhere in the chain is returned as is.
 */
export function toFetchError(err: unknown, ctx: ErrorContext = {}): FetchError {
  const known = mapKnownError(err, ctx, true);
  if (known) return known;
  const first = chain(err)[0];
  const text = first ? oneLine(messageOf(first)) || (codeOf(first) ?? '') : oneLine(String(err));
  return new FetchError('network', text || 'unknown network error', { url: ctx.url, cause: err });
}

/** The FetchError for an error whose code (or a cause's) we recognise, else undefined. */
function mapKnownError(err: unknown, ctx: ErrorContext, withFileCodes: boolean): FetchError | undefined {
  const links = chain(err);
  for (const e of links) if (e instanceof FetchError) return e;
  const init: FetchErrorInit = { url: ctx.url, cause: err };

  for (const e of links) {
    // undici's ProxyAgent: the proxy answered the CONNECT with something other than 200.
    const tunnel = /Proxy response \((\d{3})\) !== 200/.exec(messageOf(e));
    if (tunnel) {
      const status = Number(tunnel[1]);
      const proxy = ctx.proxy ? ` ${ctx.proxy.label}` : '';
      const target = ctx.hostPort ?? ctx.hostname ?? 'the host';
      const reason =
        status === 407
          ? `proxy${proxy} refused the credentials (HTTP 407 Proxy Authentication Required)`
          : `proxy${proxy} could not open a tunnel to ${target} (HTTP ${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''})`;
      // 502/503/504 from a proxy are often passing (the target or the proxy's upstream is down).
      return new FetchError('connect', reason, { ...init, transient: status >= 500 });
    }
  }

  for (const e of links) {
    const code = codeOf(e);
    if (code === undefined) continue;
    const socketReason = SOCKET_REASONS[code];
    if (socketReason) {
      if (ctx.proxy) return new FetchError('connect', `could not connect to proxy ${ctx.proxy.label} (${socketReason})`, init);
      return new FetchError('connect', `could not connect to ${hostPortOf(e, ctx)} (${socketReason})`, init);
    }
    if (DNS_CODES.has(code)) {
      const transient = code === 'EAI_AGAIN';
      const extra = transient ? ' (temporary DNS failure)' : '';
      if (ctx.proxy) {
        return new FetchError('dns', `could not connect to proxy ${ctx.proxy.label}: could not resolve its host${extra}`, { ...init, transient });
      }
      const host = ctx.hostname ?? (typeof e.hostname === 'string' ? e.hostname : 'host');
      return new FetchError('dns', `could not connect: could not resolve host ${host}${extra} (no network, or DNS blocked?)`, { ...init, transient });
    }
    if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
      return new FetchError('connect', `could not connect to ${hostPortOf(e, ctx)} (TLS: ${oneLine(messageOf(e)) || code})`, { ...init, transient: false });
    }
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT': {
        const limit = ctx.connectTimeoutMs === undefined ? '' : ` (${formatDuration(ctx.connectTimeoutMs)})`;
        if (ctx.proxy) return new FetchError('timeout', `timed out connecting to proxy ${ctx.proxy.label}${limit}`, init);
        return new FetchError('timeout', `timed out connecting to ${hostPortOf(e, ctx)}${limit}`, init);
      }
      case 'ETIMEDOUT':
        return new FetchError('timeout', `timed out talking to ${hostPortOf(e, ctx)}`, init);
      case 'UND_ERR_HEADERS_TIMEOUT': {
        const limit = ctx.headersTimeoutMs === undefined ? '' : ` (no response within ${formatDuration(ctx.headersTimeoutMs)})`;
        return new FetchError('timeout', `timed out waiting for response headers${limit}`, init);
      }
      case 'UND_ERR_BODY_TIMEOUT': {
        const limit = ctx.idleTimeoutMs === undefined ? '' : ` (no data for ${formatDuration(ctx.idleTimeoutMs)})`;
        return new FetchError('timeout', `timed out reading the response body${limit}`, init);
      }
      case 'ECONNRESET':
        return new FetchError('network', `connection reset by ${hostPortOf(e, ctx)}`, init);
      case 'EPIPE':
      case 'ECONNABORTED':
      case 'UND_ERR_SOCKET':
      case 'UND_ERR_CLOSED':
        return new FetchError('network', `connection to ${hostPortOf(e, ctx)} closed unexpectedly`, init);
      case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
        return new FetchError('network', 'response body does not match its Content-Length', init);
      case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
        return new FetchError('too-large', 'response too large', init);
      case 'UND_ERR_ABORTED':
      case 'ABORT_ERR':
        return new FetchError('aborted', 'request aborted', init);
      case 'ERR_INVALID_URL':
      case 'UND_ERR_INVALID_ARG':
        return new FetchError('bad-url', `invalid request (${oneLine(messageOf(e))})`, init);
      case 'ENOENT':
        if (!withFileCodes) break;
        return new FetchError('file', 'no such file', init);
      case 'EACCES':
      case 'EPERM':
        if (!withFileCodes) break;
        return new FetchError('file', 'permission denied', init);
      case 'EISDIR':
        if (!withFileCodes) break;
        return new FetchError('file', 'is a directory', init);
      default:
        break;
    }
    if (code.startsWith('Z_') || code.startsWith('ERR__') || code.startsWith('ERR_BROTLI')) {
      return new FetchError('decode', `could not decompress the response (${oneLine(messageOf(e)) || code})`, init);
    }
    if (code.startsWith('HPE_')) {
      return new FetchError('network', `invalid HTTP response from ${hostPortOf(e, ctx)} (${oneLine(messageOf(e)) || code})`, init);
    }
  }
  for (const e of links) {
    if (e.name === 'AbortError') return new FetchError('aborted', 'request aborted', init);
    if (e.name === 'TimeoutError') return new FetchError('timeout', 'timed out', init);
  }
  return undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * A one-line message for any thrown value: a FetchError's message, a mapped message for
 * recognised undici/Node/zlib errors (looking through `cause` and AggregateError members),
 * else the error's own message (with its cause's, if any). Never a stack trace.
 */
export function describeError(err: unknown): string {
  if (err instanceof FetchError) return oneLine(err.message) || err.code;
  // File-system codes keep Node's own message, which names the path.
  const known = mapKnownError(err, {}, false);
  if (known) return oneLine(known.message);
  if (err instanceof Error || (err !== null && typeof err === 'object' && 'message' in err)) {
    const links = chain(err);
    const msg = oneLine(messageOf(links[0] ?? {}));
    const causeMsg = links[1] ? oneLine(messageOf(links[1])) : '';
    if (msg && causeMsg && !msg.includes(causeMsg)) return `${msg} (${causeMsg})`;
    if (msg || causeMsg) return msg || causeMsg;
    return err instanceof Error ? err.name || 'Error' : 'unknown error';
  }
  if (typeof err === 'string') return oneLine(err) || 'unknown error';
  try {
    return oneLine(String(err)) || 'unknown error';
  } catch {
    return 'unknown error';
  }
}
