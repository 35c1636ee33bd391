/**
 * Fetching under faults: servers on 127.0.0.1 that accept a request and never answer, fetched at once
 * through one politeness scheduler with a 500 ms first-byte timeout, and a run (runArchive) over as
 * many hanging sources beside one good one. One timeout for the batch is the goal, not one per server.
 * Each case is run `rounds` times (default 5); the table gives the fastest, the median and the slowest.
 *
 *   node --import tsx bench/hanging.ts [--servers N] [--rounds N]
 *
 * (src/fetch/hanging.test.ts checks the same behaviour with bounds a busy machine cannot break.)
 */
import { Agent } from 'undici';
import { fetchResource, Politeness } from '../src/fetch/index.ts';
import { runArchive } from '../src/run/index.ts';
import { FEED, serve, type TestServer } from '../src/fetch/testdata/servers.ts';
import { tempDir } from '../src/testing/tree.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = arg('--servers', 10);
const ROUNDS = arg('--rounds', 5);
const TIMEOUT = 500;

const agent = new Agent({ keepAliveTimeout: 100 });
const servers: TestServer[] = await Promise.all(Array.from({ length: N }, () => serve(() => {})));
const good = await serve((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
  res.end(FEED.replace('</channel>', '<item><title>一</title><link>https://x.example/1</link><guid>1</guid><pubDate>Thu, 14 Sep 2023 17:45:02 GMT</pubDate></item></channel>'));
});

async function fetchAll(globalConcurrency: number, retries: number): Promise<void> {
  const politeness = new Politeness({ globalConcurrency, perHostDelayMs: 0 });
  const results = await Promise.allSettled(
    servers.map((s) => fetchResource(`${s.base}/feed`, { dispatcher: agent, politeness, firstByteTimeoutMs: TIMEOUT, retry: { retries, baseDelayMs: 50, maxDelayMs: 100 } })),
  );
  if (results.some((r) => r.status === 'fulfilled')) throw new Error('a hanging server answered');
}

async function runOnce(): Promise<void> {
  const root = await tempDir('newsvault-bench-hanging-');
  const sources = [
    ...servers.map((s, i) => ({ slug: `hang-${i}`, name: `hang ${i}`, feeds: [`${s.base}/feed`], enabled: true })),
    { slug: 'good', name: 'good', feeds: [`${good.base}/feed`], enabled: true },
  ];
  const report = await runArchive({
    root,
    sources,
    concurrency: sources.length,
    fetch: { dispatcher: agent, politeness: new Politeness({ globalConcurrency: sources.length }), firstByteTimeoutMs: TIMEOUT, retry: { retries: 0 } },
  });
  const failed = report.sources.filter((r) => r.status === 'failed').length;
  if (failed !== N || report.sources.find((r) => r.slug === 'good')?.status !== 'ok') throw new Error('unexpected run report');
}

const HALF = Math.max(1, Math.floor(N / 2));
/** name, the time at best (timeouts that must follow each other), what one fetch after another would take, the case */
const cases: [string, number, number, () => Promise<void>][] = [
  [`${N} hanging servers, no retries`, TIMEOUT, N * TIMEOUT, () => fetchAll(N, 0)],
  [`${N} hanging servers, 2 retries each (backoff 50–100 ms)`, 3 * TIMEOUT, 3 * N * TIMEOUT, () => fetchAll(N, 2)],
  [`${N} hanging servers, globalConcurrency ${HALF}`, Math.ceil(N / HALF) * TIMEOUT, N * TIMEOUT, () => fetchAll(HALF, 0)],
  [`runArchive: ${N} hanging sources + 1 good`, TIMEOUT, N * TIMEOUT, runOnce],
];

console.log(`fetching under faults, first-byte timeout ${TIMEOUT} ms, ${ROUNDS} rounds, node ${process.version}\n`);
console.log('| case | ideal ms | min ms | median ms | max ms | one after another ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
try {
  for (const [name, ideal, sequential, fn] of cases) {
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      await fn();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${ideal} | ${times[0]!.toFixed(0)} | ${times[Math.floor(times.length / 2)]!.toFixed(0)} | ${times[times.length - 1]!.toFixed(0)} | ${sequential} |`);
  }
} finally {
  await Promise.all([...servers.map((s) => s.close()), good.close()]);
  await agent.close();
}
