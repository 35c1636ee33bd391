/**
 * What a server can do wrong, each against a real server on 127.0.0.1, with small limits so the
 * suite stays fast: every fetch ends in bounded time with a one-line FetchError (or, for content
 * problems the parser handles, a result that carries what is needed to handle them).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { Agent } from 'undici';
import { fetchResource, FetchError, closeDispatchers, type FetchOptions } from './index.ts';
import { drip, endless, FEED, gzipBomb, withServer } from './testdata/servers.ts';
import { settlesWithin } from '../testing/time.ts';

const agent = new Agent({ keepAliveTimeout: 100 });
after(async () => {
  await agent.close();
  await closeDispatchers();
});

/** Small limits; no retries unless a test asks. */
const tight: FetchOptions = {
  dispatcher: agent,
  retry: { retries: 0 },
  firstByteTimeoutMs: 300,
  bodyTimeoutMs: 3000,
  minBytesPerSecond: 1024,
  rateWindowMs: 300,
  rateGraceMs: 300,
  timeoutMs: 5000,
};

/**
 * Default limits (15 s to the first byte, …), for the tests whose subject is not a time limit: on a
 * busy machine, a small limit could fire before an answer already received is read.
 */
const roomy: FetchOptions = { dispatcher: agent, retry: { retries: 0 } };

/**
 * Far above what any of these takes (a few hundred ms), so a busy machine does not fail them, and
 * still a failure for a fetch that hangs. Which limit ended a fetch is told by its reason, not its time.
 */
const HANG_MS = 10_000;

async function failsWith(p: Promise<unknown>, code: string, reason: RegExp): Promise<FetchError> {
  const err = await settlesWithin(
    p.then(
      () => assert.fail('expected a FetchError'),
      (e: unknown) => e,
    ),
    HANG_MS,
    'the fetch',
  );
  assert.ok(err instanceof FetchError, String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.reason, reason);
  assert.doesNotMatch(err.message, /\n|\s{2,}at /, 'one line, no stack');
  return err;
}

test('hang before headers: the first-byte limit', async () => {
  await withServer(
    () => {},
    async (s) => {
      const err = await failsWith(fetchResource(`${s.base}/`, tight), 'timeout', /^timed out waiting for response headers \(no response within 300ms\)$/);
      assert.equal(err.url, `${s.base}/`);
    },
  );
});

test('hang mid-body: cut off by the rate watchdog, or by the idle limit when the rate check is off', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
      res.write('<rss><channel>');
    },
    async (s) => {
      // Which of the watchdog's two reasons depends on when the first chunk was read: on a busy
      // machine it can still be inside the window when the grace period ends (then the rate is a
      // few bytes/s, not 0). Either way the watchdog, not the whole-body limit, ended it.
      await failsWith(
        fetchResource(`${s.base}/`, tight),
        'timeout',
        /^(the server stopped sending mid-body \(no data for 300ms\)|transfer too slow: \d+ bytes\/s over the last 300ms \(minimum 1 KiB\/s\))$/,
      );
      await failsWith(fetchResource(`${s.base}/`, { ...tight, minBytesPerSecond: 0 }), 'timeout', /^timed out reading the response body \(no data for 300ms\)$/);
    },
  );
});

test('slow drip (a byte every 50 ms): below the minimum rate, cut off after the grace period', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
      drip(res, Buffer.from(FEED), 50);
    },
    async (s) => {
      await failsWith(fetchResource(`${s.base}/`, tight), 'timeout', /^transfer too slow: \d+ bytes\/s over the last 300ms \(minimum 1 KiB\/s\)$/);
    },
  );
});

test('a body fast enough but endless in time: the whole-body limit', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(Buffer.alloc(1024, 'a')), 20); // ~50 KiB/s, for ever
      res.on('close', () => clearInterval(timer));
    },
    async (s) => {
      await failsWith(fetchResource(`${s.base}/`, { ...tight, bodyTimeoutMs: 500 }), 'timeout', /^the body took longer than 500ms$/);
    },
  );
});

