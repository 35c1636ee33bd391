/**
 * Which addresses are public: the classifier behind the private-network policy (see guard.ts and
 * docs/fetching.md#private-networks). Pure functions, with ipaddr.js for the address ranges.
 *
 * Public means ipaddr.js's `unicast`: everything in no special range. Loopback, private (RFC 1918),
 * link-local, unspecified (0.0.0.0/8, ::), unique-local (fc00::/7), carrier-grade NAT, multicast,
 * broadcast, reserved and documentation ranges, Teredo… are not. An IPv6 address that carries an
 * IPv4 one (IPv4-mapped ::ffff:a.b.c.d, IPv4-translated, NAT64 64:ff9b::/96, 6to4 2002::/16) is
 * judged by that IPv4 address, so ::ffff:127.0.0.1 is loopback while NAT64 to a public site stays
 * public; the deprecated IPv4-compatible ::a.b.c.d is never public.
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export interface AddressClass {
  /** The address in canonical form (IPv6 zone dropped), e.g. `127.0.0.1`, `::1`. */
  address: string;
  /** ipaddr.js's range name (`unicast`, `loopback`, `private`, `linkLocal`, …), of the embedded IPv4 address if any. */
  range: string;
  /** Whether it is a public address (range `unicast`). */
  public: boolean;
}

/** IPv6 ranges whose last bits hold an IPv4 address: where it sits, by 16-bit parts. */
const EMBEDDING: Record<string, (parts: number[]) => [number, number]> = {
  ipv4Mapped: (p) => [p[6]!, p[7]!],
  rfc6145: (p) => [p[6]!, p[7]!],
  // the well-known NAT64 prefix only (64:ff9b::/96); the local-use one (64:ff9b:1::/48) is not public
  rfc6052: (p) => [p[6]!, p[7]!],
  '6to4': (p) => [p[1]!, p[2]!],
};

/**
 * The class of an IP address, or null when `ip` is not one. Only the standard forms `net.isIP`
 * accepts are read (dotted quad, IPv6, with or without brackets and zone): a URL's host has been
 * normalised already (http://2130706433/ and http://0x7f000001/ are http://127.0.0.1/), and a
 * name such as `1` is never taken for an address.
 */
export function classifyAddress(ip: string): AddressClass | null {
  const bare = ip.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (net.isIP(bare) === 0) return null;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(net.isIPv6(bare) ? hexTail(bare) : bare);
  } catch {
    return null;
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const range = v6.range();
    const embedded = EMBEDDING[range];
    if (embedded !== undefined && (range !== 'rfc6052' || (v6.parts[2] === 0 && v6.parts[3] === 0))) {
      const [high, low] = embedded(v6.parts);
      const v4 = new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
      const inner = v4.range();
      return { address: v6.toString(), range: inner, public: inner === 'unicast' };
    }
    // ::a.b.c.d (deprecated IPv4-compatible): ipaddr.js calls it unicast
    if (range === 'unicast' && v6.parts.slice(0, 6).every((p) => p === 0)) return { address: v6.toString(), range: 'ipv4Compatible', public: false };
    return { address: v6.toString(), range, public: range === 'unicast' };
  }
  const range = parsed.range();
  return { address: parsed.toString(), range, public: range === 'unicast' };
}

/**
 * `::127.0.0.1` → `::7f00:1`: ipaddr.js reads every dotted tail as IPv4-mapped (::ffff:a.b.c.d), which
 * `::a.b.c.d` (IPv4-compatible) is not; in hex groups it reads them right.
 */
function hexTail(v6: string): string {
  return v6.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a: string, b: string, c: string, d: string) => {
    const [w, x, y, z] = [a, b, c, d].map(Number) as [number, number, number, number];
    return `${((w << 8) | x).toString(16)}:${((y << 8) | z).toString(16)}`;
  });
}

/** Whether a host name means loopback by definition (RFC 6761): `localhost`, `*.localhost`, with or without the final dot. */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  unspecified: 'an unspecified address',
  uniqueLocal: 'a unique-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  ipv4Compatible: 'an IPv4-compatible IPv6 address',
  deprecatedSiteLocal: 'a site-local address',
  teredo: 'a Teredo address',
  unicast: 'a public address',
};

/** `a loopback address`, `a private address`, …; `a non-public address (range)` for the rarer ranges. */
export function describeRange(range: string): string {
  return RANGE_NAMES[range] ?? `a non-public address (${range})`;
}
