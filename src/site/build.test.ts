import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from 'htmlparser2';
import type { ChangeEvent } from '../archive/index.ts';
import type { FeedItem } from '../domain.ts';
import { parseFeedSync } from '../parse/index.ts';
import { FileArchive } from '../storage/index.ts';
import { listFiles, snapshot, tempDir } from '../testing/tree.ts';
import { BuildRefusal, STATE_FILE, buildSite } from './build.ts';
import { openSiteModel } from './model.ts';
import { PAGE_SIZE } from './pages.ts';
import { renderRoute, routeOf } from './index.ts';

const T0 = Date.UTC(2024, 2, 1, 2, 0);
const HOUR = 3_600_000;
const ASSET = `assets/ab/${'ab'.repeat(32)}.png`;
const XSS_TITLE = '普京<script>alert(1)</script>&quot;访问&quot;<img src=x onerror=alert(2)>';

function item(source: string, i: number, over: Partial<FeedItem> = {}): FeedItem {
  return {
    id: `guid-${source}-${i}`,
    title: `${source} 第${i}篇：普京访问平壤`,
    link: `https://${source}.example/news/${i}`,
    published: T0 + i * HOUR,
    updated: null,
    author: null,
    summary: null,
    content: `<p>第${i}篇。朝鲜领导人金正恩在平壤会见俄罗斯总统普京。</p><p>双方签署了合作协议。</p>`,
    categories: [],
    enclosures: [],
    ...over,
  };
}

/** Commits items as a run does (stores closed and finished) and returns the events. */
async function commit(root: string, items: [string, FeedItem][], now: number): Promise<ChangeEvent[]> {
  const archive = new FileArchive(root);
  const stores = new Map<string, Awaited<ReturnType<FileArchive['source']>>>();
  const events: ChangeEvent[] = [];
  for (const [source, it] of items) {
    let store = stores.get(source);
    if (!store) stores.set(source, (store = await archive.source(source)));
    events.push((await store.upsert(it, now)).event);
  }
  for (const store of stores.values()) {
    await store.close();
    await store.finish();
  }
  return events;
}

/** A small archive: rfi with more than a page of articles (one edited, one gone, one hostile, one with a mirrored
 *  image), dw with two. */
async function smallArchive(): Promise<string> {
  const root = await tempDir('newsvault-site-');
  mkdirSync(path.join(root, path.dirname(ASSET)), { recursive: true });
  writeFileSync(path.join(root, ASSET), Buffer.from('89504e470d0a1a0a', 'hex'));
  const items: [string, FeedItem][] = [];
  for (let i = 0; i < PAGE_SIZE + 10; i++) items.push(['rfi', item('rfi', i)]);
  items.push(['rfi', item('rfi', 100, { title: XSS_TITLE, content: '<p>正文<script>alert(3)</script><a href="javascript:alert(4)">链接</a><svg onload=alert(5)></svg></p>' })]);
  items.push(['rfi', item('rfi', 101, { content: `<p>有图</p><img src="../../../../${ASSET}" data-original-src="https://img.example/a.png" alt="会见现场">` })]);
  items.push(['dw', item('dw', 0)], ['dw', item('dw', 1)]);
  await commit(root, items, T0 + 200 * HOUR);
  // an edit: a second version of rfi 3
  await commit(root, [['rfi', item('rfi', 3, { content: '<p>第3篇。朝鲜领导人金正恩在平壤会见俄罗斯总统普京，并举行了宴会。</p><p>双方签署了合作协议。</p>' })]], T0 + 201 * HOUR);
  const store = await new FileArchive(root).source('rfi');
  const gone = store.all().find((r) => r.guid === 'guid-rfi-5')!;
  await store.markGone(gone.id, { now: T0 + 202 * HOUR, reason: 'HTTP 404', status: 404 });
  await store.close();
  await store.finish();
  return root;
}

function idOf(root: string, guid: string): Promise<string> {
  return openSiteModel(root).then((m) => m.all().find((a) => a.record.guid === guid)!.record.id);
}

