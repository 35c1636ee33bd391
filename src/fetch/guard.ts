/**
 * The private-network policy at connect time (docs/fetching.md#private-networks).
 *
 * A checked hop (a URL chosen by a feed, a page or a redirect, when private networks are not allowed)
 * may only connect to public addresses (address.ts). It is enforced where the address is known:
 *
 *   before any I/O     refusedHost(url): an IP literal in a non-public range (the URL parser has already
 *                      turned 2130706433, 0x7f000001, 0177.0.0.1 into 127.0.0.1), or localhost / *.localhost.
 *                      Every checked hop, through a proxy too.
 *   name resolution    publicOnlyLookup: the connector's DNS lookup keeps only public addresses, so a name
 *                      resolving to 127.0.0.1 is refused before a connection is opened.
 *   the socket         watchedConnector: the address actually connected to is checked again, so whatever
 *                      the lookup said (DNS rebinding between two lookups, a resolver answering twice),
 *                      nothing is sent to a non-public address.
 *
 * Through an HTTP or socks5h proxy the proxy resolves names and the socket's address is the proxy's:
 * there only IP literals and localhost are refused. socks5:// resolves names here (socks.ts checks them).
 *
 * The unchecked dispatchers use watchedConnector too, without a guard: it notes where each host:port was
 * reached, so that a fetch can tell whether its first hop (a configured feed) was on a private network.
 */
import dns from 'node:dns';
import net from 'node:net';
import type { buildConnector } from 'undici';
import { classifyAddress, describeRange, isLocalhostName, type AddressClass } from './address.ts';
import { FetchError } from './errors.ts';

/** Said after every refusal: why, and how to allow it. */
export const POLICY_HINT = 'URLs chosen by a feed, a page or a redirect may not reach private networks; set allowPrivateNetworks to allow';

/** `refused: 127.0.0.1 is a loopback address (…)`, or `refused: db.example resolves to 10.0.0.5, a private address (…)`. */
export function refusal(address: AddressClass, name?: string): FetchError {
  const what =
    name !== undefined && classifyAddress(name) === null
      ? `${name} resolves to ${address.address}, ${describeRange(address.range)}`
      : `${address.address} is ${describeRange(address.range)}`;
  return new FetchError('refused', `refused: ${what} (${POLICY_HINT})`, { transient: false });
}

/** The refusal for a host that is not public by its very form (a non-public IP literal, localhost), else null. */
export function refusedHostname(hostname: string): FetchError | null {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  if (isLocalhostName(host)) return new FetchError('refused', `refused: ${host} is a loopback name (${POLICY_HINT})`, { transient: false });
  const address = classifyAddress(host);
  return address !== null && !address.public ? refusal(address) : null;
}

/** refusedHostname for a URL, with the URL in the error. */
export function refusedHost(url: URL): FetchError | null {
  return refusedHostname(url.hostname)?.with({ url: url.href }) ?? null;
}

/** A resolver: every address of a name (the connector's lookup, replaceable in tests). */
export type Resolver = (hostname: string, options: dns.LookupAllOptions) => Promise<dns.LookupAddress[]>;

const systemResolver: Resolver = (hostname, options) => dns.promises.lookup(hostname, options);

/**
 * A `lookup` for net.connect that keeps only the public addresses of a name; a name with none is
 * refused (a FetchError naming the first address). Honours `all` (happy eyeballs asks for every address).
 */
export function publicOnlyLookup(resolve: Resolver = systemResolver): net.LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }).then(
      (addresses) => {
        const allowed = addresses.filter((a) => classifyAddress(a.address)?.public === true);
        const first = allowed[0];
        if (first === undefined) {
          const shown = addresses[0] === undefined ? null : classifyAddress(addresses[0].address);
          const err = shown === null ? new FetchError('refused', `refused: ${hostname} has no public address (${POLICY_HINT})`, { transient: false }) : refusal(shown, hostname);
          callback(err, '');
          return;
        }
        if (options.all === true) callback(null, allowed);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

/** Where each host:port was last reached (a public address, once seen, stays: see connectedTo). */
const reached = new Map<string, AddressClass>();
const MAX_REMEMBERED = 4096;

function hostKey(hostname: string, port: string | number, protocol: string): string {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return `${host}:${port === '' || port === 0 ? (protocol === 'https:' ? 443 : 80) : port}`;
}

function remember(key: string, address: AddressClass): void {
  if (reached.get(key)?.public) return;
  if (reached.size >= MAX_REMEMBERED) reached.clear();
  reached.set(key, address);
}

/**
 * The address connections to the URL's host and port went to, as far as this process knows: its class
 * once any connection to it was public (so a name that answers with both public and private addresses
 * counts as public), else the last one's. Undefined when never connected directly (proxies, a caller's dispatcher).
 */
export function connectedTo(url: URL): AddressClass | undefined {
  return reached.get(hostKey(url.hostname, url.port, url.protocol));
}

/**
 * Wraps a connector: notes the address of every connection (connectedTo); with `guard`, refuses a
 * non-public IP literal or localhost before connecting and any socket whose remote address is not
 * public after connecting (the socket is destroyed before a byte of the request is written).
 */
export function watchedConnector(base: buildConnector.connector, guard: boolean): buildConnector.connector {
  return (options, callback) => {
    if (guard) {
      const refused = refusedHostname(options.hostname);
      if (refused !== null) {
        callback(refused, null);
        return;
      }
    }
    base(options, (...args) => {
      const [err, socket] = args;
      if (err !== null) {
        callback(err, null);
        return;
      }
      const remote = socket.remoteAddress;
      const address = remote === undefined ? null : classifyAddress(remote);
      if (guard && address?.public !== true) {
        socket.destroy();
        const name = options.hostname.replace(/^\[(.*)\]$/, '$1');
        callback(address === null ? new FetchError('refused', `refused: could not tell which address ${name} was reached on (${POLICY_HINT})`, { transient: false }) : refusal(address, name), null);
        return;
      }
      if (address !== null) remember(hostKey(options.hostname, options.port, options.protocol), address);
      callback(null, socket);
    });
  };
}
