/**
 * `newsvault serve` against a real archive: a feed of Chinese articles served on 127.0.0.1, archived by the real
 * `newsvault run` (twice: the second time one article has changed, so it has a revision), indexed by
 * `newsvault reindex`; then the reader on 127.0.0.1, port 0, asked over HTTP (fetch) and over raw sockets
 * (node:net, so that no client normalises the hostile paths first).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { main } from '../cli/main.ts';
import { STATIC_DIR } from '../site/index.ts';
import { tempDir } from '../testing/tree.ts';
import { startServer, type ReaderServer } from './index.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 1, 2, 0);

interface Item {
  guid: string;
  title: string;
  html: string;
  published: number;
}

const PARA = '<p>这是一篇用于测试的新闻报道，内容来自公开的国际新闻，记者在现场进行了详细的采访和记录。</p>';

/** The articles of the feed: real-sounding news in simplified Chinese, and 24 more that share a word (paging). */
function items(round: number): Item[] {
  const list: Item[] = [
    {
      guid: 'putin-kim',
      title: '普京与金正恩在远东会面',
      html: `<p>俄罗斯总统普京周三在沃斯托奇尼航天发射场会见了朝鲜领导人金正恩，双方讨论了军事合作。</p>${PARA}`,
      published: T0,
    },
    {
      guid: 'xi-biden',
      title: '习近平在旧金山会见拜登',
      html: `<p>中国国家主席习近平周三在旧金山会见美国总统拜登，双方讨论了台湾问题和人工智能的风险。</p>${PARA}`,
      published: T0 + 3_600_000,
    },
    {
      guid: 'drill',
      title: '中俄举行联合军演 <script>alert(1)</script>',
      html:
        round === 0
          ? `<p>中俄两国海军周一在日本海举行联合演习，这是两国今年第二次联合演习。</p>${PARA}`
          : `<p>中俄两国海军周一在日本海举行联合演习，这是两国今年第三次联合演习，规模有所扩大。</p>${PARA}`,
      published: T0 + 2 * 3_600_000,
    },
  ];
  for (let i = 0; i < 24; i++) {
    list.push({
      guid: `weather-${i}`,
      title: `第${i + 1}号台风预报：沿海天气转差`,
      html: `<p>气象台发布第${i + 1}号台风预报，沿海地区天气将明显转差，请居民注意防范。</p>${PARA}`,
      published: T0 - (i + 1) * DAY,
    });
  }
  if (round >= 2) {
    list.push({
      guid: 'mars',
      title: '火星探测器成功着陆',
      html: `<p>新的火星探测器周五成功着陆，科学家将开始分析火星土壤样本。</p>${PARA}`,
      published: T0 + 5 * 3_600_000,
    });
  }
  return list;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function rss(round: number, base: string): string {
  const body = items(round)
    .map(
      (it) =>
        `<item><title>${xml(it.title)}</title><link>${base}/news/${it.guid}</link><guid isPermaLink="false">${it.guid}</guid>` +
        `<pubDate>${new Date(it.published).toUTCString()}</pubDate><description>${xml(it.html)}</description></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>演示新闻</title><link>${base}/</link><description>测试</description>\n${body}\n</channel></rss>`;
}

let feedServer: http.Server;
let round = 0;
let feedBase = '';
let root = '';
let reader: ReaderServer;
const errors: unknown[] = [];

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

async function runArchive(): Promise<void> {
  const c = capture();
  const code = await main(['node', 'newsvault', 'run', '--archive', root, '--json'], c.io);
  assert.equal(code, 0, c.err.join('\n') + c.out.join('\n'));
}

/** Every file under `dir` (the index and state included) → its sha256; links by their target. */
async function treeHash(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (e.isDirectory()) {
        out.set(`${rel}/`, 'dir');
        await walk(full);
      } else if (e.isSymbolicLink()) out.set(rel, `-> ${await fs.readlink(full)}`);
      else out.set(rel, createHash('sha256').update(await fs.readFile(full)).digest('hex'));
    }
  };
  await walk(dir);
  return out;
}

