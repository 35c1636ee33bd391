import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../domain.ts';
import { SourceStore } from './store.ts';
import { parseArticle } from './format.ts';
import { snapshot, tempDir } from '../../test/helpers/tree.ts';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function item(over: Partial<FeedItem> = {}): FeedItem {
  return {
    id: 'guid-1',
    title: '标题一',
    link: 'https://news.example/a/1',
    published: T0,
    updated: null,
    author: null,
    summary: null,
    content: '<p>正文第一段。</p>\n<p>正文第二段。</p>',
    categories: [],
    enclosures: [],
    ...over,
  };
}

test('the same item twice: the second time is unchanged and writes nothing', async () => {
  const root = await tempDir();
  const store = await SourceStore.open(root, 'src');
  assert.equal((await store.upsert(item(), T0)).status, 'new');
  assert.equal(await store.save(), true);
  const before = await snapshot(root);
  const again = await SourceStore.open(root, 'src');
  assert.equal((await again.upsert(item(), T0 + 1000)).status, 'unchanged');
  assert.equal(await again.save(), false);
  assert.deepEqual(await snapshot(root), before);
});

test('an edited headline or body is the same article: a revision keeps the earlier text', async () => {
  const root = await tempDir();
  const store = await SourceStore.open(root, 'src');
  const first = await store.upsert(item(), T0);
  const edited = await store.upsert(item({ title: '标题一（更新）', content: '<p>改过的正文。</p>' }), T0 + 5000);
  assert.equal(edited.status, 'changed');
  assert.equal(edited.record.id, first.record.id);
  assert.equal(edited.record.path, first.record.path);
  assert.equal(store.size, 1);
  const current = parseArticle(await fs.readFile(path.join(root, edited.record.path), 'utf8'));
  assert.equal(current?.title, '标题一（更新）');
  const rev = edited.record.revisions?.[0];
  assert.ok(rev);
  assert.match(rev.path, /^revisions\/src\/2024\/01-02\/.*\.v1\.md$/);
  const old = parseArticle(await fs.readFile(path.join(root, rev.path), 'utf8'));
  assert.equal(old?.title, '标题一');
  assert.equal(old?.contentHtml, '<p>正文第一段。</p><p>正文第二段。</p>');
  // the earlier text coming back does not flip-flop the file
  assert.equal((await store.upsert(item(), T0 + 9000)).status, 'unchanged');
});

test('dedupe by canonical URL (tracking parameters differ) and by content (new GUID and URL, same title and body)', async () => {
  const root = await tempDir();
  const store = await SourceStore.open(root, 'src');
  const long = `<p>${'这是一篇很长的文章。'.repeat(30)}</p>`;
  await store.upsert(item({ id: null, link: 'https://news.example/a/1?utm_source=rss', content: long }), T0);
  assert.equal((await store.upsert(item({ id: null, link: 'https://www.news.example/a/1?xtor=RSS-3#x', content: long }), T0)).status, 'unchanged');
  assert.equal((await store.upsert(item({ id: 'other', link: 'https://news.example/b/2', content: `\n${long}\n` }), T0)).status, 'unchanged');
  assert.equal(store.size, 1);
  assert.equal(store.all()[0]?.revisions, undefined);
  // the same (boilerplate) body under another title is another article
  assert.equal((await store.upsert(item({ id: 'copy', title: '另一个标题', link: 'https://news.example/e', content: long }), T0)).status, 'new');
  // the same URL under a different GUID is another article (a safer mistake than merging two)
  assert.equal((await store.upsert(item({ id: 'g-a', link: 'https://news.example/live', content: '<p>A</p>' }), T0)).status, 'new');
  assert.equal((await store.upsert(item({ id: 'g-b', link: 'https://news.example/live', content: '<p>B</p>' }), T0)).status, 'new');
  assert.equal(store.size, 4);
  // a short body is not enough to call two items the same
  await store.upsert(item({ id: 'x1', link: 'https://news.example/c', content: '<p>短</p>' }), T0);
  await store.upsert(item({ id: 'x2', link: 'https://news.example/d', content: '<p>短</p>' }), T0);
  assert.equal(store.size, 6);
});

test('items dated before everything already archived are still archived', async () => {
  const root = await tempDir();
  const store = await SourceStore.open(root, 'src');
  await store.upsert(item({ id: 'new', published: T0 }), T0);
  const old = await store.upsert(item({ id: 'old', link: 'https://news.example/old', published: T0 - 86400e3 * 365 }), T0);
  assert.equal(old.status, 'new');
  assert.match(old.record.path, /^articles\/src\/2023\/01-02\//);
});

test('an item with no date: first-seen time stands in, with a warning, stable across runs', async () => {
  const root = await tempDir();
  const store = await SourceStore.open(root, 'src');
  const r = await store.upsert(item({ published: null }), T0);
  assert.equal(r.record.published, T0);
  assert.equal(r.record.dateGuessed, true);
  assert.match(r.warnings[0] ?? '', /no publication date/);
  await store.save();
  const again = await SourceStore.open(root, 'src');
  assert.equal((await again.upsert(item({ published: null }), T0 + 3600e3)).status, 'unchanged');
});

test('a full day folder spills into <MM-DD>-2', async () => {
  const root = await tempDir();
  const day = path.join(root, 'articles/src/2024/01-02');
  await fs.mkdir(day, { recursive: true });
  await Promise.all(Array.from({ length: 1000 }, (_, i) => fs.writeFile(path.join(day, `f${i}`), '')));
  const store = await SourceStore.open(root, 'src');
  const r = await store.upsert(item(), T0);
  assert.match(r.record.path, /^articles\/src\/2024\/01-02-2\//);
});

test('hostile titles and GUIDs never write outside the archive', async () => {
  const root = await tempDir();
  const store = await SourceStore.open(root, 'src');
  const r = await store.upsert(item({ id: '../../../etc/passwd', title: '../../x/..\\..\\y\u0000:*?', link: 'file:///etc/passwd' }), T0);
  const full = path.resolve(root, r.record.path);
  assert.ok(full.startsWith(path.join(root, 'articles', 'src') + path.sep));
  assert.equal(path.basename(full).includes('/'), false);
  await assert.rejects(SourceStore.open(root, '../evil'), /invalid source slug/);
});

test('the manifest is rebuilt from article files when lost', async () => {
  const root = await tempDir();
  const store = await SourceStore.open(root, 'src');
  const r = await store.upsert(item(), T0);
  const rebuilt = await SourceStore.rebuild(root, 'src', T0);
  assert.equal(rebuilt.size, 1);
  assert.equal(rebuilt.all()[0]?.id, r.record.id);
  assert.equal((await rebuilt.upsert(item({ id: null }), T0)).status, 'unchanged');
});
