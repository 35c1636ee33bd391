/**
 * Which proxy a request goes through: parsing proxy URLs, and the environment variables curl and
 * most tools read. Pure functions of (URL, setting, environment).
 *
 *   http://  URLs: http_proxy, HTTP_PROXY, then all_proxy, ALL_PROXY
 *   https:// URLs: https_proxy, HTTPS_PROXY, then all_proxy, ALL_PROXY
 *   (the lowercase form wins when both are set; an empty value counts as unset)
 *
 * NO_PROXY / no_proxy, as curl reads it: a list separated by commas or blanks; `*` matches every
 * host; a name matches itself and its subdomains (`example.com` and `.example.com` both match
 * example.com and www.example.com, never notexample.com); trailing dots are ignored; an IP address
 * or CIDR block (`10.0.0.0/8`, `::1`) matches IP literals only — like curl, `localhost` does not
 * cover `127.0.0.1` and loopback gets no special treatment, so list `localhost,127.0.0.1,::1` to
 * reach local servers directly. Beyond curl: an entry may end in `:port` (then only that port
 * matches) and `*.example.com` is read as `.example.com`.
 */

import net from 'node:net';
import { FetchError, redactUrl } from './errors.ts';

export type ProxyProtocol = 'http:' | 'https:' | 'socks5:' | 'socks5h:';

export interface ProxySpec {
  protocol: ProxyProtocol;
  /** Host name or IP (no brackets). */
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  /** Whether the proxy resolves the target's host name (HTTP CONNECT and socks5h) or we do (socks5). */
  remoteDns: boolean;
  /** e.g. `socks5h://127.0.0.1:1080`, password hidden: for messages. */
  label: string;
  /** A normalised URL of the proxy (with credentials), e.g. for undici's ProxyAgent. */
  href: string;
  /** Where the setting came from, e.g. `HTTPS_PROXY` or `proxy option`. */
  origin: string;
}

const DEFAULT_PORTS: Record<ProxyProtocol, number> = { 'http:': 80, 'https:': 443, 'socks5:': 1080, 'socks5h:': 1080 };

/** Parses a proxy setting. A value without a scheme is taken as `http://` (as curl does). */
export function parseProxy(value: string, origin: string): ProxySpec {
  const raw = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  const bad = (why: string) => new FetchError('bad-url', `invalid proxy in ${origin} (${why})`);
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw bad(`${JSON.stringify(redactUrl(raw))} is not a URL`);
  }
  const protocol = url.protocol.toLowerCase();
  if (!(protocol in DEFAULT_PORTS)) {
    throw bad(`unsupported scheme ${protocol} — use http://, https://, socks5:// or socks5h://`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw bad('no host');
  const p = protocol as ProxyProtocol;
  const port = url.port === '' ? DEFAULT_PORTS[p] : Number(url.port);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const hostForUrl = net.isIPv6(host) ? `[${host}]` : host;
  const auth = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : `:${url.password}`}@`;
  const href = `${p}//${auth}${hostForUrl}:${port}`;
  return {
    protocol: p,
    host,
    port,
    username,
    password,
    remoteDns: p !== 'socks5:',
    label: `${p}//${url.username === '' ? '' : `${url.username}${url.password === '' ? '' : ':***'}@`}${hostForUrl}:${port}`,
    href,
    origin,
  };
}

function envValue(env: Readonly<Record<string, string | undefined>>, name: string): [string, string] | undefined {
  for (const key of [name.toLowerCase(), name.toUpperCase()]) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') return [key, v];
  }
  return undefined;
}

/** The proxy the environment sets for `url`, or null (none set, or NO_PROXY matches). */
export function proxyFromEnv(url: URL, env: Readonly<Record<string, string | undefined>>): ProxySpec | null {
  const scheme = url.protocol === 'https:' ? 'https_proxy' : url.protocol === 'http:' ? 'http_proxy' : undefined;
  if (scheme === undefined) return null;
  const found = envValue(env, scheme) ?? envValue(env, 'all_proxy');
  if (found === undefined) return null;
  const noProxy = envValue(env, 'no_proxy');
  if (noProxy && noProxyMatches(url, noProxy[1])) return null;
  return parseProxy(found[1], found[0]);
}

/**
 * The proxy for `url` given a setting: `'direct'` → none; a URL → that proxy; undefined → the
 * environment's. Throws FetchError('bad-url') for an unusable setting, naming where it came from.
 */
export function chooseProxy(url: URL, setting: string | undefined, env: Readonly<Record<string, string | undefined>>): ProxySpec | null {
  if (setting === undefined) return proxyFromEnv(url, env);
  if (setting.trim().toLowerCase() === 'direct') return null;
  return parseProxy(setting, 'the proxy setting');
}

/** Whether a NO_PROXY list exempts `url` from the proxy (see the rules at the top of this file). */
export function noProxyMatches(url: URL, list: string): boolean {
  const trimmed = list.trim();
  if (trimmed === '') return false;
  if (trimmed === '*') return true;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const ipType = net.isIPv4(host) ? 'ipv4' : net.isIPv6(host) ? 'ipv6' : null;

  for (const raw of trimmed.split(/[\s,]+/)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    const entry = splitPort(raw.toLowerCase());
    if (entry.port !== undefined && entry.port !== port) continue;
    if (ipType !== null) {
      if (ipMatches(host, ipType, entry.host)) return true;
      continue;
    }
    let name = entry.host.replace(/^\*\./, '.').replace(/\.$/, '');
    if (name.startsWith('.')) name = name.slice(1);
    if (name === '') continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** `host:port`, `[v6]:port`, `[v6]`, bare IPv6 (`::1`, never a port) or a name. */
function splitPort(entry: string): { host: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (withPort) return { host: withPort[1]!, port: Number(withPort[2]) };
  return { host: entry, port: undefined };
}

function ipMatches(host: string, type: 'ipv4' | 'ipv6', entry: string): boolean {
  const [network, bitsText] = entry.split('/');
  if (network === undefined) return false;
  const netType = net.isIPv4(network) ? 'ipv4' : net.isIPv6(network) ? 'ipv6' : null;
  if (netType === null || netType !== type) return false;
  const maxBits = type === 'ipv4' ? 32 : 128;
  const bits = bitsText === undefined ? maxBits : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > maxBits) return false;
  const list = new net.BlockList();
  list.addSubnet(network, bits, type);
  return list.check(host, type);
}
