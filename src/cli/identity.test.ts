/**
 * Per-site identity through `newsvault run`, from newsvault.yaml to the server: two sources on one loopback
 * server, under two host names (127.0.0.1 and localhost — two hosts to the cookie rules, which ignore ports).
 * Every request of each source — feed, article pages (fullText: always), images (assets) — arrives with its own
 * User-Agent and headers (the run's as defaults); a cookies.txt cookie reaches only its domain; a cookie the
 * site sets comes back on the next requests and the next run (kept in .newsvault/cookies/), an expired one does
 * not; no cookie crosses to the other host or the other source. Afterwards nothing the archive's git would keep,
 * nor the report, nor the log, holds a cookie value. A bad header in newsvault.yaml stops the run with exit 2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { closeDispatchers } from '../fetch/index.ts';
import { mergeIgnore } from '../git/ignore.ts';
import { listFiles, png, tempDir } from '../extract/test-helpers.ts';
import { main } from './main.ts';

const IMAGE = png(4, 4, [200, 40, 40]);
const SECRETS = ['CONSENT-SECRET', 'STALE-SECRET', 'FILE-SECRET-A', 'LOCALHOST-SECRET', 'TOKEN-SECRET'];

interface Seen {
  host: string;
  path: string;
  ua: string;
  lang: string;
  source: string;
  cookie: string;
  authorization: string;
}
const seen: Seen[] = [];
let server: http.Server;
let port = 0;
const ip = () => `http://127.0.0.1:${port}`;
const name = () => `http://localhost:${port}`;

const body = (tag: string) => `${tag} 的全文：这段文字只在网页上，从网页抓取后才会进入存档。`.repeat(8);

function feed(src: string, base: string, imageBase: string): string {
  const items = [1, 2].map(
    (n) => `<item><title>${src} 条目 ${n}</title><link>${base}/${src}/page/${n}</link><guid isPermaLink="false">${src}-${n}</guid>
    <pubDate>Wed, 10 Apr 2024 0${n}:30:00 GMT</pubDate><description>摘要 ${n}</description></item>`,
  );
  void imageBase;
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${src}</title><link>${base}/</link><description>x</description>${items.join('')}</channel></rss>`;
}

/** Where each source's images are: a's on the other host name (localhost), b's on 127.0.0.1 where a's cookies live. */
const imageBase = (src: string) => (src === 'a' ? name() : ip());
const feedBase = (src: string) => (src === 'a' ? ip() : name());

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const h = req.headers;
    seen.push({
      host: (h.host ?? '').replace(/:\d+$/, ''),
      path: url.pathname,
      ua: h['user-agent'] ?? '',
      lang: h['accept-language'] ?? '',
      source: String(h['x-source'] ?? ''),
      cookie: h.cookie ?? '',
      authorization: h.authorization ?? '',
    });
    const [, src, kind, n] = url.pathname.split('/');
    if (src !== 'a' && src !== 'b') {
      res.writeHead(404);
      res.end();
    } else if (kind === 'feed.xml') {
      const headers: Record<string, string | string[]> = { 'content-type': 'application/rss+xml; charset=utf-8' };
      // a's site sets a consent cookie (and one already expired) with its feed
      if (src === 'a') headers['set-cookie'] = ['consent=CONSENT-SECRET; Path=/; Max-Age=86400', 'stale=STALE-SECRET; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT'];
      res.writeHead(200, headers);
      res.end(feed(src, feedBase(src), imageBase(src)));
    } else if (kind === 'page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><title>${src} ${n}</title></head><body><article><h1>${src} ${n}</h1><p>${body(`${src}${n}`)}</p>` +
          `<p><img src="${imageBase(src)}/${src}/img/${n}.png" alt="图"></p><p>${body(`${src}${n}`)}</p></article></body></html>`,
      );
    } else if (kind === 'img') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(IMAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await closeDispatchers();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) } };
};

async function run(archive: string): Promise<{ code: number; out: string; err: string; requests: Seen[] }> {
  const from = seen.length;
  const c = capture();
  const code = await main(['node', 'newsvault', 'run', '--archive', archive, '--only', 'a', 'b', '--json'], c.io);
  return { code, out: c.out.join('\n'), err: c.err.join('\n'), requests: seen.slice(from) };
}