/** The tags and attributes of a page that could run script. */
function scriptVectors(html: string): string[] {
  const found: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === 'script' && !/^(\.\.\/)*static\/(site|search)\.js$/.test(attribs.src ?? '')) found.push(`<script ${JSON.stringify(attribs)}>`);
        if (['iframe', 'object', 'embed', 'svg', 'math', 'form', 'base'].includes(name) && !(name === 'form' && attribs.id === 'search-form')) found.push(`<${name}>`);
        for (const [k, v] of Object.entries(attribs)) {
          if (/^on/.test(k)) found.push(`${name} ${k}`);
          if (/^\s*(javascript|data|vbscript):/i.test(v)) found.push(`${name} ${k}=${v}`);
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return found;
}

test('build: every page of a small archive, sanitised, with feeds, assets and static files; the archive is left as it was', async () => {
  const root = await smallArchive();
  const before = await snapshot(root);
  const out = path.join(root, 'site');
  const report = await buildSite(root, { out, baseUrl: 'https://user.example/mirror' });
  assert.deepEqual(await snapshot(root).then((s) => new Map([...s].filter(([k]) => !k.startsWith('site/')))), before);
  assert.equal(report.articles.rendered, PAGE_SIZE + 14);
  const files = new Set(await listFiles(out));
  const rfi3 = await idOf(root, 'guid-rfi-3');
  const rfi5 = await idOf(root, 'guid-rfi-5');
  const hostile = await idOf(root, 'guid-rfi-100');
  const pictured = await idOf(root, 'guid-rfi-101');
  for (const f of [
    'index.html', 'page/1.html', 'page/2.html', 'sources.html', 'search.html', 'd/index.html', 'd/2024-03-01.html', 's/rfi/index.html', 's/rfi/page/1.html',
    's/dw/index.html', `a/rfi/${rfi3}.html`, `a/rfi/${rfi3}/history.html`, `a/rfi/${rfi3}/diff-1.html`, 'feeds/all.xml', 'feeds/all.atom', 'feeds/all.json',
    'feeds/rfi.xml', 'feeds/dw.json', 'static/site.css', 'static/site.js', 'static/cn2t.js', ASSET, STATE_FILE, 'search/manifest.js',
  ]) {
    assert.ok(files.has(f), `${f} is built`);
  }
  assert.ok(!files.has('page/3.html') && !files.has('s/dw/page/1.html'));
  for (const f of files) {
    if (!f.endsWith('.html')) continue;
    const html = readFileSync(path.join(out, f), 'utf8');
    assert.deepEqual(scriptVectors(html), [], f);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;|<meta http-equiv="Content-Security-Policy" content="default-src 'none'/, f);
    assert.match(html, /<header class="site">[\s\S]*<nav [\s\S]*<main id="main"[\s\S]*<footer class="site">/, f);
    assert.match(html, /id="lang-switch"/, f);
    assert.doesNotMatch(html, /&amp;quot;|https?:\/\/[^"]*\.(css|js)"/, f);
  }
  const hostilePage = readFileSync(path.join(out, `a/rfi/${hostile}.html`), 'utf8');
  assert.match(hostilePage, /<h1>普京&lt;script&gt;alert\(1\)&lt;\/script&gt;"访问"&lt;img src=x onerror=alert\(2\)&gt;<\/h1>/);
  assert.match(hostilePage, /<div id="article-body" class="article-body">\n<p>正文<a>链接<\/a><\/p>/);
  const picturePage = readFileSync(path.join(out, `a/rfi/${pictured}.html`), 'utf8');
  assert.match(picturePage, new RegExp(`<img src="\\.\\./\\.\\./${ASSET}" alt="会见现场"`));
  const gonePage = readFileSync(path.join(out, `a/rfi/${rfi5}.html`), 'utf8');
  assert.match(gonePage, /已从来源删除/);
  assert.match(gonePage, /HTTP 404/);
  const edited = readFileSync(path.join(out, `a/rfi/${rfi3}.html`), 'utf8');
  assert.match(edited, new RegExp(`href="${rfi3}/history.html"`));
  const diff = readFileSync(path.join(out, `a/rfi/${rfi3}/diff-1.html`), 'utf8');
  assert.match(diff, /<ins>，并举行了宴会<\/ins>/);
  const home = readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.equal((home.match(/<li data-id=/g) ?? []).length, PAGE_SIZE);
  assert.match(home, /<a href="page\/1.html">最早<\/a>/);
  // the search page carries the markup the client script fills
  const search = readFileSync(path.join(out, 'search.html'), 'utf8');
  assert.match(search, /<form id="search-form" role="search" action="search.html" method="get">/);
  assert.match(search, /<script src="static\/search.js" defer data-root=""><\/script>/);
  // the same pages are what renderRoute gives (serve renders them live)
  const model = await openSiteModel(root);
  assert.equal(await renderRoute(model, routeOf(`a/rfi/${rfi3}.html`)!, { mode: 'static' }), edited);
  assert.equal(await renderRoute(model, routeOf('a/rfi/aaaaaaaaaa.html')!, { mode: 'static' }), null);
});

test('build: the feeds parse back through the parser, links to the site pages with --base-url, to the originals without', async () => {
  const root = await smallArchive();
  const out = path.join(root, 'site');
  await buildSite(root, { out, baseUrl: 'https://user.example/mirror' });
  const hostile = await idOf(root, 'guid-rfi-100');
  for (const file of ['all.xml', 'all.atom', 'all.json', 'rfi.xml', 'rfi.atom', 'rfi.json']) {
    const feed = parseFeedSync(readFileSync(path.join(out, 'feeds', file)));
    assert.equal(feed.format, file.endsWith('.xml') ? 'rss' : file.endsWith('.atom') ? 'atom' : 'json', file);
    assert.ok(feed.items.length > 10, file);
    const x = feed.items.find((i) => i.link === `https://user.example/mirror/a/rfi/${hostile}.html`);
    assert.ok(x, `${file} links the hostile article's page`);
    // decoded once: the quotes are quotes (the parse stage keeps an RSS title's text as it is, and reads a JSON one as HTML)
    assert.match(x.title, /^普京(<script>)?alert\(1\)(<\/script>)?"访问"/, file);
    assert.doesNotMatch(x.content ?? '', /script|javascript|svg/i, file);
    assert.match(x.content ?? '', /正文/);
  }
  const plain = path.join(root, 'plain');
  await buildSite(root, { out: plain });
  const feed = parseFeedSync(readFileSync(path.join(plain, 'feeds', 'dw.atom')));
  assert.deepEqual(feed.items.map((i) => i.link), ['https://dw.example/news/1', 'https://dw.example/news/0']);
});

async function mtimes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of await listFiles(dir)) out.set(f, statSync(path.join(dir, f)).mtimeMs);
  return out;
}

