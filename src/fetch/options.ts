/** Options of the fetch stage, their defaults, and the request headers we send. */

import { readFileSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import type { RequestIdentity } from './identity.ts';
import type { Politeness } from './politeness.ts';

/** Retries of one fetch. A retry happens on connection errors, timeouts, 408, 429 and 5xx only. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 2 (3 attempts in all); 0 disables retrying. */
  retries?: number;
  /** Delay before the first retry; doubled each time, with jitter (50–100 % of it). Default 1 000 ms. */
  baseDelayMs?: number;
  /** Cap on one computed delay. Default 30 000 ms. */
  maxDelayMs?: number;
  /**
   * The longest Retry-After honoured by waiting. A server asking for longer is not retried in this
   * fetch: the error carries `retryAfterMs` so the caller can come back later. Default 60 000 ms.
   */
  maxRetryAfterMs?: number;
}

/** A conditional GET: the validators of the copy we already have. */
export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export interface FetchOptions {
  /**
   * Budget of one attempt, in ms: connect, redirects, headers and body together. Default 30 000.
   * `Infinity` disables it. Retries get a fresh budget each; time spent waiting for a politeness
   * slot does not count.
   */
  timeoutMs?: number;
  /** TCP + TLS (+ proxy handshake) of one connection. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /**
   * Time to first byte: from starting a request (connecting included, like curl's
   * time_starttransfer) to its response headers, for each redirect hop. Keep it above
   * connectTimeoutMs. Default 15 000 ms.
   */
  firstByteTimeoutMs?: number;
  /** From the response headers to the last byte of the body. Default 20 000 ms. */
  bodyTimeoutMs?: number;
  /**
   * Minimum transfer rate of a body, in bytes (on the wire) per second, measured over a sliding
   * window of `rateWindowMs` once `rateGraceMs` have passed since the headers. Default 1 024;
   * 0 disables the check.
   */
  minBytesPerSecond?: number;
  /** Default 5 000 ms. */
  rateWindowMs?: number;
  /** Default 5 000 ms (never less than the window). */
  rateGraceMs?: number;
  /** Retries with exponential backoff and jitter; see RetryOptions for the defaults. */
  retry?: RetryOptions;
  /** Sends If-None-Match / If-Modified-Since; a 304 then resolves with `notModified: true`. */
  validators?: Validators;
  /**
   * Proxy for this fetch: `http://`, `https://` (HTTP CONNECT), `socks5://` (DNS resolved here),
   * `socks5h://` (DNS resolved by the proxy), with optional `user:password@`; or `'direct'` for no
   * proxy. Default: from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY; see proxy-env.ts).
   */
  proxy?: string;
  /** Where proxy variables are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The run's shared scheduler: per-host and global concurrency, delay between requests to a host. */
  politeness?: Politeness;
  /** This request's minimum delay after the previous request to the same host (overrides the scheduler's default). */
  perHostDelayMs?: number;
  /** Limit on the bytes received on the wire AND on the decompressed body. Default 20 MiB. */
  maxBytes?: number;
  /** Redirects followed before giving up. Default 5; 0 makes any redirect an error. */
  maxRedirects?: number;
  /** Default `Newsvault/<version> (+https://github.com/newsvault/newsvault)`. */
  userAgent?: string;
  /** Extra request headers; they override the defaults (Accept, User-Agent, …) case-insensitively. */
  headers?: Record<string, string>;
  /**
   * Cookies and credentials, decided for each request and redirect hop by its URL (identity.ts): the jar's
   * cookies that match it (RFC 6265), Set-Cookie kept when the identity keeps them, Authorization / Cookie
   * written in the config only for its own origins.
   */
  identity?: RequestIdentity;
  signal?: AbortSignal;
  /**
   * undici dispatcher (an Agent, MockAgent, …). Default: one managed per proxy and connect timeout
   * (see dispatchers.ts). When given, it is used as is: `proxy`, the environment's proxies and
   * `connectTimeoutMs` are then the dispatcher's business.
   */
  dispatcher?: Dispatcher;
  /** Accept `file:` URLs as locations. Default false. */
  allowFile?: boolean;
  /**
   * Accept plain local paths (absolute, or relative to the working directory). Default true:
   * feed locations come from the user's own config. Set false for locations taken from
   * untrusted input (e.g. a feed discovered in a web page).
   */
  allowLocalPath?: boolean;
  /**
   * Whether `location` is the user's own (a configured feed, a URL typed on the command line): its first
   * hop may then go anywhere. Default true. Set false for URLs chosen by a feed or a page (article
   * pages, images): every hop is then checked. Redirect hops are always checked (see allowPrivateNetworks).
   */
  trustLocation?: boolean;
  /**
   * Whether checked hops may connect to non-public addresses (loopback, private, link-local,
   * unspecified, unique-local, CGNAT…; see address.ts and docs/fetching.md#private-networks):
   * true: yes; false: never; undefined (default): only when the first hop, trusted, was itself reached
   * on a non-public address (a feed on your own network may redirect within it). A refused hop is a
   * FetchError with code 'refused', never retried.
   */
  allowPrivateNetworks?: boolean;
}

