import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem, Source } from '../domain.ts';
import { renderSourceLists, renderSourceListsFrom } from '../publish/index.ts';
import Database from 'better-sqlite3';
import { FileArchive, LOOKUP_FILE, TMP_DIR } from '../storage/index.ts';
import { tempDir } from '../testing/tree.ts';
import { closeLookupDbs, Entries, lookupDb } from './entries.ts';
import type { Entry } from './lookup.ts';
import { BATCH_SIZE, SYNC_ENTRIES, SourceStore, itemKeys } from './store.ts';

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

const lookupFile = (root: string) => path.join(root, LOOKUP_FILE);

test('the lookup rows let the next open answer as the manifest does, holding nothing in memory; lines appended since are read', async () => {
  const root = await tempDir();
  await fill(root, 0, 40);
  assert.ok((await fs.stat(lookupFile(root))).size > 0, 'written with the records');
  const fromRows = await open(root);
  assert.equal(fromRows.entriesInMemory, 0);
  assert.equal(fromRows.size, 40);
  assert.equal(fromRows.find(itemKeys(item(7)))?.record.guid, 'guid-7');
  // appended by a writer without the database (an older version) after the rows were written
  const other = await SourceStore.open({ root, tmpDir: path.join(root, TMP_DIR) }, 'news');
  const appended = item(99, { title: '后来的文章' });
  await other.upsert(appended, NOW);
  const store = await open(root);
  assert.equal(store.entriesInMemory, 1, 'the line appended since');
  assert.equal(store.size, 41);
  assert.equal(store.find(itemKeys(appended))?.record.title, '后来的文章');
  assert.equal(store.find(itemKeys(item(7)))?.record.guid, 'guid-7');
  assert.deepEqual(store.all().map((r) => r.guid).sort(), [...Array.from({ length: 40 }, (_, n) => `guid-${n}`), 'guid-99'].sort());
  // a revision: the row follows the record
  const edited = item(7, { content: '<p>改过的正文。</p>'.repeat(40) });
  assert.equal((await store.upsert(edited, NOW + 1)).status, 'changed');
  await store.close();
  const again = await open(root);
  assert.equal(again.entriesInMemory, 0);
  assert.equal(again.find(itemKeys(edited))?.record.changedAt, NOW + 1);
  assert.deepEqual(again.stats(), { count: 41, newest: item(99).published!, lastUpdate: NOW + 1 });
});

test('a store writing many articles holds a bounded number of entries in memory, not the archive', async () => {
  const root = await tempDir();
  const store = await open(root);
  let most = 0;
  const n = SYNC_ENTRIES + 2 * BATCH_SIZE;
  for (let i = 0; i < n; i++) {
    const it = item(i);
    await store.commit(await store.plan(itemKeys(it), it, NOW), { now: NOW, defer: true });
    most = Math.max(most, store.entriesInMemory);
  }
  assert.ok(most <= SYNC_ENTRIES + BATCH_SIZE, `at most ${most} entries in memory`);
  assert.ok(store.entriesInMemory < SYNC_ENTRIES, 'written to the database past the bound');
  assert.equal(store.size, n);
  await store.close();
  const again = await open(root);
  assert.equal(again.entriesInMemory, 0);
  assert.equal(again.size, n);
  assert.equal(again.find(itemKeys(item(n - 1)))?.record.guid, `guid-${n - 1}`);
});

test('lookup rows that do not describe the manifest are not trusted: a rewritten manifest, a damaged file', async () => {
  const root = await tempDir();
  await fill(root, 0, 20);
  const manifest = path.join(root, 'articles/news/index.jsonl');
  // the manifest replaced by one without its first ten records (e.g. an older copy from git)
  const lines = (await fs.readFile(manifest, 'utf8')).split('\n').filter(Boolean);
  await fs.writeFile(`${manifest}.new`, lines.slice(10).join('\n') + '\n');
  await fs.rename(`${manifest}.new`, manifest);
  const store = await open(root);
  assert.equal(store.entriesInMemory, 10, 'read from the manifest');
  assert.deepEqual(store.all().map((r) => r.guid).sort(), Array.from({ length: 10 }, (_, n) => `guid-${n + 10}`).sort());
  assert.equal(store.find(itemKeys(item(3))), undefined, 'a record no longer in the manifest is not found');
  assert.equal(store.size, 10);
  await store.close();
  const rewritten = await open(root);
  assert.equal(rewritten.entriesInMemory, 0, 'the rows were written whole at close');
  assert.equal(rewritten.size, 10);
  assert.equal(rewritten.find(itemKeys(item(3))), undefined);
  // a damaged database is made again and filled from the manifest
  closeLookupDbs();
  await fs.writeFile(lookupFile(root), 'SQLite format 3\0 but not really');
  await fs.rm(`${lookupFile(root)}-wal`, { force: true });
  await fs.rm(`${lookupFile(root)}-shm`, { force: true });
  const again = await open(root);
  assert.equal(again.size, 10);
  assert.equal(again.find(itemKeys(item(13)))?.record.guid, 'guid-13');
  assert.deepEqual(again.warnings, []);
  await again.close();
  assert.equal((await open(root)).entriesInMemory, 0);
});