function changed(a: Map<string, number>, b: Map<string, number>): string[] {
  return [...b].filter(([f, t]) => a.get(f) !== t).map(([f]) => f).filter((f) => f !== STATE_FILE && !f.startsWith('search/')).sort();
}

test('build: a rebuild rewrites only the pages that changed, from the run events or from the manifests', async () => {
  const root = await smallArchive();
  const out = path.join(root, 'site');
  await buildSite(root, { out });
  const first = await mtimes(out);
  await new Promise((r) => setTimeout(r, 20));
  const again = await buildSite(root, { out });
  assert.equal(again.pages.written, 0);
  assert.deepEqual(changed(first, await mtimes(out)), []);

  // a new dw article, dated after the others
  const events = await commit(root, [['dw', item('dw', 300)]], T0 + 400 * HOUR);
  const id = await idOf(root, 'guid-dw-300');
  for (const mode of ['events', 'scan'] as const) {
    const dir = path.join(root, `site-${mode}`);
    await fs.cp(out, dir, { recursive: true, preserveTimestamps: true });
    const before = await mtimes(dir);
    const report = await buildSite(root, { out: dir, ...(mode === 'events' ? { events } : {}) });
    const rewritten = changed(before, await mtimes(dir));
    assert.deepEqual(
      rewritten.filter((f) => f.endsWith('.html')),
      // the day, the day before it (its link to the next day), the days index
      ['d/2024-03-05.html', 'd/2024-03-13.html', 'd/index.html', 'index.html', `a/dw/${id}.html`, 'page/2.html', 's/dw/index.html', 'sources.html'].sort(),
      mode,
    );
    assert.deepEqual(rewritten.filter((f) => f.startsWith('feeds/')), ['feeds/all.atom', 'feeds/all.json', 'feeds/all.xml', 'feeds/dw.atom', 'feeds/dw.json', 'feeds/dw.xml'], mode);
    assert.equal(report.articles.rendered, 1, mode);
    assert.equal(report.search?.added, 1, mode);
    // and the pages are those a first build makes now: none stale, none missing
    const fresh = await tempDir('newsvault-out-');
    await buildSite(root, { out: fresh });
    const pagesOf = async (dir: string) => new Map([...(await snapshot(dir))].filter(([f]) => !f.startsWith('search/') && f !== STATE_FILE).map(([f, v]) => [f, v.split(' ')[0]]));
    assert.deepEqual(await pagesOf(dir), await pagesOf(fresh), mode);
  }
});

