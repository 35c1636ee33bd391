import { test } from 'node:test';
import assert from 'node:assert/strict';

import { CATALOG, catalogSource, checkFeedLocation, isRemoteLocation, isValidSlug } from './index.ts';

test('the catalog holds the nine outlets, in order, with unique valid slugs', () => {
  const slugs = CATALOG.map((s) => s.slug);
  assert.deepEqual(slugs, ['rfi', 'bbc', 'voa', 'nytimes', 'dw', 'rfa', 'ftchinese', 'reuters', 'cdt']);
  assert.equal(new Set(slugs).size, slugs.length, 'slugs are unique');
  for (const slug of slugs) assert.ok(isValidSlug(slug), `${slug} is a valid slug`);
});

test('every outlet has its names and an https homepage', () => {
  for (const s of CATALOG) {
    assert.ok(s.name.length > 0 && s.nameZh && s.nameEn, `${s.slug} has name, nameZh, nameEn`);
    assert.match(s.homepage ?? '', /^https:\/\//, `${s.slug} homepage`);
  }
  assert.equal(catalogSource('rfi')?.name, '法广 RFI');
  assert.equal(catalogSource('bbc')?.name, 'BBC 中文');
  assert.equal(catalogSource('cdt')?.name, '中国数字时代 China Digital Times');
});

test('the catalog feeds are the checked ones, each a valid https URL', () => {
  const feeds = Object.fromEntries(CATALOG.map((s) => [s.slug, s.feeds]));
  assert.deepEqual(feeds, {
    rfi: ['https://www.rfi.fr/cn/rss'],
    bbc: ['https://feeds.bbci.co.uk/zhongwen/simp/rss.xml'],
    voa: ['https://www.voachinese.com/api/zm_yql-vomx-tpeybti'],
    nytimes: ['https://cn.nytimes.com/rss/'],
    dw: ['https://rss.dw.com/rdf/rss-chi-all'],
    rfa: ['https://www.rfa.org/mandarin/yataibaodao/rss2.xml'],
    ftchinese: ['https://www.ftchinese.com/rss/news'],
    reuters: [],
    cdt: ['https://chinadigitaltimes.net/chinese/feed/'],
  });
  for (const s of CATALOG) {
    for (const feed of s.feeds) {
      assert.ok(feed.startsWith('https://') && isRemoteLocation(feed), `${s.slug}: ${feed} is https`);
      assert.deepEqual(checkFeedLocation(feed, '/unused'), { ok: true, location: feed });
    }
  }
});

test('Reuters has no feed, is disabled and says why', () => {
  const reuters = catalogSource('reuters');
  assert.ok(reuters);
  assert.deepEqual(reuters.feeds, []);
  assert.equal(reuters.enabled, false);
  assert.match(reuters.note ?? '', /stopped publishing feeds/);
});

test('a source is enabled exactly when it has a feed; RFA and VOA carry notes on their state', () => {
  for (const s of CATALOG) assert.equal(s.enabled, s.feeds.length > 0, s.slug);
  assert.match(catalogSource('rfa')?.note ?? '', /2025/);
  assert.match(catalogSource('voa')?.note ?? '', /stale/);
});

test('the catalog cannot be changed by accident', () => {
  const rfi = catalogSource('rfi')!;
  assert.throws(() => {
    (rfi as { enabled: boolean }).enabled = false;
  }, TypeError);
  assert.throws(() => rfi.feeds.push('https://example.org/'), TypeError);
  assert.throws(() => (CATALOG as unknown as unknown[]).pop(), TypeError);
  assert.equal(catalogSource('rfi')?.enabled, true);
  assert.equal(catalogSource('nope'), undefined);
});
