/** Where `newsvault serve` listens: loopback addresses, and the URL to print for a bound address. */
import ipaddr from 'ipaddr.js';

/** Whether `host` (a name or an address to bind to) is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (!ipaddr.isValid(h)) return false;
  let addr = ipaddr.parse(h);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return addr.range() === 'loopback';
}

/** Whether `host` binds every interface (`0.0.0.0`, `::`). */
export function isUnspecified(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  return ipaddr.isValid(h) && ipaddr.parse(h).range() === 'unspecified';
}

/** `http://host:port/` for an address (IPv6 in brackets); for an unspecified address, this machine's loopback. */
export function urlOf(address: string, port: number): string {
  let host = address;
  if (isUnspecified(address)) host = address.includes(':') ? '::1' : '127.0.0.1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

