/**
 * SOCKS5 for undici: a `connect` function that opens each connection through the proxy (with the
 * `socks` package), then TLS on top for https. socks5h:// hands the host name to the proxy (remote
 * DNS: nothing is resolved, or leaked, locally); socks5:// resolves it here and sends the address.
 */

import dns from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { buildConnector } from 'undici';
import { SocksClient } from 'socks';
import { classifyAddress } from './address.ts';
import { FetchError, formatDuration, toFetchError } from './errors.ts';
import { refusal, refusedHostname } from './guard.ts';
import type { ProxySpec } from './proxy-env.ts';

export interface SocksConnectorOptions {
  /** The whole connection: local DNS (socks5), SOCKS handshake and TLS. */
  timeoutMs: number;
  /** Extra TLS options for https targets (tests pass a `ca`). */
  tls?: tls.ConnectionOptions;
  /**
   * Refuse non-public targets (guard.ts): IP literals and localhost always; names too with socks5://,
   * which resolves them here (socks5h:// hands them to the proxy: those cannot be checked).
   */
  guard?: boolean;
}

/** SOCKS5 reply codes whose failure may pass (worth a retry). */
const TRANSIENT_REPLIES = new Set(['Failure', 'NetworkUnreachable', 'HostUnreachable', 'ConnectionRefused', 'TTLExpired']);
const REPLY_TEXT: Record<string, string> = {
  Failure: 'general failure',
  NotAllowed: 'not allowed by its rules',
  NetworkUnreachable: 'network unreachable',
  HostUnreachable: 'host unreachable',
  ConnectionRefused: 'connection refused',
  TTLExpired: 'TTL expired',
  CommandNotSupported: 'command not supported',
  AddressNotSupported: 'address type not supported',
};

export function socksConnector(proxy: ProxySpec, opts: SocksConnectorOptions): buildConnector.connector {
  return (options, callback) => {
    const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    const target = `${host}:${port}`;
    let socket: net.Socket | undefined;
    let done = false;
    const finish = (err: Error | null, s?: net.Socket) => {
      if (done) {
        s?.destroy();
        return;
      }
      done = true;
      clearTimeout(timer);
      if (err) {
        socket?.destroy();
        callback(err, null);
      } else {
        callback(null, s!);
      }
    };
    const timer = setTimeout(
      () => finish(new FetchError('timeout', `timed out connecting through proxy ${proxy.label} (${formatDuration(opts.timeoutMs)})`)),
      opts.timeoutMs,
    );

    void (async () => {
      let destination = host;
      if (opts.guard) {
        const refused = refusedHostname(host);
        if (refused !== null) throw refused;
      }
      if (!proxy.remoteDns && net.isIP(host) === 0) {
        try {
          // IPv4 first: many SOCKS proxies have no IPv6 way out.
          destination = (await dns.lookup(host, { verbatim: false })).address;
        } catch (err) {
          const fe = toFetchError(err, { hostname: host, hostPort: target });
          throw fe.with({ reason: `${fe.reason.replace(/ \(no network, or DNS blocked\?\)$/, '')} (socks5:// resolves names locally; socks5h:// lets the proxy resolve them)` });
        }
        const address = classifyAddress(destination);
        if (opts.guard && address !== null && !address.public) throw refusal(address, host);
      }
      let established: net.Socket;
      try {
        ({ socket: established } = await SocksClient.createConnection({
          proxy: {
            host: proxy.host,
            port: proxy.port,
            type: 5,
            ...(proxy.username !== undefined ? { userId: proxy.username, password: proxy.password ?? '' } : {}),
          },
          command: 'connect',
          destination: { host: destination, port },
          timeout: opts.timeoutMs,
          set_tcp_nodelay: true,
        }));
      } catch (err) {
        throw socksError(err, proxy, target);
      }
      socket = established;
      if (done) return established.destroy();
      if (options.protocol !== 'https:') return finish(null, established);

      const servername = options.servername || (net.isIP(host) === 0 ? host : undefined);
      const secure = tls.connect({
        ...opts.tls,
        socket: established,
        ...(servername !== undefined ? { servername } : {}),
        ALPNProtocols: ['http/1.1'],
      });
      socket = secure;
      secure.once('secureConnect', () => finish(null, secure));
      secure.once('error', (err) => finish(toFetchError(err, { hostPort: target, hostname: host })));
    })().catch((err: unknown) => finish(err instanceof Error ? err : new Error(String(err))));
  };
}

/** The socks package reports everything as a message string: turn it into a one-line FetchError. */
export function socksError(err: unknown, proxy: ProxySpec, target: string): FetchError {
  const message = err instanceof Error ? err.message : String(err);
  const cause = { cause: err };
  const rejected = /proxy rejected connection - (\w+)/i.exec(message);
  if (rejected) {
    const code = rejected[1]!;
    return new FetchError('connect', `proxy ${proxy.label} could not reach ${target} (${REPLY_TEXT[code] ?? code})`, {
      ...cause,
      transient: TRANSIENT_REPLIES.has(code),
    });
  }
  if (/Authentication failed/i.test(message)) {
    return new FetchError('connect', `proxy ${proxy.label} refused the user name or password`, { ...cause, transient: false });
  }
  if (/no accepted authentication type/i.test(message)) {
    const why = proxy.username === undefined ? 'it requires a user name and password' : 'it does not accept user name and password';
    return new FetchError('connect', `proxy ${proxy.label} refused the connection (${why})`, { ...cause, transient: false });
  }
  if (/timed out/i.test(message)) return new FetchError('timeout', `timed out talking to proxy ${proxy.label}`, cause);
  if (/Socket closed/i.test(message)) {
    return new FetchError('network', `proxy ${proxy.label} closed the connection during the SOCKS handshake`, cause);
  }
  if (/invalid Socks5|Negotiation error/i.test(message)) {
    return new FetchError('connect', `${proxy.label} does not speak SOCKS5 (${message})`, { ...cause, transient: false });
  }
  const code = /\b(E[A-Z]+)\b/.exec(message)?.[1];
  if (code) return toFetchError(Object.assign(new Error(message), { code }), { proxy: { label: proxy.label } });
  return new FetchError('connect', `could not connect through proxy ${proxy.label} (${message})`, cause);
}
