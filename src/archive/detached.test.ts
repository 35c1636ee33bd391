import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FeedItem } from '../domain.ts';
import { detached, itemKeys } from './index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A feed's text of `chars` characters holding one item, and the item as a parser gives it: slices of the text. */
function sliced(n: number, chars: number): FeedItem {
  const text = `${'<item>'.padEnd(chars, '标')}<title>第${n}号新闻报道：联合国安理会举行紧急会议</title><guid>https://example.com/news/${n}/item</guid></item>`;
  const title = text.slice(text.indexOf('<title>') + 7, text.indexOf('</title>'));
  const id = text.slice(text.indexOf('<guid>') + 6, text.indexOf('</guid>'));
  return { id, title, link: id, published: 0, updated: null, author: null, summary: null, content: '<p>正文</p>' } as FeedItem;
}

test('detached copies a string exactly, code unit for code unit', () => {
  for (const s of ['', 'short', '联合国安理会周四就地区局势举行紧急会议', 'lone \ud800 surrogate and more text', 'x'.repeat(100)]) {
    assert.equal(detached(s), s);
    assert.equal(detached(` ${s} `.slice(1, -1)), s);
  }
});

test("an item's keys do not keep the feed's text alive", () => {
  gc();
  const before = process.memoryUsage().heapUsed;
  // 20 feeds of 4 MiB each (two-byte text): 80 MiB held if the keys were slices of them
  const kept = Array.from({ length: 20 }, (_, n) => {
    const k = itemKeys(sliced(n, 2 * 1024 * 1024));
    return [k.title, k.guid, k.link, k.canonical];
  });
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(kept[3]![0], '第3号新闻报道：联合国安理会举行紧急会议');
  assert.equal(kept[3]![1], 'https://example.com/news/3/item');
  assert.ok(grown < 16 * 1024 * 1024, `heap grew ${(grown / 2 ** 20).toFixed(1)} MiB`);
});