test('lookup rows come back as written; a key finds the row written last; another schema is not read', async () => {
  const root = await tempDir();
  const file = path.join(root, 'lookup.sqlite');
  const db = lookupDb(file)!;
  assert.ok(db);
  const state = { size: 1000, ino: 7, mtimeMs: 1.5, edge: 'e', lines: 3, nextLine: 4, torn: false };
  const entries: Entry[] = [
    { id: 'a', at: 0, len: 10, published: T0, seen: T0, guid: 'https://news.example/a/1', canonical: 'https://news.example/a/1', hash: 'h1' },
    { id: 'b', at: 10, len: 20, published: T0 + 40 * 86400_000, seen: T0 + 2, guid: 'guid-2', canonical: 'https://news.example/a/2', hash: 'h2' },
    { id: 'c', at: 30, len: 30, published: T0 + 3, seen: T0 + 3, guid: null, canonical: null, hash: 'h3' },
  ];
  db.write('news', entries, state, true);
  db.write('other', [{ ...entries[0]!, id: 'z' }], state, true);
  assert.deepEqual(db.state('news'), state);
  assert.equal(db.count('news'), 3);
  for (const e of entries) assert.deepEqual(db.get('news', e.id), e);
  assert.deepEqual(db.find('news', 'guid', 'guid-2'), [entries[1]]);
  assert.deepEqual(db.newest('news', 2), [entries[1], entries[2]]);
  assert.deepEqual(db.stats('news'), { count: 3, newest: T0 + 40 * 86400_000, lastUpdate: T0 + 3 });
  assert.deepEqual([...db.monthCounts('news')].sort(), [['2024-01', 2], ['2024-02', 1]]);
  // another article written later with the same URL: found first
  db.write('news', [{ ...entries[2]!, id: 'd', canonical: 'https://news.example/a/2' }], { ...state, size: 1100 }, false);
  assert.deepEqual(db.find('news', 'canonical', 'https://news.example/a/2').map((e) => e.id), ['d', 'b']);
  // rewritten whole: the others are gone; the other source is untouched
  db.write('news', [entries[0]!], state, true);
  assert.equal(db.count('news'), 1);
  assert.equal(db.count('other'), 1);
  // a file of another schema version is made again, empty
  closeLookupDbs();
  const raw = new Database(file);
  raw.pragma('user_version = 99');
  raw.close();
  const fresh = lookupDb(file)!;
  assert.equal(fresh.state('news'), null);
  assert.equal(fresh.count('news'), 0);
  closeLookupDbs();
});

test('a source without rows is answered from memory (no query for nothing); once written, from its rows', async () => {
  const root = await tempDir();
  const db = lookupDb(path.join(root, 'lookup.sqlite'))!;
  const state = { size: 100, ino: 7, mtimeMs: 1.5, edge: 'e', lines: 1, nextLine: 2, torn: false };
  const x: Entry = { id: 'x', at: 0, len: 10, published: T0, seen: T0, guid: 'guid-x', canonical: 'https://news.example/x', hash: 'hx' };
  // another source's row with the same keys: never an answer for this one
  db.write('other', [{ ...x, at: 5 }], state, true);
  const entries = new Entries('news', db);
  assert.equal(entries.size, 0);
  assert.equal(entries.get('x'), undefined);
  assert.equal(entries.byGuid('guid-x'), undefined);
  entries.put(x);
  assert.equal(entries.byUrl('https://news.example/x'), x);
  assert.deepEqual([...entries.values()], [x]);
  entries.writeTo(db, state, false);
  assert.equal(entries.inMemory, 0);
  assert.equal(entries.size, 1);
  assert.deepEqual(entries.get('x'), x);
  assert.deepEqual(entries.byHash('hx'), x);
  assert.deepEqual(entries.newest(5), [x]);
  assert.deepEqual([...entries.values()], [x]);
  closeLookupDbs();
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
