/**
 * The undici dispatchers fetchResource uses when the caller gives none: one per (proxy, connect
 * timeout), kept for the life of the process so connections are reused across a run. Idle sockets
 * are unref'd by undici, so they never keep the process alive; `closeDispatchers()` closes them all
 * (tests, or a long-lived process that wants to drop its connections).
 */

import type tls from 'node:tls';
import { Agent, Pool, ProxyAgent, buildConnector, type Dispatcher } from 'undici';
import { FetchError } from './errors.ts';
import { publicOnlyLookup, watchedConnector } from './guard.ts';
import type { ProxySpec } from './proxy-env.ts';
import { socksConnector } from './socks.ts';

const KEEP_ALIVE_MS = 4_000;
const cache = new Map<string, Dispatcher>();

/**
 * `guard`: connections to non-public addresses are refused (guard.ts). Guarded and unguarded requests
 * never share a connection: each has its own dispatcher where the guard can act (direct, socks5://);
 * through an HTTP or socks5h proxy, which resolves names itself, both use one (attemptHttp checks IP literals).
 */
export function dispatcherFor(proxy: ProxySpec | null, connectTimeoutMs: number, guard = false): Dispatcher {
  const guarded = guard && (proxy === null || proxy.protocol === 'socks5:');
  const key = `${proxy?.href ?? 'direct'} ${connectTimeoutMs}${guarded ? ' guarded' : ''}`;
  let d = cache.get(key);
  if (d === undefined) {
    d = makeDispatcher(proxy, connectTimeoutMs, {}, guarded);
    cache.set(key, d);
  }
  return d;
}

/**
 * A new dispatcher (not cached). `targetTls`: extra TLS options for https targets (tests give a `ca`).
 * `guard`: only public addresses are connected to (direct and socks5://; see guard.ts).
 */
export function makeDispatcher(proxy: ProxySpec | null, connectTimeoutMs: number, targetTls: tls.ConnectionOptions = {}, guard = false): Dispatcher {
  // Happy eyeballs: a broken IPv6 route (common on filtered networks) falls back to IPv4 quickly.
  const connect = { ...targetTls, timeout: connectTimeoutMs, autoSelectFamily: true, ...(guard ? { lookup: publicOnlyLookup() } : {}) };
  if (proxy === null) return new Agent({ connect: watchedConnector(buildConnector(connect), guard), keepAliveTimeout: KEEP_ALIVE_MS });
  if (proxy.protocol === 'socks5:' || proxy.protocol === 'socks5h:') {
    return new Agent({ connect: socksConnector(proxy, { timeoutMs: connectTimeoutMs, tls: targetTls, guard }), keepAliveTimeout: KEEP_ALIVE_MS });
  }
  // HTTP CONNECT: every target, http or https, is tunnelled. The proxy's answer to CONNECT is
  // bounded by the connect timeout too (headersTimeout of the client talking to the proxy).
  return new ProxyAgent({
    uri: proxy.href,
    keepAliveTimeout: KEEP_ALIVE_MS,
    proxyTls: { timeout: connectTimeoutMs },
    requestTls: { ...targetTls, timeout: connectTimeoutMs },
    clientFactory: (origin: URL, opts: object) => new ProxyClient(origin, { ...opts, headersTimeout: connectTimeoutMs }, proxy),
  });
}

/**
 * The client talking to an HTTP proxy. undici treats a proxy that closes the connection instead of
 * answering CONNECT as a recoverable socket error (UND_ERR_SOCKET) and reconnects at once, forever,
 * ignoring the request's abort signal: thousands of connections a second to a flaky or hostile
 * proxy. Turning that error into a FetchError (another code) makes undici fail the request instead.
 */
class ProxyClient extends Pool {
  readonly #proxy: ProxySpec;

  constructor(origin: URL, opts: Pool.Options, proxy: ProxySpec) {
    super(origin, opts);
    this.#proxy = proxy;
  }

  override connect(options: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData>;
  override connect(options: Dispatcher.ConnectOptions, callback: (err: Error | null, data: Dispatcher.ConnectData) => void): void;
  override connect(
    options: Dispatcher.ConnectOptions,
    callback?: (err: Error | null, data: Dispatcher.ConnectData) => void,
  ): Promise<Dispatcher.ConnectData> | void {
    const label = this.#proxy.label;
    const promise = super.connect(options).catch((err: unknown) => {
      const code = (err as { code?: unknown }).code;
      if (code === 'UND_ERR_SOCKET') {
        throw new FetchError('network', `proxy ${label} closed the connection instead of opening a tunnel to ${options.path}`, { cause: err });
      }
      if (code === 'UND_ERR_HEADERS_TIMEOUT') {
        throw new FetchError('timeout', `proxy ${label} did not answer the tunnel request to ${options.path}`, { cause: err });
      }
      throw err;
    });
    if (callback === undefined) return promise;
    promise.then(
      (data) => callback(null, data),
      (err: Error) => callback(err, undefined as unknown as Dispatcher.ConnectData),
    );
  }
}

/** Closes every managed dispatcher (their connections end once idle). */
export async function closeDispatchers(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.map((d) => d.close().catch(() => {})));
}
