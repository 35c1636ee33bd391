/**
 * Real pages from the shared development corpus (../shared/dev-corpus, other people's data, read in
 * place, never copied): newspaper4k's Chinese article pages against their expected text, and the Hong
 * Kong news pages of hknews-backend as a smoke test. Skipped where the corpus is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { extractArticle } from './index.ts';
import { DEV_CORPUS, HAS_DEV_CORPUS } from './test-helpers.ts';

const NEWSPAPER4K = path.join(DEV_CORPUS, 'pages', 'newspaper4k');
const HKNEWS = path.join(DEV_CORPUS, 'pages', 'hknews-backend', 'src', 'test', 'resources', 'testdata');

/** Letters and digits only: the expected texts drop some quotes and keep others. */
function normalise(s: string): string {
  return s.replace(/[^\p{L}\p{N}]+/gu, '');
}

function sentencesOf(text: string): string[] {
  return text
    .split(/[。！？!?\n]+/)
    .map(normalise)
    .filter((s) => s.length >= 4);
}

test('newspaper4k: the expected article text is found, sentence by sentence', (t) => {
  if (!HAS_DEV_CORPUS || !existsSync(NEWSPAPER4K)) {
    t.skip(`dev corpus not found at ${NEWSPAPER4K}`);
    return;
  }
  const pages = readdirSync(NEWSPAPER4K).filter((f) => f.endsWith('.html'));
  assert.ok(pages.length >= 3);
  for (const file of pages) {
    const html = readFileSync(path.join(NEWSPAPER4K, file), 'utf8');
    const expected = readFileSync(path.join(NEWSPAPER4K, file.replace(/\.html$/, '.expected.txt')), 'utf8');
    const a = extractArticle(html, pathToFileURL(path.join(NEWSPAPER4K, file)).href);
    const got = normalise(a.text);
    const sentences = sentencesOf(expected);
    const missing = sentences.filter((s) => !got.includes(s));
    assert.ok(missing.length <= sentences.length * 0.05, `${file}: ${missing.length}/${sentences.length} expected sentences missing: ${missing.join(' | ')}`);
    // nothing much besides the article: at most 15% more text than expected
    assert.ok(got.length <= normalise(expected).length * 1.15 + 20, `${file}: ${got.length} characters for ${normalise(expected).length} expected`);
    assert.doesNotMatch(a.contentHtml, /<script|\son\w+=/i);
  }
});

test('newspaper4k: the 2012 BBC 中文 page through the bbc.com rule (its old layout)', (t) => {
  const file = path.join(NEWSPAPER4K, 'newspaper4k_bbc-zhongwen-2013_chinese_article.html');
  if (!existsSync(file)) {
    t.skip(`dev corpus page not found: ${file}`);
    return;
  }
  const expected = readFileSync(file.replace(/\.html$/, '.expected.txt'), 'utf8');
  const a = extractArticle(readFileSync(file, 'utf8'), 'http://www.bbc.co.uk/zhongwen/simp/chinese_news/2012/12/121210_hongkong_politics.shtml');
  assert.equal(a.rule, 'bbc.com');
  assert.equal(a.title, '港特首梁振英就住宅违建事件道歉');
  assert.equal(a.lang, 'zh-Hans');
  const got = normalise(a.text);
  for (const s of sentencesOf(expected)) assert.ok(got.includes(s), s);
  for (const boilerplate of ['转寄朋友', '打印文稿', '相关内容', '与内文相关的链接', '新浪微博']) assert.ok(!a.text.includes(boilerplate), boilerplate);
  assert.equal(a.leadImage, 'http://wscdn.bbc.co.uk/worldservice/assets/images/2012/12/06/121206102108_cn_cy_leung_304x171_ap.jpg');
});

test('hknews-backend: every Hong Kong article page extracts to clean, non-trivial text', (t) => {
  if (!HAS_DEV_CORPUS || !existsSync(HKNEWS)) {
    t.skip(`dev corpus not found at ${HKNEWS}`);
    return;
  }
  const pages = readdirSync(HKNEWS).filter((f) => f.endsWith('.html') && !f.endsWith('_list.html'));
  assert.ok(pages.length >= 10);
  for (const file of pages) {
    // (how long each page takes is measured by bench/extract.ts, not asserted here)
    const a = extractArticle(readFileSync(path.join(HKNEWS, file), 'utf8'), pathToFileURL(path.join(HKNEWS, file)).href);
    assert.ok(a.text.length >= 150, `${file}: only ${a.text.length} characters`);
    assert.ok(a.title && a.title.length > 0, `${file}: no title`);
    assert.doesNotMatch(a.contentHtml, /<(script|style|iframe|form)\b|\son\w+=|javascript:/i, file);
  }
});
