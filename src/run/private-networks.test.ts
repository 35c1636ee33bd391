/**
 * Issue 8, through the run: a feed steering full-text and image fetches to private addresses. The feed is
 * on 127.0.0.1 (the user's own URL: trusted); its items point their links (fullText: always) and images
 * (assets on) back at the same server through every spelling of loopback. With allowPrivateNetworks:
 * false nothing from those is requested or archived and the warnings name the refusal; unset
 * (automatic), a feed on loopback keeps working; true allows what automatic refuses (a feed read from a
 * file counts as public). And an image several articles use is fetched once per run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Source } from '../domain.ts';
import { closeDispatchers, type FetchOptions } from '../fetch/index.ts';
import { listFiles, png, tempDir } from '../extract/test-helpers.ts';
import { runArchive, type SourceReport } from './index.ts';

const IMAGE = png(4, 4, [20, 90, 200]);
const pageText = (name: string) => `PAGE-TEXT-${name}：这是网页上的全文，只有从网页抓取才会出现在存档里。`.repeat(6);

/** Requests per path (query included), on both servers. */
const hits = new Map<string, number>();
let servers: http.Server[] = [];
let port = 0;
let port6: number | null = null;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const key = url.pathname + url.search;
  hits.set(key, (hits.get(key) ?? 0) + 1);
  const to = url.searchParams.get('to');
  if (url.pathname === '/go' && to !== null) {
    res.writeHead(302, { location: to });
    res.end();
  } else if (url.pathname === '/feed.xml' || url.pathname === '/moved-feed.xml') {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
    res.end(feedXml());
  } else if (url.pathname === '/old-feed.xml') {
    res.writeHead(301, { location: `http://127.0.0.1:${port}/moved-feed.xml` });
    res.end();
  } else if (url.pathname.startsWith('/page/')) {
    const name = url.pathname.slice('/page/'.length);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>${name}</title></head><body><article><h1>${name}</h1><p>${pageText(name)}</p><p><img src="/img/page-${name}.png"></p><p>${pageText(name)}</p></article></body></html>`);
  } else if (url.pathname.startsWith('/img/')) {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(IMAGE);
  } else {
    res.writeHead(404);
    res.end();
  }
}

/** Every way the feed names this server: [name, host:port]. */
function hosts(): [string, string][] {
  const list: [string, string][] = [
    ['literal', `127.0.0.1:${port}`],
    ['name', `localhost:${port}`],
    ['decimal', `2130706433:${port}`],
    ['hex', `0x7f000001:${port}`],
    ['zero', `0.0.0.0:${port}`],
    ['mapped', `[::ffff:127.0.0.1]:${port}`],
  ];
  if (port6 !== null) list.push(['v6', `[::1]:${port6}`]);
  return list;
}

function item(name: string, link: string, img: string): string {
  return `<item><title>条目 ${name}</title><link>${link}</link><guid isPermaLink="false">${name}</guid>
  <pubDate>Wed, 10 Apr 2024 06:30:00 GMT</pubDate>
  <description><![CDATA[<p>摘要 ${name}</p><p><img src="${img}" alt="${name}"></p>]]></description></item>`;
}

function feedXml(): string {
  const items = hosts().map(([name, host]) => item(name, `http://${host}/page/${name}`, `http://${host}/img/${name}.png`));
  const go = (p: string) => `http://127.0.0.1:${port}/go?to=${encodeURIComponent(`http://127.0.0.1:${port}${p}`)}`;
  items.push(item('redirect', go('/page/redirect'), go('/img/redirect.png')));
  // protocol-relative: resolved against the item's link
  items.push(item('protocol-relative', `http://127.0.0.1:${port}/page/protocol-relative`, `//127.0.0.1:${port}/img/protocol-relative.png`));
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>回环测试</title><link>http://127.0.0.1:${port}/</link><description>x</description>
${items.join('\n')}
</channel></rss>`;
}

before(async () => {
  const listen = (host: string) =>
    new Promise<http.Server | null>((resolve) => {
      const server = http.createServer(handler);
      server.once('error', () => resolve(null));
      server.listen(0, host, () => resolve(server));
    });
  const v4 = await listen('127.0.0.1');
  assert.ok(v4);
  port = (v4.address() as AddressInfo).port;
  const v6 = await listen('::1'); // a machine without IPv6 loopback skips [::1]
  port6 = v6 === null ? null : (v6.address() as AddressInfo).port;
  servers = v6 === null ? [v4] : [v4, v6];
});

after(async () => {
  await closeDispatchers();
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

const source = (slug: string, feed: string): Source => ({ slug, name: slug, feeds: [feed], enabled: true, fullText: 'always' });

async function run(root: string, sources: Source[], policy: Record<string, boolean | undefined>): Promise<Map<string, SourceReport>> {
  hits.clear();
  const report = await runArchive({
    root,
    sources,
    assets: true,
    fetch: { retry: { retries: 0 } },
    fetchFor: (s): FetchOptions => (policy[s.slug] === undefined ? {} : { allowPrivateNetworks: policy[s.slug]! }),
  });
  return new Map(report.sources.map((r) => [r.slug, r]));
}

async function articleTexts(root: string): Promise<string> {
  const files = (await listFiles(root)).filter((f) => f.startsWith('articles/') && f.endsWith('.md'));
  return (await Promise.all(files.map((f) => fs.readFile(path.join(root, f), 'utf8')))).join('\n');
}

const requested = () => [...hits.keys()].sort();

test('allowPrivateNetworks: false — a feed on 127.0.0.1 is read, but nothing it points to on loopback is requested or archived', async () => {
  const root = await tempDir();
  const reports = await run(root, [source('strict', `http://127.0.0.1:${port}/feed.xml`), source('moved', `http://127.0.0.1:${port}/old-feed.xml`)], {
    strict: false,
    moved: false,
  });

  // the only requests: the two feed URLs as configured (trusted first hops)
  assert.deepEqual(requested(), ['/feed.xml', '/old-feed.xml']);

  const strict = reports.get('strict')!;
  const names = [...hosts().map(([n]) => n), 'redirect', 'protocol-relative'];
  assert.equal(strict.new, names.length, strict.errors.join('\n'));
  assert.equal(strict.fullText, 0);
  for (const name of names) {
    assert.ok(
      strict.warnings.some((w) => w.startsWith(`full text of "条目 ${name}" not extracted`) && /refused: .*(loopback|unspecified)/.test(w)),
      `page of ${name}: ${strict.warnings.join('\n')}`,
    );
    assert.ok(
      strict.warnings.some((w) => w.startsWith('image ') && (w.includes(`/img/${name}.png`) || (name === 'redirect' && w.includes('%2Fimg%2Fredirect.png')))),
      `image of ${name}`,
    );
  }
  const imageWarnings = strict.warnings.filter((w) => w.startsWith('image '));
  assert.equal(imageWarnings.length, names.length);
  for (const w of imageWarnings) assert.match(w, /not kept: .*refused: .*(loopback|unspecified).*set allowPrivateNetworks to allow/);

  // the feed's own redirect to loopback is refused too: that source could not be read
  const moved = reports.get('moved')!;
  assert.equal(moved.status, 'failed');
  assert.match(moved.errors[0]!, /moved-feed\.xml: refused: 127\.0\.0\.1 is a loopback address/);

  // archived: the feed's own text, remote image links, no page text, no asset
  const texts = await articleTexts(root);
  assert.doesNotMatch(texts, /PAGE-TEXT/);
  assert.match(texts, /摘要 literal/);
  assert.ok(!(await listFiles(root)).some((f) => f.startsWith('assets/')), 'no image stored');
});

