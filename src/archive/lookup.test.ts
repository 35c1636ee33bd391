import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem, Source } from '../domain.ts';
import { renderSourceLists, renderSourceListsFrom } from '../publish/index.ts';
import { FileArchive, MANIFESTS_DIR } from '../storage/index.ts';
import { tempDir } from '../testing/tree.ts';
import { loadEntries, saveEntries, type Entry } from './lookup.ts';
import { itemKeys } from './store.ts';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
/** When the runs happen: after every item's publication time. */
const NOW = T0 + 100 * 86400_000;

function item(n: number, over: Partial<FeedItem> = {}): FeedItem {
  return {
    id: `guid-${n}`,
    title: `第${n}篇`,
    link: `https://news.example/a/${n}`,
    published: T0 + n * 3 * 3600_000,
    updated: null,
    author: null,
    summary: null,
    content: `<p>${`第${n}篇的正文。`.repeat(30)}</p>`,
    categories: [],
    enclosures: [],
    ...over,
  };
}

const open = (root: string) => new FileArchive(root).source('news');

async function fill(root: string, from: number, to: number): Promise<void> {
  const store = await open(root);
  for (let n = from; n < to; n++) {
    const it = item(n);
    await store.commit(await store.plan(itemKeys(it), it, NOW), { now: NOW, defer: true });
  }
  await store.close();
  await store.finish();
}

const cache = (root: string) => path.join(root, MANIFESTS_DIR, 'news.json');

test('the saved entries let the next open answer as the manifest does, and lines appended since are read', async () => {
  const root = await tempDir();
  await fill(root, 0, 40);
  assert.ok((await fs.stat(cache(root))).size > 0, 'saved at close');
  // appended by another writer (an older version) after the entries were saved
  const other = await open(root);
  const appended = item(99, { title: '后来的文章' });
  await other.upsert(appended, NOW);
  const store = await open(root);
  assert.equal(store.size, 41);
  assert.equal(store.find(itemKeys(appended))?.record.title, '后来的文章');
  assert.equal(store.find(itemKeys(item(7)))?.record.guid, 'guid-7');
  assert.deepEqual(store.all().map((r) => r.guid).sort(), [...Array.from({ length: 40 }, (_, n) => `guid-${n}`), 'guid-99'].sort());
});

test('saved entries that do not describe the manifest are not trusted: a rewritten manifest, a damaged file', async () => {
  const root = await tempDir();
  await fill(root, 0, 20);
  const manifest = path.join(root, 'articles/news/index.jsonl');
  // the manifest replaced by one without its first ten records (e.g. an older copy from git)
  const lines = (await fs.readFile(manifest, 'utf8')).split('\n').filter(Boolean);
  await fs.writeFile(`${manifest}.new`, lines.slice(10).join('\n') + '\n');
  await fs.rename(`${manifest}.new`, manifest);
  const store = await open(root);
  assert.deepEqual(store.all().map((r) => r.guid).sort(), Array.from({ length: 10 }, (_, n) => `guid-${n + 10}`).sort());
  assert.equal(store.find(itemKeys(item(3))), undefined, 'a record no longer in the manifest is not found');
  await store.close();
  // a damaged cache is rebuilt from the manifest
  await fs.writeFile(cache(root), '{"version":1,"state":');
  const again = await open(root);
  assert.equal(again.size, 10);
  assert.equal(again.find(itemKeys(item(13)))?.record.guid, 'guid-13');
  assert.deepEqual(again.warnings, []);
});

test('saved entries come back as saved (a canonical URL equal to the GUID, another, none); an older format is not read', async () => {
  const root = await tempDir();
  const file = path.join(root, 'cache/news.json');
  await fs.mkdir(path.join(root, 'tmp'));
  const state = { size: 1000, ino: 7, mtimeMs: 1.5, edge: 'e', lines: 3, nextLine: 4, torn: false };
  const entries: Entry[] = [
    { id: 'a', at: 0, len: 10, published: T0, seen: T0, guid: 'https://news.example/a/1', canonical: 'https://news.example/a/1', hash: 'h1' },
    { id: 'b', at: 10, len: 20, published: T0 + 1, seen: T0 + 2, guid: 'guid-2', canonical: 'https://news.example/a/2', hash: 'h2' },
    { id: 'c', at: 30, len: 30, published: T0 + 3, seen: T0 + 3, guid: null, canonical: null, hash: 'h3' },
  ];
  await saveEntries(file, path.join(root, 'tmp'), state, entries);
  assert.deepEqual(await loadEntries(file), { state, entries });
  // an entry past the manifest's size: the file is not trusted
  await saveEntries(file, path.join(root, 'tmp'), { ...state, size: 50 }, entries);
  assert.equal(await loadEntries(file), null);
  // the format of version 1 (one array per entry)
  await fs.writeFile(file, JSON.stringify({ version: 1, state, entries: entries.map((e) => [e.id, e.at, e.len, e.published, e.seen, e.guid, e.canonical, e.hash]) }));
  assert.equal(await loadEntries(file), null);
});

test('list pages from a store (records read as needed) are the same bytes as from all its records', async () => {
  const root = await tempDir();
  // 400 articles three hours apart: two months, more than one page
  await fill(root, 0, 400);
  const store = await open(root);
  const source: Source = { slug: 'news', name: '新闻', feeds: [], enabled: true };
  const whole = renderSourceLists(source, store.all());
  assert.ok(whole.size >= 3);
  assert.deepEqual([...renderSourceListsFrom(source, store)].sort(), [...whole].sort());
  const months = new Set(['2024-02']);
  assert.deepEqual([...renderSourceListsFrom(source, store, { months })].sort(), [...renderSourceLists(source, store.all(), { months })].sort());
  assert.deepEqual(store.stats(), { count: 400, newest: item(399).published!, lastUpdate: NOW });
});