test('build: a rebuild makes a feed again from its items as last written: only a new or changed item is read and sanitised', async () => {
  const root = await smallArchive();
  const out = path.join(root, 'site');
  await buildSite(root, { out });
  // dw 1's article file turns into a folder: a build that read its body would lose its text from the dw feed
  const record = readFileSync(path.join(root, 'articles', 'dw', 'index.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { guid: string; path: string })
    .find((r) => r.guid === 'guid-dw-1')!;
  const file = path.join(root, record.path);
  await fs.rm(file);
  mkdirSync(file);
  await commit(root, [['dw', item('dw', 300)]], T0 + 400 * HOUR);
  const report = await buildSite(root, { out });
  assert.equal(report.complete, false);
  const feed = readFileSync(path.join(out, 'feeds', 'dw.xml'), 'utf8');
  assert.match(feed, /第300篇。朝鲜领导人/);
  assert.match(feed, /第1篇。朝鲜领导人/, 'the kept item');
  // a complete build reads every item's body
  const full = await buildSite(root, { out, full: true });
  assert.equal(full.complete, true);
  assert.doesNotMatch(readFileSync(path.join(out, 'feeds', 'dw.xml'), 'utf8'), /第1篇。朝鲜领导人/);
});

test('build: a site whose search index was damaged (a segment folder gone) gets its index built again whole, not updated', async () => {
  const root = await smallArchive();
  const out = path.join(root, 'site');
  const first = await buildSite(root, { out });
  assert.ok(first.search && first.search.added > 0);
  const segments = (await fs.readdir(path.join(out, 'search'), { withFileTypes: true })).filter((d) => d.isDirectory());
  assert.ok(segments.length > 0);
  for (const d of segments) await fs.rm(path.join(out, 'search', d.name), { recursive: true });
  const events = await commit(root, [['dw', item('dw', 301)]], T0 + 401 * HOUR);
  const report = await buildSite(root, { out, events });
  // every article indexed again, the new one with them
  assert.equal(report.search?.added, first.search.added + 1);
  assert.ok((await fs.readdir(path.join(out, 'search'), { withFileTypes: true })).some((d) => d.isDirectory()));
});

test('build: an --out that is the archive, inside its folders, or holding it is refused before anything is written', async () => {
  const root = await smallArchive();
  const before = await snapshot(root);
  const elsewhere = await tempDir('newsvault-link-');
  await fs.symlink(path.join(root, 'articles'), path.join(elsewhere, 'articles-link'));
  for (const out of [
    root,
    path.join(root, 'articles'),
    path.join(root, 'articles', 'site'),
    path.join(root, 'assets', 'x'),
    path.join(root, '.newsvault', 'site'),
    path.dirname(root),
    path.join(elsewhere, 'articles-link', 'site'),
  ]) {
    await assert.rejects(buildSite(root, { out }), BuildRefusal, out);
  }
  assert.deepEqual(await snapshot(root), before);
});

test('newsvault build: a summary line, --json, and an --out inside the archive refused with exit code 2', async () => {
  const { main } = await import('../cli/main.ts');
  const root = await smallArchive();
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'newsvault', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const first = await run('build', '--archive', root);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, new RegExp(`^Built ${path.join(root, 'site').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ page\\(s\\) written, 0 unchanged \\(${PAGE_SIZE + 14} article\\(s\\) rendered\\) in \\d+\\.\\d s$`));
  const second = await run('build', '--archive', root, '--json');
  assert.equal(second.code, 0, second.err);
  const report = JSON.parse(second.out) as { pages: { written: number; unchanged: number }; articles: { rendered: number } };
  assert.equal(report.pages.written, 0);
  assert.equal(report.articles.rendered, 0);
  const refused = await run('build', '--archive', root, '--out', path.join(root, 'articles', 'site'));
  assert.equal(refused.code, 2);
  assert.match(refused.err, /inside the archive's articles\/ folder/);
  const badUrl = await run('build', '--archive', root, '--base-url', 'javascript:alert(1)');
  assert.equal(badUrl.code, 2);
});

test('build: a mirrored image that is a symbolic link (a hostile archive) is not copied into the site', async () => {
  const root = await tempDir('newsvault-site-');
  const secret = path.join(await tempDir('newsvault-secret-'), 'secret.png');
  writeFileSync(secret, 'not for the site');
  const linked = `assets/cd/${'cd'.repeat(32)}.png`;
  mkdirSync(path.join(root, 'assets', 'cd'), { recursive: true });
  await fs.symlink(secret, path.join(root, linked));
  await commit(root, [['rfi', item('rfi', 1, { content: `<p>图</p><img src="../../../../${linked}" data-original-src="https://img.example/b.png" alt="图">` })]], T0 + 10 * HOUR);
  const out = path.join(root, 'site');
  await buildSite(root, { out });
  const files = await listFiles(out);
  assert.ok(files.some((f) => f.startsWith('a/rfi/')));
  assert.equal(await fs.lstat(path.join(out, linked)).then(() => true, () => false), false, 'neither the link nor its target is in the site');
});

test('build: a first build writes pages in place but never through a symbolic link already in the output folder, and a stale state file goes first', async () => {
  const root = await smallArchive();
  const outside = path.join(await tempDir('newsvault-outside-'), 'victim.html');
  writeFileSync(outside, 'not the site’s');
  const out = await tempDir('newsvault-out-');
  await fs.symlink(outside, path.join(out, 'index.html'));
  // a state file that no build of this site wrote (damaged: not JSON): the build is a first one
  writeFileSync(path.join(out, STATE_FILE), '{"v":1,"pages":');
  const report = await buildSite(root, { out });
  assert.equal(readFileSync(outside, 'utf8'), 'not the site’s', 'the link’s target is untouched');
  const st = await fs.lstat(path.join(out, 'index.html'));
  assert.ok(st.isFile() && !st.isSymbolicLink(), 'the link was replaced by the page');
  assert.match(readFileSync(path.join(out, 'index.html'), 'utf8'), /^<!DOCTYPE html>/i);
  assert.ok(report.pages.written > 10);
  // and no temporary file is left beside the pages
  assert.deepEqual((await listFiles(out)).filter((f) => f.endsWith('.tmp')), []);
  // the state was written at the end; a second build rewrites nothing
  const again = await buildSite(root, { out });
  assert.equal(again.pages.written, 0);
});

test('build: a thread that reaches its heap cap ends the attempt, and the site is built again without caps, the report saying so', async () => {
  const root = await smallArchive();
  const capped = await tempDir('newsvault-out-');
  // 2 MiB of heap: the indexing thread cannot even load its code
  const report = await buildSite(root, { out: capped, heapCaps: { search: 2 } });
  assert.ok(report.warnings.some((w) => /memory cap .*2 MiB for search.* made again without one/.test(w)), report.warnings.join('\n'));
  assert.ok(report.search && report.search.docs > 0);
  const plain = await tempDir('newsvault-out-');
  await buildSite(root, { out: plain });
  // the snapshot's values are 'hash mtime': the bytes are compared
  const strip = (files: Map<string, string>) => new Map([...files].filter(([f]) => !f.startsWith('search/') && f !== STATE_FILE).map(([f, v]) => [f, v.split(' ')[0]]));
  const pages = strip(await snapshot(capped));
  assert.ok(pages.size > 10);
  assert.deepEqual(pages, strip(await snapshot(plain)), 'the same pages as a build without caps');
});

test('build: a rebuild that makes many articles again updates the search index in batches, and searches as a first build does', async () => {
  const root = await smallArchive();
  const out = await tempDir('newsvault-out-');
  const first = await buildSite(root, { out });
  // the catalog forgets every article's inputs (as if damaged), and a manifest is rewritten (a compaction, a
  // checkout): the catalog is not trusted for what changed, every article's key is compared, every one made again
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(out, STATE_FILE));
  const articles = (db.prepare('SELECT count(*) AS n FROM inputs').get() as { n: number }).n;
  assert.ok(articles > 10);
  db.exec('DELETE FROM inputs');
  db.close();
  const manifest = path.join(root, 'articles', 'rfi', 'index.jsonl');
  await fs.copyFile(manifest, `${manifest}.tmp`);
  await fs.rename(`${manifest}.tmp`, manifest);
  const again = await buildSite(root, { out, upsertBatch: 4 });
  assert.equal(again.articles.rendered, articles);
  assert.equal(again.search?.added, articles);
  assert.ok(again.search.segmentsWritten >= Math.floor(articles / 4), JSON.stringify(again.search));
  assert.equal(again.search?.docs, first.search?.docs);
  const { measureQuery } = await import('./search/index.ts');
  for (const q of ['普京', '平壤', '合作协议']) {
    const fresh = await tempDir('newsvault-out-');
    await buildSite(root, { out: fresh });
    const [a, b] = [await measureQuery(out, q), await measureQuery(fresh, q)];
    assert.equal(a.total, b.total, q);
    assert.deepEqual(a.hits.map((h) => h.url).sort(), b.hits.map((h) => h.url).sort(), q);
  }
});

test('build: rebuilds from the catalog read only what the manifests gained, and give the pages a first build gives; a rewritten manifest or a renamed source makes a complete build', async () => {
  const root = await smallArchive();
  const out = await tempDir('newsvault-out-');
  await buildSite(root, { out });
  const strip = (files: Map<string, string>) => new Map([...files].filter(([f]) => !f.startsWith('search/') && f !== STATE_FILE).map(([f, v]) => [f, v.split(' ')[0]]));
  const sameAsFresh = async (label: string) => {
    const fresh = await tempDir('newsvault-out-');
    await buildSite(root, { out: fresh });
    assert.deepEqual(strip(await snapshot(out)), strip(await snapshot(fresh)), label);
  };
  // an old article (on the oldest page of its lists) marked gone: its pages and every later list page change
  const store = await new FileArchive(root).source('rfi');
  const old = store.all().find((r) => r.guid === 'guid-rfi-1')!;
  await store.markGone(old.id, { now: T0 + 300 * HOUR, reason: 'HTTP 410', status: 410 });
  await store.close();
  await store.finish();
  const gone = await buildSite(root, { out });
  assert.equal(gone.complete, false);
  assert.equal(gone.articles.rendered, 1);
  assert.match(readFileSync(path.join(out, 's/rfi/page/1.html'), 'utf8'), new RegExp(`data-id="${old.id}"[^\n]*已从来源删除`));
  await sameAsFresh('an old article marked gone');
  // a new source
  await commit(root, [['bbc', item('bbc', 7)]], T0 + 301 * HOUR);
  const added = await buildSite(root, { out });
  assert.equal(added.complete, false);
  assert.equal(added.articles.rendered, 1);
  await sameAsFresh('a new source');
  // a line being appended (no line break yet) is left for the next build; then read whole, not as damage
  const manifest = path.join(root, 'articles', 'dw', 'index.jsonl');
  const lines = readFileSync(manifest, 'utf8').trimEnd().split('\n');
  const last = lines[lines.length - 1]!;
  await fs.appendFile(manifest, last.slice(0, 40));
  const half = await buildSite(root, { out });
  assert.equal(half.complete, false);
  assert.equal(half.articles.rendered, 0);
  // its end, still without a line break (as a manifest made by hand may end): whole JSON, read
  await fs.appendFile(manifest, last.slice(40));
  const whole = await buildSite(root, { out });
  assert.equal(whole.complete, false);
  assert.deepEqual(whole.warnings, []);
  assert.equal(whole.articles.skipped, 1, 'the record read again, its key unchanged');
  assert.equal(whole.articles.rendered, 0);
  await fs.appendFile(manifest, '\n');
  assert.equal((await buildSite(root, { out })).articles.skipped, 0, 'a line break alone is no record');
  // a manifest rewritten (as by `newsvault compact`): not trusted, every article compared
  await fs.writeFile(`${manifest}.tmp`, `${lines.join('\n')}\n`);
  await fs.rename(`${manifest}.tmp`, manifest);
  const rewritten = await buildSite(root, { out });
  assert.equal(rewritten.complete, true);
  assert.equal(rewritten.articles.rendered, 0);
  await sameAsFresh('a rewritten manifest');
  // a source named in the configuration: every page naming it changes
  writeFileSync(path.join(root, 'newsvault.yaml'), 'sources:\n  dw:\n    name: 德国之声\n    feeds: ["https://dw.example/feed.xml"]\n');
  const renamed = await buildSite(root, { out });
  assert.equal(renamed.complete, true);
  assert.match(readFileSync(path.join(out, 'sources.html'), 'utf8'), /德国之声/);
  await sameAsFresh('a renamed source');
  const again = await buildSite(root, { out });
  assert.equal(again.complete, false);
  assert.equal(again.pages.written, 0);
});