test('unset (automatic): the same feed on 127.0.0.1 keeps working — pages and images on loopback are archived', async () => {
  const root = await tempDir();
  const reports = await run(root, [source('auto', `http://127.0.0.1:${port}/feed.xml`)], {});
  const auto = reports.get('auto')!;
  assert.ok(!auto.warnings.some((w) => /refused: /.test(w)), auto.warnings.join('\n'));
  const texts = await articleTexts(root);
  for (const name of ['literal', 'name', 'decimal', 'hex', 'redirect', 'protocol-relative', ...(port6 === null ? [] : ['v6'])]) {
    assert.match(texts, new RegExp(`PAGE-TEXT-${name}`), name);
  }
  assert.equal(hits.get('/page/literal'), 1);
  // the pages' images, on loopback too, are kept (one picture: stored once)
  assert.equal((await listFiles(root)).filter((f) => f.startsWith('assets/')).length, 1);
  assert.match(texts, /<img src="\.\.\/\.\.\/\.\.\/\.\.\/assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.png" data-original-src="http:\/\/127\.0\.0\.1:\d+\/img\/page-literal\.png">/);
});

test('a feed read from a file counts as public: automatic refuses its loopback links, true allows them', async () => {
  const dir = await tempDir();
  const feedFile = path.join(dir, 'saved-feed.xml');
  await fs.writeFile(feedFile, feedXml());

  const refusedRoot = await tempDir();
  const refused = (await run(refusedRoot, [source('file', feedFile)], {})).get('file')!;
  assert.deepEqual(requested(), []);
  assert.ok(refused.warnings.some((w) => /refused: 127\.0\.0\.1 is a loopback address/.test(w)));
  assert.doesNotMatch(await articleTexts(refusedRoot), /PAGE-TEXT/);

  const allowedRoot = await tempDir();
  const allowed = (await run(allowedRoot, [source('file', feedFile)], { file: true })).get('file')!;
  assert.ok(!allowed.warnings.some((w) => /refused: /.test(w)), allowed.warnings.join('\n'));
  assert.match(await articleTexts(allowedRoot), /PAGE-TEXT-literal/);
  assert.equal(hits.get('/page/literal'), 1);
});

