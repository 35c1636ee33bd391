import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fold, foldWithOrigin } from './fold.ts';
import { htmlToText } from './text.ts';
import { indexTokens, partsOf, termTokens, tokensOf } from './tokens.ts';
import { textOfHtml } from '../extract/text.ts';
import { parseArticle } from '../archive/index.ts';
import { readFileSync, readdirSync } from 'node:fs';

test('fold: traditional and variant characters to simplified, one character at a time', () => {
  assert.equal(fold('習近平'), '习近平');
  assert.equal(fold('克宮'), '克宫');
  assert.equal(fold('臺灣 台灣 台湾'), '台湾 台湾 台湾');
  assert.equal(fold('裡 裏 里'), '里 里 里');
  assert.equal(fold('國際新聞'), '国际新闻');
  // simplified text is left as it is
  assert.equal(fold('克里姆林宫周四表示普京同意访问平壤'), '克里姆林宫周四表示普京同意访问平壤');
  // context-free: the same character folds the same way in any phrase
  assert.equal(fold('乾隆'), `${fold('乾')}隆`);
});

test('fold: NFKC, lowercase, no diacritics', () => {
  assert.equal(fold('Ｇ２０峰會'), 'g20峰会');
  assert.equal(fold('CAFÉ Müller Ñandú Straße'), 'cafe muller nandu strasse');
  assert.equal(fold('İstanbul'), 'istanbul');
  assert.equal(fold('e\u0301'), 'e'); // a combining accent
  assert.equal(fold('𠀀x'), '𠀀x'); // astral characters pass
});

test('fold is idempotent, and foldWithOrigin folds the same text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const once = fold(s);
      assert.equal(fold(once), once);
      const { folded, origin } = foldWithOrigin(s);
      assert.equal(folded, once);
      assert.equal(origin.length, folded.length + 1);
    }),
  );
  for (const s of ['習近平會見拜登', 'Ｇ２０ CAFÉ ㈱ 𠀀']) {
    const { folded, origin } = foldWithOrigin(s);
    assert.equal(folded, fold(s));
    assert.ok(origin.every((o, i) => i === 0 || o >= origin[i - 1]!));
  }
});

test('indexTokens: words as words; a CJK run as its overlapping bigrams, then its last character alone', () => {
  assert.equal(indexTokens('普京与金正恩互赠步枪，G20峰會 iPhone 禁令 俄 2023年'), '普京 京与 与金 金正 正恩 恩互 互赠 赠步 步枪 枪 g20 峰会 会 iphone 禁令 令 俄 2023 年');
  assert.equal(indexTokens(''), '');
  assert.equal(indexTokens('，。！'), '');
  assert.equal(indexTokens('俄'), '俄');
  // the last character keeps a phrase of bigrams from spanning punctuation: 金正 正恩 are never adjacent here
  assert.equal(indexTokens('普京，金正恩'), '普京 京 金正 正恩 恩');
  assert.equal(indexTokens('金正。正恩'), '金正 正 正恩 恩');
});

test('indexTokens: every occurrence of a character is exactly one token starting with it', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('普', '京', '俄', '，', ' ', 'a', '国', '𠀀'), { maxLength: 30 }), (chars) => {
      const text = chars.join('');
      const tokens = indexTokens(text).split(' ').filter(Boolean);
      for (const c of ['普', '京', '俄', '国', '𠀀']) {
        assert.equal(tokens.filter((t) => t.startsWith(c)).length, [...text].filter((x) => x === c).length, `${c} in ${text}`);
      }
    }),
  );
});

test('indexTokens: astral characters and long texts', () => {
  assert.equal(indexTokens('a𠀀𠀁'), 'a 𠀀𠀁 𠀁');
  const long = '克里姆林宫周四表示，'.repeat(20_000);
  assert.equal(indexTokens(long).split(' ').length, 9 * 20_000);
});

test('query terms: 1 character → a prefix; longer → the phrase of its bigrams; mixed scripts → a phrase of parts', () => {
  const tt = (q: string, join = false) => termTokens(partsOf(q, join)).map((t) => `${t.text}${t.prefix ? '*' : ''}`);
  assert.deepEqual(tt('俄'), ['俄*']);
  assert.deepEqual(tt('普京'), ['普京']);
  assert.deepEqual(tt('習近平'), ['习近', '近平']);
  assert.deepEqual(tt('G20峰会'), ['g20', '峰会']);
  assert.deepEqual(tt('峰会G20'), ['峰会', '会', 'g20']);
  assert.deepEqual(tt('X光'), ['x', '光*']);
  assert.deepEqual(tt('iPhone'), ['iphone']);
  assert.deepEqual(tt('普京，金正恩'), ['普京', '京', '金正', '正恩']);
  // in a quoted phrase, spaces between Chinese characters do not count
  assert.deepEqual(tt('普京 与 金正恩', true), ['普京', '京与', '与金', '金正', '正恩']);
  assert.deepEqual(partsOf('，、。'), []);
});

test('tokensOf: offsets into the original text', () => {
  const text = 'Ｇ２０峰會，習近平';
  const tokens = tokensOf(text);
  assert.deepEqual(
    tokens.map((t) => [t.text, text.slice(t.start, t.end)]),
    [
      ['g20', 'Ｇ２０'],
      ['峰', '峰'],
      ['会', '會'],
      ['习', '習'],
      ['近', '近'],
      ['平', '平'],
    ],
  );
});

test('htmlToText gives the extract stage text (textOfHtml) for the golden articles and tricky markup', () => {
  const dir = new URL('../../test/fixtures/golden/', import.meta.url);
  for (const name of readdirSync(dir)) {
    const fields = parseArticle(readFileSync(new URL(name, dir), 'utf8'))!;
    assert.equal(htmlToText(fields.contentHtml), textOfHtml(fields.contentHtml), name);
  }
  for (const html of ['<p>a<b>b</b></p>c<br>d<table><tr><td>x</td><td>y</td></tr></table>', 'a &amp; b &lt;p&gt;', '<script>x</script>z', '<p>one<p>two', '<style>p{}</style><p>正文&nbsp;内容</p>', 'plain\n text']) {
    assert.equal(htmlToText(html), textOfHtml(html), html);
  }
});