export interface ResolvedRetry {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

export interface ResolvedOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  bodyTimeoutMs: number;
  minBytesPerSecond: number;
  rateWindowMs: number;
  rateGraceMs: number;
  retry: ResolvedRetry;
  /** Whether If-None-Match / If-Modified-Since are sent (a 304 is then expected, not an error). */
  conditional: boolean;
  maxBytes: number;
  maxRedirects: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  identity: RequestIdentity | undefined;
  dispatcher: Dispatcher | undefined;
  proxy: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  politeness: Politeness | undefined;
  perHostDelayMs: number | undefined;
  allowFile: boolean;
  allowLocalPath: boolean;
  trustLocation: boolean;
  allowPrivateNetworks: boolean | undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 15_000;
export const DEFAULT_BODY_TIMEOUT_MS = 20_000;
export const DEFAULT_MIN_BYTES_PER_SECOND = 1024;
export const DEFAULT_RATE_WINDOW_MS = 5_000;
export const DEFAULT_RATE_GRACE_MS = 5_000;
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_RETRY: Readonly<ResolvedRetry> = Object.freeze({
  retries: 2,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
});

export const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5';
export const ACCEPT_ENCODING = 'gzip, deflate, br';

let version: string | undefined;

/** The `version` of package.json, read once. */
export function newsvaultVersion(): string {
  if (version === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      version = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}

export function defaultUserAgent(): string {
  return `Newsvault/${newsvaultVersion()} (+https://github.com/newsvault/newsvault)`;
}

/** `value ?? fallback`, checked: a RangeError names the option (these are programmer errors). */
function num(name: string, value: number | undefined, fallback: number, check: (n: number) => boolean, what: string): number {
  const n = value ?? fallback;
  if (!check(n)) throw new RangeError(`${name} must be ${what}, got ${n}`);
  return n;
}

const positive = (n: number) => n > 0;
const nonNegative = (n: number) => n >= 0 && !Number.isNaN(n);
const wholeNonNegative = (n: number) => Number.isInteger(n) && n >= 0;

export function resolveOptions(opts: FetchOptions = {}): ResolvedOptions {
  const timeoutMs = num('timeoutMs', opts.timeoutMs, DEFAULT_TIMEOUT_MS, positive, '> 0');
  const maxBytes = num('maxBytes', opts.maxBytes, DEFAULT_MAX_BYTES, positive, '> 0');
  const maxRedirects = num('maxRedirects', opts.maxRedirects, DEFAULT_MAX_REDIRECTS, wholeNonNegative, 'an integer >= 0');
  const rateWindowMs = num('rateWindowMs', opts.rateWindowMs, DEFAULT_RATE_WINDOW_MS, positive, '> 0');
  const r = opts.retry ?? {};
  const retry: ResolvedRetry = {
    retries: num('retry.retries', r.retries, DEFAULT_RETRY.retries, wholeNonNegative, 'an integer >= 0'),
    baseDelayMs: num('retry.baseDelayMs', r.baseDelayMs, DEFAULT_RETRY.baseDelayMs, nonNegative, '>= 0'),
    maxDelayMs: num('retry.maxDelayMs', r.maxDelayMs, DEFAULT_RETRY.maxDelayMs, nonNegative, '>= 0'),
    maxRetryAfterMs: num('retry.maxRetryAfterMs', r.maxRetryAfterMs, DEFAULT_RETRY.maxRetryAfterMs, nonNegative, '>= 0'),
  };

  const headers: Record<string, string> = {
    accept: ACCEPT,
    'accept-encoding': ACCEPT_ENCODING,
    'user-agent': opts.userAgent ?? defaultUserAgent(),
  };
  const v = opts.validators;
  if (v?.etag) headers['if-none-match'] = v.etag;
  if (v?.lastModified) headers['if-modified-since'] = v.lastModified;
  for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;

  return {
    timeoutMs,
    connectTimeoutMs: num('connectTimeoutMs', opts.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, positive, '> 0'),
    firstByteTimeoutMs: num('firstByteTimeoutMs', opts.firstByteTimeoutMs, DEFAULT_FIRST_BYTE_TIMEOUT_MS, positive, '> 0'),
    bodyTimeoutMs: num('bodyTimeoutMs', opts.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS, positive, '> 0'),
    minBytesPerSecond: num('minBytesPerSecond', opts.minBytesPerSecond, DEFAULT_MIN_BYTES_PER_SECOND, nonNegative, '>= 0'),
    rateWindowMs,
    rateGraceMs: Math.max(rateWindowMs, num('rateGraceMs', opts.rateGraceMs, DEFAULT_RATE_GRACE_MS, nonNegative, '>= 0')),
    retry,
    conditional: 'if-none-match' in headers || 'if-modified-since' in headers,
    maxBytes,
    maxRedirects,
    headers,
    identity: opts.identity,
    dispatcher: opts.dispatcher,
    proxy: opts.proxy,
    env: opts.env ?? process.env,
    politeness: opts.politeness,
    perHostDelayMs: opts.perHostDelayMs === undefined ? undefined : num('perHostDelayMs', opts.perHostDelayMs, 0, nonNegative, '>= 0'),
    allowFile: opts.allowFile ?? false,
    allowLocalPath: opts.allowLocalPath ?? true,
    trustLocation: opts.trustLocation ?? true,
    allowPrivateNetworks: opts.allowPrivateNetworks,
  };
}
