/**
 * End to end through the CLI against real HTTP servers on 127.0.0.1: a working source beside failing
 * ones, idempotent re-runs, bad config, the lock.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { listFiles, snapshot, tempDir } from '../src/testing/tree.ts';

const rss = readFileSync(new URL('./fixtures/feeds/rfi-golden.rss', import.meta.url));
let server: http.Server;
let base = '';
let refusedPort = 0;

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/rss') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(rss);
    } else if (req.url === '/broken') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('oops');
    } else if (req.url === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body>not a feed</body></html>');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

async function writeConfig(root: string, yaml: string): Promise<void> {
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(path.join(root, 'newsvault.yaml'), yaml);
}

test('one working source beside failing ones: it is archived, the others are reported, exit 3', async () => {
  const root = await tempDir();
  await writeConfig(
    root,
    [
      'sources:',
      ...['rfi', 'bbc', 'voa', 'nytimes', 'dw', 'rfa', 'ftchinese', 'cdt'].map((s) => `  ${s}: { enabled: false }`),
      `  good: { name: 好来源, feed: "${base}/rss" }`,
      `  broken: { name: 坏来源, feed: "${base}/broken" }`,
      `  refused: { name: 连不上, feed: "http://127.0.0.1:${refusedPort}/rss" }`,
      `  page: { name: 网页, feed: "${base}/html" }`,
      'run:',
      '  retries: 0',
      '',
    ].join('\n'),
  );
  const c = capture();
  const code = await main(['node', 'newsvault', 'run', '--archive', root, '--json'], c.io);
  assert.equal(code, 3);
  const report = JSON.parse(c.out.join(''));
  const by = Object.fromEntries(report.sources.map((s: { slug: string }) => [s.slug, s]));
  assert.equal(by.good.status, 'ok');
  assert.equal(by.good.new, 2);
  assert.equal(by.broken.status, 'failed');
  assert.match(by.broken.errors[0], /HTTP 500/);
  assert.equal(by.refused.status, 'failed');
  assert.match(by.refused.errors[0], /connect/i);
  assert.equal(by.page.status, 'failed');
  assert.match(by.page.errors[0], /not a feed/);
  for (const s of report.sources) for (const e of s.errors) assert.doesNotMatch(e, /\n\s+at /, 'no stack trace');
  const files = await listFiles(root);
  assert.equal(files.filter((f) => f.startsWith('articles/good/') && f.endsWith('.md')).length, 2);
  assert.ok(files.includes('lists/good.md'));
  assert.ok(files.includes('README.md'));
  assert.ok(!files.some((f) => f.startsWith('articles/broken/') && f.endsWith('.md')));

  // the table for people names each failure in one line
  const t = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root], t.io), 3);
  const table = t.out.join('\n');
  assert.match(table, /good/);
  assert.match(table, /HTTP 500/);
});

test('running twice over the same feed adds and rewrites nothing', async () => {
  const root = await tempDir();
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--feed', `${base}/rss`, '--json'], c.io), 0);
  const first = JSON.parse(c.out.join(''));
  assert.equal(first.sources[0].new, 2);
  const before = await snapshot(root);
  const again = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--feed', `${base}/rss`, '--json'], again.io), 0);
  const second = JSON.parse(again.out.join(''));
  // the same bytes as the run before processed in full: skipped as a 304 is
  assert.equal(second.sources[0].new, 0);
  assert.equal(second.sources[0].sameBody, 1);
  assert.deepEqual(second.written, []);
  assert.deepEqual(await snapshot(root), before);
  // without that record, the items are looked at again: nothing new
  await fs.rm(path.join(root, '.newsvault', 'feeds.json'));
  const third = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--feed', `${base}/rss`, '--json'], third.io), 0);
  const thirdReport = JSON.parse(third.out.join(''));
  assert.equal(thirdReport.sources[0].new, 0);
  assert.equal(thirdReport.sources[0].unchanged, 2);
  assert.deepEqual(thirdReport.written, []);
  assert.deepEqual(await snapshot(root), before);
});

test('invalid config: an error naming the file and field, exit 2, nothing fetched or written', async () => {
  const root = await tempDir();
  await writeConfig(root, `sources:\n  mine:\n    name: Mine\n    feed: "ftp://example.org/x"\n`);
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root], c.io), 2);
  const msg = c.err.join('\n');
  assert.match(msg, /newsvault\.yaml/);
  assert.match(msg, /sources\.mine\.feed/);
  assert.deepEqual(await listFiles(root), ['newsvault.yaml']);
});

test('a second run while one holds the archive exits 4 with a clear message', async () => {
  const root = await tempDir();
  await fs.mkdir(path.join(root, '.newsvault'), { recursive: true });
  // a live process (this one's parent) holds the lock
  await fs.writeFile(path.join(root, '.newsvault', 'lock'), `${process.ppid}\n`);
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--feed', `${base}/rss`], c.io), 4);
  assert.match(c.err.join('\n'), /another newsvault run/);
  // a lock left by a dead process is taken over
  await fs.writeFile(path.join(root, '.newsvault', 'lock'), '999999999\n');
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--feed', `${base}/rss`], capture().io), 0);
});

test('init creates a config, README and .gitignore, and refuses to overwrite', async () => {
  const root = path.join(await tempDir(), 'my-archive');
  assert.equal(await main(['node', 'newsvault', 'init', root], capture().io), 0);
  assert.deepEqual(await listFiles(root), ['.gitignore', 'README.md', 'newsvault.yaml']);
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'init', root], c.io), 2);
  assert.match(c.err.join(''), /already exists/);
  // the template is a valid config
  assert.equal(await main(['node', 'newsvault', 'sources', '--archive', root, '--json'], capture().io), 0);
  // --archive names the folder as every other command does
  const other = path.join(await tempDir(), 'other');
  assert.equal(await main(['node', 'newsvault', 'init', '--archive', other], capture().io), 0);
  assert.deepEqual(await listFiles(other), ['.gitignore', 'README.md', 'newsvault.yaml']);
});

test('inspect --json prints the normalised feed', async () => {
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'inspect', `${base}/rss`, '--json'], c.io), 0);
  const feed = JSON.parse(c.out.join(''));
  assert.equal(feed.items.length, 2);
  assert.equal(feed.items[0].published, 1694713502000);
  assert.equal(feed.items[0].title, '普京与金正恩互赠步枪 克宫确认普京同意访平壤');
  assert.deepEqual(Object.keys(feed.items[0]).sort(), ['author', 'categories', 'content', 'enclosures', 'id', 'link', 'published', 'summary', 'title', 'updated']);
  assert.ok(Array.isArray(feed.warnings));
  // a feed that cannot be read: one line, exit 3
  const bad = capture();
  assert.equal(await main(['node', 'newsvault', 'inspect', `${base}/html`, '--log-format', 'text'], bad.io), 3);
  assert.match(bad.err.join(''), /^newsvault: .*not a feed/);
  assert.doesNotMatch(bad.err.join(''), /\n\s+at /);
});
