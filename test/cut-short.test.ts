/**
 * A commit cut short by a kill is finished when the source is next opened, not only when its item is
 * committed again: the item may have left its feed, or gone back to its recorded text, and then nothing
 * would ever finish it. (Found by test/chaos.test.ts: a record naming one text while its file held another,
 * and revision files no record listed.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../src/domain.ts';
import { FileArchive, OPEN_DIR } from '../src/storage/index.ts';
import { listFiles, tempDir } from '../src/testing/tree.ts';

const T0 = Date.UTC(2024, 2, 1, 8, 0, 0);
const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

function item(v: number): FeedItem {
  return {
    id: 'tag:news.example,2024:7',
    title: `第${v}版标题`,
    link: 'https://news.example/2024/7.html',
    published: T0,
    updated: null,
    author: null,
    summary: null,
    content: `<p>${`第${v}版的正文。`.repeat(40)}</p>`,
    categories: [],
    enclosures: [],
  };
}

const open = (root: string) => new FileArchive(root).source('news');

/** Marks the source as a session that stopped leaves it. */
async function stopped(root: string): Promise<void> {
  await fs.mkdir(path.join(root, OPEN_DIR), { recursive: true });
  await fs.writeFile(path.join(root, OPEN_DIR, 'news'), '');
}

/** The archive as an edit from version 1 to 2 killed after the article file was replaced leaves it:
 *  the revision and the new file written, the record not appended. */
async function killedBeforeRecord(root: string): Promise<void> {
  const store = await open(root);
  await store.upsert(item(1), T0);
  await store.upsert(item(2), T0 + 1000);
  const journal = path.join(root, 'articles/news/index.jsonl');
  const lines = (await fs.readFile(journal, 'utf8')).split('\n').filter(Boolean);
  await fs.writeFile(journal, `${lines[0]}\n`);
  await stopped(root);
}

/** Every record's file has the record's SHA-256, and every revision file is listed. */
async function consistent(root: string): Promise<void> {
  const store = await open(root);
  const listed = new Set(store.all().flatMap((r) => (r.revisions ?? []).map((v) => v.path)));
  for (const rec of store.all()) assert.equal(sha256(await fs.readFile(path.join(root, rec.path))), rec.sha, `${rec.path} holds the recorded text`);
  for (const f of (await listFiles(root)).filter((f) => f.startsWith('revisions/'))) assert.ok(listed.has(f), `${f} is listed`);
}

test('an edit cut short after the file was replaced, then the item back to its recorded text: the edit is finished at open', async () => {
  const root = await tempDir();
  await killedBeforeRecord(root);
  const store = await open(root);
  assert.ok(store.warnings.some((w) => /1 commit\(s\) cut short/.test(w)), store.warnings.join('\n'));
  const rec = store.all()[0]!;
  assert.equal(rec.title, '第2版标题');
  assert.equal(rec.revisions?.length, 1);
  assert.equal((await store.upsert(item(1), T0 + 2000)).status, 'unchanged', 'version 1 is kept as a revision');
  await store.finish();
  await consistent(root);
});

test('an edit cut short after the file was replaced, then the item gone from the feed: finished at open all the same', async () => {
  const root = await tempDir();
  await killedBeforeRecord(root);
  const store = await open(root);
  await store.finish();
  await consistent(root);
  // and the item seen again in version 2 changes nothing
  const again = await open(root);
  assert.equal((await again.upsert(item(2), T0 + 3000)).status, 'unchanged');
  assert.equal(again.all()[0]!.revisions?.length, 1);
});

test('an edit cut short after its revision was saved, before the file was replaced: the copy no record lists is removed', async () => {
  const root = await tempDir();
  const store = await open(root);
  const rec = (await store.upsert(item(1), T0)).record;
  const revision = `revisions/${rec.path.slice('articles/'.length, -'.md'.length)}.v1.md`;
  await fs.mkdir(path.dirname(path.join(root, revision)), { recursive: true });
  await fs.copyFile(path.join(root, rec.path), path.join(root, revision));
  await stopped(root);
  const reopened = await open(root);
  assert.ok(reopened.warnings.some((w) => /1 unlisted revision file/.test(w)), reopened.warnings.join('\n'));
  assert.equal((await reopened.upsert(item(1), T0 + 2000)).status, 'unchanged');
  await reopened.finish();
  await consistent(root);
  assert.deepEqual((await listFiles(root)).filter((f) => f.startsWith('revisions/')), []);
  // the edit, when it comes, keeps version 1 once
  const edited = await (await open(root)).upsert(item(2), T0 + 3000);
  assert.equal(edited.status, 'changed');
  assert.deepEqual(edited.record.revisions?.map((v) => v.path), [revision]);
});

test('a revision file no record lists that holds another text is left alone; a clean source is not looked at', async () => {
  const root = await tempDir();
  const store = await open(root);
  const rec = (await store.upsert(item(1), T0)).record;
  const revision = `revisions/${rec.path.slice('articles/'.length, -'.md'.length)}.v1.md`;
  await fs.mkdir(path.dirname(path.join(root, revision)), { recursive: true });
  await fs.writeFile(path.join(root, revision), 'another text\n');
  await open(root);
  await stopped(root);
  await open(root);
  assert.equal(await fs.readFile(path.join(root, revision), 'utf8'), 'another text\n');
});
