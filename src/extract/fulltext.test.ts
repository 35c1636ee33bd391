/** The full-text rule: when a feed item's page is fetched. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeedItem } from '../domain.ts';
import { FULL_TEXT_MIN_CHARS, fullTextReason, needsFullText } from './index.ts';

function item(fields: Partial<FeedItem>): FeedItem {
  return {
    id: null,
    title: '标题',
    link: 'https://www.rfi.fr/cn/x',
    published: null,
    updated: null,
    author: null,
    summary: null,
    content: null,
    categories: [],
    enclosures: [],
    ...fields,
  };
}

/** A body of `n` Chinese characters in paragraphs. */
function body(n: number, end = '。'): string {
  const text = '新闻正文'.repeat(Math.ceil(n / 4)).slice(0, n - end.length) + end;
  return `<p>${text.slice(0, Math.floor(text.length / 2))}</p>\n<p>${text.slice(Math.floor(text.length / 2))}</p>`;
}

test('never: never; always: whenever there is an http(s) link', () => {
  const empty = item({});
  assert.equal(needsFullText(empty, 'never'), false);
  assert.equal(needsFullText(item({ content: body(5000) }), 'always'), true);
  assert.equal(needsFullText(item({ content: body(50), link: null }), 'always'), false);
  assert.equal(needsFullText(item({ link: 'ftp://example.test/a' }), 'always'), false);
  assert.equal(needsFullText(item({ link: '/relative/path' }), 'auto'), false);
});

test('auto: no body, or a short one, is fetched', () => {
  assert.equal(fullTextReason(item({})), 'the feed gives no body');
  assert.equal(fullTextReason(item({ content: '<p> </p><img src="x.jpg">' })), 'the feed gives no body');
  assert.match(fullTextReason(item({ content: body(120) }))!, /120 characters \(fewer than 400\)/);
  assert.equal(needsFullText(item({ content: body(FULL_TEXT_MIN_CHARS - 1) })), true);
  assert.equal(needsFullText(item({ content: body(FULL_TEXT_MIN_CHARS) })), false);
  // the summary stands in when there is no content; whitespace and tags do not count
  assert.equal(needsFullText(item({ summary: body(100) })), true);
  assert.equal(needsFullText(item({ content: `<p>${'  \n'.repeat(500)}短</p>` })), true);
  assert.equal(needsFullText(item({ content: '&nbsp;'.repeat(600) })), true);
});

test('auto: a body that is the summary, or ends with a truncation mark, is fetched', () => {
  const s = body(800);
  assert.equal(fullTextReason(item({ summary: s, content: s })), 'the feed body is the summary');
  for (const end of ['……', '...', '[…]', '阅读全文', '閱讀全文 »', '继续阅读>>', '更多', 'Read more', 'Continue reading →', '查看全文']) {
    const reason = fullTextReason(item({ content: body(800, end) }));
    assert.ok(reason?.startsWith('the feed body ends with'), `${end}: ${reason}`);
  }
  // a long body is full text whatever its ending
  assert.equal(needsFullText(item({ content: body(4000, '……') })), false);
  assert.equal(needsFullText(item({ summary: body(4000), content: body(4000) })), false);
});

test('auto: a full article is kept as the feed gave it', () => {
  assert.equal(fullTextReason(item({ content: body(1200), summary: body(100) })), null);
  assert.equal(needsFullText(item({ content: body(1200) }), 'auto'), false);
  // the default mode is auto
  assert.equal(needsFullText(item({ content: body(1200) })), false);
  assert.equal(needsFullText(item({ content: body(100) })), true);
});
