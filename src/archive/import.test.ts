import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../domain.ts';
import { snapshot, tempDir } from '../testing/tree.ts';
import { FileArchive } from '../storage/index.ts';

const open = (root: string, slug: string) => new FileArchive(root).source(slug);

const T0 = Date.UTC(2020, 9, 10, 3, 4, 5);
const NOW = Date.UTC(2026, 0, 1);

/** An article file as the original script wrote it. */
function oldFile(title: string, link: string, body: string, ms = T0): Buffer {
  return Buffer.from(`<!--${ms}-->\n[${title}](${link})\n------\n\n${body}\n`, 'utf8');
}

test('importArticle: a new article is written byte for byte at our layout, its record names the original path', async () => {
  const root = await tempDir();
  const store = await open(root, 'bbc');
  const bytes = oldFile('标题  一', 'https://www.bbc.com/zhongwen/simp/a-1', '<p>正文 &amp; more</p>');
  const event = await store.importArticle(bytes, { originalPath: 'articles/BBC/1047458_标题  一.md', now: NOW });
  assert.equal(event.type, 'added');
  if (event.type !== 'added') return;
  assert.match(event.record.path, /^articles\/bbc\/2020\/10-10\/1104_标题-一_[a-z2-7]{10}\.md$/);
  assert.deepEqual(await fs.readFile(path.join(root, event.record.path)), bytes);
  assert.deepEqual(event.record.importedFrom?.path, 'articles/BBC/1047458_标题  一.md');
  assert.equal(event.record.importedFrom?.sha, event.record.sha);
  assert.equal(event.record.guid, null);
  assert.equal(event.record.published, T0);
  // the record survives a reopen (schema and serialisation keep importedFrom)
  const again = await open(root, 'bbc');
  assert.deepEqual(again.all()[0], event.record);
});

test('importArticle: the same file, or the same article under another folder, is unchanged and writes nothing', async () => {
  const root = await tempDir();
  const store = await open(root, 'bbc');
  const bytes = oldFile('标题', 'https://www.bbc.com/zhongwen/simp/a-1', '<p>正文</p>');
  await store.importArticle(bytes, { originalPath: 'articles/BBC/1_标题.md', now: NOW });
  const before = await snapshot(root);
  assert.equal((await store.importArticle(bytes, { originalPath: 'articles/BBC/1_标题.md', now: NOW })).type, 'unchanged');
  // bbc/ copy: another timestamp, same title, link and body
  const copy = oldFile('标题', 'http://bbc.com/zhongwen/simp/a-1', '<p>正文</p>', T0 + 3600e3);
  assert.equal((await store.importArticle(copy, { originalPath: 'articles/bbc/2.md', now: NOW })).type, 'unchanged');
  assert.deepEqual(await snapshot(root), before);
  assert.equal(store.size, 1);
});

test('importArticle: another text at the same link is a revision; both texts kept byte for byte; re-import adds nothing', async () => {
  const root = await tempDir();
  const store = await open(root, 'rfi');
  const first = oldFile('标题', 'https://www.rfi.fr/cn/a', '<p>第一版</p>');
  const second = oldFile('标题', 'https://www.rfi.fr/cn/a', '<p>第二版</p>', T0 + 60e3);
  const added = await store.importArticle(first, { originalPath: 'articles/法广/9_标题.md', now: NOW });
  const revised = await store.importArticle(second, { originalPath: 'articles/rfi/8.md', now: NOW });
  assert.equal(revised.type, 'revised');
  if (added.type !== 'added' || revised.type !== 'revised') return;
  assert.equal(revised.record.path, added.record.path);
  assert.deepEqual(await fs.readFile(path.join(root, revised.record.path)), second);
  assert.equal(revised.revisions.length, 1);
  assert.deepEqual(await fs.readFile(path.join(root, revised.revisions[0]!)), first);
  assert.equal(revised.record.revisions?.[0]?.importedFrom, 'articles/法广/9_标题.md');
  assert.equal(revised.record.importedFrom?.path, 'articles/rfi/8.md');
  const before = await snapshot(root);
  const reopened = await open(root, 'rfi');
  assert.equal((await reopened.importArticle(first, { originalPath: 'articles/法广/9_标题.md', now: NOW + 1 })).type, 'unchanged');
  assert.equal((await reopened.importArticle(second, { originalPath: 'articles/rfi/8.md', now: NOW + 1 })).type, 'unchanged');
  assert.deepEqual(await snapshot(root), before);
});

test('importArticle: an article a run archived keeps its text; the old archive\'s text becomes a revision', async () => {
  const root = await tempDir();
  const store = await open(root, 'dw');
  const item: FeedItem = {
    id: 'guid-1', title: '标题', link: 'https://www.dw.com/zh/a', published: T0, updated: null, author: null,
    summary: null, content: '<p>新的正文</p>', categories: [], enclosures: [],
  };
  const live = await store.upsert(item, NOW - 1000);
  const liveBytes = await fs.readFile(path.join(root, live.record.path));
  const old = oldFile('标题', 'https://www.dw.com/zh/a', '<p>旧的正文</p>');
  const event = await store.importArticle(old, { originalPath: 'articles/dw/1.md', now: NOW });
  assert.equal(event.type, 'revised');
  if (event.type !== 'revised') return;
  assert.deepEqual(await fs.readFile(path.join(root, live.record.path)), liveBytes, 'the newer text stays the article');
  assert.deepEqual(await fs.readFile(path.join(root, event.revisions[0]!)), old);
  assert.equal(event.record.hash, live.record.hash);
  assert.equal(event.record.guid, 'guid-1');
  assert.equal((await store.importArticle(old, { originalPath: 'articles/dw/1.md', now: NOW })).type, 'unchanged');
});

test('importArticle: bytes that are not UTF-8 or not the format are refused, nothing written', async () => {
  const root = await tempDir();
  const store = await open(root, 'voa');
  await assert.rejects(store.importArticle(Buffer.from([0x3c, 0x21, 0xff, 0xfe]), { originalPath: 'x.md', now: NOW }), /UTF-8/);
  await assert.rejects(store.importArticle(Buffer.from('no header\n'), { originalPath: 'y.md', now: NOW }), /format/);
  assert.equal(store.size, 0);
  assert.deepEqual([...(await snapshot(root)).keys()], []);
});

test('importArticle: a header the strict parser refuses can be read by the importer and passed as fields', async () => {
  const root = await tempDir();
  const store = await open(root, 'voa');
  const bytes = Buffer.from(`<!--${T0}-->\n[a ]b[ c](https://www.voachinese.com/a/1)\n------\n\n<p>x</p>\n`);
  const event = await store.importArticle(bytes, {
    originalPath: 'articles/voa/1.md',
    now: NOW,
    fields: { published: T0, title: 'a ]b[ c', link: 'https://www.voachinese.com/a/1', contentHtml: '<p>x</p>' },
  });
  assert.equal(event.type, 'added');
  if (event.type === 'added') assert.deepEqual(await fs.readFile(path.join(root, event.record.path)), bytes);
});
