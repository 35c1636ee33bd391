import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { fetchResource, FetchError, describeError, ACCEPT, ACCEPT_ENCODING, type FetchOptions } from './index.ts';
import { gzipBomb, serve, type Handler, type TestServer } from './testdata/servers.ts';
import { settlesWithin } from '../testing/time.ts';
import { tempDir } from '../testing/tree.ts';

// One agent for the whole file, closed at the end, so no keep-alive socket outlives the tests.
const agent = new Agent({ keepAliveTimeout: 100 });
after(() => agent.close());

/** Runs `fn` against a server and always closes it. */
async function withServer(handler: Handler, fn: (s: TestServer) => Promise<void>): Promise<void> {
  const s = await serve(handler);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** One attempt (retries have their own tests in retry.test.ts). */
function get(location: string, opts: FetchOptions = {}) {
  return fetchResource(location, { dispatcher: agent, retry: { retries: 0 }, ...opts });
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<FetchError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof FetchError, `expected FetchError, got ${String(err)}`);
    assert.equal(err.code, code, `code of: ${err.message}`);
    if (message) assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/);
    return err;
  }
  assert.fail(`expected rejection with ${code}`);
}

/** An endless stream of `chunk`, stopping when the response closes. */
function endless(chunk: Buffer, res: http.ServerResponse): Readable {
  let stopped = false;
  res.on('close', () => (stopped = true));
  return new Readable({
    read() {
      this.push(stopped ? null : chunk);
    },
  });
}

const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>法广</title></channel></rss>';

test('200: body, status, content type, validators and headers', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8', ETag: '"v1"', 'Last-Modified': 'Wed, 01 Jan 2025 00:00:00 GMT' });
      res.end(FEED);
    },
    async (s) => {
      const r = await get(`${s.base}/feed.xml`);
      assert.equal(r.status, 200);
      assert.equal(r.url, `${s.base}/feed.xml`);
      assert.equal(r.contentType, 'application/rss+xml; charset=utf-8');
      assert.equal(r.body.toString('utf8'), FEED);
      assert.equal(r.etag, '"v1"');
      assert.equal(r.lastModified, 'Wed, 01 Jan 2025 00:00:00 GMT');
      assert.equal(r.headers['content-type'], 'application/rss+xml; charset=utf-8');
      assert.deepEqual(r.redirects, []);
    },
  );
});

test('request headers: User-Agent, Accept, Accept-Encoding; options override them', async () => {
  await withServer(
    (_req, res) => res.end('ok'),
    async (s) => {
      const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      await get(`${s.base}/`);
      const first = s.requests[0]!;
      assert.match(first.headers['user-agent'] ?? '', /Newsvault\//);
      assert.equal(first.headers['user-agent'], `Newsvault/${pkg.version} (+https://github.com/newsvault/newsvault)`);
      assert.equal(first.headers['accept'], ACCEPT);
      assert.equal(first.headers['accept-encoding'], ACCEPT_ENCODING);
      assert.equal(first.method, 'GET');

      await get(`${s.base}/`, { userAgent: 'Custom/1', headers: { 'If-None-Match': '"v1"', Accept: 'text/xml' } });
      const second = s.requests[1]!;
      assert.equal(second.headers['user-agent'], 'Custom/1');
      assert.equal(second.headers['if-none-match'], '"v1"');
      assert.equal(second.headers['accept'], 'text/xml');
    },
  );
});

test('decodes gzip, x-gzip, deflate (zlib and raw), br and stacked encodings', async () => {
  const cases: Record<string, [string, Buffer]> = {
    '/gzip': ['gzip', zlib.gzipSync(FEED)],
    '/x-gzip': ['x-gzip', zlib.gzipSync(FEED)],
    '/deflate': ['deflate', zlib.deflateSync(FEED)],
    '/deflate-raw': ['deflate', zlib.deflateRawSync(FEED)],
    '/br': ['br', zlib.brotliCompressSync(FEED)],
    '/stacked': ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(FEED))],
  };
  await withServer(
    (req, res) => {
      const [enc, body] = cases[req.url ?? '']!;
      res.writeHead(200, { 'Content-Encoding': enc, 'Content-Type': 'application/rss+xml' });
      res.end(body);
    },
    async (s) => {
      for (const p of Object.keys(cases)) {
        const r = await get(s.base + p);
        assert.equal(r.body.toString('utf8'), FEED, p);
      }
    },
  );
});

