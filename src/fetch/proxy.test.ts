/**
 * Proxies, against real proxy processes on 127.0.0.1 that this file starts (testdata/connect-proxy.ts,
 * testdata/socks5-proxy.ts). Each test proves the traffic went through the proxy from the proxy's
 * own log of the connections it made.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { closeDispatchers, fetchResource, FetchError, type FetchOptions } from './index.ts';
import { makeDispatcher } from './dispatchers.ts';
import { parseProxy } from './proxy-env.ts';
import { eventually, startProxyProcess, type ProxyProcess } from './testdata/child.ts';
import { closedPort, FEED, serve, type TestServer } from './testdata/servers.ts';
import { settlesWithin } from '../testing/time.ts';

const cert = readFileSync(new URL('./testdata/tls/cert.pem', import.meta.url));
const key = readFileSync(new URL('./testdata/tls/key.pem', import.meta.url));

let origin: TestServer;
let tlsOrigin: { port: number; close(): Promise<void> };
let connect: ProxyProcess;
let connectAuth: ProxyProcess;
let socks: ProxyProcess;
let socksAuth: ProxyProcess;

before(async () => {
  [origin, connect, connectAuth, socks, socksAuth] = await Promise.all([
    serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml', 'X-Host': req.headers.host ?? '' });
      res.end(FEED);
    }),
    startProxyProcess('connect-proxy.ts'),
    startProxyProcess('connect-proxy.ts', ['--auth', 'reader:s3cret']),
    startProxyProcess('socks5-proxy.ts'),
    startProxyProcess('socks5-proxy.ts', ['--auth', 'reader:s3cret']),
  ]);
  const server = https.createServer({ cert, key }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
    res.end(FEED);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tlsOrigin = {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});

after(async () => {
  await closeDispatchers();
  await Promise.all([origin.close(), tlsOrigin.close(), connect.stop(), connectAuth.stop(), socks.stop(), socksAuth.stop()]);
});

const quick: FetchOptions = { retry: { retries: 0 }, connectTimeoutMs: 2000, timeoutMs: 5000 };

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<FetchError> {
  const err = await p.then(
    () => assert.fail('expected a FetchError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof FetchError, String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
  assert.doesNotMatch(err.message, /\n/);
  return err;
}

// ------------------------------------------------------------------------------------------------
// HTTP CONNECT

test('HTTP CONNECT proxy (proxy option): the request is tunnelled through it', async () => {
  const before = connect.events.length;
  const r = await fetchResource(`${origin.base}/feed.xml`, { ...quick, proxy: `http://127.0.0.1:${connect.port}` });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), FEED);
  await eventually(connect.events, (e) => e.length > before);
  assert.deepEqual(connect.events.slice(before), [{ event: 'connect', target: `127.0.0.1:${origin.port}`, auth: null, status: 200 }]);
});

test('HTTP_PROXY from the environment; NO_PROXY exempts a host; "direct" ignores the environment', async () => {
  const env = { HTTP_PROXY: `127.0.0.1:${connect.port}` }; // no scheme: http:// as curl assumes
  const before = connect.events.length;
  await fetchResource(`${origin.base}/a`, { ...quick, env });
  await eventually(connect.events, (e) => e.length === before + 1);

  const served = origin.requests.length;
  await fetchResource(`${origin.base}/b`, { ...quick, env: { ...env, NO_PROXY: 'example.org, 127.0.0.1' } });
  await fetchResource(`${origin.base}/c`, { ...quick, env, proxy: 'direct' });
  assert.equal(origin.requests.length, served + 2, 'both requests reached the origin');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(connect.events.length, before + 1, 'neither went through the proxy');
});

test('HTTP CONNECT with credentials; wrong credentials are a one-line error, not retried', async () => {
  const before = connectAuth.events.length;
  const r = await fetchResource(`${origin.base}/feed.xml`, { ...quick, proxy: `http://reader:s3cret@127.0.0.1:${connectAuth.port}` });
  assert.equal(r.body.toString(), FEED);
  await eventually(connectAuth.events, (e) => e.length > before);
  assert.equal(connectAuth.events.at(-1)!.auth, 'reader:s3cret');

  const err = await rejects(
    fetchResource(`${origin.base}/feed.xml`, { proxy: `http://reader:wrong@127.0.0.1:${connectAuth.port}`, retry: { retries: 2, baseDelayMs: 1 } }),
    'connect',
    /proxy http:\/\/reader:\*\*\*@127\.0\.0\.1:\d+ refused the credentials \(HTTP 407 Proxy Authentication Required\)$/,
  );
  assert.equal(err.attempts, 1, 'a 407 is not worth retrying');
  assert.doesNotMatch(err.message, /wrong/, 'the password is not shown');
});

test('HTTP CONNECT: an unreachable target (proxy answers 502) and a proxy that is down', async () => {
  const dead = await closedPort();
  await rejects(
    fetchResource(`http://127.0.0.1:${dead}/feed`, { ...quick, proxy: `http://127.0.0.1:${connect.port}` }),
    'connect',
    new RegExp(`proxy http://127\\.0\\.0\\.1:${connect.port} could not open a tunnel to 127\\.0\\.0\\.1:${dead} \\(HTTP 502 Bad Gateway\\)`),
  );
  await rejects(
    fetchResource(`${origin.base}/feed`, { ...quick, proxy: `http://127.0.0.1:${dead}` }),
    'connect',
    new RegExp(`could not connect to proxy http://127\\.0\\.0\\.1:${dead} \\(connection refused\\)`),
  );
});

test('HTTPS through HTTP CONNECT: TLS end to end with the target, the proxy only sees the tunnel', async () => {
  const proxy = parseProxy(`http://127.0.0.1:${connect.port}`, 'test');
  const dispatcher = makeDispatcher(proxy, 2000, { ca: cert });
  try {
    const before = connect.events.length;
    const r = await fetchResource(`https://localhost:${tlsOrigin.port}/feed.xml`, { ...quick, dispatcher });
    assert.equal(r.body.toString(), FEED);
    await eventually(connect.events, (e) => e.length > before);
    assert.equal(connect.events.at(-1)!.target, `localhost:${tlsOrigin.port}`, 'the proxy was asked for the host name');
  } finally {
    await dispatcher.close();
  }
});

test('a proxy that closes or ignores the CONNECT: a clear error in bounded time, no reconnect storm', async () => {
  for (const mode of ['close', 'silent'] as const) {
    let connections = 0;
    const bad = net.createServer((c) => {
      connections++;
      c.on('error', () => {});
      c.once('data', () => (mode === 'close' ? c.destroy() : undefined));
    });
    await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
    const port = (bad.address() as AddressInfo).port;
    try {
      // The connect limit (300 ms) ends each attempt: settled well within 10 s, where the whole-request
      // limit (30 s) would not be.
      await rejects(
        settlesWithin(
          fetchResource(`${origin.base}/feed`, { proxy: `http://127.0.0.1:${port}`, connectTimeoutMs: 300, timeoutMs: 30_000, retry: { retries: 1, baseDelayMs: 10 } }),
          10_000,
          mode,
        ),
        mode === 'close' ? 'network' : 'timeout',
        mode === 'close'
          ? /proxy http:\/\/127\.0\.0\.1:\d+ closed the connection instead of opening a tunnel to 127\.0\.0\.1:\d+ \(after 2 attempts\)$/
          : /proxy http:\/\/127\.0\.0\.1:\d+ did not answer the tunnel request to 127\.0\.0\.1:\d+ \(after 2 attempts\)$/,
      );
      assert.equal(connections, 2, `${mode}: one connection per attempt`);
    } finally {
      bad.close();
    }
  }
});

// ------------------------------------------------------------------------------------------------
// SOCKS5

test('socks5h: the host name goes to the proxy, which resolves it (the client cannot)', async () => {
  // feeds.test resolves only inside the SOCKS server: a success proves the proxy did the lookup.
  const before = socks.events.length;
  const r = await fetchResource(`http://feeds.test:${origin.port}/feed.xml`, { ...quick, proxy: `socks5h://127.0.0.1:${socks.port}` });
  assert.equal(r.body.toString(), FEED);
  assert.equal(r.headers['x-host'], `feeds.test:${origin.port}`);
  await eventually(socks.events, (e) => e.length > before);
  assert.deepEqual(socks.events.slice(before), [{ event: 'connect', atyp: 'domain', host: 'feeds.test', port: origin.port, reply: 0 }]);
});

test('socks5: the client resolves the name and sends the proxy an address', async () => {
  const before = socks.events.length;
  const r = await fetchResource(`http://localhost:${origin.port}/feed.xml`, { ...quick, proxy: `socks5://127.0.0.1:${socks.port}` });
  assert.equal(r.body.toString(), FEED);
  await eventually(socks.events, (e) => e.length > before);
  assert.deepEqual(socks.events.slice(before), [{ event: 'connect', atyp: 'ipv4', host: '127.0.0.1', port: origin.port, reply: 0 }]);
});

test('ALL_PROXY=socks5h://… from the environment', async () => {
  const before = socks.events.length;
  // Another host name than the tests above, so no kept-alive tunnel is reused.
  await fetchResource(`http://env.feeds.test:${origin.port}/env`, { ...quick, env: { ALL_PROXY: `socks5h://127.0.0.1:${socks.port}` } });
  await eventually(socks.events, (e) => e.length > before);
  assert.equal(socks.events.at(-1)!.host, 'env.feeds.test');
});

test('socks5h with user name and password; wrong or missing credentials are one-line errors', async () => {
  const before = socksAuth.events.length;
  const r = await fetchResource(`http://feeds.test:${origin.port}/feed.xml`, { ...quick, proxy: `socks5h://reader:s3cret@127.0.0.1:${socksAuth.port}` });
  assert.equal(r.body.toString(), FEED);
  await eventually(socksAuth.events, (e) => e.length > before);
  await rejects(
    fetchResource(`http://feeds.test:${origin.port}/`, { ...quick, proxy: `socks5h://reader:nope@127.0.0.1:${socksAuth.port}` }),
    'connect',
    /proxy socks5h:\/\/reader:\*\*\*@127\.0\.0\.1:\d+ refused the user name or password$/,
  );
  await rejects(
    fetchResource(`http://feeds.test:${origin.port}/`, { ...quick, proxy: `socks5h://127.0.0.1:${socksAuth.port}` }),
    'connect',
    /refused the connection \(it requires a user name and password\)$/,
  );
});

test('socks5h: a target the proxy cannot reach, and a proxy that is down', async () => {
  await rejects(
    fetchResource('http://nowhere.invalid/feed', { ...quick, proxy: `socks5h://127.0.0.1:${socks.port}` }),
    'connect',
    new RegExp(`proxy socks5h://127\\.0\\.0\\.1:${socks.port} could not reach nowhere\\.invalid:80 \\(host unreachable\\)$`),
  );
  const dead = await closedPort();
  await rejects(
    fetchResource(`http://feeds.test:${origin.port}/`, { ...quick, proxy: `socks5h://127.0.0.1:${socks.port}`.replace(String(socks.port), String(dead)) }),
    'connect',
    new RegExp(`could not connect to proxy socks5h://127\\.0\\.0\\.1:${dead} \\(connection refused\\)$`),
  );
});

test('HTTPS through socks5h: TLS with the target (SNI feeds.test) over the SOCKS tunnel', async () => {
  const dispatcher = makeDispatcher(parseProxy(`socks5h://127.0.0.1:${socks.port}`, 'test'), 2000, { ca: cert });
  try {
    const before = socks.events.length;
    const r = await fetchResource(`https://feeds.test:${tlsOrigin.port}/feed.xml`, { ...quick, dispatcher });
    assert.equal(r.body.toString(), FEED);
    await eventually(socks.events, (e) => e.length > before);
    assert.equal(socks.events.at(-1)!.host, 'feeds.test');
  } finally {
    await dispatcher.close();
  }
});

test('an unusable proxy setting fails before any I/O, naming where it came from', async () => {
  await rejects(fetchResource(`${origin.base}/`, { ...quick, proxy: 'socks4://127.0.0.1:1080' }), 'bad-url', /invalid proxy in the proxy setting \(unsupported scheme socks4:/);
  await rejects(fetchResource(`${origin.base}/`, { ...quick, env: { https_proxy: 'x', http_proxy: 'ftp://p.example' } }), 'bad-url', /invalid proxy in http_proxy/);
});
