import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../domain.ts';
import { FileArchive } from '../storage/index.ts';
import { listFiles, tempDir } from '../testing/tree.ts';
import { BATCH_SIZE, itemKeys } from './store.ts';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function item(n: number, over: Partial<FeedItem> = {}): FeedItem {
  return {
    id: `guid-${n}`,
    title: `第${n}篇`,
    link: `https://news.example/a/${n}`,
    published: T0 + n * 60_000,
    updated: null,
    author: null,
    summary: null,
    content: `<p>${`第${n}篇的正文。`.repeat(30)}</p>`,
    categories: [],
    enclosures: [],
    ...over,
  };
}

const journal = (root: string) => fs.readFile(path.join(root, 'articles/news/index.jsonl'), 'utf8').then((t) => t.split('\n').filter(Boolean), () => []);

async function commit(store: Awaited<ReturnType<FileArchive['source']>>, it: FeedItem, now = T0) {
  const plan = await store.plan(itemKeys(it), it, now);
  return store.commit(plan, { now, defer: true });
}

test('deferred commits: the file is written at once, the record only by flush (in commit order), and the store answers for it meanwhile', async () => {
  const root = await tempDir();
  const store = await new FileArchive(root).source('news');
  const a = await commit(store, item(1));
  assert.equal(a.type, 'added');
  const rec = a.type === 'added' ? a.record : undefined;
  assert.ok(rec && (await fs.readFile(path.join(root, rec.path), 'utf8')).includes('第1篇的正文'), 'the article file is there');
  assert.deepEqual(await journal(root), [], 'no record before flush');
  assert.equal(store.find(itemKeys(item(1)))?.record.id, rec.id, 'found at once');
  assert.equal((await commit(store, item(1))).type, 'unchanged', 'the same item again is not a second article');
  await commit(store, item(2));
  // an edit is not deferred: the deferred records are appended before its own
  const edited = await store.upsert(item(1, { title: '第1篇（更新）' }), T0 + 1000);
  assert.equal(edited.status, 'changed');
  const lines = (await journal(root)).map((l) => JSON.parse(l) as { guid: string; title: string });
  assert.deepEqual(lines.map((l) => [l.guid, l.title]), [['guid-1', '第1篇'], ['guid-2', '第2篇'], ['guid-1', '第1篇（更新）']]);
  await commit(store, item(3));
  assert.equal(store.unflushed, 1);
  await store.close();
  assert.equal(store.unflushed, 0);
  assert.equal((await journal(root)).length, 4);
  const reopened = await new FileArchive(root).source('news');
  assert.deepEqual(reopened.all().map((r) => r.guid).sort(), ['guid-1', 'guid-2', 'guid-3']);
});

test(`deferred commits are recorded every ${BATCH_SIZE} without waiting for close`, async () => {
  const root = await tempDir();
  const store = await new FileArchive(root).source('news');
  for (let n = 0; n < BATCH_SIZE + 3; n++) await commit(store, item(n));
  assert.equal((await journal(root)).length, BATCH_SIZE);
  assert.equal(store.unflushed, 3);
});

test('a stop before flush leaves files without records: the next open adopts them, and the items seen again take their GUIDs back', async () => {
  const root = await tempDir();
  const store = await new FileArchive(root).source('news');
  for (let n = 0; n < 5; n++) await commit(store, item(n));
  // the process stops here: no flush, no finish (the source stays marked)
  assert.deepEqual(await journal(root), []);
  const files = (await listFiles(root)).filter((f) => f.startsWith('articles/') && f.endsWith('.md'));
  assert.equal(files.length, 5);
  const next = await new FileArchive(root).source('news');
  assert.ok(next.unclean);
  assert.ok(next.warnings.some((w) => /5 article file\(s\) had no record/.test(w)), next.warnings.join('\n'));
  assert.equal(next.size, 5);
  for (let n = 0; n < 5; n++) assert.equal((await commit(next, item(n))).type, 'unchanged');
  await next.close();
  await next.finish();
  const last = await new FileArchive(root).source('news');
  assert.deepEqual(last.all().map((r) => r.guid).sort(), ['guid-0', 'guid-1', 'guid-2', 'guid-3', 'guid-4']);
  assert.deepEqual(last.all().map((r) => r.path).sort(), files.sort());
});
