import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import zlib from 'node:zlib';
import { FetchError, describeError, formatBytes, formatDuration, redactUrl, toFetchError } from './errors.ts';

function sysError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

const ctx = { url: 'http://feeds.example/rss', hostPort: 'feeds.example:80', hostname: 'feeds.example' };

test('toFetchError maps Node and undici codes, looking into cause and AggregateError', () => {
  const cases: [unknown, string, string][] = [
    [sysError('ECONNREFUSED', 'connect ECONNREFUSED 1.2.3.4:80'), 'connect', 'could not connect to feeds.example:80 (connection refused)'],
    [new TypeError('fetch failed', { cause: sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND feeds.example') }), 'dns', 'could not connect: could not resolve host feeds.example (no network, or DNS blocked?)'],
    [sysError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN'), 'dns', 'could not connect: could not resolve host feeds.example (temporary DNS failure) (no network, or DNS blocked?)'],
    [new AggregateError([sysError('ECONNREFUSED', 'a'), sysError('ECONNREFUSED', 'b')], 'x'), 'connect', 'could not connect to feeds.example:80 (connection refused)'],
    [sysError('ECONNRESET', 'read ECONNRESET'), 'network', 'connection reset by feeds.example:80'],
    [sysError('UND_ERR_SOCKET', 'other side closed'), 'network', 'connection to feeds.example:80 closed unexpectedly'],
    [sysError('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'timeout', 'timed out connecting to feeds.example:80'],
    [sysError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'), 'timeout', 'timed out waiting for response headers'],
    [sysError('UND_ERR_BODY_TIMEOUT', 'Body Timeout Error'), 'timeout', 'timed out reading the response body'],
    [sysError('CERT_HAS_EXPIRED', 'certificate has expired'), 'connect', 'could not connect to feeds.example:80 (TLS: certificate has expired)'],
    [new DOMException('This operation was aborted', 'AbortError'), 'aborted', 'request aborted'],
  ];
  for (const [err, code, reason] of cases) {
    const fe = toFetchError(err, ctx);
    assert.equal(fe.code, code, reason);
    assert.equal(fe.reason, reason);
    assert.equal(fe.message, `http://feeds.example/rss: ${reason}`);
    assert.equal(fe.cause, err);
  }
  const existing = new FetchError('too-large', 'response larger than 1 MiB');
  assert.equal(toFetchError(new Error('wrapped', { cause: existing }), ctx), existing);
  assert.equal(toFetchError(new Error('something odd'), ctx).code, 'network');
});

test('through a proxy, connection-level failures name the proxy; tunnel refusals say what the proxy answered', () => {
  const viaProxy = { ...ctx, proxy: { label: 'socks5h://u:***@127.0.0.1:1080' }, connectTimeoutMs: 10_000 };
  const refused = toFetchError(sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1080', { address: '127.0.0.1', port: 1080 }), viaProxy);
  assert.equal(refused.reason, 'could not connect to proxy socks5h://u:***@127.0.0.1:1080 (connection refused)');
  assert.equal(toFetchError(sysError('UND_ERR_CONNECT_TIMEOUT', 'x'), viaProxy).reason, 'timed out connecting to proxy socks5h://u:***@127.0.0.1:1080 (10s)');
  const dns = toFetchError(sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND proxy.example'), viaProxy);
  assert.equal(dns.code, 'dns');
  assert.match(dns.reason, /^could not connect to proxy .*: could not resolve its host$/);
  // TLS with the site itself (through the tunnel) is still about the site, and permanent.
  const tls = toFetchError(sysError('CERT_HAS_EXPIRED', 'certificate has expired'), viaProxy);
  assert.equal(tls.reason, 'could not connect to feeds.example:80 (TLS: certificate has expired)');
  assert.equal(tls.transient, false);
  assert.equal(toFetchError(sysError('EAI_AGAIN', 'x'), ctx).transient, true);

  const tunnel = (status: number) => toFetchError(Object.assign(new Error(`Proxy response (${status}) !== 200 when HTTP Tunneling`), { code: 'UND_ERR_ABORTED' }), { ...ctx, proxy: { label: 'http://127.0.0.1:3128' } });
  assert.equal(tunnel(502).reason, 'proxy http://127.0.0.1:3128 could not open a tunnel to feeds.example:80 (HTTP 502 Bad Gateway)');
  assert.equal(tunnel(502).code, 'connect');
  assert.equal(tunnel(502).transient, true);
  assert.equal(tunnel(403).transient, false);
  assert.equal(tunnel(407).reason, 'proxy http://127.0.0.1:3128 refused the credentials (HTTP 407 Proxy Authentication Required)');

  const headers = toFetchError(sysError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'), { ...ctx, headersTimeoutMs: 15_000 });
  assert.equal(headers.reason, 'timed out waiting for response headers (no response within 15s)');
});

test('FetchError.with keeps what it is not told to change', () => {
  const e = new FetchError('http-status', 'HTTP 429 Too Many Requests', { url: 'http://x.example/', status: 429, retryAfterMs: 5000 });
  const f = e.with({ reason: 'HTTP 429 Too Many Requests (after 2 attempts)', attempts: 2 });
  assert.equal(f.message, 'http://x.example/: HTTP 429 Too Many Requests (after 2 attempts)');
  assert.equal(f.status, 429);
  assert.equal(f.retryAfterMs, 5000);
  assert.equal(f.attempts, 2);
  assert.equal(e.attempts, undefined, 'the original is unchanged');
  assert.equal(new FetchError('timeout', 't').with({ url: 'http://y.example/' }).message, 'http://y.example/: t');
});

test('zlib errors map to decode', () => {
  let err: unknown;
  try {
    zlib.gunzipSync(Buffer.from('not gzip'));
  } catch (e) {
    err = e;
  }
  const fe = toFetchError(err, ctx);
  assert.equal(fe.code, 'decode');
  assert.match(fe.reason, /incorrect header check/);
});

test('describeError: one line for anything, no stack', async () => {
  assert.equal(describeError(new FetchError('http-status', 'HTTP 404 Not Found', { url: 'http://x.example/a', status: 404 })), 'http://x.example/a: HTTP 404 Not Found');
  assert.equal(
    describeError(sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1234', { address: '127.0.0.1', port: 1234 })),
    'could not connect to 127.0.0.1:1234 (connection refused)',
  );
  assert.equal(
    describeError(new TypeError('fetch failed', { cause: sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND www.rfi.fr', { hostname: 'www.rfi.fr' }) })),
    'could not connect: could not resolve host www.rfi.fr (no network, or DNS blocked?)',
  );
  assert.equal(describeError(new Error('first line\n    second line')), 'first line second line');
  assert.equal(describeError(new Error('outer', { cause: new Error('inner') })), 'outer (inner)');
  assert.equal(describeError('just a string'), 'just a string');
  assert.equal(describeError(undefined), 'undefined');
  assert.equal(describeError(null), 'null');
  assert.equal(describeError({ message: 'object with message' }), 'object with message');
  assert.equal(describeError(new Error('')), 'Error');
  // A file-system error keeps Node's message, which names the path.
  const fsErr = await readFile('/definitely/not/here.xml').catch((e: unknown) => e);
  assert.match(describeError(fsErr), /ENOENT.*\/definitely\/not\/here\.xml/);
  for (const e of [new Error('x'), fsErr, new FetchError('timeout', 'timed out after 30s')]) {
    assert.doesNotMatch(describeError(e), /\n| {4}at /);
  }
});

test('messages hide URL passwords; sizes and durations read well', () => {
  assert.equal(redactUrl('https://user:hunter2@feeds.example/rss'), 'https://user:***@feeds.example/rss');
  assert.equal(redactUrl('https://feeds.example/rss?a=b@c'), 'https://feeds.example/rss?a=b@c');
  assert.doesNotMatch(new FetchError('http-status', 'HTTP 401 Unauthorized', { url: 'https://u:secret@h.example/' }).message, /secret/);
  assert.equal(formatBytes(20 * 1024 * 1024), '20 MiB');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(1000), '1000 bytes');
  assert.equal(formatDuration(30_000), '30s');
  assert.equal(formatDuration(300), '300ms');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(600_000), '10m');
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(86_400_000), '24h');
});
