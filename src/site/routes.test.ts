import { test } from 'node:test';
import assert from 'node:assert/strict';
import { feedOf, feedPath, pathOf, rootOf, routeOf, type Route } from './routes.ts';

const ROUTES: Route[] = [
  { kind: 'home', page: 0 },
  { kind: 'home', page: 7 },
  { kind: 'sources' },
  { kind: 'search' },
  { kind: 'source', slug: 'rfi', page: 0 },
  { kind: 'source', slug: 'voa-chinese', page: 12 },
  { kind: 'days' },
  { kind: 'day', day: '2024-02-29' },
  { kind: 'article', slug: 'bbc', id: 'abcdefghij' },
  { kind: 'history', slug: 'bbc', id: 'abcdefghij234567' },
  { kind: 'diff', slug: 'bbc', id: 'abcdefghij', n: 2 },
];

test('routes: every route round-trips through its path', () => {
  for (const r of ROUTES) assert.deepEqual(routeOf(pathOf(r)), r, pathOf(r));
  assert.deepEqual(routeOf(''), { kind: 'home', page: 0 });
  assert.deepEqual(routeOf('s/rfi/'), { kind: 'source', slug: 'rfi', page: 0 });
});

test('routes: traversal, absolute paths, backslashes, escapes and anything else are no page', () => {
  for (const p of [
    '../index.html',
    'a/../index.html',
    'a/rfi/../../etc/passwd',
    './index.html',
    '/index.html',
    '/etc/passwd',
    'a\\rfi\\abcdefghij.html',
    'a/rfi/abcdefghij.html\\..',
    '%2e%2e/index.html',
    'a/rfi/%2E%2E.html',
    'a//rfi/abcdefghij.html',
    'a/RFI/abcdefghij.html',
    'a/rfi/abcdefghi1.html',
    'a/rfi/abcdefghij.html?x=1',
    'index.html#x',
    'page/0.html',
    'page/01.html',
    'd/2024-02-30.html',
    'd/2023-02-29.html',
    'a/rfi/abcdefghij/diff-0.html',
    'static/site.css',
    'index.html\0',
    'C:/index.html',
    'feeds/all.xml',
  ]) {
    assert.equal(routeOf(p), null, p);
  }
});

test('feeds: paths round-trip; all is the combined feed', () => {
  for (const f of [{ format: 'rss' as const }, { source: 'rfi', format: 'atom' as const }, { source: 'dw', format: 'json' as const }]) assert.deepEqual(feedOf(feedPath(f)), f);
  assert.equal(feedPath({ format: 'rss' }), 'feeds/all.xml');
  assert.equal(feedOf('feeds/../all.xml'), null);
  assert.equal(feedOf('feeds/all.html'), null);
});

test('rootOf: the relative way back to the site root', () => {
  assert.equal(rootOf('index.html'), '');
  assert.equal(rootOf('a/rfi/abcdefghij.html'), '../../');
  assert.equal(rootOf('a/rfi/abcdefghij/history.html'), '../../../');
});
