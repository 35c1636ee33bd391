/** extractArticle on hand-made pages: images, links, sanitising, metadata, rules, hostile input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtractError, extractArticle, parseRules, type SiteRule } from './index.ts';
import { cleanByline, cleanTitle, parseLooseDate } from './metadata.ts';
import { bestFromSrcset } from './images.ts';

/** A page whose article is `body` (long enough for Readability) inside the usual chrome. */
function page(body: string, head = '', url = ''): string {
  const filler = Array.from({ length: 6 }, (_, i) => `<p>第${i + 1}段：这是一段足够长的正文，用来让通用提取器确认这里是文章的主体部分，而不是导航或者页脚里的零碎文字。</p>`).join('\n');
  return `<!DOCTYPE html><html lang="zh-CN"><head><title>测试页面</title>${head}</head><body>
<nav><a href="/">首页</a> <a href="/news">新闻</a></nav>
<article>${body}
${filler}
</article>
<footer>版权所有 ${url}</footer></body></html>`;
}

function rule(text: string, host = 'example.test'): SiteRule {
  const parsed = parseRules(text, `${host}.txt`);
  assert.deepEqual(parsed.warnings, []);
  return parsed.rule;
}

const URL = 'https://news.example.test/world/2024/04/story.html';

test('lazy images: data-src, data-original, data-lazy-src, srcset and data-srcset become a real src', () => {
  const html = page(`
    <p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/a.jpg" alt="a"></p>
    <p><img src="/static/grey-placeholder.png" data-original="https://cdn.example.test/b.jpg" alt="b"></p>
    <p><img data-lazy-src="c.jpg" alt="c"></p>
    <p><img srcset="/img/d-320.jpg 320w, /img/d-1024.jpg 1024w, /img/d-2048.jpg 2048w" alt="d"></p>
    <p><img src="" class="lazyload" data-srcset="/img/e-1x.jpg 1x, /img/e-2x.jpg 2x, /img/e-3x.jpg 3x" alt="e"></p>
    <p><img src="https://cdn.example.test/f.jpg" srcset="https://cdn.example.test/f-big.jpg 2000w" alt="f"></p>`);
  const a = extractArticle(html, URL);
  const imgs = [...a.contentHtml.matchAll(/<img [^>]*>/g)].map((m) => m[0]);
  assert.deepEqual(
    imgs.map((i) => /src="([^"]*)"/.exec(i)![1]),
    [
      'https://news.example.test/img/a.jpg',
      'https://cdn.example.test/b.jpg',
      'https://news.example.test/world/2024/04/c.jpg',
      'https://news.example.test/img/d-1024.jpg',
      'https://news.example.test/img/e-2x.jpg',
      'https://cdn.example.test/f.jpg', // a real src stays; srcset is dropped
    ],
  );
  for (const i of imgs) assert.doesNotMatch(i, /srcset|data-/);
});

test('<noscript> images: replace the placeholder before them, or are unwrapped; no duplicates', () => {
  const html = page(`
    <figure><img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E" data-lazy-src="/one.jpg" alt="1"><noscript><img src="/one.jpg" alt="1"></noscript></figure>
    <figure><div class="lazyload-wrapper"><div class="lazyload-placeholder"></div></div><noscript><img src="/two.jpg" alt="2"></noscript></figure>
    <figure><noscript><img src="/three.jpg" alt="3"></noscript></figure>
    <figure><img src="/four.jpg" alt="4"><noscript><img src="/four.jpg" alt="4"></noscript></figure>
    <noscript><p>请启用JavaScript</p><img src="https://tracker.example.test/pixel.gif" width="1" height="1"></noscript>`);
  const a = extractArticle(html, URL);
  const srcs = [...a.contentHtml.matchAll(/<img [^>]*src="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(srcs, [
    'https://news.example.test/one.jpg',
    'https://news.example.test/two.jpg',
    'https://news.example.test/three.jpg',
    'https://news.example.test/four.jpg',
  ]);
  assert.doesNotMatch(a.contentHtml, /noscript|tracker|lazyload/);
});

