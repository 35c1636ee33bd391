/** Retry rules (pure), then the retry loop against real servers on 127.0.0.1. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { FetchError } from './errors.ts';
import { DEFAULT_RETRY } from './options.ts';
import { backoffDelay, decideRetry, finalError, isRetryable, parseRetryAfter } from './retry.ts';
import { fetchResource, Politeness, type FetchOptions } from './index.ts';
import { FEED, withServer } from './testdata/servers.ts';
import { settlesWithin } from '../testing/time.ts';

const agent = new Agent({ keepAliveTimeout: 100 });
after(() => agent.close());

const status = (s: number, init: { retryAfterMs?: number } = {}) => new FetchError('http-status', `HTTP ${s}`, { status: s, ...init });

test('isRetryable: connection errors, timeouts, 408, 429, 5xx; not other 4xx or permanent failures', () => {
  for (const e of [new FetchError('connect', 'refused'), new FetchError('timeout', 't'), new FetchError('network', 'reset'), status(408), status(429), status(500), status(502), status(503), status(599)]) {
    assert.equal(isRetryable(e), true, e.message);
  }
  for (const e of [
    status(400),
    status(401),
    status(403),
    status(404),
    status(410),
    status(304),
    new FetchError('too-large', 'x'),
    new FetchError('redirect', 'loop'),
    new FetchError('bad-url', 'x'),
    new FetchError('decode', 'x'),
    new FetchError('aborted', 'x'),
    new FetchError('dns', 'unknown host'),
    new FetchError('connect', 'TLS: certificate has expired', { transient: false }),
    new Error('not a FetchError'),
  ]) {
    assert.equal(isRetryable(e), false, e.message);
  }
  assert.equal(isRetryable(new FetchError('dns', 'temporary', { transient: true })), true);
});

test('parseRetryAfter: seconds or an HTTP date; garbage is ignored', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0, 'a date in the past: now');
  assert.equal(parseRetryAfter(undefined, now), null);
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter('-5', now), null);
  assert.equal(parseRetryAfter('1.5', now), null);
});

test('backoffDelay: exponential, capped, with 50–100 % jitter', () => {
  const opts = { baseDelayMs: 1000, maxDelayMs: 5000 };
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 0.999999)), [1000, 2000, 4000, 5000, 5000]);
  assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, opts, () => 0)), [500, 1000, 2000]);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(2, opts);
    assert.ok(d >= 1000 && d <= 2000, String(d));
  }
});

test('decideRetry: attempts, Retry-After raises the delay, a too long Retry-After stops', () => {
  const opts = { ...DEFAULT_RETRY, retries: 2, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
  const r = () => 0.5;
  assert.deepEqual(decideRetry(status(503), 1, opts, r), { retry: true, delayMs: 75 });
  assert.deepEqual(decideRetry(status(503), 2, opts, r), { retry: true, delayMs: 150 });
  assert.deepEqual(decideRetry(status(503), 3, opts, r), { retry: false, note: null });
  assert.deepEqual(decideRetry(status(429, { retryAfterMs: 3000 }), 1, opts, r), { retry: true, delayMs: 3000 });
  assert.deepEqual(decideRetry(status(429, { retryAfterMs: 7_200_000 }), 1, opts, r), { retry: false, note: 'server asks to retry after 2h' });
  assert.deepEqual(decideRetry(status(404), 1, opts, r), { retry: false, note: null });
  assert.deepEqual(decideRetry(status(503), 1, { ...opts, retries: 0 }, r), { retry: false, note: null });
});

test('finalError: says how many attempts were made', () => {
  const e = new FetchError('http-status', 'HTTP 503 Service Unavailable', { url: 'http://x.example/feed', status: 503 });
  const f = finalError(e, 3, null);
  assert.equal(f.message, 'http://x.example/feed: HTTP 503 Service Unavailable (after 3 attempts)');
  assert.equal(f.attempts, 3);
  assert.equal(f.status, 503);
  assert.equal(f.code, 'http-status');
  assert.equal(finalError(e, 1, null).message, 'http://x.example/feed: HTTP 503 Service Unavailable');
  assert.equal(finalError(e, 1, 'server asks to retry after 2h').reason, 'HTTP 503 Service Unavailable (server asks to retry after 2h)');
});

// ------------------------------------------------------------------------------------------------
// Against real servers

const fast: FetchOptions = { dispatcher: agent, retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 100 } };

test('500 then success: retried, the result says 2 attempts', async () => {
  let n = 0;
  await withServer(
    (_req, res) => {
      if (n++ === 0) {
        res.writeHead(500);
        res.end('boom');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
        res.end(FEED);
      }
    },
    async (s) => {
      const r = await fetchResource(`${s.base}/feed`, fast);
      assert.equal(r.status, 200);
      assert.equal(r.attempts, 2);
      assert.equal(r.body.toString(), FEED);
      assert.equal(s.requests.length, 2);
    },
  );
});

test('503 every time: 3 attempts, and the error says so', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(503);
      res.end();
    },
    async (s) => {
      const err = await fetchResource(`${s.base}/feed`, fast).catch((e: unknown) => e);
      assert.ok(err instanceof FetchError);
      assert.equal(err.message, `${s.base}/feed: HTTP 503 Service Unavailable (after 3 attempts)`);
      assert.equal(err.attempts, 3);
      assert.equal(s.requests.length, 3);
    },
  );
});

test('404 and 403 are not retried; 408 is', async () => {
  await withServer(
    (req, res) => {
      res.writeHead(Number(req.url!.slice(1)));
      res.end();
    },
    async (s) => {
      for (const code of [404, 403]) {
        const before = s.requests.length;
        const err = await fetchResource(`${s.base}/${code}`, fast).catch((e: unknown) => e);
        assert.ok(err instanceof FetchError && err.status === code && err.attempts === 1);
        assert.doesNotMatch(err.message, /after/);
        assert.equal(s.requests.length, before + 1, `${code}: one request`);
      }
      const before = s.requests.length;
      await fetchResource(`${s.base}/408`, fast).catch(() => {});
      assert.equal(s.requests.length, before + 3);
    },
  );
});

test('429 with Retry-After: waits what the server asked, then succeeds; other requests to that host wait too', async () => {
  const times: number[] = [];
  await withServer(
    (req, res) => {
      times.push(Date.now());
      if (req.url === '/feed' && times.length === 1) {
        res.writeHead(429, { 'Retry-After': '1' });
        res.end();
      } else {
        res.end(FEED);
      }
    },
    async (s) => {
      const politeness = new Politeness({ perHostDelayMs: 0 });
      const first = fetchResource(`${s.base}/feed`, { ...fast, politeness });
      await new Promise((r) => setTimeout(r, 100));
      const other = fetchResource(`${s.base}/other`, { ...fast, politeness });
      // about 1 s; the bound only catches a wait far beyond what the server asked for (or a hang)
      const [r, o] = await settlesWithin(Promise.all([first, other]), 10_000);
      assert.equal(r.attempts, 2);
      assert.equal(o.attempts, 1);
      assert.ok(times[1]! - times[0]! >= 950, `retried after ${times[1]! - times[0]!} ms (Retry-After: 1)`);
      assert.ok(times.every((t, i) => i === 0 || t - times[0]! >= 950), 'the host got nothing before the Retry-After');
    },
  );
});

test('429 with a Retry-After beyond maxRetryAfterMs: not waited for; the error carries it', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(429, { 'Retry-After': '3600' });
      res.end();
    },
    async (s) => {
      // not waited for: settled long before the hour the server asked for
      const err = await settlesWithin(
        fetchResource(`${s.base}/feed`, { ...fast, retry: { ...fast.retry, maxRetryAfterMs: 60_000 } }).catch((e: unknown) => e),
        10_000,
      );
      assert.ok(err instanceof FetchError);
      assert.equal(err.reason, 'HTTP 429 Too Many Requests (server asks to retry after 1h)');
      assert.equal(err.retryAfterMs, 3_600_000);
      assert.equal(s.requests.length, 1);
    },
  );
});

test('a connection closed without an answer, then service: retried with backoff', async () => {
  let n = 0;
  await withServer(
    (req, res) => {
      if (n++ === 0) {
        req.socket.destroy();
        return;
      }
      res.end(FEED);
    },
    async (s) => {
      const r = await fetchResource(`${s.base}/feed`, fast);
      assert.equal(r.attempts, 2);
    },
  );
});

test('an abort during the backoff wait ends the fetch at once', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(503);
      res.end();
    },
    async (s) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 150);
      // the backoff is at least 30 s: settling within 10 s means the abort cut the wait short
      const err = await settlesWithin(
        fetchResource(`${s.base}/`, { dispatcher: agent, signal: ac.signal, retry: { retries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } }).catch((e: unknown) => e),
        10_000,
      );
      assert.ok(err instanceof FetchError);
      assert.equal(err.code, 'aborted');
    },
  );
});
