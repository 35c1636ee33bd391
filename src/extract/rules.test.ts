/** The rule-file format, rule lookup by host, and loading from folders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BUILTIN_RULES_DIR, builtinRules, extractArticle, loadArchiveRules, loadRules, parseRules, ruleFor } from './index.ts';
import { hostOfRuleFile } from './rules.ts';
import { tempDir } from './test-helpers.ts';

test('parseRules reads every directive', () => {
  const { rule, warnings } = parseRules(
    [
      '# comment',
      '',
      'body: article .content',
      'body:   .fallback  ',
      'title: h1.headline',
      'author: .byline a',
      'date: time[datetime]',
      'image: meta[property="og:image"]',
      'strip: .share-bar',
      'strip_id_or_class: related',
      'strip_id_or_class: "newsletter"',
      'strip_image_src: pixel.gif',
      'lazy_image_attr: data-url',
      'single_page_link: a.full',
      'prune: yes',
      'host: example.org',
      'host: www.example.net',
      'test_url: https://www.example.com/a',
      'test_contains: 第一段',
      'test_contains: 最后一段',
      'test_url: https://www.example.com/b',
    ].join('\n'),
    'example.com.txt',
  );
  assert.deepEqual(warnings, []);
  assert.equal(rule.name, 'example.com');
  assert.deepEqual(rule.hosts, ['example.com', 'example.org', 'example.net']);
  assert.deepEqual(rule.body, ['article .content', '.fallback']);
  assert.deepEqual(rule.title, ['h1.headline']);
  assert.deepEqual(rule.author, ['.byline a']);
  assert.deepEqual(rule.date, ['time[datetime]']);
  assert.deepEqual(rule.image, ['meta[property="og:image"]']);
  assert.deepEqual(rule.strip, ['.share-bar']);
  assert.deepEqual(rule.stripIdOrClass, ['related', 'newsletter']);
  assert.deepEqual(rule.stripImageSrc, ['pixel.gif']);
  assert.deepEqual(rule.lazyImageAttrs, ['data-url']);
  assert.deepEqual(rule.singlePageLink, ['a.full']);
  assert.equal(rule.prune, true);
  assert.deepEqual(rule.tests, [
    { url: 'https://www.example.com/a', contains: ['第一段', '最后一段'] },
    { url: 'https://www.example.com/b', contains: [] },
  ]);
});

test('parseRules skips what it cannot use, with a warning naming file and line', () => {
  const { rule, warnings } = parseRules(
    [
      'body: //div[@id="story"]', // FiveFilters XPath
      'body: div[[[', // not CSS
      'strip: (//aside)[1]',
      'tidy: no', // a FiveFilters directive with no meaning here: silently ignored
      'http_header(user-agent): Mozilla/5.0',
      'replace_string(<noscript>): <div>',
      'frobnicate: yes', // unknown
      'prune: maybe',
      'lazy_image_attr: not an attribute',
      'host: not a host',
      'test_contains: orphan',
      'this line has no colon',
      'constructor: x',
      'body: .good',
    ].join('\n'),
    'site.example.txt',
    'rules/site.example.txt',
  );
  assert.deepEqual(rule.body, ['.good']);
  assert.deepEqual(rule.strip, []);
  assert.equal(rule.prune, false);
  assert.deepEqual(rule.hosts, ['site.example']);
  const text = warnings.join('\n');
  assert.match(text, /rules\/site\.example\.txt:1: body: looks like XPath/);
  assert.match(text, /:2: body: "div\[\[\[" is not a valid CSS selector/);
  assert.match(text, /:3: strip: looks like XPath/);
  assert.match(text, /:7: unknown directive "frobnicate"/);
  assert.match(text, /:8: prune: expected yes or no/);
  assert.match(text, /:9: lazy_image_attr/);
  assert.match(text, /:10: host: "not a host"/);
  assert.match(text, /:11: test_contains before any test_url/);
  assert.match(text, /:12: not a "directive: value" line/);
  assert.match(text, /:13: unknown directive "constructor"/);
  assert.doesNotMatch(text, /tidy|http_header|replace_string/);
  assert.equal(warnings.length, 10);
});

test('rule file names: host from the name, www. and a leading dot dropped', () => {
  assert.equal(hostOfRuleFile('rfi.fr.txt'), 'rfi.fr');
  assert.equal(hostOfRuleFile('www.bbc.com.txt'), 'bbc.com');
  assert.equal(hostOfRuleFile('.dw.com.txt'), 'dw.com');
  assert.equal(hostOfRuleFile('/a/b/CN.NYTimes.com.txt'), 'cn.nytimes.com');
  assert.equal(hostOfRuleFile('README.txt'), null);
  assert.match(parseRules('body: p', 'notes.txt').warnings[0]!, /does not name a host/);
});

test('ruleFor: the host or its nearest parent domain; www. ignored; only http(s)', () => {
  const rules = builtinRules();
  const name = (url: string) => ruleFor(url, rules)?.name ?? null;
  assert.equal(name('https://www.rfi.fr/cn/x'), 'rfi.fr');
  assert.equal(name('https://rfi.fr/cn/x'), 'rfi.fr');
  assert.equal(name('https://www.bbc.co.uk/zhongwen/simp/x.shtml'), 'bbc.com'); // host: line
  assert.equal(name('https://cn.nytimes.com/world/x/'), 'cn.nytimes.com');
  assert.equal(name('https://www.nytimes.com/2024/x.html'), null); // the cn rule does not cover www.nytimes.com
  assert.equal(name('https://m.voachinese.com/a/x.html'), 'voachinese.com');
  assert.equal(name('https://notrfi.fr/x'), null);
  assert.equal(name('https://rfi.fr.evil.example/x'), null);
  assert.equal(name('file:///tmp/rfi.fr.html'), null);
  assert.equal(name('not a url'), null);

  const general = parseRules('body: .a', 'example.com.txt').rule;
  const specific = parseRules('body: .b', 'news.example.com.txt').rule;
  assert.equal(ruleFor('https://news.example.com/x', [general, specific]), specific);
  assert.equal(ruleFor('https://a.news.example.com/x', [specific, general]), specific);
  assert.equal(ruleFor('https://other.example.com/x', [specific, general]), general);
});

test('the nine shipped rules load without a warning', async () => {
  const { rules, warnings } = await loadRules([BUILTIN_RULES_DIR]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    rules.map((r) => r.name).sort(),
    ['bbc.com', 'chinadigitaltimes.net', 'cn.nytimes.com', 'dw.com', 'ftchinese.com', 'reuters.com', 'rfa.org', 'rfi.fr', 'voachinese.com'],
  );
});

test('loadRules: later folders override earlier ones; missing folders are skipped; an archive adds sites', async () => {
  const root = await tempDir();
  await fs.mkdir(path.join(root, 'rules'));
  await fs.writeFile(path.join(root, 'rules', 'rfi.fr.txt'), 'body: .my-own-body\n');
  await fs.writeFile(path.join(root, 'rules', 'newsite.example.txt'), 'body: #story\nstrip: .ad\n');
  await fs.writeFile(path.join(root, 'rules', 'broken.example.txt'), 'body: //xpath\n');
  await fs.writeFile(path.join(root, 'rules', 'notes.md'), 'not a rule');

  const { rules, warnings } = await loadArchiveRules(root);
  assert.equal(rules.filter((r) => r.name === 'rfi.fr').length, 1);
  assert.deepEqual(ruleFor('https://www.rfi.fr/x', rules)!.body, ['.my-own-body']);
  assert.deepEqual(ruleFor('https://newsite.example/x', rules)!.body, ['#story']);
  assert.equal(ruleFor('https://www.bbc.com/zhongwen/x', rules)!.name, 'bbc.com');
  assert.match(warnings.join('\n'), /broken\.example\.txt:1: body: looks like XPath/);

  const none = await loadRules([path.join(root, 'does-not-exist')]);
  assert.deepEqual(none, { rules: [], warnings: [] });

  // a user's new site works without code
  const html = '<!DOCTYPE html><html><body><div class="ad">广告</div><div id="story"><p>新网站的正文。</p><div class="ad">文中广告</div></div><div id="other"><p>别的东西很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。</p></div></body></html>';
  const a = extractArticle(html, 'https://www.newsite.example/2024/a.html', { rules });
  assert.equal(a.rule, 'newsite.example');
  assert.equal(a.text, '新网站的正文。');
});