test('<picture> becomes its <img>, taking a source when the img has no src', () => {
  const html = page(`
    <picture><source type="image/webp" srcset="/p/a.webp 800w"><img src="/p/a.jpg" alt="a"></picture>
    <picture><source srcset="/p/b-400.jpg 400w, /p/b-900.jpg 900w"><img alt="b"></picture>`);
  const a = extractArticle(html, URL);
  const srcs = [...a.contentHtml.matchAll(/<img [^>]*src="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(srcs, ['https://news.example.test/p/a.jpg', 'https://news.example.test/p/b-900.jpg']);
  assert.doesNotMatch(a.contentHtml, /<picture|<source/);
});

test('links and images are absolute, against <base href> when there is one; bad schemes are dropped', () => {
  const html = page(
    `<p><a href="../other.html">相对链接</a> <a href="//cdn.example.test/x">协议相对</a>
     <a href="javascript:alert(1)">脚本链接</a> <a href="mailto:news@example.test">邮件</a> <a href=" JaVaScRiPt:alert(2)">大小写</a>
     <a href="data:text/html,<script>alert(3)</script>">数据链接</a> <img src="pics/a.png" alt="a"> <img src="javascript:alert(4)" alt="js"></p>`,
    '<base href="https://static.example.test/base/dir/">',
  );
  const a = extractArticle(html, URL);
  assert.match(a.contentHtml, /<a href="https:\/\/static\.example\.test\/base\/other\.html">相对链接<\/a>/);
  assert.match(a.contentHtml, /<a href="https:\/\/cdn\.example\.test\/x">协议相对<\/a>/);
  assert.match(a.contentHtml, /<a href="mailto:news@example\.test">邮件<\/a>/);
  assert.match(a.contentHtml, /<img src="https:\/\/static\.example\.test\/base\/dir\/pics\/a\.png" alt="a">/);
  assert.doesNotMatch(a.contentHtml, /javascript|data:text/i);
  // the text of a neutralised link stays
  assert.ok(a.text.includes('脚本链接') && a.text.includes('大小写') && a.text.includes('数据链接'));
  // without <base>, an in-page anchor stays relative
  const b = extractArticle(page('<p><a href="#note1">脚注</a> <a href="/x">站内</a></p>'), URL);
  assert.match(b.contentHtml, /<a href="#note1">脚注<\/a>/);
  assert.match(b.contentHtml, /<a href="https:\/\/news\.example\.test\/x">站内<\/a>/);
});

test('scripts, styles, event handlers, iframes and forms never reach the archive', () => {
  const html = page(`
    <p onclick="steal()" onmouseover="steal()" style="color:red" class="x" id="y">正文<b onload="x()">加粗</b></p>
    <script>document.write('<p>脚本写入的文字</p>')</script><style>p{color:red}</style>
    <img src="/ok.jpg" onerror="alert(1)" alt="ok">
    <svg onload="alert(1)"><script>alert(2)</script><text>矢量</text></svg>
    <iframe src="https://video.example.test/embed/1" title="视频"></iframe>
    <iframe srcdoc="<script>alert(5)</script>"></iframe>
    <form action="https://evil.example.test"><input name="q"><button formaction="javascript:alert(6)">提交</button></form>
    <object data="x.swf"></object><embed src="x.swf"><template><p>模板</p></template>
    <a href="https://example.test/ok" onclick="x()" target="_blank" rel="noopener">链接</a>
    <!--[if IE]><script>alert(7)</script><![endif]--><!-- <p>注释里的文字</p> -->`);
  const a = extractArticle(html, URL);
  assert.doesNotMatch(a.contentHtml, /<(script|style|svg|iframe|form|input|button|object|embed|template)\b/i);
  assert.doesNotMatch(a.contentHtml, /\son\w+=|style=|class=|id=|srcdoc|formaction|target=|rel=/i);
  assert.doesNotMatch(a.contentHtml, /alert|steal|脚本写入|矢量|模板|注释|<!--/);
  assert.match(a.contentHtml, /<p>正文<b>加粗<\/b><\/p>/);
  assert.match(a.contentHtml, /<img src="https:\/\/news\.example\.test\/ok\.jpg" alt="ok">/);
  assert.match(a.contentHtml, /<a href="https:\/\/example\.test\/ok">链接<\/a>/);

  // the same through a site rule (no Readability): an embedded player becomes a plain link to it
  const r = rule('body: article\n');
  const b = extractArticle(html, 'https://example.test/a', { rules: [r] });
  assert.equal(b.rule, 'example.test');
  assert.doesNotMatch(b.contentHtml, /<(script|style|svg|iframe|form|input|button|object|embed|template|nav)\b/i);
  assert.doesNotMatch(b.contentHtml, /\son\w+=|style=|class=|id=|srcdoc|formaction|target=|rel=/i);
  assert.doesNotMatch(b.contentHtml, /alert|steal|脚本写入|矢量|模板|注释|<!--/);
  assert.match(b.contentHtml, /<p><a href="https:\/\/video\.example\.test\/embed\/1">视频<\/a><\/p>/);
  assert.match(b.contentHtml, /<img src="https:\/\/example\.test\/ok\.jpg" alt="ok">/);
});

test('metadata: JSON-LD @graph with @id references, og/meta fallbacks, <time>, <html lang>', () => {
  const ld = JSON.stringify({
    '@context': 'https://schema.org',
    '@graph': [
      { '@type': 'WebPage', '@id': 'https://x.test/#page', name: '网页名' },
      {
        '@type': ['NewsArticle'],
        headline: '结构化数据里的标题',
        datePublished: '2024-03-01T08:00:00+08:00',
        author: [{ '@id': 'https://x.test/#p1' }, { '@type': 'Person', name: '作者：李四' }],
        image: [{ '@type': 'ImageObject', url: '/images/lead.jpg' }],
      },
      { '@type': 'Person', '@id': 'https://x.test/#p1', name: '张三' },
    ],
  });
  const a = extractArticle(page('<p>正文开头。</p>', `<script type="application/ld+json">${ld}</script><meta property="og:title" content="OG 标题">`), URL);
  assert.equal(a.title, '结构化数据里的标题');
  assert.equal(a.byline, '张三, 李四');
  assert.equal(a.published, Date.parse('2024-03-01T00:00:00Z'));
  assert.equal(a.lang, 'zh-CN');
  assert.equal(a.leadImage, 'https://news.example.test/images/lead.jpg');

  // no JSON-LD: og:title (site name cut off), meta author, article:published_time, og:image
  const b = extractArticle(
    page('<p>正文。</p>', '<meta property="og:title" content="另一个标题 | 示例新闻网"><meta property="og:site_name" content="示例新闻网"><meta name="author" content="By Jane Doe"><meta property="article:published_time" content="2024-02-02T02:02:02Z"><meta property="og:image" content="https://img.example.test/og.jpg">'),
    URL,
  );
  assert.equal(b.title, '另一个标题');
  assert.equal(b.byline, 'Jane Doe');
  assert.equal(b.published, Date.parse('2024-02-02T02:02:02Z'));
  assert.equal(b.leadImage, 'https://img.example.test/og.jpg');

  // only a <time datetime> and the first image of the article
  const c = extractArticle(page('<p><time datetime="2023-12-31T16:00:00Z">昨天</time></p><p><img src="/first.jpg" alt=""></p>'), URL);
  assert.equal(c.published, Date.parse('2023-12-31T16:00:00Z'));
  assert.equal(c.leadImage, 'https://news.example.test/first.jpg');
  assert.equal(c.title, '测试页面');
});

test('broken JSON-LD is ignored, JSON-LD with raw line breaks is still read', () => {
  const broken = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>';
  const lenient = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "第一行\n第二行"}</script>';
  assert.equal(extractArticle(page('<p>正文。</p>', broken), URL).title, '测试页面');
  assert.equal(extractArticle(page('<p>正文。</p>', lenient), URL).title, '第一行 第二行');
});

test('cleanTitle, cleanByline, parseLooseDate, bestFromSrcset', () => {
  assert.equal(cleanTitle('港特首梁振英就住宅违建事件道歉 - BBC中文网 - 两岸三地', null), '港特首梁振英就住宅违建事件道歉');
  assert.equal(cleanTitle('蔡英文感谢印度声援台湾 – DW – 2020年10月12日', 'DW'), '蔡英文感谢印度声援台湾');
  assert.equal(cleanTitle('港海豹重返海湾 - 纽约时报中文网', null, ['港海豹重返海湾']), '港海豹重返海湾');
  assert.equal(cleanTitle('小虎 |多大的流氓才有资格爱国', null), '小虎 |多大的流氓才有资格爱国');
  assert.equal(cleanTitle('没有分隔符的标题', null), '没有分隔符的标题');
  assert.equal(cleanByline('记者：方远　责编：何青　网编：许文'), '方远');
  assert.equal(cleanByline('作者，周明'), '周明');
  assert.equal(cleanByline('文山'), '文山');
  assert.equal(cleanByline('https://www.facebook.com/bbcnews'), null);
  assert.equal(cleanByline('x'.repeat(200)), null);
  assert.equal(parseLooseDate('更新于2024年4月12日 06:00'), Date.parse('2024-04-11T22:00:00Z'));
  assert.equal(parseLooseDate('发表时间 : 2024-04-12T08:30:00+00:00'), Date.parse('2024-04-12T08:30:00Z'));
  assert.equal(parseLooseDate('昨天'), null);
  assert.equal(bestFromSrcset('a.jpg 320w, b.jpg 1280w, c.jpg 2560w'), 'b.jpg');
  assert.equal(bestFromSrcset('big.jpg 3000w, bigger.jpg 4000w'), 'big.jpg');
  assert.equal(bestFromSrcset('a.jpg, b.jpg 2x, c.jpg 3x'), 'b.jpg');
  assert.equal(bestFromSrcset(''), null);
});

test('rules: strip, strip_id_or_class, strip_image_src; a strip that would take the body is ignored', () => {
  const r = rule(`
body: .story
strip: .share
strip_id_or_class: promo
strip_image_src: tracking.gif
strip: .page
`);
  const html = `<!DOCTYPE html><html><body><div class="page"><div class="story">
    <p>第一段正文。</p><div class="share">分享按钮</div><div id="promo-box">推广内容</div><div class="x newsletter-promo">订阅</div>
    <p><img src="/tracking.gif" alt="t"><img src="/real.jpg" alt="r"></p><p>最后一段正文。</p></div><div class="share">页面底部分享</div></div></body></html>`;
  const a = extractArticle(html, 'https://example.test/a', { rules: [r] });
  assert.equal(a.rule, 'example.test');
  assert.equal(a.text, '第一段正文。\n\n最后一段正文。');
  assert.doesNotMatch(a.contentHtml, /分享|推广|订阅|tracking/);
  assert.match(a.contentHtml, /real\.jpg/);
});

test('rules: several body matches are joined in page order; nested matches are not repeated', () => {
  const r = rule('body: .lead, .text, .text p\n');
  const html = `<!DOCTYPE html><html><body><div class="text"><p>正文一。</p><p>正文二。</p></div><aside>侧栏</aside><p class="lead">导语。</p></body></html>`;
  const a = extractArticle(html, 'https://www.example.test/a', { rules: [r] });
  assert.equal(a.text, '正文一。\n\n正文二。\n\n导语。');
});

test('rules: the first body selector with content wins; prune: yes cleans the selection with Readability', () => {
  const r = rule('body: .missing\nbody: .empty\nbody: #main\nprune: yes\n');
  const paras = Array.from({ length: 5 }, (_, i) => `<p>这是第${i + 1}段正文，内容足够长，可以让通用提取器把它当作文章的主体，而不是把它丢掉。</p>`).join('');
  const html = `<!DOCTYPE html><html><body><div class="empty"> </div><div id="main"><div class="sidebar"><ul><li><a href="/1">链接一</a></li><li><a href="/2">链接二</a></li><li><a href="/3">链接三</a></li></ul></div><div class="content">${paras}</div></div></body></html>`;
  const a = extractArticle(html, 'https://example.test/a', { rules: [r] });
  assert.equal(a.rule, 'example.test');
  assert.ok(a.text.startsWith('这是第1段正文'));
  assert.ok(a.text.includes('这是第5段正文'));
  assert.ok(!a.text.includes('链接一'), a.text);
});

test('a heading repeating the title at the top of the body is dropped, other headings stay', () => {
  const html = page('<h1>测试页面</h1><p>正文第一句。</p><h2>小标题</h2><p>正文第二句。</p>');
  const a = extractArticle(html, URL);
  assert.ok(!a.text.startsWith('测试页面'));
  assert.ok(a.text.includes('小标题'));
});

test('a local file: its canonical URL resolves links and chooses the rule', () => {
  const html = page('<p><img src="/a.jpg" alt=""></p>', '<link rel="canonical" href="https://www.rfi.fr/cn/x">');
  const a = extractArticle(html, 'file:///tmp/saved.html');
  assert.equal(a.url, 'https://www.rfi.fr/cn/x');
  assert.match(a.contentHtml, /src="https:\/\/www\.rfi\.fr\/a\.jpg"/);
});

test('malformed pages: no <body> tag, a fragment, content after </html>', () => {
  assert.equal(extractArticle('<p>只有一个片段的正文。</p>', URL).text, '只有一个片段的正文。');
  assert.equal(extractArticle('<html><head><title>无body</title></head><p>没有body标签的正文。</p></html>', URL).text, '没有body标签的正文。');
  assert.equal(extractArticle('<html><body><p>正文。</p></body></html><p>页尾之后的正文。</p>', URL).text, '正文。\n\n页尾之后的正文。');
});

// ------------------------------------------------------------------------------------------------
// hostile pages

test('hostile: a page with no body text is a clear no-content error', () => {
  for (const html of ['', '<!DOCTYPE html><html><head><title>空</title></head><body></body></html>', '<html><body><script>var a = "只有脚本";</script><nav>导航</nav></body></html>']) {
    assert.throws(
      () => extractArticle(html, URL),
      (err: unknown) => err instanceof ExtractError && err.code === 'no-content' && /no article text found/.test(err.message) && err.message.includes(URL),
    );
  }
});

// (How long these take is measured by bench/extract.ts, set "hostile": a test asserts what comes out.)
test('hostile: a 5 MB single-line page, and 5 MB of markup on one line, are extracted', () => {
  const sentence = '这是一个很长的单行页面里的一句话，没有换行。';
  const text = sentence.repeat(Math.ceil((5 * 1024 * 1024) / Buffer.byteLength(sentence)));
  const a = extractArticle(`<!DOCTYPE html><html><head><title>大页面</title></head><body><div><p>${text}</p></div></body></html>`, URL);
  assert.ok(a.text.length >= text.length - 10);

  // 5 MB of markup on one line: 240,000 paragraphs, too many elements for Readability
  const many = '<p>一段文字。</p>'.repeat(240_000);
  assert.ok(Buffer.byteLength(many) > 5 * 1024 * 1024);
  const b = extractArticle(`<!DOCTYPE html><html><body><article>${many}</article></body></html>`, URL);
  assert.match(b.warnings.join('\n'), /more than 40000; used the densest text block/);
  assert.equal(b.text.split('\n\n').length, 240_000);
});

test('hostile: 5,000 levels of nesting do not overflow the stack', () => {
  const depth = 5000;
  const html = `<!DOCTYPE html><html><body>${'<div>'.repeat(depth)}<p>深处的正文。<img src="/deep.jpg"></p>${'</div>'.repeat(depth)}<p>外面的正文。</p></body></html>`;
  const a = extractArticle(html, URL);
  assert.ok(a.text.includes('深处的正文。'));
  assert.match(a.warnings.join('\n'), /nested more than 256 levels/);
  const spans = `<!DOCTYPE html><html><body><article><p>开头。</p>${'<span><b><i>'.repeat(3000)}文字${'</i></b></span>'.repeat(3000)}</article></body></html>`;
  assert.ok(extractArticle(spans, URL).text.includes('文字'));
});

test('hostile: a page beyond the size limit is refused', () => {
  assert.throws(() => extractArticle('x'.repeat(17 * 1024 * 1024), URL), (err: unknown) => err instanceof ExtractError && err.code === 'too-large');
});
