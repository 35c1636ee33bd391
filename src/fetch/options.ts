/** Options of the fetch stage, their defaults, and the request headers we send. */

import { readFileSync } from 'node:fs';
import type { Dispatcher } from 'undici';

export interface FetchOptions {
  /** Whole-request budget (connect, redirects, headers and body), in ms. Default 30 000. `Infinity` disables it. */
  timeoutMs?: number;
  /** Limit on the bytes received on the wire AND on the decompressed body. Default 20 MiB. */
  maxBytes?: number;
  /** Redirects followed before giving up. Default 5; 0 makes any redirect an error. */
  maxRedirects?: number;
  /** Default `Newsvault/<version> (+https://github.com/newsvault/newsvault)`. */
  userAgent?: string;
  /** Extra request headers; they override the defaults (Accept, User-Agent, …) case-insensitively. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** undici dispatcher (an Agent, ProxyAgent, MockAgent, …). Default: undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Accept `file:` URLs as locations. Default false. */
  allowFile?: boolean;
  /**
   * Accept plain local paths (absolute, or relative to the working directory). Default true:
   * feed locations come from the user's own config. Set false for locations taken from
   * untrusted input (e.g. a feed discovered in a web page).
   */
  allowLocalPath?: boolean;
}

export interface ResolvedOptions {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
  allowFile: boolean;
  allowLocalPath: boolean;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

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

export function resolveOptions(opts: FetchOptions = {}): ResolvedOptions {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be > 0, got ${maxBytes}`);
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (!(Number.isInteger(maxRedirects) && maxRedirects >= 0)) {
    throw new RangeError(`maxRedirects must be an integer >= 0, got ${maxRedirects}`);
  }
  const headers: Record<string, string> = {
    accept: ACCEPT,
    'accept-encoding': ACCEPT_ENCODING,
    'user-agent': opts.userAgent ?? defaultUserAgent(),
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    timeoutMs,
    maxBytes,
    maxRedirects,
    headers,
    dispatcher: opts.dispatcher,
    allowFile: opts.allowFile ?? false,
    allowLocalPath: opts.allowLocalPath ?? true,
  };
}
