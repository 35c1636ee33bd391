import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fold, foldWithOrigin } from './fold.ts';
import { htmlToText } from './text.ts';
import { BOUNDARY_TOKEN, indexTokens, partsOf, termTokens, tokensOf } from './tokens.ts';
import { textOfHtml } from '../extract/text.ts';
import { parseArticle } from '../archive/index.ts';
import { readFileSync, readdirSync } from 'node:fs';

const show = (s: string) => s.replaceAll(BOUNDARY_TOKEN, '␟');

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

test('indexTokens: words as words, CJK as unigrams (uni) and overlapping bigrams (bi)', () => {
  const t = indexTokens('普京与金正恩互赠步枪，G20峰會 iPhone 禁令 俄 2023年');
  assert.equal(t.uni, '普 京 与 金 正 恩 互 赠 步 枪 g20 峰 会 iphone 禁 令 俄 2023 年');
  assert.equal(t.bi, '普京 京与 与金 金正 正恩 恩互 互赠 赠步 步枪 g20 峰会 iphone 禁令 俄 2023 年');
  assert.deepEqual(indexTokens(''), { uni: '', bi: '' });
  assert.deepEqual(indexTokens('，。！'), { uni: '', bi: '' });
  assert.deepEqual(indexTokens('俄'), { uni: '俄', bi: '俄' });
});

test('indexTokens: a boundary token between two runs that both have bigrams, so a phrase never spans punctuation', () => {
  assert.equal(show(indexTokens('普京，金正恩').bi), '普京 ␟ 金正 正恩');
  assert.equal(show(indexTokens('金正。恩。正恩').bi), '金正 恩 正恩');
  assert.equal(show(indexTokens('普京 and 金正恩').bi), '普京 and 金正 正恩');
});

test('indexTokens: astral characters and long texts', () => {
  assert.equal(indexTokens('a𠀀𠀁').bi, 'a 𠀀𠀁');
  const long = '克里姆林宫周四表示，'.repeat(20_000);
  const t = indexTokens(long);
  assert.equal(t.uni.split(' ').length, 9 * 20_000);
  assert.equal(show(t.bi).split(' ').length, 8 * 20_000 + (20_000 - 1));
});

test('query terms: 1 character → a unigram; longer → the phrase of its bigrams; mixed with a 1-character run → unigrams', () => {
  const tt = (q: string, join = false) => termTokens(partsOf(q, join));
  assert.deepEqual(tt('俄'), { column: 'uni', tokens: ['俄'] });
  assert.deepEqual(tt('普京'), { column: 'bi', tokens: ['普京'] });
  assert.deepEqual(tt('習近平'), { column: 'bi', tokens: ['习近', '近平'] });
  assert.deepEqual(tt('G20峰会'), { column: 'bi', tokens: ['g20', '峰会'] });
  assert.deepEqual(tt('X光'), { column: 'uni', tokens: ['x', '光'] });
  assert.deepEqual(tt('iPhone'), { column: 'bi', tokens: ['iphone'] });
  assert.deepEqual(tt('普京，金正恩'), { column: 'bi', tokens: ['普京', BOUNDARY_TOKEN, '金正', '正恩'] });
  // in a quoted phrase, spaces between Chinese characters do not count
  assert.deepEqual(tt('普京 与 金正恩', true), { column: 'bi', tokens: ['普京', '京与', '与金', '金正', '正恩'] });
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