const future = () => Math.floor(Date.now() / 1000) + 30 * 86400;

test('each source\'s requests carry its own identity; cookies go only where they belong, and come back on the next run', async () => {
  const dir = await tempDir();
  const archive = path.join(dir, 'archive');
  await fs.mkdir(archive);
  // the user's cookies, outside the archive: one for 127.0.0.1 under /a, one for localhost
  await fs.writeFile(
    path.join(dir, 'a-cookies.txt'),
    `# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/a\tFALSE\t${future()}\tfromfile\tFILE-SECRET-A\nlocalhost\tFALSE\t/\tFALSE\t${future()}\tlh\tLOCALHOST-SECRET\n`,
  );
  await fs.writeFile(
    path.join(archive, 'newsvault.yaml'),
    [
      'run:',
      '  userAgent: RunAgent/1.0',
      '  headers: { Accept-Language: zh-CN }',
      '  assets: true',
      '  retries: 0',
      '  perHostDelayMs: 0',
      '  allowPrivateNetworks: true',
      'sources:',
      '  a:',
      `    feed: ${ip()}/a/feed.xml`,
      '    fullText: always',
      '    userAgent: "AgentA/2.0 (compatible)"',
      '    headers: { X-Source: a, Authorization: { env: NEWSVAULT_TEST_A_TOKEN } }',
      '    cookies: ../a-cookies.txt',
      '    cookieJar: true',
      '  b:',
      `    feed: ${name()}/b/feed.xml`,
      '    fullText: always',
      '    headers: { X-Source: b, Accept-Language: en }',
      '',
    ].join('\n'),
  );

  process.env.NEWSVAULT_TEST_A_TOKEN = 'Bearer TOKEN-SECRET';
  const first = await run(archive);
  assert.equal(first.code, 0, first.err);
  const report = JSON.parse(first.out) as { sources: { slug: string; new: number; fullText: number }[] };
  for (const slug of ['a', 'b']) {
    const r = report.sources.find((s) => s.slug === slug);
    assert.equal(r?.new, 2, `${slug}: two articles`);
    assert.equal(r?.fullText, 2, `${slug}: both from their pages`);
  }
  const of = (src: string) => first.requests.filter((r) => r.path.startsWith(`/${src}/`));
  const kinds = (src: string) => new Set(of(src).map((r) => r.path.split('/')[2]));
  assert.deepEqual(kinds('a'), new Set(['feed.xml', 'page', 'img']), 'a: feed, pages and images were requested');
  assert.deepEqual(kinds('b'), new Set(['feed.xml', 'page', 'img']));

  // User-Agent and headers: each source its own on every request; b takes the run's User-Agent
  for (const r of of('a')) assert.deepEqual([r.ua, r.source, r.lang], ['AgentA/2.0 (compatible)', 'a', 'zh-CN'], `a ${r.host}${r.path}`);
  for (const r of of('b')) assert.deepEqual([r.ua, r.source, r.lang], ['RunAgent/1.0', 'b', 'en'], `b ${r.host}${r.path}`);

  // cookies: a's feed carries its file cookie; its pages on 127.0.0.1 also the consent cookie set with the feed
  const cookies = (r: Seen) => r.cookie.split('; ').filter(Boolean).sort();
  const aFeed = of('a').filter((r) => r.path === '/a/feed.xml');
  assert.deepEqual(aFeed.map(cookies), [['fromfile=FILE-SECRET-A']]);
  for (const r of of('a').filter((x) => x.path.startsWith('/a/page/'))) {
    assert.equal(r.host, '127.0.0.1');
    assert.deepEqual(cookies(r), ['consent=CONSENT-SECRET', 'fromfile=FILE-SECRET-A'], r.path);
  }
  // a's images are on localhost: only the localhost cookie, never 127.0.0.1's
  for (const r of of('a').filter((x) => x.path.startsWith('/a/img/'))) {
    assert.equal(r.host, 'localhost');
    assert.deepEqual(cookies(r), ['lh=LOCALHOST-SECRET'], r.path);
  }
  // b has no cookies: none of a's reach it, not even on 127.0.0.1 where its images are
  for (const r of of('b')) assert.equal(r.cookie, '', `b ${r.host}${r.path}`);
  assert.ok(of('b').some((r) => r.host === '127.0.0.1'), 'b requested something on 127.0.0.1');
  // the expired cookie never came back
  assert.ok(first.requests.every((r) => !r.cookie.includes('STALE-SECRET')));
  // Authorization: only to the origin of a's own feed (127.0.0.1), not to its images on localhost, never for b
  for (const r of first.requests) {
    const expected = r.path.startsWith('/a/') && r.host === '127.0.0.1' ? 'Bearer TOKEN-SECRET' : '';
    assert.equal(r.authorization, expected, `${r.host}${r.path}`);
  }

  // the next run: the consent cookie set last time is sent with a's feed; the jar is in .newsvault/cookies/
  const second = await run(archive);
  assert.equal(second.code, 0, second.err);
  const again = second.requests.filter((r) => r.path === '/a/feed.xml');
  assert.deepEqual(again.map(cookies), [['consent=CONSENT-SECRET', 'fromfile=FILE-SECRET-A']]);
  assert.ok(second.requests.filter((r) => r.path.startsWith('/b/')).every((r) => r.cookie === ''));
  const jar = await fs.readFile(path.join(archive, '.newsvault', 'cookies', 'a.json'), 'utf8');
  assert.match(jar, /CONSENT-SECRET/);
  assert.ok(!jar.includes('FILE-SECRET-A') && !jar.includes('LOCALHOST-SECRET') && !jar.includes('STALE-SECRET'), 'the file\'s cookies are read, never copied');
  await assert.rejects(fs.stat(path.join(archive, '.newsvault', 'cookies', 'b.json')), 'b keeps no cookies');

  // nothing outside .newsvault/, nor the report, nor the log holds a secret
  for (const text of [first.out, first.err, second.out, second.err]) for (const s of SECRETS) assert.ok(!text.includes(s), `${s} in the output`);
  const files = (await listFiles(archive)).filter((f) => !f.startsWith('.newsvault/'));
  assert.ok(files.some((f) => f.startsWith('articles/a/')) && files.some((f) => f.startsWith('assets/')), 'articles and images were written');
  for (const f of files) {
    const content = await fs.readFile(path.join(archive, f));
    for (const s of SECRETS) assert.ok(!content.includes(s), `${s} in ${f}`);
  }
  // and git, with the archive's .gitignore, would commit none of them
  await fs.writeFile(path.join(archive, '.gitignore'), mergeIgnore(null));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: archive, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  git('init', '-q');
  git('add', '-A');
  const staged = git('ls-files');
  assert.ok(staged.includes('articles/a/') && !staged.includes('.newsvault'), 'the articles are staged, the state is not');
  for (const s of SECRETS) {
    const found = spawnSync('git', ['grep', '--cached', '-l', '--fixed-strings', '-e', s], { cwd: archive, encoding: 'utf8' });
    assert.equal(found.status, 1, `${s} is in no staged file (git grep: ${found.stdout}${found.stderr})`);
  }
});

