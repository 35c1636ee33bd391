/**
 * A run killed between an article file and its manifest record leaves a file whose record the next run
 * recovers from the file, without the GUID (the manifest is the only place it is kept). When the item is
 * seen again, the record takes its GUID back; the article stays one article when its link then changes,
 * and another item at its URL under another GUID stays another article. (Found by test/chaos.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../src/domain.ts';
import { FileArchive, OPEN_DIR } from '../src/storage/index.ts';
import { tempDir } from '../src/testing/tree.ts';

const T0 = Date.UTC(2024, 2, 1, 8, 0, 0);

function item(over: Partial<FeedItem> = {}): FeedItem {
  return {
    id: 'tag:news.example,2024:42',
    title: '第一版标题',
    link: 'https://news.example/2024/42.html',
    published: T0,
    updated: null,
    author: null,
    summary: null,
    content: `<p>${'第一版的正文，足够长。'.repeat(30)}</p>`,
    categories: [],
    enclosures: [],
    ...over,
  };
}

/** The archive as a run killed after the article file and before its record leaves it. */
async function killedBeforeRecord(root: string): Promise<string> {
  const store = await new FileArchive(root).source('news');
  const added = await store.upsert(item(), T0);
  await fs.writeFile(path.join(root, 'articles/news/index.jsonl'), '');
  await fs.mkdir(path.join(root, OPEN_DIR), { recursive: true });
  await fs.writeFile(path.join(root, OPEN_DIR, 'news'), '');
  return added.record.id;
}

test('a record recovered from its file takes back the GUID of the item seen again, unchanged', async () => {
  const root = await tempDir();
  const id = await killedBeforeRecord(root);
  const store = await new FileArchive(root).source('news');
  assert.equal(store.all()[0]?.guid, null, 'recovered without its GUID');
  assert.equal((await store.upsert(item(), T0 + 1000)).status, 'unchanged');
  await store.finish();
  const reopened = await new FileArchive(root).source('news');
  assert.deepEqual(reopened.all().map((r) => [r.id, r.guid]), [[id, item().id]]);
  // seen once more: nothing is written
  const journal = await fs.readFile(path.join(root, 'articles/news/index.jsonl'), 'utf8');
  assert.equal((await reopened.upsert(item(), T0 + 2000)).status, 'unchanged');
  assert.equal(await fs.readFile(path.join(root, 'articles/news/index.jsonl'), 'utf8'), journal);
});

test('a recovered article whose item comes back with another link and text is revised, not archived twice', async () => {
  const root = await tempDir();
  const id = await killedBeforeRecord(root);
  const store = await new FileArchive(root).source('news');
  const moved = await store.upsert(item({ title: '第二版标题', link: 'https://news.example/2024/42-moved.html', content: '<p>第二版。</p>' }), T0 + 1000);
  assert.equal(moved.status, 'changed');
  assert.equal(moved.record.id, id);
  assert.equal(moved.record.guid, item().id);
  assert.equal(moved.record.revisions?.length, 1);
  assert.equal(store.size, 1);
});

test('another item at a recovered article’s URL under another GUID is another article once the GUID is back', async () => {
  const root = await tempDir();
  await killedBeforeRecord(root);
  const store = await new FileArchive(root).source('news');
  assert.equal((await store.upsert(item(), T0 + 1000)).status, 'unchanged');
  const other = await store.upsert(item({ id: 'tag:news.example,2024:43', title: '另一篇', content: '<p>另一篇的正文。</p>' }), T0 + 2000);
  assert.equal(other.status, 'new');
  assert.equal(store.size, 2);
});
