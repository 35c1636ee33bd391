/**
 * N servers that never answer, fetched at once through one Politeness: the batch takes about one
 * timeout, not N. Prints the measured times (node --test shows them as diagnostics).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { runArchive } from '../run/index.ts';
import { fetchResource, FetchError, Politeness } from './index.ts';
import { FEED, serve, type TestServer } from './testdata/servers.ts';

const agent = new Agent({ keepAliveTimeout: 100 });
after(() => agent.close());

const N = 10;
const TIMEOUT = 500;

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
    return (r as PromiseRejectedResult).reason as FetchError;
  });
  return { ms: Date.now() - started, errors };
}

test(`${N} hanging servers through one Politeness finish in about one timeout (${TIMEOUT} ms), not ${N}`, async (t) => {
  const servers = await hangingServers(N);
  try {
    const once = await fetchAll(servers, new Politeness({ globalConcurrency: 16 }), 0);
    t.diagnostic(`${N} hanging servers, first-byte timeout ${TIMEOUT} ms, no retries: ${once.ms} ms (sequential would be ${N * TIMEOUT} ms)`);
    assert.ok(once.ms >= TIMEOUT - 20 && once.ms < 2 * TIMEOUT, `took ${once.ms} ms`);
    for (const e of once.errors) {
      assert.equal(e.code, 'timeout');
      assert.match(e.reason, /^timed out waiting for response headers \(no response within 500ms\)$/);
    }

    // (No delay between requests to a host here: with the default 1 s, each retry would wait for it.)
    const retried = await fetchAll(servers, new Politeness({ globalConcurrency: 16, perHostDelayMs: 0 }), 2);
    t.diagnostic(`same, 2 retries each (3 attempts + backoff): ${retried.ms} ms`);
    assert.ok(retried.ms < 3 * TIMEOUT + 2 * 100 + 500, `took ${retried.ms} ms`);
    for (const e of retried.errors) assert.match(e.reason, /\(after 3 attempts\)$/);

    // The global limit is what bounds it: with room for half of them, it takes two timeouts.
    const half = await fetchAll(servers, new Politeness({ globalConcurrency: N / 2 }), 0);
    t.diagnostic(`globalConcurrency ${N / 2}: ${half.ms} ms`);
    assert.ok(half.ms >= 2 * TIMEOUT - 20 && half.ms < 3 * TIMEOUT, `took ${half.ms} ms`);
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
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'newsvault-hanging-'));
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
    assert.ok(ms < 2 * TIMEOUT + 500, `took ${ms} ms`);
    const by = new Map(report.sources.map((r) => [r.slug, r]));
    assert.equal(by.get('good')!.status, 'ok');
    assert.equal(by.get('good')!.new, 1);
    for (let i = 0; i < N; i++) {
      assert.equal(by.get(`hang-${i}`)!.status, 'failed');
      assert.match(by.get(`hang-${i}`)!.errors[0]!, /timed out waiting for response headers \(no response within 500ms\)$/);
    }
  } finally {
    await Promise.all([...servers.map((s) => s.close()), good.close()]);
    await fs.rm(root, { recursive: true, force: true });
  }
});
