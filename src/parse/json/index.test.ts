import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeed } from '../index.ts';

const feed = (items: unknown[]) => Buffer.from(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'J', items }));

test('JSON Feed: an unparseable date_modified is null with a warning, as date_published is', async () => {
  const f = await parseFeed(feed([{ id: 'a', title: '  标题  ', date_published: '2024-05-15T09:30:00Z', date_modified: 'yesterday' }]));
  assert.equal(f.items[0]?.title, '标题');
  assert.equal(f.items[0]?.published, Date.UTC(2024, 4, 15, 9, 30));
  assert.equal(f.items[0]?.updated, null);
  assert.deepEqual(f.warnings, ['item 1 "标题": updated: unparseable date "yesterday"']);
});

test('JSON Feed: items without authors have the feed authors (1.1 `authors`, 1.0 `author`); tags trimmed, once each', async () => {
  const v11 = Buffer.from(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', authors: [{ name: '德国之声' }], items: [{ id: 'a', tags: [' 德国 ', '德国', ''] }, { id: 'b', authors: [{ name: '李四' }, { url: 'https://x.example/wang' }] }] }));
  const f = await parseFeed(v11);
  assert.deepEqual(f.items.map((i) => i.author), ['德国之声', '李四, https://x.example/wang']);
  assert.deepEqual(f.items[0]?.categories, ['德国']);
  const v10 = Buffer.from(JSON.stringify({ version: 'https://jsonfeed.org/version/1', author: { name: 'RFI' }, items: [{ id: 'a' }] }));
  assert.equal((await parseFeed(v10)).items[0]?.author, 'RFI');
});

test('JSON Feed whose version is "1.0" instead of the URL is read, with a warning; other versions are not JSON Feeds', async () => {
  const f = await parseFeed(Buffer.from(JSON.stringify({ version: '1.0', title: 'J', items: [{ id: 'a', url: 'https://x.example/a', content_text: 't' }] })));
  assert.equal(f.items[0]?.link, 'https://x.example/a');
  assert.ok(f.warnings.some((w) => /"version" is "1\.0", not the spec's URL/.test(w)), f.warnings.join('; '));
  await assert.rejects(parseFeed(Buffer.from(JSON.stringify({ version: '2.0', items: [] }))), /not a JSON Feed/);
});
