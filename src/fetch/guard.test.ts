/**
 * The private-network policy of the fetch stage, against real servers on loopback: URLs chosen by a feed
 * (trustLocation: false) and every redirect hop may not reach non-public addresses unless allowed; the
 * user's own URL is trusted for its first hop. The server counts requests (and connections) per path,
 * so "refused" means nothing was sent.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { buildConnector, request, Agent } from 'undici';
import { closeDispatchers, fetchResource, FetchError, type FetchOptions } from './index.ts';
import { dispatcherFor } from './dispatchers.ts';
import { publicOnlyLookup, watchedConnector, type Resolver } from './guard.ts';
import { parseProxy } from './proxy-env.ts';
import { socksConnector } from './socks.ts';
import { startConnectProxy } from './testdata/connect-proxy.ts';
import { startSocks5Proxy } from './testdata/socks5-proxy.ts';
import { settlesWithin } from '../testing/time.ts';

after(() => closeDispatchers());

const HANG_MS = 10_000;

interface Counting {
  port: number;
  base: string;
  /** Requests per path. */
  hits: Map<string, number>;
  connections: number;
  close(): Promise<void>;
}

/** A server on `host` answering every path with a small page, /go?to=URL with a 302 to URL. */
async function countingServer(host = '127.0.0.1'): Promise<Counting> {
  const hits = new Map<string, number>();
  const state = { connections: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const to = url.searchParams.get('to');
    if (url.pathname === '/go' && to !== null) {
      res.writeHead(302, { location: to });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<p>secret ${url.pathname}</p>`);
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    base: `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}`,
    hits,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function refused(p: Promise<unknown>, address: RegExp): Promise<FetchError> {
  const err = await settlesWithin(
    p.then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    ),
    HANG_MS,
    'the fetch',
  );
  assert.ok(err instanceof FetchError, String(err));
  assert.equal(err.code, 'refused', err.message);
  assert.match(err.reason, address);
  assert.match(err.reason, /set allowPrivateNetworks to allow/);
  assert.doesNotMatch(err.message, /\n/);
  return err;
}

const feedChosen: FetchOptions = { trustLocation: false, retry: { retries: 2, baseDelayMs: 1 } };

async function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

test('a URL chosen by a feed may not reach loopback in any spelling: refused before anything is sent, never retried', async () => {
  const server = await countingServer();
  const v6 = (await hasIpv6Loopback()) ? await countingServer('::1') : null;
  try {
    const p = server.port;
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${p}/literal`, /127\.0\.0\.1 is a loopback address/],
      [`http://localhost:${p}/name`, /localhost is a loopback name/],
      [`http://2130706433:${p}/decimal`, /127\.0\.0\.1 is a loopback address/],
      [`http://0x7f000001:${p}/hex`, /127\.0\.0\.1 is a loopback address/],
      [`http://0177.0.0.1:${p}/octal`, /127\.0\.0\.1 is a loopback address/],
      [`http://0.0.0.0:${p}/unspecified`, /0\.0\.0\.0 is an unspecified address/],
      [`http://[::ffff:127.0.0.1]:${p}/mapped`, /::ffff:7f00:1 is a loopback address/],
      [`http://[::1]:${v6?.port ?? p}/v6`, /::1 is a loopback address/],
    ];
    for (const [url, why] of cases) {
      const err = await refused(fetchResource(url, feedChosen), why);
      assert.equal(err.attempts, 1, `${url}: not retried`);
      assert.ok(err.url?.startsWith('http://'), err.message);
    }
    assert.equal(server.connections, 0, 'no connection was even opened');
    assert.deepEqual([...server.hits], []);
    if (v6) assert.equal(v6.connections, 0);
  } finally {
    await server.close();
    await v6?.close();
  }
});

test("the user's own URL is trusted for its first hop; allowPrivateNetworks: false refuses its redirects to private addresses", async () => {
  const server = await countingServer();
  try {
    const to = (u: string) => `${server.base}/go?to=${encodeURIComponent(u)}`;
    for (const target of [`${server.base}/secret`, `http://localhost:${server.port}/secret`, `http://2130706433:${server.port}/secret`, `//127.0.0.1:${server.port}/secret`]) {
      await refused(fetchResource(to(target), { allowPrivateNetworks: false, retry: { retries: 0 } }), /loopback/);
    }
    assert.equal(server.hits.get('/go'), 4, 'the trusted first hop was fetched');
    assert.equal(server.hits.get('/secret'), undefined, 'no redirect target was');

    // a redirect in a chain that started on a URL a feed chose: refused too
    await refused(fetchResource(to(`${server.base}/secret`), { ...feedChosen, allowPrivateNetworks: false }), /loopback/);
    assert.equal(server.hits.get('/go'), 4);
  } finally {
    await server.close();
  }
});

