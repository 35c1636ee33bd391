import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { itemKeys } from '../archive/index.ts';
import type { FeedItem } from '../domain.ts';
import { extractArticle } from '../extract/index.ts';
import { serve, type Reply } from '../extract/test-helpers.ts';
import { withPage } from '../run/index.ts';
import { FileArchive } from '../storage/index.ts';
import { tempDir } from '../testing/tree.ts';
import { isHomeOrSection, recheckArchive, reextractArchive } from './recheck.ts';
import { loadHistory, locate } from './versions.ts';
import { renderHistory } from './show.ts';

const T0 = Date.UTC(2024, 4, 1, 2, 0, 0);

function page(title: string, paragraphs: string[]): string {
  return `<!doctype html><html lang="zh-CN"><head><title>${title}</title></head><body>
<nav><a href="/">首页</a> <a href="/news/">新闻</a></nav>
<article><h1>${title}</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}</article>
<footer>版权所有</footer></body></html>`;
}

const para = (n: number, extra = '') =>
  Array.from({ length: 6 }, (_, i) => `第${n}篇文章的第${i + 1}段：克里姆林宫周四表示，普京同意在方便的时候访问平壤，双方将讨论合作事宜${i === 2 ? extra : ''}。这是一段足够长的正文，用于测试全文提取的效果。`);

