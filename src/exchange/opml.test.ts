import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { main, type Io } from '../cli/main.ts';
import type { Source } from '../domain.ts';
import { CATALOG, defaultConfigYaml, parseConfig, resolveSources } from '../sources/index.ts';
import { tempDir } from '../testing/tree.ts';
import { OpmlError, addSourcesToConfig, parseOpml, renderOpml } from './index.ts';

const READER_EXPORT = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="News" title="News">
      <outline type="rss" text="Site &amp; &quot;Co&quot;" title="ignored" xmlUrl="https://example.org/rss.xml" htmlUrl="https://example.org/"/>
      <outline title="端传媒" xmlUrl="https://theinitium.com/newsfeed/"/>
    </outline>
    <outline text="BBC" type="rss" xmlUrl="http://feeds.bbci.co.uk/zhongwen/simp/rss.xml"/>
    <outline text="BBC" type="rss" xmlUrl="https://feeds.bbci.co.uk/zhongwen/trad/rss.xml"/>
    <outline text="again" xmlUrl="https://www.example.org/rss.xml#x"/>
    <outline text="a folder with no feed"/>
  </body>
</opml>`;

test('parseOpml: every outline with an xmlUrl at any depth, its text (else title), htmlUrl and folders', () => {
  const feeds = parseOpml(READER_EXPORT);
  assert.equal(feeds.length, 5);
  assert.deepEqual(feeds[0], { text: 'Site & "Co"', xmlUrl: 'https://example.org/rss.xml', htmlUrl: 'https://example.org/', category: ['News'] });
  assert.deepEqual(feeds[1], { text: '端传媒', xmlUrl: 'https://theinitium.com/newsfeed/', category: ['News'] });
  assert.deepEqual(feeds[2]?.category, []);
  assert.throws(() => parseOpml('<opml><body><outline'), OpmlError);
  assert.throws(() => parseOpml('<rss version="2.0"><channel/></rss>'), /root element is <rss>/);
  assert.throws(() => parseOpml('not xml at all'), OpmlError);
});

test('renderOpml: OPML 2.0, one outline per feed, attributes escaped, local files left out; it reads back', () => {
  const sources: Source[] = [
    { slug: 'a', name: 'A & <B> "C"\n', feeds: ['https://a.example/rss?x=1&y=2'], enabled: true, homepage: 'https://a.example/' },
    { slug: 'b', name: 'B', feeds: ['https://b.example/1.xml', '/home/me/saved.xml'], enabled: true },
  ];
  const { text, skipped } = renderOpml(sources);
  assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<opml version="2.0">\n {2}<head>\n {4}<title>Newsvault sources<\/title>/);
  assert.match(text, /<outline type="rss" text="A &amp; &lt;B&gt; &quot;C&quot;&#10;" title="A &amp; &lt;B&gt; &quot;C&quot;&#10;" xmlUrl="https:\/\/a.example\/rss\?x=1&amp;y=2" htmlUrl="https:\/\/a.example\/"\/>/);
  assert.deepEqual(skipped, [{ slug: 'b', feed: '/home/me/saved.xml' }]);
  assert.deepEqual(
    parseOpml(text).map((f) => [f.text, f.xmlUrl, f.htmlUrl ?? null]),
    [
      ['A & <B> "C"', 'https://a.example/rss?x=1&y=2', 'https://a.example/'],
      ['B', 'https://b.example/1.xml', null],
    ],
    'the text is trimmed when read back',
  );
});

test('addSourcesToConfig: feeds added under sources:, comments kept, configured and repeated feeds skipped, slugs unique', () => {
  const yaml = '# my archive\nsources:\n  rfa: { enabled: false }   # gone quiet\n  # a note about my sources\nrun:\n  concurrency: 2 # slow machine\n';
  const configured = resolveSources(parseConfig(yaml, '/a/newsvault.yaml', '/a'));
  const result = addSourcesToConfig(yaml, parseOpml(READER_EXPORT), configured);
  assert.deepEqual(result.added.map((a) => a.slug), ['site-co', 'theinitium-com', 'bbc-2']);
  assert.deepEqual(result.skipped, [
    { feed: 'http://feeds.bbci.co.uk/zhongwen/simp/rss.xml', reason: 'already configured (bbc)' },
    { feed: 'https://www.example.org/rss.xml#x', reason: 'given twice' },
  ]);
  for (const comment of ['# my archive', '# gone quiet', '# a note about my sources', '# slow machine']) assert.ok(result.text.includes(comment), comment);
  assert.match(result.text, / {2}site-co:\n {4}# from OPML; site: https:\/\/example.org\/; folder: News\n {4}name: Site & "Co"\n {4}feed: https:\/\/example.org\/rss.xml\n/);
  const after = resolveSources(parseConfig(result.text, '/a/newsvault.yaml', '/a'));
  assert.equal(after.find((s) => s.slug === 'bbc-2')?.feeds[0], 'https://feeds.bbci.co.uk/zhongwen/trad/rss.xml');
  assert.equal(after.find((s) => s.slug === 'rfa')?.enabled, false);
  // again: nothing to add
  assert.deepEqual(addSourcesToConfig(result.text, parseOpml(READER_EXPORT), after).added, []);
});

test('addSourcesToConfig: without a newsvault.yaml the commented template is the start, its comments kept', () => {
  const template = defaultConfigYaml();
  const configured = resolveSources(parseConfig(template, '/a/newsvault.yaml', '/a'));
  const result = addSourcesToConfig(null, parseOpml(READER_EXPORT), configured, template);
  for (const line of template.split('\n').filter((l) => l.trim().startsWith('#'))) assert.ok(result.text.includes(line.trim()), line);
  assert.equal(resolveSources(parseConfig(result.text, '/a/newsvault.yaml', '/a')).length, CATALOG.length + 3);
});

function capture(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => void out.push(s), err: (s) => void err.push(s) }, out, err };
}

test('CLI round trip: sources export from one archive, sources import into another, the same OPML out again', async () => {
  const a = await tempDir();
  const b = await tempDir();
  await fs.writeFile(path.join(a, 'newsvault.yaml'), 'sources:\n  mysite:\n    name: 我的 & Site\n    feed: https://example.org/rss.xml\n  other: { feeds: [https://o.example/a.xml, https://o.example/b.xml] }\n');
  await fs.writeFile(path.join(b, 'newsvault.yaml'), '# archive B: keep this comment\nsources: {}\nrun:\n  concurrency: 3 # and this one\n');
  const exported = capture();
  assert.equal(await main(['node', 'newsvault', 'sources', 'export', '--archive', a], exported.io), 0);
  const opml = exported.out.join('');
  const file = path.join(a, 'feeds.opml');
  await fs.writeFile(file, opml);
  const imported = capture();
  assert.equal(await main(['node', 'newsvault', 'sources', 'import', file, '--archive', b], imported.io), 0);
  assert.deepEqual(imported.out.filter((l) => l.startsWith('added')).length, 3);
  const yaml = await fs.readFile(path.join(b, 'newsvault.yaml'), 'utf8');
  assert.ok(yaml.includes('# archive B: keep this comment') && yaml.includes('# and this one'), yaml);
  const again = capture();
  assert.equal(await main(['node', 'newsvault', 'sources', '--archive', b, 'export'], again.io), 0);
  assert.equal(again.out.join(''), opml);
  // importing the same file again adds nothing and leaves the file as it is
  assert.equal(await main(['node', 'newsvault', 'sources', 'import', file, '--archive', b], capture().io), 0);
  assert.equal(await fs.readFile(path.join(b, 'newsvault.yaml'), 'utf8'), yaml);
  // not OPML: usage error, nothing written
  await fs.writeFile(file, '<rss/>');
  assert.equal(await main(['node', 'newsvault', 'sources', 'import', file, '--archive', b], capture().io), 2);
});