test('connection reset (TCP RST) before the response: network, retried, then reported with the attempts', async () => {
  await withServer(
    (req) => req.socket.resetAndDestroy(),
    async (s) => {
      const err = await failsWith(
        fetchResource(`${s.base}/`, { ...roomy, retry: { retries: 1, baseDelayMs: 10 } }),
        'network',
        /^(connection reset by 127\.0\.0\.1:\d+|connection to 127\.0\.0\.1:\d+ closed unexpectedly) \(after 2 attempts\)$/,
      );
      assert.equal(err.attempts, 2);
      assert.equal(s.requests.length, 2);
    },
  );
});

test('a reset in the middle of the body', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100000' });
      res.write(Buffer.alloc(1000, 'a'), () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
    },
    async (s) => {
      await failsWith(fetchResource(`${s.base}/`, roomy), 'network', /connection reset|closed unexpectedly|does not match its Content-Length/);
    },
  );
});

test('gzip bomb and a body far over the cap: too-large, early, never retried', async () => {
  const bomb = await gzipBomb(64 * 1024 * 1024);
  await withServer(
    (req, res) => {
      if (req.url === '/bomb') {
        res.writeHead(200, { 'Content-Encoding': 'gzip' });
        res.end(bomb);
      } else {
        res.writeHead(200); // no Content-Length: only counting can stop it
        endless(Buffer.alloc(64 * 1024, 'a'), res).pipe(res);
      }
    },
    async (s) => {
      const retrying = { ...roomy, retry: { retries: 2, baseDelayMs: 10 }, maxBytes: 1024 * 1024 };
      await failsWith(fetchResource(`${s.base}/bomb`, retrying), 'too-large', /^decompressed response larger than 1 MiB$/);
      await failsWith(fetchResource(`${s.base}/huge`, retrying), 'too-large', /^response larger than 1 MiB$/);
      assert.equal(s.requests.length, 2, 'one request each');
    },
  );
});

test('redirect loop and redirects to file:// or ftp://: refused, never retried', async () => {
  await withServer(
    (req, res) => {
      const to: Record<string, string> = { '/a': '/b', '/b': '/a', '/file': 'file:///etc/passwd', '/ftp': 'ftp://ftp.example/feed.xml' };
      res.writeHead(302, { Location: to[req.url ?? ''] ?? '/' });
      res.end();
    },
    async (s) => {
      const retrying = { ...roomy, retry: { retries: 2, baseDelayMs: 10 } };
      await failsWith(fetchResource(`${s.base}/a`, retrying), 'redirect', /^redirect loop \(back to http:\/\/127\.0\.0\.1:\d+\/a\)$/);
      await failsWith(fetchResource(`${s.base}/file`, retrying), 'redirect', /^redirect to unsupported scheme file: \(only http: and https: are followed\)$/);
      await failsWith(fetchResource(`${s.base}/ftp`, retrying), 'redirect', /^redirect to unsupported scheme ftp: \(only http: and https: are followed\)$/);
      assert.equal(s.requests.length, 4);
    },
  );
});

test('content problems are the parser\'s: empty 200, missing or wrong Content-Type, a lying charset, truncated XML', async () => {
  const bodies: Record<string, [Record<string, string>, Buffer]> = {
    '/empty': [{ 'Content-Type': 'application/rss+xml' }, Buffer.alloc(0)],
    '/no-type': [{}, Buffer.from(FEED)],
    '/wrong-type': [{ 'Content-Type': 'image/png' }, Buffer.from(FEED)],
    '/lying': [{ 'Content-Type': 'text/xml; charset=ISO-8859-1' }, Buffer.from(FEED)],
    '/truncated': [{ 'Content-Type': 'application/rss+xml' }, Buffer.from(FEED.slice(0, 60))],
  };
  await withServer(
    (req, res) => {
      const [headers, body] = bodies[req.url ?? '']!;
      res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
      res.end(body);
    },
    async (s) => {
      for (const [p, [headers, body]] of Object.entries(bodies)) {
        const r = await fetchResource(s.base + p, roomy);
        assert.equal(r.status, 200, p);
        assert.deepEqual(r.body, body, p);
        assert.equal(r.contentType, headers['Content-Type'] ?? null, `${p}: the Content-Type reaches the parser as sent`);
      }
    },
  );
});

