/**
 * Nesting depth: a feed that nests deeper than MAX_NESTING_DEPTH is refused with one line, at once (the
 * cost stays linear: 100 000 nested elements took 13 s before), and real feeds, far shallower, are not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settlesWithin } from '../testing/time.ts';
import { FeedParseError, parseFeed } from './index.ts';
import { MAX_NESTING_DEPTH, checkJsonDepth } from './limits.ts';

/** An RSS feed whose one item holds `inside` (rss, channel and item are 3 levels). */
const rss = (inside: string) =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel><title>T</title><link>https://site.example/</link>\n` +
      `<item><title>a</title><link>https://site.example/a</link><pubDate>Wed, 15 May 2024 09:30:00 GMT</pubDate>${inside}</item>\n</channel>\n</rss>\n`,
  );
const nested = (n: number, tag = 'div') => `<${tag}>`.repeat(n) + 'x' + `</${tag}>`.repeat(n);
const jsonFeed = (x: string) => Buffer.from(`{"version":"https://jsonfeed.org/version/1.1","title":"J",\n"items":[{"id":"a","content_html":"<p>x</p>","x":${x}}]}`);

/** The FeedParseError parseFeed rejects with (failing the test if it resolves, or hangs). */
async function refusal(body: Buffer): Promise<string> {
  const err = await settlesWithin(
    parseFeed(body).then(
      () => assert.fail('the feed was accepted'),
      (e: unknown) => e,
    ),
    60_000,
    'parsing the deep feed',
  );
  assert.ok(err instanceof FeedParseError, String(err));
  return err.message;
}

test('100 000 nested elements in an item are refused with one line naming the depth and the line', async () => {
  assert.equal(await refusal(rss(nested(100_000))), `the feed nests elements deeper than ${MAX_NESTING_DEPTH} levels (at line 4)`);
});

test('deep elements inside <description> (inline HTML, not escaped) are refused too, and an unclosed run of them', async () => {
  assert.equal(await refusal(rss(`<description>${nested(100_000)}</description>`)), 'the feed nests elements deeper than 512 levels (at line 4)');
  assert.equal(await refusal(rss('<div>'.repeat(100_000))), 'the feed nests elements deeper than 512 levels (at line 4)');
  // one element per line: the line is where the 513th level opens
  assert.equal(await refusal(rss('\n' + '<div>\n'.repeat(1000))), 'the feed nests elements deeper than 512 levels (at line 514)');
});

test('exactly 512 levels are read; 513 are refused', async () => {
  const ok = await parseFeed(rss(`<description>${nested(MAX_NESTING_DEPTH - 4, 'span')}</description>`));
  assert.equal(ok.items.length, 1);
  assert.match(ok.items[0]?.content ?? '', /^(<span>){508}x(<\/span>){508}$/);
  assert.match(await refusal(rss(`<description>${nested(MAX_NESTING_DEPTH - 3, 'span')}</description>`)), /deeper than 512 levels/);
});

test('a feed with moderately deep HTML in its content is accepted: inline, escaped or CDATA', async () => {
  const html = nested(60);
  const inline = await parseFeed(rss(`<description>${html}</description>`));
  assert.equal(inline.items[0]?.content, html);
  // as text the depth is no element depth at all: even 100 000 levels are one string
  const deepText = nested(100_000);
  const escaped = await settlesWithin(parseFeed(rss(`<description>${deepText.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</description>`)), 60_000);
  assert.equal(escaped.items[0]?.content, deepText);
  const cdata = await settlesWithin(parseFeed(rss(`<description><![CDATA[${deepText}]]></description>`)), 60_000);
  assert.equal(cdata.items[0]?.content, deepText);
});

test('JSON Feed nested 100 000 deep is refused with one line, before it is parsed', async () => {
  assert.equal(await refusal(jsonFeed('['.repeat(100_000) + ']'.repeat(100_000))), 'the feed nests arrays and objects deeper than 512 levels (at line 2)');
  assert.equal(await refusal(jsonFeed('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))), 'the feed nests arrays and objects deeper than 512 levels (at line 2)');
});

test('JSON depth: exactly 512 levels pass, brackets inside strings do not count, escaped quotes do not end a string', () => {
  // the feed object and items array and item are 3 levels
  assert.doesNotThrow(() => checkJsonDepth(jsonFeed('['.repeat(509) + ']'.repeat(509)).toString()));
  assert.throws(() => checkJsonDepth(jsonFeed('['.repeat(510) + ']'.repeat(510)).toString()), /deeper than 512 levels/);
  assert.doesNotThrow(() => checkJsonDepth(JSON.stringify({ s: '['.repeat(10_000), t: '\\"{'.repeat(10_000) })));
});

test('a JSON Feed with brackets in its text is read as before', async () => {
  const f = await parseFeed(Buffer.from(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', items: [{ id: 'a', title: '[['.repeat(600), content_html: '<p>{{{</p>' }] })));
  assert.equal(f.items[0]?.title, '[['.repeat(600));
});
