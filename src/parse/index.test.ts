import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { sharedFixture } from '../testing/repo.ts';
import { FeedParseError, parseFeed, sniffKind } from './index.ts';

const data = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url));
const golden = (name: string) => sharedFixture(`feeds/${name}`);

test('RSS 2.0: content:encoded is the content, description the summary, dates RFC 822, link WHATWG-ready', async () => {
  const feed = await parseFeed(golden('rfi-golden.rss'), { url: 'https://www.rfi.fr/cn/rss' });
  assert.equal(feed.format, 'rss');
  assert.equal(feed.title, 'RFI - 法国国际广播电台');
  assert.equal(feed.language, 'zh-CN');
  const [a, b] = feed.items;
  assert.equal(a?.title, '普京与金正恩互赠步枪 克宫确认普京同意访平壤');
  assert.equal(a?.published, 1694713502000);
  assert.equal(a?.id, 'https://www.rfi.fr/cn/1694713502000');
  assert.match(a?.content ?? '', /^\s*<div>14\/09\/2023 - 19:27<\/div>/);
  assert.equal(b?.summary, '朝鲜领袖金正恩今天离开俄罗斯远东地区前往朝鲜边境行进。');
  assert.match(b?.content ?? '', /<div>17\/09\/2023 - 13:30<\/div>/);
  assert.equal(b?.published, 1694951101000);
  assert.deepEqual(feed.warnings, []);
});

test('RSS 1.0 (RDF): dc:date with offsets, dc:creator, dc:subject, content:encoded', async () => {
  const feed = await parseFeed(data('rdf.xml'), { url: 'https://rss.dw.com/rdf/rss-chi-all' });
  assert.equal(feed.format, 'rdf');
  assert.equal(feed.items.length, 2);
  const [a, b] = feed.items;
  assert.equal(a?.published, Date.UTC(2024, 4, 15, 9, 30));
  assert.equal(a?.author, '德国之声中文网');
  assert.deepEqual(a?.categories, ['德国']);
  assert.equal(new URL(a.link!).href, 'https://www.dw.com/zh/%E5%BE%B7%E5%9B%BD%E5%A4%A7%E9%80%89%E7%BB%93%E6%9E%9C%E6%8F%AD%E6%99%93/a-1');
  assert.equal(b?.published, Date.UTC(2024, 4, 16, 6, 0));
  assert.equal(b?.content, '<p>欧盟领导人周四在布鲁塞尔开会，讨论对乌克兰的援助。</p>');
  assert.equal(b?.summary, '<p>欧盟领导人周四在布鲁塞尔开会。</p>');
});

test('Atom 1.0: xml:base resolves links and content URLs; xhtml content, author, category', async () => {
  const feed = await parseFeed(data('atom-xmlbase.xml'), { url: 'https://elsewhere.example/feed' });
  assert.equal(feed.format, 'atom');
  const [a] = feed.items;
  assert.equal(a?.link, 'https://news.example/zh/articles/2024/one.html');
  assert.equal(a?.author, '张三');
  assert.deepEqual(a?.categories, ['国际']);
  assert.equal(a?.published, Date.UTC(2024, 4, 15, 9, 30));
  assert.match(a?.content ?? '', /href="https:\/\/news\.example\/zh\/photos\/1\.html"/);
  assert.match(a?.content ?? '', /src="https:\/\/news\.example\/zh\/articles\/img\/1\.jpg"/);
});

test('Atom 0.3: issued/modified dates and escaped content', async () => {
  const feed = await parseFeed(data('atom03.xml'));
  assert.equal(feed.format, 'atom');
  const [a] = feed.items;
  assert.equal(a?.published, Date.UTC(2004, 0, 1, 0, 0));
  assert.equal(a?.updated, Date.UTC(2004, 0, 2, 0, 0));
  assert.equal(a?.content, '<p>旧格式的正文。</p>');
  assert.equal(a?.link, 'https://old.example/1');
});

test('RSS 0.91 in ISO-8859-1, no dates: items kept, missing dates warned', async () => {
  const feed = await parseFeed(data('rss091.xml'));
  assert.equal(feed.items[0]?.title, 'Café opens');
  assert.equal(feed.items[0]?.published, null);
  assert.ok(feed.warnings.some((w) => /missing date/.test(w)), feed.warnings.join('; '));
});