test('an image used by many articles and sources is requested once per run, a failing one too', async () => {
  const root = await tempDir();
  const shared = `http://127.0.0.1:${port}/img/shared.png`;
  const missing = `http://127.0.0.1:${port}/nothing/here.png`;
  const feed = (tag: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title><link>http://127.0.0.1:${port}/</link><description>x</description>` +
    Array.from(
      { length: 4 },
      (_, i) =>
        `<item><title>${tag} ${i}</title><link>http://127.0.0.1:${port}/a/${tag}/${i}</link><guid isPermaLink="false">${tag}-${i}</guid>` +
        `<description><![CDATA[<p>${'正文'.repeat(300)}</p><img src="${shared}"><img src="${missing}">]]></description></item>`,
    ).join('') +
    '</channel></rss>';
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, 'a.xml'), feed('a'));
  await fs.writeFile(path.join(dir, 'b.xml'), feed('b'));
  const sources: Source[] = ['a', 'b'].map((s) => ({ slug: s, name: s, feeds: [path.join(dir, `${s}.xml`)], enabled: true, fullText: 'never' }));
  const reports = await run(root, sources, { a: true, b: true });

  assert.equal(hits.get('/img/shared.png'), 1, 'eight articles, one request');
  assert.equal(hits.get('/nothing/here.png'), 1, 'a 404 is not asked for again by every article');
  const assets = (await listFiles(root)).filter((f) => f.startsWith('assets/'));
  assert.equal(assets.length, 1);
  const texts = await articleTexts(root);
  assert.equal(texts.match(/data-original-src="http:\/\/127\.0\.0\.1:\d+\/img\/shared\.png"/g)?.length, 8, 'every article links the stored copy');
  for (const r of reports.values()) {
    assert.equal(r.new, 4);
    assert.equal(r.warnings.filter((w) => w.includes('/nothing/here.png') && /HTTP 404/.test(w)).length, 4, 'each article still says its image was not kept');
  }
});