test('empty gzip-labelled body is an empty body; corrupt or unknown encodings are decode errors', async () => {
  await withServer(
    (req, res) => {
      if (req.url === '/empty') {
        res.writeHead(200, { 'Content-Encoding': 'gzip' });
        res.end();
      } else if (req.url === '/corrupt') {
        res.writeHead(200, { 'Content-Encoding': 'gzip' });
        res.end('this is not gzip at all');
      } else {
        res.writeHead(200, { 'Content-Encoding': 'zstd' });
        res.end('whatever');
      }
    },
    async (s) => {
      assert.equal((await get(`${s.base}/empty`)).body.length, 0);
      await rejectsWith(get(`${s.base}/corrupt`), 'decode', /could not decode gzip body/);
      await rejectsWith(get(`${s.base}/zstd`), 'decode', /unsupported Content-Encoding zstd/);
    },
  );
});

test('plain body over maxBytes: too-large, by Content-Length or while streaming', async () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 'a');
  await withServer(
    (req, res) => {
      if (req.url === '/sized') {
        res.writeHead(200, { 'Content-Length': big.length });
        res.end(big);
      } else {
        res.writeHead(200); // chunked, no length, never ends on its own
        endless(Buffer.alloc(64 * 1024, 'a'), res).pipe(res);
      }
    },
    async (s) => {
      const e = await rejectsWith(get(`${s.base}/sized`, { maxBytes: 1024 * 1024 }), 'too-large', /response larger than 1 MiB/);
      assert.equal(e.url, `${s.base}/sized`);
      // too-large, not timeout: the byte count stopped it, not the 10 s limit
      await rejectsWith(get(`${s.base}/endless`, { maxBytes: 1024 * 1024, timeoutMs: 10_000 }), 'too-large', /response larger than 1 MiB/);
      // Exactly at the limit is fine.
      assert.equal((await get(`${s.base}/sized`, { maxBytes: big.length })).body.length, big.length);
    },
  );
});

test('compressed body over maxBytes on the wire: too-large', async () => {
  const incompressible = zlib.gzipSync(randomBytes(2 * 1024 * 1024));
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip' }); // chunked: only the stream counter can see it
      Readable.from([incompressible]).pipe(res);
    },
    async (s) => {
      await rejectsWith(get(`${s.base}/`, { maxBytes: 1024 * 1024 }), 'too-large', /larger than 1 MiB/);
    },
  );
});


test('gzip bomb (50 MB of zeros) with maxBytes 1 MiB: too-large while inflating, small memory', async () => {
  const bomb = await gzipBomb(50 * 1024 * 1024);
  assert.ok(bomb.length < 1024 * 1024, 'the bomb itself fits under the wire limit');
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': bomb.length });
      res.end(bomb);
    },
    async (s) => {
      const before = process.memoryUsage();
      await rejectsWith(get(`${s.base}/bomb`, { maxBytes: 1024 * 1024 }), 'too-large', /response larger than 1 MiB/);
      const after = process.memoryUsage();
      // Inflating it all would add ~50 MB of buffers; streaming keeps it near maxBytes.
      assert.ok(after.arrayBuffers - before.arrayBuffers < 20 * 1024 * 1024, `arrayBuffers grew by ${after.arrayBuffers - before.arrayBuffers}`);
    },
  );
});

test('endless gzip stream: stopped while streaming, not after inflating', async () => {
  // A body that never ends can only fail with too-large if the limit is checked as it inflates.
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      const gz = zlib.createGzip();
      endless(Buffer.alloc(256 * 1024), res).pipe(gz).pipe(res);
      res.on('close', () => gz.destroy());
    },
    async (s) => {
      // too-large, not timeout: stopped by the count of inflated bytes, not by the 10 s limit
      await rejectsWith(get(`${s.base}/`, { maxBytes: 1024 * 1024, timeoutMs: 10_000 }), 'too-large');
    },
  );
});

test('redirect chain is followed and the final URL recorded', async () => {
  await withServer(
    (req, res) => {
      const to: Record<string, [number, string]> = {
        '/a': [301, '/b'],
        '/b': [302, 'c?x=1'],
        '/c?x=1': [303, 'FINAL'],
        '/FINAL': [307, '/final#frag'],
        '/final': [308, '/feed.xml'],
      };
      const hop = to[req.url ?? ''];
      if (hop) {
        res.writeHead(hop[0], { Location: hop[1] });
        res.end('moved');
      } else {
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end(FEED);
      }
    },
    async (s) => {
      const r = await get(`${s.base}/a`);
      assert.equal(r.url, `${s.base}/feed.xml`);
      assert.equal(r.body.toString(), FEED);
      assert.deepEqual(r.redirects, [`${s.base}/a`, `${s.base}/b`, `${s.base}/c?x=1`, `${s.base}/FINAL`, `${s.base}/final#frag`]);
      assert.ok(s.requests.every((q) => q.method === 'GET'));
    },
  );
});