test('JSON Feed 1.1: relative URLs, content_text escaped into HTML, authors, tags, attachments, bad date warned', async () => {
  const feed = await parseFeed(data('feed.json'), { url: 'https://json.example/feed.json' });
  assert.equal(feed.format, 'json');
  assert.equal(feed.title, 'JSON 新闻');
  const [a, b] = feed.items;
  assert.equal(a?.title, '第二条');
  assert.equal(a?.link, 'https://json.example/news/2');
  assert.equal(a?.published, Date.UTC(2024, 4, 15, 1, 30));
  assert.equal(a?.author, '李四');
  assert.deepEqual(a?.categories, ['中国', '经济']);
  assert.deepEqual(a?.enclosures, [{ url: 'https://json.example/a.mp3', type: 'audio/mpeg', length: 1234 }]);
  assert.equal(a?.summary, '摘要');
  assert.equal(b?.id, '1');
  assert.equal(b?.content, '<p>第一段 &lt;不是标签&gt;</p>\n<p>第二段</p>');
  assert.equal(b?.published, null);
  assert.ok(feed.warnings.some((w) => /unparseable date/.test(w)));
});

test('malformed XML: what can be recovered is, and a warning says so', async () => {
  const feed = await parseFeed(data('truncated.xml'));
  assert.ok(feed.items.length >= 1);
  assert.equal(feed.items[0]?.title, '完整的一条');
  assert.ok(feed.warnings.some((w) => /malformed XML/.test(w)), feed.warnings.join('; '));
});

test('GB18030 and Big5 feeds decode through the parse stage', async () => {
  const gb = iconv.encode('<?xml version="1.0" encoding="GB2312"?><rss version="2.0"><channel><title>中文</title><item><title>朱镕基访问堃城</title><link>https://gb.example/1</link></item></channel></rss>', 'gb18030');
  assert.equal((await parseFeed(gb)).items[0]?.title, '朱镕基访问堃城');
  const big5 = iconv.encode('<?xml version="1.0" encoding="Big5"?><rss version="2.0"><channel><title>新聞</title><item><title>臺灣新聞自由</title><link>https://b5.example/1</link></item></channel></rss>', 'big5');
  assert.equal((await parseFeed(big5)).items[0]?.title, '臺灣新聞自由');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><item><title>十六位</title></item></channel></rss>', 'utf16le')]);
  assert.equal((await parseFeed(utf16)).items[0]?.title, '十六位');
});

test('not a feed: empty, HTML, JSON that is not a JSON Feed, plain text — clear errors', async () => {
  await assert.rejects(parseFeed(Buffer.alloc(0)), (e: unknown) => e instanceof FeedParseError && /empty/.test(e.message));
  await assert.rejects(parseFeed(Buffer.from('<!DOCTYPE html><html><body>x</body></html>')), /HTML page/);
  await assert.rejects(parseFeed(Buffer.from('{"hello": 1}')), /not a JSON Feed/);
  await assert.rejects(parseFeed(Buffer.from('{oops')), /invalid JSON/);
  await assert.rejects(parseFeed(Buffer.from('just some text')), FeedParseError);
});

test('sniffKind: JSON by first character or Content-Type', () => {
  assert.equal(sniffKind(Buffer.from('  \n{"a":1}')), 'json');
  assert.equal(sniffKind(Buffer.from('<rss/>'), 'application/feed+json'), 'json');
  assert.equal(sniffKind(Buffer.from('\ufeff<rss/>')), 'xml');
});

test('lone surrogates from any format become U+FFFD at the parse boundary, with a warning', async () => {
  const json = Buffer.from(
    '{"version":"https://jsonfeed.org/version/1.1","title":"t\\ud800","items":[{"id":"1\\udc00","url":"https://x.example/\\ud83d","title":"标题\\ud800尾","content_html":"<p>\\udfff</p>","tags":["\\ud800"]}]}',
  );
  const feed = await parseFeed(json);
  const [item] = feed.items;
  assert.equal(item?.title, '标题\ufffd尾');
  assert.equal(item?.id, '1\ufffd');
  assert.equal(item?.content, '<p>\ufffd</p>');
  assert.deepEqual(item?.categories, ['\ufffd']);
  assert.equal(feed.title, 't\ufffd');
  assert.doesNotThrow(() => encodeURI(item.link!));
  for (const w of feed.warnings) assert.doesNotThrow(() => encodeURI(w), w);
  assert.ok(feed.warnings.some((w) => /5 text field\(s\) held lone surrogates/.test(w)), feed.warnings.join('\n'));
  // a pair stays a pair
  const ok = await parseFeed(Buffer.from('{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[{"id":"1","title":"\\ud83d\\ude00"}]}'));
  assert.equal(ok.items[0]?.title, '😀');
  assert.ok(!ok.warnings.some((w) => /surrogate/.test(w)));
  const xml = Buffer.from('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a&#xD800;b</title><link>https://x.example/1</link></item></channel></rss>');
  const fromXml = await parseFeed(xml);
  assert.ok(!/[\ud800-\udfff]/.test(fromXml.items[0]?.title ?? ''), JSON.stringify(fromXml.items[0]?.title));
});