test('unset (automatic): a first hop on a private address may redirect within it; true allows feed-chosen URLs', async () => {
  const server = await countingServer();
  try {
    const res = await fetchResource(`${server.base}/go?to=${encodeURIComponent(`http://localhost:${server.port}/page`)}`, { retry: { retries: 0 } });
    assert.equal(res.body.toString(), '<p>secret /page</p>');
    assert.equal(res.privateAddress, '127.0.0.1', 'the result tells where the first hop was reached');
    assert.equal((await fetchResource(`http://localhost:${server.port}/named`)).privateAddress !== undefined, true);

    const allowed = await fetchResource(`${server.base}/go?to=${encodeURIComponent(`${server.base}/page`)}`, { ...feedChosen, allowPrivateNetworks: true });
    assert.equal(allowed.body.toString(), '<p>secret /page</p>');
    assert.equal(server.hits.get('/page'), 2);
  } finally {
    await server.close();
  }
});

test('the guarded dispatcher refuses at connect time: a name resolving to loopback (filtered lookup), a socket on loopback (rebinding)', async () => {
  const server = await countingServer();
  // a resolver under an attacker's control: the name answers with loopback
  const rebound: Resolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
  const filtered = new Agent({ connect: watchedConnector(buildConnector({ lookup: publicOnlyLookup(rebound), autoSelectFamily: true }), true) });
  // a lookup that said "public" earlier and connects to loopback now: only the socket's address tells
  const lying = new Agent({
    connect: watchedConnector(
      buildConnector({ lookup: (_host, _opts, cb) => (_opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) }),
      true,
    ),
  });
  try {
    await refused(request(`http://evil.example:${server.port}/via-dns`, { dispatcher: filtered }), /evil\.example resolves to 127\.0\.0\.1, a loopback address/);
    assert.equal(server.connections, 0, 'a refused name is not connected to');
    await refused(request(`http://rebind.example:${server.port}/via-socket`, { dispatcher: lying }), /rebind\.example resolves to 127\.0\.0\.1, a loopback address/);
    assert.deepEqual([...server.hits], [], 'the socket was closed before a request was written');
    // the run's own guarded dispatcher, asked directly for an IP literal
    await refused(request(`${server.base}/direct`, { dispatcher: dispatcherFor(null, 5000, true) }), /127\.0\.0\.1 is a loopback address/);
    assert.deepEqual([...server.hits], []);
    // and unguarded, the same server answers
    const ok = await request(`${server.base}/direct`, { dispatcher: dispatcherFor(null, 5000, false) });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  } finally {
    await filtered.close();
    await lying.close();
    await server.close();
  }
});

test('through a proxy, a loopback literal is refused before the proxy is asked', async () => {
  const server = await countingServer();
  const events: Record<string, unknown>[] = [];
  const connectProxy = startConnectProxy({ auth: null, refuse: null }, (e) => events.push(e));
  const socks = startSocks5Proxy(null, (e) => events.push(e));
  let proxied = 0;
  connectProxy.on('connection', () => proxied++);
  socks.on('connection', () => proxied++);
  const listen = (s: net.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const [httpPort, socksPort] = [await listen(connectProxy), await listen(socks)];
  try {
    for (const proxy of [`http://127.0.0.1:${httpPort}`, `socks5h://127.0.0.1:${socksPort}`, `socks5://127.0.0.1:${socksPort}`]) {
      await refused(fetchResource(`http://2130706433:${server.port}/x`, { ...feedChosen, proxy }), /127\.0\.0\.1 is a loopback address/);
    }
    // the socks connector checks on its own too (socks5:// resolves names here)
    const connector = socksConnector(parseProxy(`socks5://127.0.0.1:${socksPort}`, 'test'), { timeoutMs: 5000, guard: true });
    const err = await new Promise<Error | null>((resolve) =>
      connector({ hostname: '127.0.0.1', protocol: 'http:', port: String(server.port) }, (...args) => {
        args[1]?.destroy();
        resolve(args[0]);
      }),
    );
    assert.ok(err instanceof FetchError && err.code === 'refused', String(err));
    assert.equal(proxied, 0, 'no proxy was contacted');
    assert.deepEqual(events, []);
    assert.equal(server.connections, 0);
  } finally {
    await new Promise((resolve) => connectProxy.close(resolve));
    await new Promise((resolve) => socks.close(resolve));
    await server.close();
  }
});
