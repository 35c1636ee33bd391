/** The address classifier of the private-network policy: a table of address forms, and host names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, describeRange, isLocalhostName } from './address.ts';
import { refusedHost } from './guard.ts';

/** [address as written, its range, public?] */
const TABLE: [string, string, boolean][] = [
  // IPv4
  ['127.0.0.1', 'loopback', false],
  ['127.255.255.254', 'loopback', false],
  ['0.0.0.0', 'unspecified', false],
  ['0.1.2.3', 'unspecified', false],
  ['10.0.0.1', 'private', false],
  ['172.16.0.1', 'private', false],
  ['172.31.255.255', 'private', false],
  ['192.168.1.1', 'private', false],
  ['169.254.169.254', 'linkLocal', false], // cloud metadata
  ['100.64.0.1', 'carrierGradeNat', false],
  ['224.0.0.1', 'multicast', false],
  ['255.255.255.255', 'broadcast', false],
  ['192.0.2.1', 'reserved', false],
  ['198.18.0.1', 'reserved', false],
  ['240.0.0.1', 'reserved', false],
  ['8.8.8.8', 'unicast', true],
  ['1.1.1.1', 'unicast', true],
  ['172.32.0.1', 'unicast', true],
  ['11.0.0.1', 'unicast', true],
  ['192.169.0.1', 'unicast', true],
  // IPv6
  ['::1', 'loopback', false],
  ['[::1]', 'loopback', false],
  ['::', 'unspecified', false],
  ['fe80::1', 'linkLocal', false],
  ['fe80::1%eth0', 'linkLocal', false],
  ['fc00::1', 'uniqueLocal', false],
  ['fd12:3456::1', 'uniqueLocal', false],
  ['ff02::1', 'multicast', false],
  ['2001:db8::1', 'reserved', false],
  ['2001::1', 'teredo', false],
  ['2606:4700:4700::1111', 'unicast', true],
  ['2a00:1450:4001::200e', 'unicast', true],
  // IPv6 carrying IPv4: judged by the IPv4 address
  ['::ffff:127.0.0.1', 'loopback', false],
  ['[::ffff:7f00:1]', 'loopback', false],
  ['::ffff:10.1.2.3', 'private', false],
  ['::ffff:169.254.169.254', 'linkLocal', false],
  ['::ffff:0.0.0.0', 'unspecified', false],
  ['::ffff:8.8.8.8', 'unicast', true],
  ['::ffff:0:127.0.0.1', 'loopback', false],
  ['64:ff9b::127.0.0.1', 'loopback', false],
  ['64:ff9b::8.8.8.8', 'unicast', true],
  ['64:ff9b:1::8.8.8.8', 'rfc6052', false],
  ['2002:7f00:1::1', 'loopback', false],
  ['2002:c0a8:101::1', 'private', false],
  ['2002:808:808::1', 'unicast', true],
  ['::127.0.0.1', 'ipv4Compatible', false],
  ['::8.8.8.8', 'ipv4Compatible', false],
];

test('every address form is classified, IPv4 inside IPv6 by the IPv4 address', () => {
  for (const [address, range, isPublic] of TABLE) {
    const got = classifyAddress(address);
    assert.ok(got !== null, `${address} is an address`);
    assert.equal(got.range, range, address);
    assert.equal(got.public, isPublic, address);
  }
});

test('names and non-standard forms are not addresses (the URL parser normalises those first)', () => {
  for (const name of ['localhost', 'example.com', '1', '2130706433', '0x7f000001', '127.1', '0177.0.0.1', '', '[]', 'fe80::1::2']) {
    assert.equal(classifyAddress(name), null, name);
  }
});

test("a URL's host in any spelling of 127.0.0.1 is refused before any I/O", () => {
  for (const url of [
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0x7f.0.0.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0.0.0.0/',
    'http://0/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:ffff:7f00:1]/',
    'https://localhost:8443/',
    'http://LOCALHOST./',
    'http://api.localhost/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]/',
  ]) {
    const err = refusedHost(new URL(url));
    assert.ok(err !== null, url);
    assert.equal(err.code, 'refused', url);
    assert.match(err.message, /refused: .* (is|resolves to) .*(loopback|unspecified|link-local|unique-local).*set allowPrivateNetworks to allow/, url);
  }
  for (const url of ['http://8.8.8.8/', 'https://example.com/', 'http://[2606:4700::1]/', 'http://localhost.example.com/', 'http://mylocalhost/']) {
    assert.equal(refusedHost(new URL(url)), null, url);
  }
});

test('the refusal reads as one line naming the address and its kind', () => {
  assert.equal(refusedHost(new URL('http://2130706433/x'))?.message, 'http://127.0.0.1/x: refused: 127.0.0.1 is a loopback address (URLs chosen by a feed, a page or a redirect may not reach private networks; set allowPrivateNetworks to allow)');
  assert.equal(describeRange('private'), 'a private address');
  assert.equal(describeRange('amt'), 'a non-public address (amt)');
  assert.ok(isLocalhostName('localhost.'));
  assert.ok(!isLocalhostName('localhost.example'));
});
