/**
 * Issue 13: a feed served with the same bytes as the last time it was processed in full is skipped as a 304
 * is, only while nothing of it could come out otherwise: the source's manifest as that run left it, the same
 * settings, no item whose page is still to be extracted. And the budget that bounds how many parsed feeds a
 * run holds at once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FullTextMode, Source } from '../domain.ts';
import { closeDispatchers } from '../fetch/index.ts';
import { openStorage } from '../storage/index.ts';
import { tempDir } from '../testing/tree.ts';
import { FeedBudget } from './budget.ts';
import { runArchive, type SourceReport } from './index.ts';

let server: http.Server;
let base = '';
/** The feed's items (name → page path) and a comment that changes its bytes but not its items. */
let feedItems: [string, string][] = [];
let comment = '';
const hits = new Map<string, number>();

const body = (name: string) => `<p>${name}：这是订阅源里的全文，足够长，不需要再去抓取网页。</p>`.repeat(8);
const pageText = (name: string) => `网页全文 ${name}：只有从网页抓取才会出现在存档里。`.repeat(10);

function feedXml(): string {
  const items = feedItems.map(
    ([name, page]) =>
      `<item><title>条目 ${name}</title><link>${base}${page}</link><guid isPermaLink="false">${name}</guid><pubDate>Wed, 10 Apr 2024 06:30:00 GMT</pubDate><description><![CDATA[${body(name)}]]></description></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>源</title><link>${base}/</link>${comment}${items.join('')}</channel></rss>`;
}

before(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (url === '/feed.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(feedXml());
    } else if (url.startsWith('/page/ok/')) {
      const name = url.slice('/page/ok/'.length);
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html><head><title>${name}</title></head><body><article><h1>${name}</h1><p>${pageText(name)}</p><p>${pageText(name)}</p></article></body></html>`);
    } else {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.close();
  await closeDispatchers();
});

const source = (fullText: FullTextMode): Source => ({ slug: 'src', name: '源', feeds: [`${base}/feed.xml`], enabled: true, fullText });

async function run(root: string, fullText: FullTextMode = 'never'): Promise<SourceReport> {
  hits.clear();
  const report = await runArchive({ root, sources: [source(fullText)], fetch: { retry: { retries: 0 } } });
  return report.sources[0]!;
}

test('the same feed bytes again are skipped; other bytes, a manifest written since or other settings bring the processing back', async () => {
  const root = await tempDir();
  feedItems = [
    ['a', '/page/ok/a'],
    ['b', '/page/ok/b'],
  ];
  comment = '';
  const first = await run(root);
  assert.equal(first.new, 2);
  assert.equal(first.sameBody, 0);

  const second = await run(root);
  assert.deepEqual([second.status, second.sameBody, second.seen, second.new, second.unchanged], ['ok', 1, 0, 0, 0]);

  // the same items in other bytes: looked at, nothing new; then those bytes are the ones skipped
  comment = '<!-- built again -->';
  const third = await run(root);
  assert.deepEqual([third.sameBody, third.seen, third.new, third.unchanged], [0, 2, 0, 2]);
  assert.equal((await run(root)).sameBody, 1);

  // the manifest rewritten by something else (a compaction): processed again, once
  const store = await openStorage(root).archive.source('src');
  assert.equal(await store.compact(true), true);
  const afterCompact = await run(root);
  assert.deepEqual([afterCompact.sameBody, afterCompact.unchanged], [0, 2]);
  assert.equal((await run(root)).sameBody, 1);

  // another full-text setting: processed again (whatever it then does with the items)
  const auto = await run(root, 'auto');
  assert.deepEqual([auto.sameBody, auto.seen], [0, 2]);
  assert.equal((await run(root, 'never')).sameBody, 0);
  assert.equal((await run(root, 'never')).sameBody, 1);

  // a new item in the feed: added, as ever
  feedItems.push(['c', '/page/ok/c']);
  const added = await run(root);
  assert.deepEqual([added.sameBody, added.new, added.unchanged], [0, 1, 2]);

  // the record lost, or damaged: processed again
  await fs.rm(path.join(root, '.newsvault', 'feeds.json'));
  assert.deepEqual((await run(root)).unchanged, 3);
  assert.equal((await run(root)).sameBody, 1);
  await fs.writeFile(path.join(root, '.newsvault', 'feeds.json'), '{"version":1,"sources":{"src":{"feeds":');
  const damaged = await run(root);
  assert.deepEqual([damaged.status, damaged.sameBody, damaged.unchanged], ['ok', 0, 3]);
  assert.equal((await run(root)).sameBody, 1);
});

test('a feed with an item whose page is still to be extracted is not skipped; once every page is in, it is', async () => {
  const root = await tempDir();
  comment = '';
  feedItems = [
    ['ok', '/page/ok/ok'],
    ['down', '/page/down'],
  ];
  const first = await run(root, 'always');
  assert.equal(first.new, 2);
  assert.equal(first.fullText, 1);
  assert.equal(hits.get('/page/down'), 1);

  // the same bytes: processed again (the failed page is the retries' to decide; within the hour it is not fetched)
  const second = await run(root, 'always');
  assert.deepEqual([second.sameBody, second.seen, second.unchanged], [0, 2, 2]);
  assert.equal(hits.get('/page/down'), undefined);

  // without the failing item, every text in the feed came from its page: the same bytes are skipped next time
  feedItems = [['ok', '/page/ok/ok']];
  const third = await run(root, 'always');
  assert.deepEqual([third.sameBody, third.unchanged], [0, 1]);
  const fourth = await run(root, 'always');
  assert.deepEqual([fourth.sameBody, fourth.seen], [1, 0]);
  assert.equal(hits.get('/page/ok/ok'), undefined);
});

test('a source left unfinished by a killed session is opened and its pages rebuilt, though its feed is the same', async () => {
  const root = await tempDir();
  comment = '';
  feedItems = [['x', '/page/ok/x']];
  assert.equal((await run(root)).new, 1);
  await fs.rm(path.join(root, 'lists', 'src.md'));
  // the mark a session leaves while it writes a source
  await fs.mkdir(path.join(root, '.newsvault', 'open'), { recursive: true });
  await fs.writeFile(path.join(root, '.newsvault', 'open', 'src'), '');
  const again = await run(root);
  assert.equal(again.sameBody, 0);
  assert.equal(again.unchanged, 1);
  assert.match(await fs.readFile(path.join(root, 'lists', 'src.md'), 'utf8'), /条目 x/);
  await assert.rejects(fs.stat(path.join(root, '.newsvault', 'open', 'src')));
  // a missing list page is written again even when the feed is skipped
  await fs.rm(path.join(root, 'lists', 'src.md'));
  const skipped = await run(root);
  assert.equal(skipped.sameBody, 1);
  assert.match(await fs.readFile(path.join(root, 'lists', 'src.md'), 'utf8'), /条目 x/);
});

test('FeedBudget: one feed always fits; others wait, in order, until their bytes fit', async () => {
  const budget = new FeedBudget(10);
  const order: string[] = [];
  const big = await budget.acquire(25);
  assert.equal(budget.held, 25);
  const a = budget.acquire(6).then((r) => (order.push('a'), r));
  const b = budget.acquire(3).then((r) => (order.push('b'), r));
  await new Promise((r) => setImmediate(r));
  assert.equal(order.length, 0);
  big();
  big(); // a second release changes nothing
  const releaseA = await a;
  const releaseB = await b;
  assert.deepEqual(order, ['a', 'b']);
  assert.equal(budget.held, 9);
  const c = budget.acquire(6).then((r) => (order.push('c'), r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['a', 'b']);
  releaseA();
  const releaseC = await c;
  assert.deepEqual(order, ['a', 'b', 'c']);
  releaseB();
  releaseC();
  assert.equal(budget.held, 0);
});
