/**
 * What real feeds get wrong and how it is read (issue 9): each case a small feed, each once wrong
 * (feedparser's pass), now read as a forgiving reader would, with a warning where the XML is broken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeed } from '../index.ts';

const rss = (items: string, channel = '<title>T</title><link>https://site.example/</link>') =>
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>${channel}${items}</channel></rss>`);
const atom = (entries: string, ns = 'http://www.w3.org/2005/Atom') =>
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="${ns}"><title>T</title><id>urn:x</id>${entries}</feed>`);
const entry = (inner: string) => `<entry><id>urn:x:1</id><title>t</title><updated>2024-01-01T00:00:00Z</updated>${inner}</entry>`;

test('a bare & before a closing tag is a literal &, with a warning; the item keeps its link, content and date', async () => {
  const feed = await parseFeed(
    rss('<item><title>Q&A</title><link>http://example.org/?a=1&b=2&c</link><description>AT&T</description><pubDate>Thu, 14 Sep 2023 19:27:00 GMT</pubDate></item>'),
  );
  const [item] = feed.items;
  assert.equal(item?.title, 'Q&A');
  assert.equal(item?.link, 'http://example.org/?a=1&b=2&c');
  assert.equal(item?.content, 'AT&T');
  assert.equal(item?.published, Date.UTC(2023, 8, 14, 19, 27));
  assert.ok(feed.warnings.some((w) => /malformed XML, recovered: 4 bare "&"/.test(w)), feed.warnings.join('; '));
  // in an attribute too, and never inside CDATA, where & is already literal
  const attr = await parseFeed(rss('<item><title>a</title><link>https://site.example/a</link><enclosure url="https://site.example/a.mp3?x=1&y" type="audio/mpeg"/><description><![CDATA[<p>R&D &amp; more</p>]]></description></item>'));
  assert.equal(attr.items[0]?.enclosures[0]?.url, 'https://site.example/a.mp3?x=1&y');
  assert.equal(attr.items[0]?.content, '<p>R&D &amp; more</p>');
});

test('escaped text stays text: Atom type="text" and RSS titles keep <blink>; escaped <script> is never live markup', async () => {
  const a = await parseFeed(
    atom(
      '<entry><id>urn:x:1</id><title type="text">History of the &lt;blink&gt; tag</title><updated>2024-01-01T00:00:00Z</updated>' +
        '<content type="text">&lt;script&gt;alert(1)&lt;/script&gt;</content></entry>' +
        '<entry><id>urn:x:2</id><title type="html">History of the &amp;lt;blink&amp;gt; tag</title><updated>2024-01-01T00:00:00Z</updated>' +
        '<summary type="html">&lt;b&gt;bold&lt;/b&gt;</summary></entry>',
    ),
  );
  assert.equal(a.items[0]?.title, 'History of the <blink> tag');
  assert.equal(a.items[0]?.content, '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  assert.ok(!/<script/i.test(a.items[0]?.content ?? ''));
  assert.equal(a.items[1]?.title, 'History of the <blink> tag');
  assert.equal(a.items[1]?.content, '<b>bold</b>');
  const r = await parseFeed(rss('<item><title>History of the &lt;blink&gt; tag</title><link>https://site.example/a</link></item>'));
  assert.equal(r.items[0]?.title, 'History of the <blink> tag');
  assert.equal(r.title, 'T');
});

test('Atom content types: text escaped, html as given, xhtml the children of the wrapper div', async () => {
  const feed = await parseFeed(
    atom(
      entry('<content type="text">a &lt;b&gt; c</content>') +
        entry('<content type="html">a &lt;b&gt;c&lt;/b&gt;</content>') +
        entry('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">a <b>c</b><br/></div></content>'),
    ),
  );
  assert.deepEqual(feed.items.map((i) => i.content), ['<p>a &lt;b&gt; c</p>', 'a <b>c</b>', 'a <b>c</b><br>']);
});

test('markup given as elements: a title becomes its text, a body keeps its markup (Atom 0.3 inline summary too)', async () => {
  const r = await parseFeed(rss('<item><title><p>Item Title</p></title><link>https://site.example/a</link></item>'));
  assert.equal(r.items[0]?.title, 'Item Title');
  const a03 = await parseFeed(
    Buffer.from(
      '<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>' +
        '<entry><title>t</title><id>urn:x:1</id><issued>2004-01-01T00:00:00Z</issued><link rel="alternate" type="text/html" href="https://old.example/1"/>' +
        '<summary type="text/html" mode="xml">Some <b>bold</b> text</summary></entry></feed>',
    ),
  );
  assert.equal(a03.items[0]?.content, 'Some <b>bold</b> text');
});

test('titles keep no-break and ideographic spaces; line breaks and tabs become one space', async () => {
  const r = await parseFeed(rss('<item><title> 普京\u3000金正恩\u00a0会面\n\t新闻 </title><link>https://site.example/a</link></item>'));
  assert.equal(r.items[0]?.title, '普京\u3000金正恩\u00a0会面 新闻');
  const a = await parseFeed(atom('<entry><id>urn:x:1</id><title>普京\u3000金正恩</title><updated>2024-01-01T00:00:00Z</updated></entry>'));
  assert.equal(a.items[0]?.title, '普京\u3000金正恩');
});

test('base64 content is decoded: Atom 0.3 mode="base64", Atom 1.0 binary media types', async () => {
  const html = Buffer.from('<p>Hello <b>base64</b></p>').toString('base64');
  const a03 = await parseFeed(
    Buffer.from(
      '<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>' +
        `<entry><title mode="base64">${Buffer.from('Base64 title').toString('base64')}</title><id>urn:x:1</id><issued>2004-01-01T00:00:00Z</issued>` +
        `<content type="text/html" mode="base64">${html}</content></entry></feed>`,
    ),
  );
  assert.equal(a03.items[0]?.content, '<p>Hello <b>base64</b></p>');
  assert.equal(a03.items[0]?.title, 'Base64 title');
  const a10 = await parseFeed(atom(entry(`<content type="application/octet-stream">${Buffer.from('plain <bytes>').toString('base64')}</content>`)));
  assert.equal(a10.items[0]?.content, '<p>plain &lt;bytes&gt;</p>');
});

test('a <feed> root outside the Atom namespace is read as Atom, with a warning', async () => {
  const feed = await parseFeed(
    Buffer.from('<?xml version="1.0"?><feed><title>T</title><entry><id>urn:x:1</id><title>t</title><link href="https://site.example/1"/><updated>2024-01-01T00:00:00Z</updated><content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>'),
  );
  assert.equal(feed.format, 'atom');
  assert.equal(feed.items[0]?.link, 'https://site.example/1');
  assert.equal(feed.items[0]?.content, '<p>x</p>');
  assert.ok(feed.warnings.some((w) => /not in the Atom namespace/.test(w)), feed.warnings.join('; '));
});

test('a mismatched closing tag: the text is recovered, the tag dropped, the rest of the feed read', async () => {
  const feed = await parseFeed(
    rss('<item><title>a</title><link>https://site.example/a</link></item>', '<title>T</title><link>https://site.example/</link><language>en-us</langauge>'),
  );
  assert.equal(feed.language, 'en-us');
  assert.equal(feed.items.length, 1);
  assert.equal(feed.items[0]?.link, 'https://site.example/a');
  assert.ok(feed.warnings.some((w) => /closing tag\(s\) matching no open element dropped/.test(w)), feed.warnings.join('; '));
});

test('Atom link relations in their IANA IRI form; typed alternates with parameters; RSS channel link from atom:link', async () => {
  const a = await parseFeed(
    atom(
      '<entry><id>urn:x:1</id><title>a</title><updated>2024-01-01T00:00:00Z</updated>' +
        '<link rel="http://www.iana.org/assignments/relation/alternate" href="https://site.example/1"/>' +
        '<link rel="http://www.iana.org/assignments/relation/enclosure" href="https://site.example/1.mp3" type="audio/mpeg" length="3"/></entry>' +
        '<entry><id>urn:x:2</id><title>b</title><updated>2024-01-01T00:00:00Z</updated><link href="https://site.example/2.txt" type="text/plain"/><link href="https://site.example/2" type="text/html; charset=utf-8"/></entry>',
    ),
  );
  assert.deepEqual(a.items.map((i) => i.link), ['https://site.example/1', 'https://site.example/2']);
  assert.deepEqual(a.items[0]?.enclosures, [{ url: 'https://site.example/1.mp3', type: 'audio/mpeg', length: 3 }]);
  const r = await parseFeed(
    Buffer.from(
      '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><atom:link rel="self" href="https://feeds.example/rss"/>' +
        '<atom:link rel="alternate" href="https://site.example/"/><item><title>a</title><link>/a</link></item></channel></rss>',
    ),
  );
  assert.equal(r.link, 'https://site.example/');
  assert.equal(r.items[0]?.link, 'https://site.example/a');
});

test('numeric character references of any length are references, not bare ampersands', async () => {
  const r = await parseFeed(rss('<item><title>&#0000000065;&#x00000042;</title><link>https://site.example/a</link></item>'));
  assert.equal(r.items[0]?.title, 'AB');
  assert.ok(!r.warnings.some((w) => /bare/.test(w)));
});

test('entities the document declares are read; a void element left open keeps what follows it, once', async () => {
  const feed = await parseFeed(
    Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY rsquo "&#8217;"><!ENTITY site "Newsvault">]><rss version="2.0"><channel><title>&site;</title>' +
        '<item><title>It&rsquo;s here</title><link>https://site.example/a</link><description>x<br>y</description></item></channel></rss>',
    ),
  );
  assert.equal(feed.title, 'Newsvault');
  assert.equal(feed.items[0]?.title, 'It\u2019s here');
  assert.equal(feed.items[0]?.content, 'x<br>y');
});

test('junk before the root is reported once per kind of problem, not once per character', async () => {
  const feed = await parseFeed(Buffer.from(`Warning: something in /var/www/feed.php\n<rss version="2.0"><channel><title>T</title><item><title>a</title><link>https://site.example/a</link></item></channel></rss>`));
  assert.equal(feed.items[0]?.title, 'a');
  const malformed = feed.warnings.filter((w) => w.startsWith('malformed XML'));
  assert.ok(malformed.length <= 2, malformed.join('\n'));
  assert.ok(malformed.some((w) => /times\)$/.test(w)), malformed.join('\n'));
});

test('hostile bodies and titles: unterminated tags and comments are read (in linear time: the quadratic scans took 15 s and 3 s here)', async () => {
  const body = `href="x" ${'&lt;a &lt;a x="'.repeat(20000)}`;
  const title = '&lt;!--'.repeat(20000) + '&lt;/b&gt;';
  const feed = await parseFeed(rss(`<item><title>${title}</title><link>https://site.example/a</link><description>${body}</description></item>`));
  assert.equal(feed.items.length, 1);
  assert.equal(feed.items[0]?.title, '');
  assert.ok(feed.items[0]?.content?.startsWith('href="x" <a <a x="'));
});
