import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { adHocSources, ConfigError, isValidSlug } from './index.ts';

test('a URL gives a source named after its host, slug without www.', () => {
  assert.deepEqual(adHocSources(['https://example.org/rss.xml']), [
    { slug: 'example-org', name: 'example.org', feeds: ['https://example.org/rss.xml'], enabled: true },
  ]);
  assert.deepEqual(adHocSources(['http://www.Example.ORG:8080/feed']), [
    { slug: 'example-org', name: 'www.example.org:8080', feeds: ['http://www.Example.ORG:8080/feed'], enabled: true },
  ]);
});

test('a file gives a source named after the file, slug from its name without extension', () => {
  const sources = adHocSources(['feeds/My Feed.XML', '/srv/dw.rdf', '法广.xml'], { baseDir: '/base' });
  assert.deepEqual(sources, [
    { slug: 'my-feed', name: 'My Feed.XML', feeds: ['/base/feeds/My Feed.XML'], enabled: true },
    { slug: 'dw-2', name: 'dw.rdf', feeds: ['/srv/dw.rdf'], enabled: true },
    { slug: 'feed', name: '法广.xml', feeds: ['/base/法广.xml'], enabled: true },
  ]);
});

test('clashing slugs get numeric suffixes; a location given twice is one source', () => {
  const sources = adHocSources([
    'https://example.org/a.xml',
    'https://www.example.org/b.xml',
    'https://example.org/a.xml',
    '/tmp/example-org.xml',
    '/tmp/example-org-2.xml',
  ]);
  assert.deepEqual(
    sources.map((s) => [s.slug, s.feeds[0]]),
    [
      ['example-org', 'https://example.org/a.xml'],
      ['example-org-2', 'https://www.example.org/b.xml'],
      ['example-org-3', '/tmp/example-org.xml'],
      ['example-org-2-2', '/tmp/example-org-2.xml'],
    ],
  );
  assert.equal(new Set(sources.map((s) => s.slug)).size, sources.length);
});

test('the same locations always give the same sources', () => {
  const locations = ['https://b.example.com/x', 'https://a.example.com/y', 'https://b.example.com/z', './local/feed.json'];
  const first = adHocSources(locations, { baseDir: '/base' });
  const second = adHocSources([...locations], { baseDir: '/base' });
  assert.deepEqual(second, first);
  assert.deepEqual(
    first.map((s) => s.slug),
    ['b-example-com', 'a-example-com', 'b-example-com-2', 'feed'],
  );
  for (const s of first) assert.ok(isValidSlug(s.slug), s.slug);
});

test('catalog slugs are kept clear of by default, other reserved slugs on request', () => {
  assert.deepEqual(adHocSources(['/data/rfi.xml']).map((s) => s.slug), ['rfi-2']);
  assert.deepEqual(adHocSources(['/data/rfi.xml'], { reserved: [] }).map((s) => s.slug), ['rfi']);
  assert.deepEqual(adHocSources(['https://example.org/'], { reserved: ['example-org'] }).map((s) => s.slug), ['example-org-2']);
});

test('relative paths resolve against the working folder by default', () => {
  assert.deepEqual(adHocSources(['some/feed.xml'])[0]?.feeds, [path.resolve('some/feed.xml')]);
});

test('a location that is neither an http(s) URL nor a file path is a ConfigError naming --feed', () => {
  assert.throws(
    () => adHocSources(['https://ok.example/', 'ftp://x']),
    (e: unknown) => e instanceof ConfigError && e.file === '--feed' && e.message === '--feed: "ftp://x" is not an http(s) URL or a file path',
  );
});
