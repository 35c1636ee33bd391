/**
 * fetchAndExtract against pages served from 127.0.0.1: charsets (GBK, Big5, lying headers), what is not
 * an HTML page, fetch errors, local files, and a rule's single_page_link.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { FetchError } from '../fetch/index.ts';
import { ExtractError, extractCommand, fetchAndExtract, parseRules } from './index.ts';
import { fixture, gif, jpeg, pdf, png, serve, tempDir, type TestServer } from './test-helpers.ts';

const ARTICLE_ZH = ['北京时间周五，一场春雨让城市的气温下降了十度。', '气象部门预计，这样的天气还会持续三天。'];
const ARTICLE_TW = ['臺北市的捷運新路線今天通車，沿線居民排隊搭乘首班車。', '交通局表示，尖峰時段每四分鐘就有一班列車。'];

function legacyPage(title: string, paragraphs: string[], meta: string): string {
  return `<!DOCTYPE html><html><head>${meta}<title>${title}</title></head><body><div id="article"><h1>${title}</h1>${paragraphs
    .map((p) => `<p>${p}</p>`)
    .join('')}</div></body></html>`;
}

const gbkPage = iconv.encode(legacyPage('春雨降温', ARTICLE_ZH, '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'), 'gbk');
const gb2312NoMeta = iconv.encode(legacyPage('春雨降温', ARTICLE_ZH, ''), 'gb18030');
const big5Page = iconv.encode(legacyPage('捷運新路線通車', ARTICLE_TW, '<meta charset="big5">'), 'big5');
const big5NoMeta = iconv.encode(legacyPage('捷運新路線通車', ARTICLE_TW, ''), 'big5');

let server: TestServer;

before(async () => {
  server = await serve({
    '/gbk-meta': { type: 'text/html', body: gbkPage },
    '/gbk-header': { type: 'text/html; charset=GBK', body: gb2312NoMeta },
    '/gbk-lying-header': { type: 'text/html; charset=iso-8859-1', body: gbkPage },
    '/big5-meta': { type: 'text/html', body: big5Page },
    '/big5-detected': { type: 'text/html', body: big5NoMeta },
    '/utf8': { type: 'text/html; charset=utf-8', body: fixture('generic.html') },
    '/pdf': { type: 'application/pdf', body: pdf() },
    '/pdf-as-html': { type: 'text/html; charset=utf-8', body: pdf() },
    '/png-as-html': { type: 'text/html', body: png() },
    '/jpeg': { type: 'image/jpeg', body: jpeg() },
    '/gif-no-type': { type: null, body: gif() },
    '/binary': { type: 'application/octet-stream', body: Buffer.from([0, 1, 2, 3, 0, 0, 255, 254, 0, 7]) },
    '/feed': { type: 'application/rss+xml', body: '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>' },
    '/feed-as-html': { type: 'text/html', body: '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title></channel></rss>' },
    '/json': { type: 'application/json', body: '{"title": "不是网页"}' },
    '/text-html-inside': { type: 'text/plain', body: '<!DOCTYPE html><html><body><article><p>服务器把网页标成了纯文本，但它就是网页。</p></article></body></html>' },
    '/empty-page': { type: 'text/html', body: '<!DOCTYPE html><html><head><title>空</title></head><body><script>x()</script></body></html>' },
    '/gone': { status: 410, type: 'text/html', body: 'gone' },
    '/story/1': {
      type: 'text/html',
      body: '<!DOCTYPE html><html><body><div class="story"><p>第一页的内容。</p></div><div class="pages"><a href="/story/1?page=2">下一页</a> <a href="/story/1?full=y">全文</a></div></body></html>',
    },
    '/story/1?full=y': { type: 'text/html', body: '<!DOCTYPE html><html><body><div class="story"><p>第一页的内容。</p><p>第二页的内容。</p></div></body></html>' },
    '/story/2': {
      type: 'text/html',
      body: '<!DOCTYPE html><html><body><div class="story"><p>只有一页能读。</p></div><div class="pages"><a href="/story/2?full=y">全文</a></div></body></html>',
    },
  });
});

after(() => server.close());

test('GBK pages decode correctly: by meta, by HTTP charset, and despite a lying ISO-8859-1 header', async () => {
  for (const p of ['/gbk-meta', '/gbk-header', '/gbk-lying-header']) {
    const a = await fetchAndExtract(`${server.base}${p}`);
    assert.equal(a.title, '春雨降温', p);
    assert.equal(a.text, ARTICLE_ZH.join('\n\n'), p);
  }
  const lying = await fetchAndExtract(`${server.base}/gbk-lying-header`);
  assert.match(lying.warnings.join('\n'), /HTTP charset iso-8859-1 contradicts/);
});

test('Big5 pages decode correctly: by meta and by detection', async () => {
  for (const p of ['/big5-meta', '/big5-detected']) {
    const a = await fetchAndExtract(`${server.base}${p}`);
    assert.equal(a.title, '捷運新路線通車', p);
    assert.equal(a.text, ARTICLE_TW.join('\n\n'), p);
  }
});

test('the final URL is the page URL: links resolve against it', async () => {
  const a = await fetchAndExtract(`${server.base}/utf8`);
  assert.equal(a.url, `${server.base}/utf8`);
  assert.equal(a.leadImage, `${server.base}/images/bookshop.jpg`);
});

test('a PDF, an image or binary data served as the page is a clear not-html error', async () => {
  const cases: [string, RegExp][] = [
    ['/pdf', /this is a PDF document \(application\/pdf\), not an HTML page/],
    ['/pdf-as-html', /this is a PDF document \(application\/pdf\), not an HTML page/],
    ['/png-as-html', /this is an image \(image\/png\), not an HTML page/],
    ['/jpeg', /this is an image \(image\/jpeg\), not an HTML page/],
    ['/gif-no-type', /this is an image \(image\/gif\), not an HTML page/],
    ['/binary', /this is binary data \(application\/octet-stream\), not an HTML page/],
    ['/feed', /this is a feed \(application\/rss\+xml\), not an article page/],
    ['/feed-as-html', /this is a feed, not an article page/],
    ['/json', /this is JSON data \(application\/json\), not an HTML page/],
  ];
  for (const [p, message] of cases) {
    await assert.rejects(fetchAndExtract(`${server.base}${p}`), (err: unknown) => {
      assert.ok(err instanceof ExtractError, `${p}: ${String(err)}`);
      assert.equal(err.code, 'not-html');
      assert.match(err.message, message);
      assert.ok(err.message.startsWith(`${server.base}${p}: `), err.message);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  }
});

test('HTML served with another text type is still read; an empty page is no-content; HTTP errors are FetchErrors', async () => {
  const a = await fetchAndExtract(`${server.base}/text-html-inside`);
  assert.equal(a.text, '服务器把网页标成了纯文本，但它就是网页。');
  await assert.rejects(fetchAndExtract(`${server.base}/empty-page`), (err: unknown) => err instanceof ExtractError && err.code === 'no-content');
  await assert.rejects(fetchAndExtract(`${server.base}/gone`), (err: unknown) => err instanceof FetchError && err.code === 'http-status' && /HTTP 410/.test(err.message));
});

test('local files only when allowed; then the canonical URL resolves their links', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'saved.html');
  await fs.writeFile(file, fixture('rfi.html'));
  await assert.rejects(fetchAndExtract(file), (err: unknown) => err instanceof FetchError && err.code === 'bad-url');
  const a = await fetchAndExtract(file, { allowLocalPath: true });
  assert.equal(a.rule, 'rfi.fr');
  assert.ok(a.url.startsWith('https://www.rfi.fr/cn/'));
  const b = await fetchAndExtract(file, { allowLocalPath: true, baseUrl: 'https://mirror.example.test/page.html' });
  assert.equal(b.rule, 'generic');
  assert.equal(b.url, 'https://mirror.example.test/page.html');
});

test('single_page_link: the one-page version is fetched instead; if it fails, the first page is used', async () => {
  const rule = parseRules('body: .story\nsingle_page_link: .pages a[href*="full=y"]\n', '127.0.0.1.txt').rule;
  server.hits.length = 0;
  const a = await fetchAndExtract(`${server.base}/story/1`, { rules: [rule] });
  assert.equal(a.text, '第一页的内容。\n\n第二页的内容。');
  assert.equal(a.url, `${server.base}/story/1?full=y`);
  assert.deepEqual(server.hits, ['/story/1', '/story/1?full=y']);

  const b = await fetchAndExtract(`${server.base}/story/2`, { rules: [rule] });
  assert.equal(b.text, '只有一页能读。');
  assert.match(b.warnings.join('\n'), /single-page version .*story\/2\?full=y not used: .*HTTP 404/);

  const c = await fetchAndExtract(`${server.base}/story/1`, { rules: [rule], followSinglePage: false });
  assert.equal(c.text, '第一页的内容。');
});

test('extractCommand prints the article, as JSON with --json', async () => {
  const json = JSON.parse(await extractCommand(`${server.base}/gbk-meta`, { json: true }));
  assert.deepEqual(Object.keys(json), ['title', 'byline', 'published', 'lang', 'contentHtml', 'text', 'leadImage', 'rule', 'url', 'warnings']);
  assert.equal(json.title, '春雨降温');
  assert.equal(json.rule, 'generic');
  const text = await extractCommand(`${server.base}/big5-meta`);
  assert.match(text, /^title: {6}捷運新路線通車$/m);
  assert.match(text, /^rule: {7}generic$/m);
  assert.ok(text.includes(ARTICLE_TW[1]!));

  // a file, with the archive's own rules
  const root = await tempDir();
  await fs.mkdir(path.join(root, 'rules'));
  await fs.writeFile(path.join(root, 'rules', 'mirror.example.txt'), 'body: .story-body\n');
  const file = path.join(root, 'page.html');
  await fs.writeFile(file, fixture('ftchinese.html'));
  const viaArchive = JSON.parse(await extractCommand(path.relative(process.cwd(), file), { json: true, archive: root, url: 'https://mirror.example/story/1' }));
  assert.equal(viaArchive.rule, 'mirror.example');
  assert.ok(viaArchive.text.startsWith('上周，从亚洲到欧洲'));
});