test('redirect loop is detected', async () => {
  await withServer(
    (req, res) => {
      res.writeHead(302, { Location: req.url === '/a' ? '/b' : '/a' });
      res.end();
    },
    async (s) => {
      await rejectsWith(get(`${s.base}/a`), 'redirect', /redirect loop/);
      assert.equal(s.requests.length, 2);
    },
  );
});

test('too many redirects: default limit 5, and maxRedirects', async () => {
  await withServer(
    (req, res) => {
      const n = Number((req.url ?? '/0').slice(1));
      res.writeHead(301, { Location: `/${n + 1}` });
      res.end();
    },
    async (s) => {
      await rejectsWith(get(`${s.base}/0`), 'redirect', /too many redirects \(6\)/);
      assert.equal(s.requests.length, 6);
      await rejectsWith(get(`${s.base}/0`, { maxRedirects: 0 }), 'redirect', /too many redirects \(1\)/);
    },
  );
});

test('redirects to ftp:, file: or without Location are refused', async () => {
  await withServer(
    (req, res) => {
      if (req.url === '/ftp') res.writeHead(302, { Location: 'ftp://example.com/feed.xml' });
      else if (req.url === '/file') res.writeHead(302, { Location: 'file:///etc/passwd' });
      else res.writeHead(301);
      res.end();
    },
    async (s) => {
      await rejectsWith(get(`${s.base}/ftp`), 'redirect', /redirect to unsupported scheme ftp:/);
      await rejectsWith(get(`${s.base}/file`, { allowFile: true }), 'redirect', /redirect to unsupported scheme file:/);
      await rejectsWith(get(`${s.base}/none`), 'redirect', /without a Location/);
    },
  );
});

test('a redirect to another origin drops Authorization and Cookie', async () => {
  await withServer(
    (_req, res) => res.end('ok'),
    async (target) => {
      await withServer(
        (_req, res) => {
          res.writeHead(302, { Location: `${target.base}/feed` });
          res.end();
        },
        async (origin) => {
          await get(`${origin.base}/`, { headers: { Authorization: 'Bearer secret', Cookie: 'a=b', 'X-Keep': '1' } });
          assert.equal(origin.requests[0]!.headers['authorization'], 'Bearer secret');
          assert.equal(target.requests[0]!.headers['authorization'], undefined);
          assert.equal(target.requests[0]!.headers['cookie'], undefined);
          assert.equal(target.requests[0]!.headers['x-keep'], '1');
        },
      );
    },
  );
});

test('non-2xx: http-status with the status and a message', async () => {
  await withServer(
    (req, res) => {
      res.writeHead(req.url === '/missing' ? 404 : 503);
      res.end('nope');
    },
    async (s) => {
      const e = await rejectsWith(get(`${s.base}/missing`), 'http-status', /HTTP 404 Not Found/);
      assert.equal(e.status, 404);
      assert.equal(e.message, `${s.base}/missing: HTTP 404 Not Found`);
      assert.equal(describeError(e), e.message);
      const e2 = await rejectsWith(get(`${s.base}/down`), 'http-status', /HTTP 503 Service Unavailable/);
      assert.equal(e2.status, 503);
    },
  );
});

