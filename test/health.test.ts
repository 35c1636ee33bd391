/**
 * The run with the network layer's state, through the CLI against 127.0.0.1: conditional GET (a 304 costs
 * no parsing and no writes), health recorded per source, backoff of a failing source, `status`, `extract`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { snapshot, tempDir } from '../src/testing/tree.ts';

const rss = readFileSync(new URL('./fixtures/feeds/rfi-golden.rss', import.meta.url));
let server: http.Server;
let base = '';
const hits: { url: string; inm?: string }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    hits.push({ url: req.url!, inm: req.headers['if-none-match'] });
    if (req.url === '/etag') {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' });
      res.end(rss);
    } else if (req.url === '/down') {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('down');
    } else if (req.url === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="zh-CN"><head><title>页面标题</title>
<meta property="article:published_time" content="2024-05-15T09:30:00+08:00"></head>
<body><article><h1>页面标题</h1>${Array.from({ length: 8 }, (_, i) => `<p>第${i + 1}段正文，讲述一件足够长的新闻，让提取器认出正文。这一段还要再长一些才行。</p>`).join('')}</article>
<div class="share">分享</div></body></html>`);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const quiet = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
};

async function archiveWith(sources: string): Promise<string> {
  const root = await tempDir();
  const off = ['rfi', 'bbc', 'voa', 'nytimes', 'dw', 'rfa', 'ftchinese', 'cdt'].map((s) => `  ${s}: { enabled: false }`);
  await fs.writeFile(path.join(root, 'newsvault.yaml'), ['sources:', ...off, sources, 'run:', '  retries: 0', '  perHostDelayMs: 0', ''].join('\n'));
  return root;
}

test('conditional GET: the second run sends the ETag, gets 304, parses and writes nothing', async () => {
  const root = await archiveWith(`  cond: { name: 条件, feed: "${base}/etag" }`);
  const first = quiet();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--json'], first.io), 0);
  assert.equal(JSON.parse(first.out.join('')).sources[0].new, 2);
  const before = await snapshot(root);
  hits.length = 0;
  const second = quiet();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--json'], second.io), 0);
  const report = JSON.parse(second.out.join('')).sources[0];
  assert.equal(report.notModified, 1);
  assert.equal(report.seen, 0);
  assert.deepEqual(hits, [{ url: '/etag', inm: '"v1"' }]);
  assert.deepEqual(await snapshot(root), before);
});

test('a failing source: health recorded, backoff after repeated failures, --force polls it, status shows it', async () => {
  const root = await archiveWith(`  down: { name: 坏了, feed: "${base}/down" }\n  up: { name: 好的, feed: "${base}/etag" }`);
  for (let i = 0; i < 3; i++) {
    const c = quiet();
    assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--json'], c.io), 3);
    const down = JSON.parse(c.out.join('')).sources.find((s: { slug: string }) => s.slug === 'down');
    assert.equal(down.status, 'failed');
    assert.match(down.errors[0], /HTTP 503/);
  }
  // three failures in a row: the fourth run does not poll it
  hits.length = 0;
  const fourth = quiet();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--json'], fourth.io), 3);
  const skipped = JSON.parse(fourth.out.join('')).sources.find((s: { slug: string }) => s.slug === 'down');
  assert.equal(skipped.status, 'backoff');
  assert.ok(!hits.some((h) => h.url === '/down'));
  // --force polls it anyway
  hits.length = 0;
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--force'], quiet().io), 3);
  assert.ok(hits.some((h) => h.url === '/down'));

  const status = quiet();
  assert.equal(await main(['node', 'newsvault', 'status', '--archive', root, '--json'], status.io), 0);
  const json = JSON.stringify(JSON.parse(status.out.join('')));
  assert.match(json, /"down"/);
  assert.match(json, /"consecutiveFailures":4/);
  assert.match(json, /HTTP 503/);
  const table = quiet();
  assert.equal(await main(['node', 'newsvault', 'status', '--archive', root], table.io), 0);
  assert.match(table.out.join('\n'), /down/);
  assert.match(table.out.join('\n'), /503/);
});

test('extract prints what would be archived from a page', async () => {
  const c = quiet();
  assert.equal(await main(['node', 'newsvault', 'extract', `${base}/page.html`, '--json', '--archive', await tempDir()], c.io), 0);
  const out = JSON.parse(c.out.join(''));
  assert.equal(out.title, '页面标题');
  assert.equal(out.published, Date.UTC(2024, 4, 15, 1, 30));
  assert.match(out.contentHtml, /第1段正文/);
  assert.match(out.contentHtml, /第8段正文/);
  assert.equal(out.rule, 'generic');
  const bad = quiet();
  assert.equal(await main(['node', 'newsvault', 'extract', `${base}/missing`], bad.io), 3);
  assert.match(bad.err.join(''), /404/);
});
