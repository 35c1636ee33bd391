import { test } from 'node:test';
import assert from 'node:assert/strict';
import { articleId, canonicalUrl, identityKey } from './identity.ts';

test('canonicalUrl drops tracking parameters, fragments and www, and sorts the rest', () => {
  assert.equal(
    canonicalUrl('https://www.rfi.fr/cn/a?xtor=RSS-1&utm_source=x&at_medium=rss&b=2&a=1#top'),
    'https://rfi.fr/cn/a?a=1&b=2',
  );
  assert.equal(canonicalUrl('http://example.org/x?fbclid=abc'), canonicalUrl('https://example.org/x'));
  assert.notEqual(canonicalUrl('https://example.org/x?id=1'), canonicalUrl('https://example.org/x?id=2'));
  assert.equal(canonicalUrl('javascript:alert(1)'), null);
  assert.equal(canonicalUrl('not a url'), null);
});

test('articleId is stable, short, lowercase base32 and differs per source and key', () => {
  const id = articleId('rfi', 'guid:https://www.rfi.fr/cn/1');
  assert.match(id, /^[a-z2-7]{10}$/);
  assert.equal(articleId('rfi', 'guid:https://www.rfi.fr/cn/1'), id);
  assert.notEqual(articleId('bbc', 'guid:https://www.rfi.fr/cn/1'), id);
  assert.notEqual(articleId('rfi', 'guid:https://www.rfi.fr/cn/2'), id);
  assert.equal(articleId('rfi', 'x', 16).length, 16);
});

test('identityKey prefers the GUID, then the canonical URL, then the body', () => {
  assert.equal(identityKey({ guid: 'g', canonical: 'https://x/', body: 'b' }), 'guid:g');
  assert.equal(identityKey({ guid: null, canonical: 'https://x/', body: 'b' }), 'url:https://x/');
  assert.equal(identityKey({ guid: null, canonical: null, body: 'b' }), 'body:b');
});