test('a bad header in newsvault.yaml: exit 2, one line naming the file and the header, nothing fetched, no value shown', async () => {
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, 'newsvault.yaml'), `sources:\n  a:\n    feed: ${ip()}/a/feed.xml\n    headers: { X-Token: "v\\r\\nCookie: TOKEN-SECRET" }\n`);
  const from = seen.length;
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', dir, '--only', 'a'], c.io), 2);
  const err = c.err.join('\n');
  assert.match(err, /newsvault\.yaml: sources\.a\.headers\.X-Token: must not hold a line break \(U\+000D at character 2\)/);
  assert.ok(!err.includes('TOKEN-SECRET'));
  assert.equal(seen.length, from, 'nothing was fetched');

  // a header from the environment, not set: the same, naming the variable
  await fs.writeFile(path.join(dir, 'newsvault.yaml'), `sources:\n  a:\n    feed: ${ip()}/a/feed.xml\n    headers: { Authorization: { env: NEWSVAULT_TEST_UNSET } }\n`);
  delete process.env.NEWSVAULT_TEST_UNSET;
  const unset = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', dir, '--only', 'a'], unset.io), 2);
  assert.match(unset.err.join('\n'), /newsvault\.yaml: sources\.a\.headers\.Authorization: the environment variable NEWSVAULT_TEST_UNSET is not set/);
  assert.equal(seen.length, from, 'nothing was fetched');
});