/** A closed port: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('isHomeOrSection: a home page or a section above the article is gone; a moved article is not', () => {
  const a = 'https://www.rfi.fr/cn/国际/20230914-普京与金正恩';
  assert.equal(isHomeOrSection(a, 'https://www.rfi.fr/'), true);
  assert.equal(isHomeOrSection(a, 'https://www.rfi.fr/cn/'), true);
  assert.equal(isHomeOrSection(a, 'https://rfi.fr/cn/国际'), true);
  assert.equal(isHomeOrSection('https://x.example/a/b/c/d', 'https://x.example/e/f'), true);
  assert.equal(isHomeOrSection(a, 'https://www.rfi.fr/cn/国际/20230914-普京与金正恩-更新'), false);
  assert.equal(isHomeOrSection('http://x.example/news/1', 'https://x.example/news/1'), false);
  assert.equal(isHomeOrSection('https://x.example/news/1', 'https://y.example/story/1'), false);
  assert.equal(isHomeOrSection('https://x.example/news/1', 'https://y.example/'), true);
});

test('recheck: 404 and a redirect home are gone (marked, kept, listed); same text unchanged; a changed page a revision with a correct diff; 500 and a refused connection failed, never gone', async () => {
  const routes: Record<string, Reply> = {
    '/': { body: page('首页', ['欢迎']) },
    '/news/2024/same': { body: page('不变', para(1)) },
    '/news/2024/edited': { body: page('改过', para(2, '，但随后被推迟')) },
    '/news/2024/moved': { status: 301, headers: { location: '/' }, body: '' },
    '/news/2024/error': { status: 500, body: 'oops' },
    // /news/2024/deleted: not served → 404
  };
  const server = await serve(routes);
  const refused = await closedPort();
  try {
    const root = await tempDir();
    const archive = new FileArchive(root);
    const store = await archive.source('src');
    const links: Record<string, string> = {
      same: `${server.base}/news/2024/same`,
      edited: `${server.base}/news/2024/edited`,
      moved: `${server.base}/news/2024/moved`,
      deleted: `${server.base}/news/2024/deleted`,
      error: `${server.base}/news/2024/error`,
      refused: `http://127.0.0.1:${refused}/news/2024/refused`,
    };
    const ids: Record<string, string> = {};
    let i = 0;
    for (const [name, link] of Object.entries(links)) {
      i++;
      const n = name === 'same' ? 1 : name === 'edited' ? 2 : 3;
      const extracted = extractArticle(page(name, para(n)), link);
      const item: FeedItem = { id: `guid-${name}`, title: `标题 ${name}`, link, published: T0 + i, updated: null, author: null, summary: null, content: null, categories: [], enclosures: [] };
      const full = withPage(item, extracted);
      const event = await store.commit(await store.plan(itemKeys(full), full, T0), { now: T0 + i, textSource: 'page' });
      assert.equal(event.type, 'added');
      if (event.type === 'added') ids[name] = event.record.id;
    }
    await store.close();
    await store.finish();

    const now = T0 + 86400_000;
    const report = await recheckArchive({ root, now: () => now, fetch: { retry: { retries: 0 }, timeoutMs: 10_000 } });
    const status = Object.fromEntries(report.results.map((r) => [Object.keys(ids).find((k) => ids[k] === r.id)!, r.status]));
    assert.deepEqual(status, { same: 'unchanged', edited: 'changed', moved: 'gone', deleted: 'gone', error: 'failed', refused: 'failed' });
    assert.equal(report.ok, false);
    // newest first
    assert.deepEqual(report.results.map((r) => r.id), ['refused', 'error', 'deleted', 'moved', 'edited', 'same'].map((k) => ids[k]));
    const byName = (k: string) => report.results.find((r) => r.id === ids[k])!;
    assert.equal(byName('deleted').detail, 'HTTP 404');
    assert.equal(byName('moved').detail, `redirected to ${server.base}/`);

    const reopened = await new FileArchive(root).source('src');
    assert.deepEqual(reopened.warnings, []);
    const rec = (k: string) => reopened.all().find((r) => r.id === ids[k])!;
    assert.deepEqual(rec('deleted').gone, { at: now, reason: 'HTTP 404', status: 404 });
    assert.deepEqual(rec('moved').gone, { at: now, reason: `redirected to ${server.base}/`, status: 200, url: `${server.base}/` });
    for (const k of ['same', 'edited', 'error', 'refused']) assert.equal(rec(k).gone, undefined, k);
    // never deleted
    for (const k of ['deleted', 'moved']) await fs.access(path.join(root, rec(k).path));
    // the list marks them
    const list = await fs.readFile(path.join(root, 'lists/src.md'), 'utf8');
    assert.equal((list.match(/🗑 removed at source, noticed 2024-05-02/g) ?? []).length, 2);
    assert.match(list, /\[标题 deleted\]\([^)]*\) 🗑 removed at source, noticed 2024-05-02/);
    assert.doesNotMatch(list, /\[标题 error\]\([^)]*\) 🗑/);
    assert.ok(report.events.some((e) => e.type === 'gone' && e.id === ids.deleted));

    // the edited page: a second revision, its entry naming recheck and the rule, and a correct diff
    const edited = rec('edited');
    assert.equal(edited.revisions?.length, 1);
    assert.equal(edited.revisions?.[0]?.reason, 'recheck');
    assert.equal(edited.revisions?.[0]?.rule, 'generic');
    const history = await loadHistory(archive, (await locate(archive, ids.edited!))[0]!);
    assert.equal(history.versions.length, 2);
    const text = renderHistory(history, { diff: true });
    assert.match(text, /current \(v2\) +2024-05-02 10:00 +recheck \(rule generic\)/);
    assert.match(text, /~ 第2篇文章的第3段：克里姆林宫周四表示，普京同意在方便的时候访问平壤，双方将讨论合作事宜\{\+，但随后被推迟\+\}。/);
    assert.match(text, /⋯ 2 paragraph\(s\) unchanged/);

    // a second recheck: the gone ones are not asked again; the edited one is now unchanged
    const again = await recheckArchive({ root, now: () => now + 1, fetch: { retry: { retries: 0 } }, limit: 10 });
    assert.deepEqual(again.results.map((r) => r.status).sort(), ['failed', 'failed', 'unchanged', 'unchanged']);
    // --limit and --since
    const limited = await recheckArchive({ root, now: () => now + 2, fetch: { retry: { retries: 0 } }, limit: 1, since: T0 + 5 });
    assert.deepEqual(limited.results.map((r) => r.id), [ids.refused]);
  } finally {
    await server.close();
  }
});

test('reextract: the current rules over the page again; a changed text is a revision naming reextract and the rule', async () => {
  const body = para(4);
  const server = await serve({ '/news/2024/x': { body: page('文章', body) } });
  try {
    const root = await tempDir();
    const archive = new FileArchive(root);
    const store = await archive.source('src');
    const link = `${server.base}/news/2024/x`;
    // archived with an older rule that kept the footer note in the body
    const old = extractArticle(page('文章', [...body, '相关阅读：广告链接']), link);
    const item: FeedItem = { id: 'g', title: '文章', link, published: T0, updated: null, author: null, summary: null, content: null, categories: [], enclosures: [] };
    const full = withPage(item, old);
    await store.commit(await store.plan(itemKeys(full), full, T0), { now: T0, textSource: 'page' });
    await store.close();
    await store.finish();
    const report = await reextractArchive({ root, now: () => T0 + 1000, fetch: { retry: { retries: 0 } } });
    assert.deepEqual(report.results.map((r) => [r.status, r.rule]), [['changed', 'generic']]);
    const rec = (await new FileArchive(root).source('src')).all()[0]!;
    assert.deepEqual(rec.revisions?.map((v) => [v.reason, v.rule]), [['reextract', 'generic']]);
    const again = await reextractArchive({ root, now: () => T0 + 2000, fetch: { retry: { retries: 0 } } });
    assert.deepEqual(again.results.map((r) => r.status), ['unchanged']);
  } finally {
    await server.close();
  }
});

test('newsvault recheck through the CLI: a gone page exits 0 and shows in the table; a refused connection exits 3; --since parsed', async () => {
  const { main } = await import('../cli/main.ts');
  const { parseSinceArg } = await import('./report.ts');
  assert.equal(parseSinceArg('7d', T0), T0 - 7 * 86400_000);
  assert.equal(parseSinceArg('2024-05-01', T0), Date.parse('2024-05-01T00:00:00+08:00'));
  assert.equal(parseSinceArg('soon', T0), null);
  const server = await serve({});
  const refused = await closedPort();
  try {
    const root = await tempDir();
    const store = await new FileArchive(root).source('src');
    const add = async (id: string, link: string) => {
      const item: FeedItem = { id, title: `标题 ${id}`, link, published: Date.now() - 1000, updated: null, author: null, summary: null, content: '<p>正文</p>', categories: [], enclosures: [] };
      await store.upsert(item, Date.now());
    };
    await add('a', `${server.base}/news/2024/a`);
    await store.close();
    await store.finish();
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['node', 'newsvault', ...args, '--archive', root], { out: (s) => void out.push(s), err: (s) => void err.push(s) });
      return { code, out: out.join(''), err: err.join('') };
    };
    const first = await run('recheck');
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /🗑 gone/);
    assert.match(first.out, /1 article\(s\): 0 unchanged, 0 changed, 1 gone, 0 failed/);
    const store2 = await new FileArchive(root).source('src');
    await store2.upsert({ id: 'b', title: 'b', link: `http://127.0.0.1:${refused}/news/b`, published: Date.now() - 1000, updated: null, author: null, summary: null, content: '<p>正文</p>', categories: [], enclosures: [] }, Date.now());
    await store2.close();
    await store2.finish();
    const second = await run('recheck', '--json');
    assert.equal(second.code, 3);
    const json = JSON.parse(second.out) as { results: { status: string }[] };
    assert.deepEqual(json.results.map((r) => r.status), ['failed']);
    assert.equal((await run('recheck', '--since', 'soon')).code, 2);
  } finally {
    await server.close();
  }
});
