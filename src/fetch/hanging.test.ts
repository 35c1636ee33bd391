/**
 * Servers that never answer, fetched at once through one Politeness: the batch ends in about one
 * timeout, not one per server. The times asserted are far from both: well above what the batch takes
 * (a busy machine may stretch it several times) and well below what fetching one after another would
 * take, so the test fails when the fetches wait for each other, not when the machine is slow.
 * The times themselves are measured by bench/hanging.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { runArchive } from '../run/index.ts';
import { fetchResource, FetchError, Politeness } from './index.ts';
import { FEED, serve, type TestServer } from './testdata/servers.ts';
import { tempDir } from '../testing/tree.ts';

const agent = new Agent({ keepAliveTimeout: 100 });
after(() => agent.close());

const N = 20;
const TIMEOUT = 500;
/** One after another, N servers would take N timeouts (10 s); at once, one (0.5 s). */
const SEQUENTIAL = N * TIMEOUT;

async function hangingServers(n: number): Promise<TestServer[]> {
  return Promise.all(Array.from({ length: n }, () => serve(() => {})));
}

async function fetchAll(servers: TestServer[], politeness: Politeness, retries: number): Promise<{ ms: number; errors: FetchError[] }> {
  const started = Date.now();
  const results = await Promise.allSettled(
    servers.map((s) =>
      fetchResource(`${s.base}/feed`, { dispatcher: agent, politeness, firstByteTimeoutMs: TIMEOUT, retry: { retries, baseDelayMs: 50, maxDelayMs: 100 } }),
    ),
  );
  const errors = results.map((r) => {
    assert.equal(r.status, 'rejected');
    assert.ok(r.reason instanceof FetchError, String(r.reason));
    return r.reason;
  });
  return { ms: Date.now() - started, errors };
}

test(`${N} hanging servers through one Politeness finish in about one timeout (${TIMEOUT} ms), not ${N}`, async (t) => {
  const servers = await hangingServers(N);
  try {
    const once = await fetchAll(servers, new Politeness({ globalConcurrency: 32 }), 0);
    t.diagnostic(`${N} hanging servers, first-byte timeout ${TIMEOUT} ms, no retries: ${once.ms} ms (sequential would be ${SEQUENTIAL} ms)`);
    assert.ok(once.ms >= TIMEOUT - 20, `took ${once.ms} ms: before the timeout`);
    assert.ok(once.ms < SEQUENTIAL / 2, `took ${once.ms} ms: the fetches waited for each other`);
    for (const e of once.errors) {
      assert.equal(e.code, 'timeout');
      assert.match(e.reason, /^timed out waiting for response headers \(no response within 500ms\)$/);
    }
    assert.ok(servers.every((s) => s.requests.length === 1), 'one request each');

    // (No delay between requests to a host here: with the default 1 s, each retry would wait for it.)
    const retried = await fetchAll(servers, new Politeness({ globalConcurrency: 32, perHostDelayMs: 0 }), 2);
    t.diagnostic(`same, 2 retries each (3 attempts + backoff): ${retried.ms} ms (sequential would be ${3 * SEQUENTIAL} ms)`);
    assert.ok(retried.ms >= 3 * TIMEOUT - 20, `took ${retried.ms} ms: fewer than 3 attempts?`);
    assert.ok(retried.ms < SEQUENTIAL, `took ${retried.ms} ms: the fetches waited for each other`);
    for (const e of retried.errors) assert.match(e.reason, /\(after 3 attempts\)$/);
    // every fetch made its 3 attempts (the reason says so); a server on a busy machine may not have read an
    // attempt's request before the client gave up on it, so its count can be short of 3 more, never over
    const counts = servers.map((s) => s.requests.length);
    assert.ok(counts.every((c) => c >= 2 && c <= 4), `1 + up to 3 requests each: ${counts.join(' ')}`);

    // The global limit is what bounds it: with room for half of them, it takes two timeouts.
    const half = await fetchAll(servers, new Politeness({ globalConcurrency: N / 2 }), 0);
    t.diagnostic(`globalConcurrency ${N / 2}: ${half.ms} ms`);
    assert.ok(half.ms >= 2 * TIMEOUT - 20, `took ${half.ms} ms: more than ${N / 2} at once`);
    assert.ok(half.ms < SEQUENTIAL / 2, `took ${half.ms} ms: the fetches waited for each other`);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});

test(`a run over ${N} hanging sources and a good one finishes in about one timeout`, async (t) => {
  const servers = await hangingServers(N);
  const good = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
    res.end(FEED.replace('</channel>', '<item><title>一</title><link>https://x.example/1</link><guid>1</guid><pubDate>Thu, 14 Sep 2023 17:45:02 GMT</pubDate></item></channel>'));
  });
  const root = await tempDir('newsvault-hanging-');
  try {
    const sources = [
      ...servers.map((s, i) => ({ slug: `hang-${i}`, name: `hang ${i}`, feeds: [`${s.base}/feed`], enabled: true })),
      { slug: 'good', name: 'good', feeds: [`${good.base}/feed`], enabled: true },
    ];
    const started = Date.now();
    const report = await runArchive({
      root,
      sources,
      concurrency: sources.length,
      // As a run would size it: room for every source it processes at once.
      fetch: { dispatcher: agent, politeness: new Politeness({ globalConcurrency: sources.length }), firstByteTimeoutMs: TIMEOUT, retry: { retries: 0 } },
    });
    const ms = Date.now() - started;
    t.diagnostic(`runArchive: ${N} hanging sources + 1 good, first-byte timeout ${TIMEOUT} ms, no retries: ${ms} ms`);
    assert.ok(ms < SEQUENTIAL / 2, `took ${ms} ms: the sources waited for each other`);
    const by = new Map(report.sources.map((r) => [r.slug, r]));
    assert.equal(by.get('good')!.status, 'ok');
    assert.equal(by.get('good')!.new, 1);
    for (let i = 0; i < N; i++) {
      assert.equal(by.get(`hang-${i}`)!.status, 'failed');
      assert.match(by.get(`hang-${i}`)!.errors[0]!, /timed out waiting for response headers \(no response within 500ms\)$/);
    }
  } finally {
    await Promise.all([...servers.map((s) => s.close()), good.close()]);
  }
});