test('connection refused: connect, naming host and port', async () => {
  const s = await serve((_req, res) => res.end());
  const port = s.port;
  await s.close();
  const e = await rejectsWith(get(`http://127.0.0.1:${port}/feed`), 'connect');
  assert.match(e.message, new RegExp(`could not connect to 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
});

test('DNS failure from the dispatcher: dns, naming the host', async () => {
  const failing = new Agent({
    connect: (_opts, cb) => {
      const err = Object.assign(new Error('getaddrinfo ENOTFOUND www.rfi.fr'), { code: 'ENOTFOUND', hostname: 'www.rfi.fr' });
      cb(err, null);
    },
  });
  try {
    await rejectsWith(fetchResource('https://www.rfi.fr/cn/rss', { dispatcher: failing }), 'dns', /could not connect: could not resolve host www\.rfi\.fr /);
  } finally {
    await failing.close();
  }
});

test('a server that never answers: timeout within timeoutMs', async () => {
  await withServer(
    () => {
      /* never respond */
    },
    async (s) => {
      const started = Date.now();
      // not before the limit; and ended by it, long before a hang would be noticed (a busy machine may be slow)
      const e = await settlesWithin(rejectsWith(get(`${s.base}/slow`, { timeoutMs: 300 }), 'timeout', /timed out after 300ms/), 10_000);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250, `elapsed ${elapsed} ms`);
      assert.equal(e.url, `${s.base}/slow`);
    },
  );
});

test('a body that stalls after the headers: timeout', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.write('<rss>');
    },
    async (s) => {
      await settlesWithin(rejectsWith(get(`${s.base}/`, { timeoutMs: 300 }), 'timeout', /timed out after 300ms/), 10_000);
    },
  );
});

test('caller abort signal: aborted (before and during the request)', async () => {
  await withServer(
    () => {
      /* never respond */
    },
    async (s) => {
      await rejectsWith(get(`${s.base}/`, { signal: AbortSignal.abort() }), 'aborted');
      assert.equal(s.requests.length, 0);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await rejectsWith(get(`${s.base}/`, { signal: ac.signal, timeoutMs: 5000 }), 'aborted', /request aborted/);
    },
  );
});

test('local files: absolute and relative paths, file: URLs only with allowFile', async () => {
  const dir = await tempDir('newsvault-fetch-');
  try {
    const file = path.join(dir, 'feed.xml');
    await writeFile(file, FEED);
    const abs = await fetchResource(file);
    assert.equal(abs.url, file);
    assert.equal(abs.status, 200);
    assert.equal(abs.contentType, null);
    assert.equal(abs.body.toString(), FEED);

    const rel = await fetchResource(path.relative(process.cwd(), file));
    assert.equal(rel.url, file);
    assert.equal(rel.body.toString(), FEED);

    const fileUrl = pathToFileURL(file).href;
    await rejectsWith(fetchResource(fileUrl), 'bad-url', /unsupported scheme file:/);
    assert.equal((await fetchResource(fileUrl, { allowFile: true })).body.toString(), FEED);

    await rejectsWith(fetchResource(file, { allowLocalPath: false }), 'bad-url', /local paths are not allowed/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('local file errors: missing, directory, too large', async () => {
  const dir = await tempDir('newsvault-fetch-');
  try {
    const missing = path.join(dir, 'nope.xml');
    const e = await rejectsWith(fetchResource(missing), 'file', /no such file/);
    assert.equal(e.message, `${missing}: no such file`);
    await mkdir(path.join(dir, 'sub'));
    await rejectsWith(fetchResource(path.join(dir, 'sub')), 'file', /is a directory/);
    const big = path.join(dir, 'big.xml');
    await writeFile(big, Buffer.alloc(4096, 'x'));
    await rejectsWith(fetchResource(big, { maxBytes: 1000 }), 'too-large', /file larger than 1000 bytes/);
    await rejectsWith(fetchResource('www.example-outlet.com/rss'), 'file', /did you mean https:\/\/www\.example-outlet\.com\/rss\?/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('other schemes and bad URLs are refused before any I/O', async () => {
  await rejectsWith(fetchResource('ftp://example.com/feed.xml'), 'bad-url', /^ftp:\/\/example\.com\/feed\.xml: unsupported scheme ftp:$/);
  await rejectsWith(fetchResource('data:text/xml,<rss/>'), 'bad-url', /unsupported scheme data:/);
  await rejectsWith(fetchResource('javascript:alert(1)'), 'bad-url', /unsupported scheme javascript:/);
  await rejectsWith(fetchResource('http://'), 'bad-url', /invalid URL/);
  await rejectsWith(fetchResource('   '), 'bad-url', /empty location/);
});

test('invalid options are programmer errors', async () => {
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { maxBytes: 0 }), RangeError);
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { maxRedirects: -1 }), RangeError);
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { timeoutMs: Number.NaN }), RangeError);
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { retry: { retries: -1 } }), /retry\.retries must be an integer >= 0/);
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { retry: { retries: 1.5 } }), RangeError);
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { connectTimeoutMs: 0 }), /connectTimeoutMs must be > 0/);
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { firstByteTimeoutMs: -5 }), RangeError);
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { minBytesPerSecond: -1 }), RangeError);
  await assert.rejects(fetchResource('http://127.0.0.1:1/', { perHostDelayMs: Number.NaN }), RangeError);
});
