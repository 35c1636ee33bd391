import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeedItem } from '../domain.ts';
import type { ExtractedArticle } from '../extract/index.ts';
import { withPage } from './index.ts';
import { MAX_ATTEMPTS, RETRY_WINDOW_MS, recordFailure, retryDue, type Attempts } from '../health/index.ts';

const item: FeedItem = {
  id: 'g',
  title: '',
  link: 'https://news.example/a',
  published: null,
  updated: null,
  author: null,
  summary: null,
  content: '<p>摘要……</p>',
  categories: [],
  enclosures: [],
};

const page: ExtractedArticle = {
  title: '页面标题',
  byline: '记者',
  published: 1700000000000,
  lang: 'zh',
  contentHtml: '<p>全文。</p>',
  text: '全文。',
  leadImage: 'https://img.example/a.jpg?x=1&y="2"',
  rule: 'generic',
  url: 'https://news.example/a',
  warnings: [],
};

test('withPage: the page text, led by its lead image when the text has none; feed values win', () => {
  const a = withPage(item, page);
  assert.equal(a.content, '<img src="https://img.example/a.jpg?x=1&amp;y=&quot;2&quot;"><p>全文。</p>');
  assert.equal(a.title, '页面标题');
  assert.equal(a.published, 1700000000000);
  assert.equal(a.author, '记者');
  const b = withPage({ ...item, title: '订阅源标题', published: 1, author: '作者' }, { ...page, contentHtml: '<p><img src="x.jpg">全文</p>' });
  assert.equal(b.content, '<p><img src="x.jpg">全文</p>');
  assert.deepEqual([b.title, b.published, b.author], ['订阅源标题', 1, '作者']);
});

test('failed extractions are retried with growing gaps, a few times, for three days', () => {
  const attempts: Attempts = {};
  const t0 = 1_000_000_000_000;
  assert.equal(retryDue(undefined, t0, t0), true);
  recordFailure(attempts, 'k', t0);
  assert.equal(retryDue(attempts.k, t0, t0 + 59 * 60e3), false);
  assert.equal(retryDue(attempts.k, t0, t0 + 60 * 60e3), true);
  recordFailure(attempts, 'k', t0 + 3600e3);
  assert.equal(retryDue(attempts.k, t0, t0 + 2 * 3600e3), false);
  assert.equal(retryDue(attempts.k, t0, t0 + 3 * 3600e3), true);
  for (let i = attempts.k!.attempts; i < MAX_ATTEMPTS; i++) recordFailure(attempts, 'k', t0);
  assert.equal(retryDue(attempts.k, t0, t0 + RETRY_WINDOW_MS - 1), false);
  assert.equal(retryDue(undefined, t0, t0 + RETRY_WINDOW_MS), false);
});
