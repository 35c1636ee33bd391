import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../domain.ts';
import { FileArchive } from '../storage/index.ts';
import { snapshot, tempDir } from '../testing/tree.ts';
import { dayOf, openSiteModel } from './model.ts';

const T0 = Date.UTC(2024, 2, 1, 15, 30); // 23:30 in UTC+8

function item(i: number, published: number): FeedItem {
  return { id: `g${i}`, title: `标题${i}`, link: `https://dw.example/${i}`, published, updated: null, author: null, summary: null, content: `<p>正文${i}</p>`, categories: [], enclosures: [] };
}

async function add(root: string, slug: string, items: FeedItem[]): Promise<void> {
  const store = await new FileArchive(root).source(slug);
  for (const it of items) await store.upsert(it, T0 + 86_400_000);
  await store.close();
  await store.finish();
}

test('model: sources, newest-first articles across them, UTC+8 days, names from newsvault.yaml; refresh re-reads only what changed; nothing written', async () => {
  const root = await tempDir('newsvault-model-');
  await add(root, 'mydw', [item(1, T0), item(2, T0 + 3_600_000)]);
  await add(root, 'rfi', [item(3, T0 + 1_800_000)]);
  writeFileSync(path.join(root, 'newsvault.yaml'), 'sources:\n  mydw:\n    name: 德国之声 "DW"\n    feed: https://dw.example/rss\n');
  const before = await snapshot(root);
  const m = await openSiteModel(root);
  assert.deepEqual(m.sources().map((s) => s.slug), ['mydw', 'rfi']);
  assert.equal(m.nameOf('mydw'), '德国之声 "DW"');
  assert.equal(m.nameOf('rfi'), '法广 RFI');
  assert.deepEqual(m.all().map((a) => a.record.title), ['标题2', '标题3', '标题1']);
  assert.deepEqual([...m.days().keys()], ['2024-03-02', '2024-03-01']);
  assert.equal(dayOf(T0), '2024-03-01');
  const a = m.all()[0]!;
  assert.equal(m.article('mydw', a.record.id), a);
  assert.equal((await m.body(a))?.contentHtml, '<p>正文2</p>');
  assert.equal(await m.refresh(), false);
  assert.deepEqual(await snapshot(root), before);
  await add(root, 'rfi', [item(4, T0 + 7_200_000)]);
  assert.equal(await m.refresh(), true);
  assert.equal(m.all()[0]!.record.title, '标题4');
  assert.equal(m.source('rfi')!.articles.length, 2);
});