/** One raw HTTP/1.1 request over a socket, exactly as written: the status and the whole response. */
function raw(port: number, target: string, host = `127.0.0.1:${port}`, method = 'GET'): Promise<{ status: number; text: string; headers: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const headEnd = text.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, text, headers: headEnd >= 0 ? text.slice(0, headEnd) : text });
    });
    socket.write(Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 'latin1'));
  });
}

async function get(p: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(new URL(p, reader.url));
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The href of the first link whose text includes `text`. */
function hrefOf(html: string, text: string): string {
  for (const m of html.matchAll(/<a\b[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)) if (m[2]!.includes(text)) return m[1]!.replace(/&amp;/g, '&');
  throw new Error(`no link with ${text}`);
}

before(async () => {
  feedServer = http.createServer((req, res) => {
    if (req.url === '/rss') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(rss(round, feedBase));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
  feedBase = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}`;
  root = path.join(await tempDir('newsvault-serve-'), 'archive');
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(
    path.join(root, 'newsvault.yaml'),
    [
      'sources:',
      ...['rfi', 'bbc', 'voa', 'nytimes', 'dw', 'rfa', 'ftchinese', 'cdt'].map((s) => `  ${s}: { enabled: false }`),
      `  demo: { name: 演示新闻, feed: "${feedBase}/rss", fullText: never }`,
      'run:',
      '  retries: 0',
      '',
    ].join('\n'),
  );
  await runArchive();
  round = 1;
  await runArchive(); // one article changed: a revision
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'reindex', '--archive', root], c.io), 0, c.err.join('\n'));
  // a mirrored image, content-addressed as the assets stage stores it, and a link that tries to leave assets/
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const hash = createHash('sha256').update(png).digest('hex');
  await fs.mkdir(path.join(root, 'assets', hash.slice(0, 2)), { recursive: true });
  await fs.writeFile(path.join(root, 'assets', hash.slice(0, 2), `${hash}.png`), png);
  const evil = 'ab' + 'c'.repeat(62);
  await fs.mkdir(path.join(root, 'assets', 'ab'), { recursive: true });
  await fs.symlink(path.join('..', '..', 'newsvault.yaml'), path.join(root, 'assets', 'ab', `${evil}.png`));
  reader = await startServer({ root, port: 0, onError: (e) => errors.push(e) });
});

after(async () => {
  await reader?.close();
  await new Promise<void>((resolve) => feedServer.close(() => resolve()));
});

let treeBefore: Map<string, string>;

test('binds 127.0.0.1 on a free port and says where', async () => {
  treeBefore = await treeHash(root);
  assert.equal(reader.address, '127.0.0.1');
  assert.ok(reader.port > 0);
  assert.equal(reader.url, `http://127.0.0.1:${reader.port}/`);
  assert.equal(reader.loopback, true);
});

test('the pages: home, a source, days, sources, an article, its history and diff', async () => {
  const home = await get('/');
  assert.equal(home.status, 200);
  assert.match(home.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
  assert.match(home.text, /<html lang="zh-Hans"/);
  assert.match(home.text, /普京与金正恩在远东会面/);
  assert.match(home.text, /习近平在旧金山会见拜登/);
  assert.doesNotMatch(home.text, /<script>alert/);
  assert.equal((await get('/index.html')).text, home.text);

  const article = await get(`/${hrefOf(home.text, '普京与金正恩')}`);
  assert.equal(article.status, 200);
  assert.match(article.text, /沃斯托奇尼航天发射场/);

  const source = await get('/s/demo/index.html');
  assert.equal(source.status, 200);
  assert.match(source.text, /演示新闻/);
  assert.equal((await get('/s/demo/')).text, source.text);

  const days = await get('/d/index.html');
  assert.equal(days.status, 200);
  assert.match(days.text, /2024-03-01/);
  assert.match((await get('/d/2024-03-01.html')).text, /普京与金正恩在远东会面/);

  const sources = await get('/sources.html');
  assert.equal(sources.status, 200);
  assert.match(sources.text, /演示新闻/);

  // the changed article: its history and the diff of version 1 → 2
  const drillPath = hrefOf(home.text, '中俄举行联合军演');
  const history = await get(`/${drillPath.replace(/\.html$/, '/history.html')}`);
  assert.equal(history.status, 200, history.text);
  const diff = await get(`/${drillPath.replace(/\.html$/, '/diff-1.html')}`);
  assert.equal(diff.status, 200);
  assert.match(diff.text, /<del>[^<]*二[^<]*<\/del>/);
  assert.match(diff.text, /<ins>[^<]*三[^<]*<\/ins>/);
  assert.match(history.text, /diff-1\.html/);

  for (const p of ['/nothing.html', '/a/demo/aaaaaaaaaa.html', '/s/nosuch/index.html', '/d/2024-02-30.html', '/page/99.html']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.match(r.text, /<html/, 'a 404 page in the site shell');
  }
});

test('HEAD answers with the headers and no body; other methods get 405', async () => {
  const head = await fetch(reader.url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
    const res = await fetch(reader.url, { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    await res.arrayBuffer();
  }
});

test('search: a two-character word, traditional finds simplified, escaped highlighted snippets, paging', async () => {
  const putin = await get('/search.html?q=' + encodeURIComponent('普京'));
  assert.equal(putin.status, 200);
  assert.match(putin.text, /id="search-results"/);
  assert.match(putin.text, /<mark>普京<\/mark>/);
  assert.match(putin.text, /普京与金正恩在远东会面/);
  assert.doesNotMatch(putin.text, /习近平在旧金山/);
  // the link of a hit opens the article
  const article = await get(`/${hrefOf(putin.text, '普京与金正恩')}`);
  assert.equal(article.status, 200);
  assert.match(article.text, /沃斯托奇尼/);

  const xi = await get('/search.html?q=' + encodeURIComponent('習近平'));
  assert.match(xi.text, /习近平在旧金山会见拜登/);
  assert.match(xi.text, /<mark>习近平<\/mark>/);

  // a title holding markup is text in the results
  const drill = await get('/search.html?q=' + encodeURIComponent('军演'));
  assert.match(drill.text, /中俄举行联合军演/);
  assert.doesNotMatch(drill.text, /<script>alert/);
  assert.match(drill.text, /&lt;script&gt;|中俄举行联合军演 alert/);

  // the query is echoed escaped
  const hostile = await get('/search.html?q=' + encodeURIComponent('"><script>x</script>'));
  assert.doesNotMatch(hostile.text, /<script>x/);

  // 24 typhoon articles: 20 on page 1, 4 on page 2
  const p1 = await get('/search.html?q=' + encodeURIComponent('台风'));
  assert.equal((p1.text.match(/class="search-hit"/g) ?? []).length, 20);
  assert.match(p1.text, /24/);
  const next = hrefOf(p1.text, '下一页');
  const p2 = await get(`/${next}`);
  assert.equal((p2.text.match(/class="search-hit"/g) ?? []).length, 4);
  assert.match(p2.text, /rel="prev"/);

  const none = await get('/search.html?q=' + encodeURIComponent('不存在的词语'));
  assert.equal((none.text.match(/class="search-hit"/g) ?? []).length, 0);

  const bad = await get('/search.html?q=' + encodeURIComponent('"未闭合'));
  assert.equal(bad.status, 400);
  assert.match(bad.text, /id="search-form"/);

  const form = await get('/search.html');
  assert.equal(form.status, 200);
  assert.match(form.text, /id="search-form"/);
});

test('search without an index says how to build it, and builds nothing', async () => {
  const bare = path.join(await tempDir('newsvault-serve-bare-'), 'archive');
  await fs.cp(root, bare, { recursive: true, verbatimSymlinks: true });
  await fs.rm(path.join(bare, '.newsvault', 'index.sqlite'));
  const before = await treeHash(bare);
  const other = await startServer({ root: bare, port: 0 });
  try {
    const res = await fetch(new URL('search.html?q=' + encodeURIComponent('普京'), other.url));
    assert.equal(res.status, 200);
    assert.match(await res.text(), /newsvault reindex/);
    assert.equal((await fetch(other.url)).status, 200);
  } finally {
    await other.close();
  }
  assert.deepEqual(await treeHash(bare), before);
});

test('static files, mirrored images and feeds, with their types', async () => {
  const css = (await fs.readdir(STATIC_DIR)).find((n) => n.endsWith('.css'));
  assert.ok(css, 'the site has a stylesheet');
  const style = await get(`/static/${css}`);
  assert.equal(style.status, 200);
  assert.match(style.headers.get('content-type') ?? '', /^text\/css/);
  assert.equal(style.text, await fs.readFile(path.join(STATIC_DIR, css), 'utf8'));

  // opencc-js's converter, which the static build adds to static/ and the 简/繁 switch loads
  const cn2t = await fetch(new URL('static/cn2t.js', reader.url));
  assert.equal(cn2t.status, 200);
  assert.match(cn2t.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.deepEqual(Buffer.from(await cn2t.arrayBuffer()), await fs.readFile(createRequire(import.meta.url).resolve('opencc-js/cn2t')));
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) assert.equal((await get(`/static/${name}`)).status, 404, name);

  const [dir] = (await fs.readdir(path.join(root, 'assets'))).filter((d) => d !== 'ab');
  const [file] = await fs.readdir(path.join(root, 'assets', dir!));
  const img = await fetch(new URL(`assets/${dir}/${file}`, reader.url));
  assert.equal(img.status, 200);
  assert.equal(img.headers.get('content-type'), 'image/png');
  assert.equal(img.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await img.arrayBuffer()), await fs.readFile(path.join(root, 'assets', dir!, file!)));
  // a name not content-addressed, a wrong prefix, a link out of assets/: nothing
  for (const p of [`assets/${dir}/${file!.toUpperCase()}`, `assets/00/${file}`, `assets/${dir}/${file!.replace('.png', '.svg')}`, `assets/ab/ab${'c'.repeat(62)}.png`]) {
    const r = await get(`/${p}`);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.text, /sources:/);
  }

  const feeds: [string, RegExp, RegExp][] = [
    ['feeds/all.xml', /^application\/rss\+xml/, /<rss/],
    ['feeds/all.atom', /^application\/atom\+xml/, /<feed/],
    ['feeds/all.json', /^application\/feed\+json/, /jsonfeed\.org/],
    ['feeds/demo.xml', /^application\/rss\+xml/, /普京与金正恩在远东会面/],
  ];
  for (const [p, type, body] of feeds) {
    const r = await get(`/${p}`);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type') ?? '', type, p);
    assert.match(r.text, body, p);
  }
  assert.equal((await get('/feeds/nosuch.xml')).status, 404);
  assert.equal((await get('/feeds/all.html')).status, 404);
});

test('security headers on every response: pages, errors, files, feeds', async () => {
  const paths = ['/', '/search.html?q=%E6%99%AE%E4%BA%AC', '/nothing.html', '/feeds/all.xml', '/%c0%ae%c0%ae/x', '/static/nosuch.css'];
  const css = (await fs.readdir(STATIC_DIR)).find((n) => n.endsWith('.css'));
  if (css) paths.push(`/static/${css}`);
  for (const p of paths) {
    const r = await raw(reader.port, p);
    const h = r.headers.toLowerCase();
    assert.match(h, /\r\ncontent-security-policy: [^\r]*default-src 'none'[^\r]*frame-ancestors 'none'/, p);
    assert.match(h, /\r\ncontent-security-policy: [^\r]*script-src 'self'/, p);
    assert.doesNotMatch(h, /\r\ncontent-security-policy: [^\r]*unsafe-inline/, p);
    assert.match(h, /\r\nx-content-type-options: nosniff\r\n/, p);
    assert.match(h, /\r\nreferrer-policy: no-referrer\r\n/, p);
    assert.match(h, /\r\ncross-origin-opener-policy: same-origin\r\n/, p);
  }
  // the 400 the HTTP adapter gives a request target it cannot parse carries them too
  const r = await raw(reader.port, '/static/..\\..\\package.json');
  assert.equal(r.status, 400);
  assert.match(r.headers.toLowerCase(), /\r\ncontent-security-policy: /);
  assert.match(r.headers.toLowerCase(), /\r\nx-content-type-options: nosniff\r\n/);
});

test('path traversal in any form never leaves the site (raw requests)', async () => {
  const pkg = await fs.readFile(path.join(STATIC_DIR, '..', '..', '..', 'package.json'), 'utf8');
  assert.match(pkg, /"name": "newsvault"/);
  const corpus = [
    '/../../etc/passwd',
    '/../../../../../../etc/passwd',
    '/static/../../package.json',
    '/static/../../../package.json',
    '/static/../../../../package.json',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
    '/static/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
    '/static/..%2f..%2f..%2fpackage.json',
    '/static/%252e%252e/%252e%252e/%252e%252e/package.json',
    '/static/%252e%252e%252f%252e%252e%252fpackage.json',
    '/static/..\\..\\..\\package.json',
    '/..\\..\\etc\\passwd',
    '/static/..%5c..%5c..%5cpackage.json',
    '/static/%5c..%5c..%5cpackage.json',
    '/static/%00../../package.json',
    '/static/site.css%00.html',
    '/index.html%00',
    '/static/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/package.json',
    '/static/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afpackage.json',
    '/%e0%80%ae%e0%80%ae/%e0%80%ae%e0%80%ae/etc/passwd',
    '/%c1%9c..%c1%9c..%c1%9cetc/passwd',
    '/static/.%2e/.%2e/.%2e/package.json',
    '/assets/../newsvault.yaml',
    '/assets/%2e%2e/newsvault.yaml',
    '/assets/..%2fnewsvault.yaml',
    '/newsvault.yaml',
    '/.newsvault/index.sqlite',
    '/.newsvault/',
    '/articles/',
    '/articles/demo/index.jsonl',
    '/static/',
    '/static',
    '/assets/',
    '/feeds/',
    '/a/',
    '/static//etc/passwd',
    '//etc/passwd',
    '/a/demo/../../../../etc/passwd',
    '/s/demo/..%2f..%2f..%2f..%2fetc%2fpasswd',
    'http://127.0.0.1/../../etc/passwd',
    '/static/%2e%2e/site.css',
    '/static/.hidden',
    '/static/%2fetc%2fpasswd',
    '/%2fetc%2fpasswd',
  ];
  const yaml = await fs.readFile(path.join(root, 'newsvault.yaml'), 'utf8');
  for (const target of corpus) {
    const r = await raw(reader.port, target);
    assert.ok(r.status === 400 || r.status === 404, `${target}: ${r.status}`);
    assert.doesNotMatch(r.text, /root:[^:\r\n]*:0:0:/, target);
    assert.doesNotMatch(r.text, /"name": "newsvault"/, target);
    assert.ok(!r.text.includes(yaml.slice(0, 40)), target);
    assert.doesNotMatch(r.text, /SQLite format 3/, target);
    assert.doesNotMatch(r.text, /"path":"articles\//, target);
  }
  // and the same socket path reaches the site when the path is plain (the test can tell)
  assert.equal((await raw(reader.port, '/sources.html')).status, 200);
  assert.deepEqual(errors, []);
});

test('a request addressed to another host name (DNS rebinding) is refused', async () => {
  const r = await raw(reader.port, '/', 'attacker.example');
  assert.equal(r.status, 403);
  assert.doesNotMatch(r.text, /普京/);
  assert.equal((await raw(reader.port, '/', `localhost:${reader.port}`)).status, 200);
});

test('serving reads the archive only: every file is as it was', async () => {
  assert.deepEqual(await treeHash(root), treeBefore);
});

test('a run made while serving shows on the next request, search included', async () => {
  const before = await get('/');
  assert.doesNotMatch(before.text, /火星探测器/);
  round = 2;
  await runArchive();
  const home = await get('/');
  assert.match(home.text, /火星探测器成功着陆/);
  const found = await get('/search.html?q=' + encodeURIComponent('火星'));
  assert.match(found.text, /火星探测器成功着陆/);
  assert.match(found.text, /<mark>火星<\/mark>/);
  assert.deepEqual(errors, []);
});
