import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedFixture } from '../testing/repo.ts';
import { isArchivableTime, joinLines, linkRefusal, normaliseLink, parseArticle, renderArticle, titleForFile } from './format.ts';

const golden = sharedFixture('golden/rfi-20230914-putin-kim-rifles.md').toString('utf8');

test('joinLines trims every line and joins Chinese text and tags with nothing', () => {
  assert.equal(joinLines('  <p>第一段</p>\n\t<p>第二段</p>  \r\n<div>\n中文\n</div>\n'), '<p>第一段</p><p>第二段</p><div>中文</div>');
});

test('joinLines keeps spaces inside a line', () => {
  assert.equal(joinLines('<strong>平壤。        </strong>\n<p>x</p>'), '<strong>平壤。        </strong><p>x</p>');
});

test('joinLines writes one space where a break falls between two Latin words', () => {
  assert.equal(joinLines('<p>Kim Jong-dae\nsaid the summit\n reflects</p>'), '<p>Kim Jong-dae said the summit reflects</p>');
  assert.equal(joinLines('<p>in 2019\nthe leader</p>'), '<p>in 2019 the leader</p>');
  assert.equal(joinLines('<p>first,\nsecond</p>'), '<p>first, second</p>');
  // Latin then Chinese, or a tag boundary: nothing between
  assert.equal(joinLines('<p>RFI\n中文</p>'), '<p>RFI中文</p>');
  assert.equal(joinLines('<p>word</p>\n<p>next</p>'), '<p>word</p><p>next</p>');
});

test('joinLines keeps <pre> blocks intact', () => {
  const html = '<p>code:</p>\n  <pre class="x">line 1\n    indented\n\nlast</pre>\n  <p>after</p>';
  assert.equal(joinLines(html), '<p>code:</p><pre class="x">line 1\n    indented\n\nlast</pre><p>after</p>');
  assert.equal(joinLines('<PRE>a\n b</PRE>'), '<PRE>a\n b</PRE>');
});

test('normaliseLink percent-encodes non-ASCII the WHATWG way and leaves encoded links alone', () => {
  assert.equal(normaliseLink(' https://www.rfi.fr/cn/国际/20230914-普京 '), 'https://www.rfi.fr/cn/%E5%9B%BD%E9%99%85/20230914-%E6%99%AE%E4%BA%AC');
  assert.equal(normaliseLink('https://www.rfi.fr/cn/%E5%9B%BD'), 'https://www.rfi.fr/cn/%E5%9B%BD');
  assert.equal(normaliseLink('HTTPS://WWW.RFI.FR'), 'https://www.rfi.fr/');
  assert.equal(normaliseLink(null), '');
});

test('renderArticle reproduces a golden file from its own fields', () => {
  const fields = parseArticle(golden);
  assert.ok(fields);
  assert.equal(fields.published, 1694713502000);
  assert.equal(fields.title, '普京与金正恩互赠步枪 克宫确认普京同意访平壤');
  assert.equal(renderArticle(fields), golden);
});

test('titles: trimmed, inner breaks folded, brackets escaped and read back', () => {
  assert.equal(titleForFile('  标题\n 第二行 '), '标题 第二行');
  const text = renderArticle({ published: 1, title: 'A [b] c\\', link: 'https://x.org/', contentHtml: '<p>x</p>' });
  assert.equal(text.split('\n')[1], '[A \\[b\\] c\\\\](https://x.org/)');
  assert.equal(parseArticle(text)?.title, 'A [b] c\\');
});

test('parseArticle rejects text not in the format', () => {
  assert.equal(parseArticle('# hello\n'), null);
});

test('a link can never end the Markdown link: ( ) < > spaces and backslashes are percent-encoded', () => {
  const hostile = 'http://host/p)[Login](https://evil.example/)';
  const link = normaliseLink(hostile);
  assert.equal(link, 'http://host/p%29[Login]%28https://evil.example/%29');
  const text = renderArticle({ published: 1, title: 't', link: hostile, contentHtml: '<p>x</p>' });
  const line = text.split('\n')[1]!;
  assert.equal(line, `[t](${link})`);
  // the line holds exactly one link destination: no ")" before the last character
  assert.equal(line.indexOf(')'), line.length - 1);
  assert.equal(parseArticle(text)?.link, link);
  assert.equal(normaliseLink('https://x.org/a b<c>\\d?q=(1)#f g'), 'https://x.org/a%20b%3Cc%3E/d?q=%281%29#f%20g');
  // a percent-encoded link means the same to the server: decoding gives back the characters
  assert.equal(decodeURIComponent(new URL(link).pathname), '/p)[Login](https://evil.example/)');
});

test('only http(s) links are kept; the others give no link and a reason', () => {
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>x</script>', 'file:///etc/passwd', 'ftp://x.org/f', '/relative/only', 'not a url']) {
    assert.equal(normaliseLink(bad), '', bad);
    assert.match(linkRefusal(bad) ?? '', /^the link ".*" is (a [a-z]+: URL, not http\(s\)|no absolute URL)$/, bad);
    const text = renderArticle({ published: 1, title: 't', link: bad, contentHtml: '<p>x</p>' });
    assert.equal(text.split('\n')[1], '[t]()');
  }
  assert.equal(linkRefusal('https://x.org/'), null);
  assert.equal(linkRefusal(null), null);
});

test('a header is always readable back: times before 1970 or not whole are refused, never written', () => {
  assert.throws(() => renderArticle({ published: -2208988800000, title: 't', link: '', contentHtml: '' }), RangeError);
  assert.throws(() => renderArticle({ published: 1.5, title: 't', link: '', contentHtml: '' }), RangeError);
  assert.throws(() => renderArticle({ published: Number.NaN, title: 't', link: '', contentHtml: '' }), RangeError);
  assert.equal(isArchivableTime(0), true);
  assert.equal(parseArticle(renderArticle({ published: 0, title: 't', link: '', contentHtml: '' }))?.published, 0);
});
