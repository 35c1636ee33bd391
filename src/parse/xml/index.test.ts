/**
 * Regression tests for the XML adapter: each case is a bug the development corpus
 * (docs/corpus.md) showed in what feedparser's normalised fields gave us.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeed } from '../index.ts';
import { contactName } from './index.ts';

const rss = (items: string, channel = '<title>T</title><link>https://site.example/</link>', ns = '') =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" ` +
      `xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/" ` +
      `xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"${ns}><channel>${channel}${items}</channel></rss>`,
  );
const atom = (entries: string, head = '<title>T</title><id>urn:x:feed</id>') =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" ` +
      `xmlns:media="http://search.yahoo.com/mrss/">${head}${entries}</feed>`,
  );
const rdf = (items: string) =>
  Buffer.from(
    `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" ` +
      `xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://site.example/"><title>T</title>` +
      `<link>https://site.example/</link></channel>${items}</rdf:RDF>`,
  );

test('id is the GUID / atom:id only, never the link feedparser copies into it', async () => {
  const r = await parseFeed(rss('<item><title>a</title><link>https://site.example/a</link></item><item><title>b</title><guid isPermaLink="false">b-1</guid><link>https://site.example/b</link></item>'));
  assert.equal(r.items[0]?.id, null);
  assert.equal(r.items[1]?.id, 'b-1');
  const d = await parseFeed(rdf('<item rdf:about="https://site.example/a"><title>a</title><link>https://site.example/a</link></item>'));
  assert.equal(d.items[0]?.id, null, 'RSS 1.0 has no GUID');
  assert.equal(d.items[0]?.link, 'https://site.example/a');
});

test('link: an RSS GUID stands in only when it is a permalink; Atom never uses rel="self" or the id', async () => {
  const r = await parseFeed(rss('<item><title>a</title><guid>https://site.example/a</guid></item><item><title>b</title><guid isPermaLink="false">https://api.example/b</guid></item>'));
  assert.equal(r.items[0]?.link, 'https://site.example/a', 'isPermaLink defaults to true');
  assert.equal(r.items[1]?.link, null, 'isPermaLink="false": "may not be assumed to be a url"');
  const a = await parseFeed(
    atom(
      '<entry><id>https://site.example/1</id><title>self only</title><updated>2024-01-01T00:00:00Z</updated><link rel="self" href="https://site.example/feed.xml"/></entry>' +
        '<entry><id>https://site.example/2</id><title>no link</title><updated>2024-01-01T00:00:00Z</updated></entry>' +
        '<entry><id>urn:x:3</id><title>two alternates</title><updated>2024-01-01T00:00:00Z</updated><link href="https://site.example/3"/><link rel="alternate" type="text/html" href="https://site.example/3.html"/></entry>',
    ),
  );
  assert.deepEqual(a.items.map((i) => i.link), [null, null, 'https://site.example/3.html']);
  assert.deepEqual(a.items.map((i) => i.id), ['https://site.example/1', 'https://site.example/2', 'urn:x:3']);
  assert.equal(a.link, null, 'a feed without an alternate link has no link, whatever its id');
});

test('RSS relative links resolve against the channel link, not the host the feed was fetched from', async () => {
  const body = rss(
    '<item><title>a</title><link>/content/1</link><description>&lt;img src="/img/1.jpg"&gt;</description></item>',
    '<title>T</title><link>https://www.site.example</link>',
  );
  const feed = await parseFeed(body, { url: 'https://feeds.mirror.example/site/rss' });
  assert.equal(feed.items[0]?.link, 'https://www.site.example/content/1');
  assert.match(feed.items[0]?.content ?? '', /src="https:\/\/www\.site\.example\/img\/1\.jpg"/);
  const local = await parseFeed(body);
  assert.equal(local.items[0]?.link, 'https://www.site.example/content/1', 'same answer without a URL');
  const noChannelLink = await parseFeed(rss('<item><title>a</title><link>/content/1</link></item>', '<title>T</title>'), { url: 'https://www.site.example/rss' });
  assert.equal(noChannelLink.items[0]?.link, 'https://www.site.example/content/1', 'else the document URL');
  const atomFeed = await parseFeed(
    atom('<entry><id>urn:x:1</id><title>a</title><updated>2024-01-01T00:00:00Z</updated><link href="/a/1"/></entry>', '<title>T</title><id>urn:x</id><link href="https://elsewhere.example/"/>'),
    { url: 'https://www.site.example/atom.xml' },
  );
  assert.equal(atomFeed.items[0]?.link, 'https://www.site.example/a/1', 'Atom: xml:base, else the document URL (RFC 4287)');
});

test('author: item-level only for RSS; several dc:creator joined; an empty dc:creator hides nothing', async () => {
  const feed = await parseFeed(
    rss(
      '<item><title>a</title><link>https://site.example/a</link></item>' +
        '<item><title>b</title><link>https://site.example/b</link><dc:creator>Chris Bascombe</dc:creator><dc:creator>Uche Amako</dc:creator></item>' +
        '<item><title>c</title><link>https://site.example/c</link><author>Dr. Ananth Prabhu G</author><dc:creator></dc:creator></item>' +
        '<item><title>d</title><link>https://site.example/d</link><author>lawyer@boyer.net (Lawyer Boyer)</author></item>' +
        '<item><title>e</title><link>https://site.example/e</link><author>jd@site.example</author><dc:creator>John Doe</dc:creator></item>' +
        '<item><title>f</title><link>https://site.example/f</link><itunes:author>Giant Bomb</itunes:author></item>',
      '<title>T</title><link>https://site.example/</link><managingEditor>editor@site.example (The Editor)</managingEditor><webMaster>web@site.example</webMaster><itunes:author>Show</itunes:author>',
    ),
  );
  assert.deepEqual(feed.items.map((i) => i.author), [null, 'Chris Bascombe, Uche Amako', 'Dr. Ananth Prabhu G', 'Lawyer Boyer', 'John Doe', 'Giant Bomb']);
});

test('author: Atom entries inherit the feed authors (RFC 4287 §4.2.1), and list all of their own', async () => {
  const feed = await parseFeed(
    atom(
      '<entry><id>urn:x:1</id><title>a</title><updated>2024-01-01T00:00:00Z</updated></entry>' +
        '<entry><id>urn:x:2</id><title>b</title><updated>2024-01-01T00:00:00Z</updated><author><name>张三</name></author><author><email>li@site.example</email></author></entry>',
      '<title>T</title><id>urn:x</id><author><name>heise online</name></author>',
    ),
  );
  assert.deepEqual(feed.items.map((i) => i.author), ['heise online', '张三, li@site.example']);
});

test('contactName reads the RSS contact forms and leaves other text alone', () => {
  assert.equal(contactName('lawyer@boyer.net (Lawyer Boyer)'), 'Lawyer Boyer');
  assert.equal(contactName('Simon St.Laurent (mailto:simonstl@simonstl.com)'), 'Simon St.Laurent');
  assert.equal(contactName('"Doe, Jane" <jane@site.example>'), 'Doe, Jane');
  assert.equal(contactName('editor@site.example'), 'editor@site.example');
  assert.equal(contactName('Reuters (Beijing)'), 'Reuters (Beijing)');
});

test('categories: one dc:subject is one category, spaces and all; duplicates dropped', async () => {
  const feed = await parseFeed(
    rdf('<item rdf:about="https://site.example/a"><title>a</title><link>https://site.example/a</link><dc:subject>Botany, Microbiology</dc:subject><dc:subject>Health &amp; wellbeing</dc:subject><dc:subject>Health &amp; wellbeing</dc:subject></item>'),
  );
  assert.deepEqual(feed.items[0]?.categories, ['Botany, Microbiology', 'Health & wellbeing']);
});

test('enclosures: MIME types only, media:group content included, one entry per URL', async () => {
  const feed = await parseFeed(
    rss(
      '<item><title>a</title><link>https://site.example/a</link>' +
        '<enclosure url="https://site.example/a.mp3" length="0" type=""/>' +
        '<media:content url="https://site.example/a.jpg" medium="image"/>' +
        '<media:group><media:content url="https://site.example/a.jpg" type="image/jpeg"/><media:content url="https://site.example/b.mp4" type="video/mp4" fileSize="12"/></media:group></item>',
    ),
  );
  assert.deepEqual(feed.items[0]?.enclosures, [
    { url: 'https://site.example/a.mp3', type: null, length: 0 },
    { url: 'https://site.example/a.jpg', type: null, length: null },
    { url: 'https://site.example/b.mp4', type: 'video/mp4', length: 12 },
  ]);
});

test('titles are plain text: RSS character references decoded, Atom text left alone, itunes:title as a fallback', async () => {
  const r = await parseFeed(
    rss(
      '<item><title>Cocaine bust worth &amp;#163;300m</title><link>https://site.example/a</link></item>' +
        '<item><title>AT&amp;T  and\n Q&amp;A</title><link>https://site.example/b</link></item>' +
        '<item><itunes:title>Hiking Treks Trailer</itunes:title><link>https://site.example/c</link></item>',
      '<title>Sky &amp;amp; News</title><link>https://site.example/</link>',
    ),
  );
  assert.deepEqual(r.items.map((i) => i.title), ['Cocaine bust worth £300m', 'AT&T and Q&A', 'Hiking Treks Trailer']);
  assert.equal(r.title, 'Sky & News');
  const a = await parseFeed(
    atom(
      '<entry><id>urn:x:1</id><title>Use &amp;amp; for &amp;</title><updated>2024-01-01T00:00:00Z</updated></entry>' +
        '<entry><id>urn:x:2</id><title type="html">Fish &amp;amp; chips</title><updated>2024-01-01T00:00:00Z</updated></entry>',
    ),
  );
  assert.deepEqual(a.items.map((i) => i.title), ['Use &amp; for &', 'Fish & chips']);
});

test('content: RSS 1.0 dc:description; RSS bodies with unescaped HTML elements are kept, with a warning', async () => {
  const d = await parseFeed(rdf('<item rdf:about="https://site.example/a"><title>a</title><link>https://site.example/a</link><dc:description>XML is placing loads.</dc:description></item>'));
  assert.equal(d.items[0]?.content, 'XML is placing loads.');
  const r = await parseFeed(
    rss('<item><title>a</title><link>https://site.example/a</link><description>Intro <table><tr><td><a href="/u/1">user</a> said</td></tr></table> end</description></item><item><title>b</title><link>https://site.example/b</link><description>&lt;p&gt;escaped&lt;/p&gt;</description></item>'),
  );
  assert.equal(r.items[0]?.content, 'Intro <table><tr><td><a href="https://site.example/u/1">user</a> said</td></tr></table> end');
  assert.equal(r.items[1]?.content, '<p>escaped</p>');
  assert.ok(r.warnings.includes('1 item body holds unescaped HTML elements; read as HTML'), r.warnings.join('; '));
});

test('Atom text constructs are plain text: escaped into HTML; type="html" kept as it is, "xhtml" the children of its wrapper div', async () => {
  const feed = await parseFeed(
    atom(
      '<entry><id>urn:x:1</id><title>a</title><updated>2024-01-01T00:00:00Z</updated><summary>x &lt; y &amp; z\n\nnext</summary></entry>' +
        '<entry><id>urn:x:2</id><title>b</title><updated>2024-01-01T00:00:00Z</updated><summary type="text">short</summary><content type="html">&lt;p&gt;body&lt;/p&gt;</content></entry>' +
        '<entry><id>urn:x:3</id><title>c</title><updated>2024-01-01T00:00:00Z</updated><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content></entry>',
    ),
  );
  assert.deepEqual(
    feed.items.map((i) => [i.summary, i.content]),
    [
      [null, '<p>x &lt; y &amp; z</p>\n<p>next</p>'],
      ['<p>short</p>', '<p>body</p>'],
      [null, '<p>x</p>'],
    ],
  );
});

test('enclosure and media:content URLs resolve like links (feedparser resolves only href/src)', async () => {
  const feed = await parseFeed(
    rss('<item><title>a</title><link>a/1</link><enclosure url="/audio/1.mp3" type="audio/mpeg" length="12"/><media:content url="img/1.jpg" type="image/jpeg"/></item>', '<title>T</title><link>https://site.example/news/</link>'),
    { url: 'https://feeds.site.example/rss' },
  );
  assert.equal(feed.items[0]?.link, 'https://site.example/news/a/1');
  assert.deepEqual(feed.items[0]?.enclosures.map((e) => e.url), ['https://site.example/audio/1.mp3', 'https://site.example/news/img/1.jpg']);
});

test('fallbacks: an RSS item with only <itunes:summary> has it as content; an Atom entry with only rel="canonical" has it as link', async () => {
  const r = await parseFeed(rss('<item><title>a</title><link>https://site.example/a</link><itunes:summary>Episode notes</itunes:summary></item>'));
  assert.equal(r.items[0]?.content, 'Episode notes');
  const a = await parseFeed(atom('<entry><id>urn:x:1</id><title>a</title><updated>2024-01-01T00:00:00Z</updated><link rel="canonical" href="https://site.example/c"/></entry>'));
  assert.equal(a.items[0]?.link, 'https://site.example/c');
});
