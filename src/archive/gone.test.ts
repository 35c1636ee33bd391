import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../domain.ts';
import { itemKeys } from './store.ts';
import { parseManifest } from './manifest.ts';
import { tempDir } from '../testing/tree.ts';
import { FileArchive } from '../storage/index.ts';

const open = (root: string, slug: string) => new FileArchive(root).source(slug);
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
    content: '<p>正文第一段。</p>',
    categories: [],
    enclosures: [],
    ...over,
  };
}

test('markGone appends the record with a gone mark, keeps the article file, and is idempotent', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const { record } = await store.upsert(item(), T0);
  const event = await store.markGone(record.id, { now: T0 + 1000, reason: 'HTTP 404', status: 404 });
  assert.equal(event.type, 'gone');
  assert.equal(event.type === 'gone' && event.reason, 'HTTP 404');
  assert.deepEqual(event.type === 'gone' && event.record?.gone, { at: T0 + 1000, reason: 'HTTP 404', status: 404 });
  await fs.access(path.join(root, record.path));
  await store.finish();
  // read back from the journal
  const reopened = await open(root, 'src');
  assert.deepEqual(reopened.all()[0]?.gone, { at: T0 + 1000, reason: 'HTTP 404', status: 404 });
  assert.equal(reopened.warnings.length, 0);
  const again = await reopened.markGone(record.id, { now: T0 + 2000, reason: 'HTTP 410', status: 410 });
  assert.equal(again.type, 'unchanged');
  const manifest = await fs.readFile(path.join(root, 'articles/src/index.jsonl'), 'utf8');
  assert.equal(manifest.trim().split('\n').length, 2);
  assert.ok(manifest.trim().split('\n')[1]!.endsWith(`"gone":{"at":${T0 + 1000},"reason":"HTTP 404","status":404}}`));
  await assert.rejects(reopened.markGone('aaaaaaaaaa', { now: T0, reason: 'x' }), /no article/);
});

test('a revision committed with a reason and a rule names them on its entry; a revision clears a gone mark', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const { record } = await store.upsert(item(), T0);
  await store.markGone(record.id, { now: T0 + 1, reason: 'HTTP 404', status: 404 });
  const current = store.all()[0]!;
  const keys = itemKeys(item({ content: '<p>正文第一段，改过。</p>' }));
  const event = await store.commit({ kind: 'revise', keys, record: current }, { now: T0 + 2, textSource: 'page', reason: 'reextract', rule: 'news.example' });
  assert.equal(event.type, 'revised');
  if (event.type !== 'revised') return;
  assert.equal(event.record.revisions?.[0]?.reason, 'reextract');
  assert.equal(event.record.revisions?.[0]?.rule, 'news.example');
  assert.equal(event.record.gone, undefined);
  const parsed = parseManifest(await fs.readFile(path.join(root, 'articles/src/index.jsonl'), 'utf8'), 'm');
  assert.deepEqual(parsed.damaged, []);
  assert.equal(parsed.records.get(record.id)?.revisions?.[0]?.rule, 'news.example');
});