test('Content-Length longer than the body (server closes early): network error', async () => {
  const server = net.createServer((c) => {
    c.on('error', () => {});
    c.once('data', () => c.end('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n<rss><channel>'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    await failsWith(fetchResource(`http://127.0.0.1:${port}/`, roomy), 'network', /closed unexpectedly|Content-Length/);
  } finally {
    server.close();
  }
});

test('a SOCKS proxy that accepts and says nothing: the connect limit', async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const port = (silent.address() as AddressInfo).port;
    const { dispatcher: _unused, ...managed } = tight;
    await failsWith(
      fetchResource('http://feeds.example/rss', { ...managed, proxy: `socks5h://127.0.0.1:${port}`, connectTimeoutMs: 300, firstByteTimeoutMs: 2000 }),
      'timeout',
      new RegExp(`^timed out (connecting through|talking to) proxy socks5h://127\\.0\\.0\\.1:${port}`),
    );
  } finally {
    for (const c of sockets) c.destroy();
    silent.close();
  }
});

// ------------------------------------------------------------------------------------------------
// Conditional GET

test('conditional GET: validators sent; 304 → notModified with an empty body, not an error', async () => {
  const ETAG = '"v7"';
  const LM = 'Wed, 01 Jan 2025 00:00:00 GMT';
  await withServer(
    (req, res) => {
      if (req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LM) {
        res.writeHead(304, { ETag: ETAG });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/rss+xml', ETag: ETAG, 'Last-Modified': LM });
      res.end(FEED);
    },
    async (s) => {
      const first = await fetchResource(`${s.base}/feed`, roomy);
      assert.equal(first.status, 200);
      assert.equal(first.notModified, false);
      assert.equal(first.etag, ETAG);
      assert.equal(first.lastModified, LM);
      assert.equal(s.requests[0]!.headers['if-none-match'], undefined);

      const again = await fetchResource(`${s.base}/feed`, { ...roomy, validators: { etag: first.etag, lastModified: first.lastModified } });
      assert.equal(again.status, 304);
      assert.equal(again.notModified, true);
      assert.equal(again.body.length, 0);
      assert.equal(again.etag, ETAG);
      assert.equal(again.attempts, 1);
      assert.equal(s.requests[1]!.headers['if-none-match'], ETAG);
      assert.equal(s.requests[1]!.headers['if-modified-since'], LM);

      const byDate = await fetchResource(`${s.base}/feed`, { ...roomy, validators: { lastModified: LM } });
      assert.equal(byDate.notModified, true);
      assert.equal(s.requests[2]!.headers['if-none-match'], undefined);

      const changed = await fetchResource(`${s.base}/feed`, { ...roomy, validators: { etag: '"old"' } });
      assert.equal(changed.status, 200);
      assert.equal(changed.notModified, false);
      assert.equal(changed.body.toString(), FEED);
    },
  );
});

test('a 304 to a request that was not conditional is an error (nothing to fall back on)', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(304);
      res.end();
    },
    async (s) => {
      const err = await failsWith(fetchResource(`${s.base}/`, roomy), 'http-status', /^HTTP 304 Not Modified to a request that was not conditional$/);
      assert.equal(err.status, 304);
    },
  );
});

test('conditional GET through a redirect: the validators go to the final URL', async () => {
  await withServer(
    (req, res) => {
      if (req.url === '/old') {
        res.writeHead(301, { Location: '/new' });
        res.end();
      } else if (req.headers['if-none-match'] === '"x"') {
        res.writeHead(304);
        res.end();
      } else {
        res.end(FEED);
      }
    },
    async (s) => {
      const r = await fetchResource(`${s.base}/old`, { ...roomy, validators: { etag: '"x"' } });
      assert.equal(r.notModified, true);
      assert.equal(r.url, `${s.base}/new`);
      assert.deepEqual(r.redirects, [`${s.base}/old`]);
    },
  );
});

test('a gzip 304 with a stray body is still just notModified', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(304, { 'Content-Encoding': 'gzip' });
      res.end(zlib.gzipSync('ignored'));
    },
    async (s) => {
      const r = await fetchResource(`${s.base}/`, { ...roomy, validators: { etag: '"a"' } });
      assert.equal(r.notModified, true);
      assert.equal(r.body.length, 0);
    },
  );
});
