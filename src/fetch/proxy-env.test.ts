import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseProxy, noProxyMatches, parseProxy, proxyFromEnv } from './proxy-env.ts';
import { FetchError } from './errors.ts';

const u = (s: string) => new URL(s);

test('parseProxy: schemes, default ports, credentials, labels without the password', () => {
  const s = parseProxy('socks5h://alice:p%40ss@127.0.0.1:1080', 'ALL_PROXY');
  assert.equal(s.protocol, 'socks5h:');
  assert.equal(s.host, '127.0.0.1');
  assert.equal(s.port, 1080);
  assert.equal(s.username, 'alice');
  assert.equal(s.password, 'p@ss');
  assert.equal(s.remoteDns, true);
  assert.equal(s.label, 'socks5h://alice:***@127.0.0.1:1080');
  assert.equal(s.origin, 'ALL_PROXY');

  assert.equal(parseProxy('socks5://h.example', 'x').port, 1080);
  assert.equal(parseProxy('socks5://h.example', 'x').remoteDns, false);
  assert.equal(parseProxy('http://proxy.example', 'x').port, 80);
  assert.equal(parseProxy('https://proxy.example', 'x').port, 443);
  const bare = parseProxy('proxy.example:3128', 'HTTPS_PROXY');
  assert.equal(bare.protocol, 'http:', 'no scheme: http:// as curl assumes');
  assert.equal(bare.port, 3128);
  assert.equal(parseProxy('http://[::1]:8080', 'x').host, '::1');
  assert.equal(parseProxy('http://[::1]:8080', 'x').label, 'http://[::1]:8080');

  for (const [value, why] of [
    ['socks4://h:1080', /unsupported scheme socks4:/],
    ['ftp://h', /unsupported scheme ftp:/],
    ['http://', /not a URL|no host/],
  ] as const) {
    assert.throws(
      () => parseProxy(value, 'HTTPS_PROXY'),
      (e: unknown) => e instanceof FetchError && e.code === 'bad-url' && /^invalid proxy in HTTPS_PROXY/.test(e.message) && why.test(e.message),
      value,
    );
  }
});

test('proxyFromEnv: the variable for the scheme, lowercase first, then ALL_PROXY; empty means unset', () => {
  const env = { http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:2', HTTPS_PROXY: 'socks5h://s:3', ALL_PROXY: 'socks5://all:4' };
  assert.equal(proxyFromEnv(u('http://feeds.example/'), env)?.host, 'lower');
  assert.equal(proxyFromEnv(u('http://feeds.example/'), { HTTP_PROXY: 'http://upper:2' })?.host, 'upper');
  assert.equal(proxyFromEnv(u('https://feeds.example/'), env)?.host, 's');
  assert.equal(proxyFromEnv(u('https://feeds.example/'), env)?.origin, 'HTTPS_PROXY');
  assert.equal(proxyFromEnv(u('https://feeds.example/'), { ALL_PROXY: 'socks5://all:4' })?.host, 'all');
  assert.equal(proxyFromEnv(u('https://feeds.example/'), { all_proxy: 'socks5://a:4', https_proxy: '' })?.host, 'a', 'empty https_proxy is unset');
  assert.equal(proxyFromEnv(u('https://feeds.example/'), { HTTP_PROXY: 'http://p:1' }), null, 'HTTP_PROXY does not apply to https');
  assert.equal(proxyFromEnv(u('https://feeds.example/'), {}), null);
  assert.equal(proxyFromEnv(u('https://feeds.example/'), { ...env, NO_PROXY: 'feeds.example' }), null);
  assert.equal(proxyFromEnv(u('https://feeds.example/'), { ...env, no_proxy: 'other.example', NO_PROXY: 'feeds.example' })?.host, 's', 'lowercase no_proxy wins');
});

test('chooseProxy: "direct" beats the environment, an explicit URL beats it too', () => {
  const env = { HTTPS_PROXY: 'http://envproxy:8080' };
  assert.equal(chooseProxy(u('https://a.example/'), 'direct', env), null);
  assert.equal(chooseProxy(u('https://a.example/'), ' DIRECT ', env), null);
  assert.equal(chooseProxy(u('https://a.example/'), 'socks5h://127.0.0.1:9050', env)?.port, 9050);
  assert.equal(chooseProxy(u('https://a.example/'), undefined, env)?.host, 'envproxy');
});

test('NO_PROXY like curl: names match themselves and subdomains, leading and trailing dots ignored', () => {
  const cases: [string, string, boolean][] = [
    ['https://example.com/', 'example.com', true],
    ['https://www.example.com/', 'example.com', true],
    ['https://www.example.com/', '.example.com', true],
    ['https://example.com/', '.example.com', true],
    ['https://notexample.com/', 'example.com', false],
    ['https://example.com.org/', 'example.com', false],
    ['https://WWW.Example.COM./', 'example.com.', true],
    ['https://a.b.example.com:8443/', 'other.org, example.com', true],
    ['https://a.example.com/', 'other.org  example.com', true], // blanks separate too
    ['https://a.example.com/', '*.example.com', true],
    ['https://anything.example/', '*', true],
    ['https://anything.example/', 'x.org,*', true],
    ['https://anything.example/', '', false],
    ['https://anything.example/', ' , ,', false],
  ];
  for (const [url, list, expected] of cases) assert.equal(noProxyMatches(u(url), list), expected, `${url} vs ${JSON.stringify(list)}`);
});

test('NO_PROXY: IP addresses and CIDR match IP literals only; localhost is just a name; no implicit loopback bypass', () => {
  const cases: [string, string, boolean][] = [
    ['http://127.0.0.1:8080/', '127.0.0.1', true],
    ['http://127.0.0.1:8080/', 'localhost', false], // curl: a name never matches an address
    ['http://localhost:8080/', '127.0.0.1', false],
    ['http://localhost:8080/', 'localhost', true],
    ['http://127.0.0.1/', 'example.com', false], // loopback is proxied unless listed, as in curl
    ['http://10.1.2.3/', '10.0.0.0/8', true],
    ['http://11.1.2.3/', '10.0.0.0/8', false],
    ['http://192.168.1.9/', '192.168.0.0/16', true],
    ['http://[::1]:8080/', '::1', true],
    ['http://[::1]:8080/', '[::1]', true],
    ['http://[fd00::5]/', 'fd00::/8', true],
    ['http://[fd00::5]/', '127.0.0.1', false],
    ['http://127.0.0.1/', '::1', false],
  ];
  for (const [url, list, expected] of cases) assert.equal(noProxyMatches(u(url), list), expected, `${url} vs ${JSON.stringify(list)}`);
});

test('NO_PROXY entries with a port match that port only (an extension of curl)', () => {
  assert.equal(noProxyMatches(u('http://intranet.example:8080/'), 'intranet.example:8080'), true);
  assert.equal(noProxyMatches(u('http://intranet.example:9090/'), 'intranet.example:8080'), false);
  assert.equal(noProxyMatches(u('http://intranet.example/'), 'intranet.example:80'), true, 'default port of http');
  assert.equal(noProxyMatches(u('https://intranet.example/'), 'intranet.example:80'), false);
  assert.equal(noProxyMatches(u('http://127.0.0.1:3000/'), '127.0.0.1:3000'), true);
  assert.equal(noProxyMatches(u('http://[::1]:3000/'), '[::1]:3000'), true);
  assert.equal(noProxyMatches(u('http://[::1]:3001/'), '[::1]:3000'), false);
});
