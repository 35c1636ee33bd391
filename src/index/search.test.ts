import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseArticle, type ChangeEvent } from '../archive/index.ts';
import type { FeedItem } from '../domain.ts';
import { FileArchive } from '../storage/index.ts';
import { tempDir } from '../testing/tree.ts';
import { fold } from './fold.ts';
import { indexFile, markSnippet, openIndex, parseQuery, QueryError, reindex, search, updateIndex, type SearchIndex } from './index.ts';
import { htmlToText } from './text.ts';

const T0 = Date.UTC(2023, 8, 14, 11, 27);
const HOUR = 3600_000;

interface Article {
  source: string;
  title: string;
  content: string;
  published: number;
}

/** The two golden RFI articles, and articles written for these tests (real news, in the sources' styles). */
function corpus(): Article[] {
  const dir = new URL('../../test/fixtures/golden/', import.meta.url);
  const golden = readdirSync(dir)
    .sort()
    .map((name, i) => {
      const f = parseArticle(readFileSync(new URL(name, dir), 'utf8'))!;
      return { source: 'rfi', title: f.title, content: f.contentHtml, published: f.published + i };
    });
  return [
    ...golden,
    {
      source: 'rfa',
      title: '習近平會見拜登 討論台灣問題',
      content: '<p>中國國家主席習近平週三在舊金山會見美國總統拜登，雙方討論了台灣問題和人工智能的風險。</p><p>克宮發言人佩斯科夫表示，莫斯科密切關注這次會晤。</p>',
      published: T0 + 1 * HOUR,
    },
    {
      source: 'bbc',
      title: 'G20峰会在新德里开幕',
      content: '<p>二十国集团（G20）峰会周六在新德里开幕，印度总理莫迪呼吁各国加强合作。</p><p>中国总理李强代替习近平出席了本届G20峰会。</p>',
      published: T0 + 2 * HOUR,
    },
    {
      source: 'voa',
      title: '中国扩大iPhone禁令 政府机关禁用苹果手机',
      content: '<p>据报道，中国已要求中央政府机关的官员不得在工作中使用iPhone和其他外国品牌的手机。</p><p>分析人士指出，这一禁令可能影响苹果公司在华销售。</p>',
      published: T0 + 3 * HOUR,
    },
    {
      source: 'dw',
      title: '朝鲜发射侦察卫星再次失败 太空计划受挫',
      content: '<p>朝鲜周四表示，其发射军事侦察卫星的第二次尝试失败。</p><p>这是平壤太空计划的又一次挫折，韩国和日本对此表示关切。</p>',
      published: T0 + 4 * HOUR,
    },
    {
      source: 'dw',
      title: '日本公布新的登月计划',
      content: '<p>日本宇宙航空研究开发机构公布了新的登月计划，希望在2030年前再次把宇航员送入太空。</p>',
      published: T0 + 5 * HOUR,
    },
    {
      source: 'rfi',
      title: 'Café Müller 在巴黎重新开业',
      content: '<p>巴黎著名的CAFÉ MÜLLER周一重新开业，老板说：“Bienvenue à tous”。</p>',
      published: T0 + 6 * HOUR,
    },
    {
      source: 'bbc',
      title: '中俄举行联合海上军演',
      content: '<p>中俄两国海军周一在日本海举行联合演习，这是两国今年第二次联合军演。</p>',
      published: T0 + 7 * HOUR,
    },
    {
      source: 'voa',
      title: '金正恩的火车抵达边境',
      content: '<p>报道说，列车周日抵达图们江边境。普京，金正恩，以及双方官员此前举行了会谈。</p>',
      published: T0 + 8 * HOUR,
    },
  ];
}

function item(a: Article, i: number, over: Partial<FeedItem> = {}): FeedItem {
  return {
    id: `guid-${a.source}-${i}`,
    title: a.title,
    link: `https://${a.source}.example/news/${i}`,
    published: a.published,
    updated: null,
    author: null,
    summary: null,
    content: a.content,
    categories: [],
    enclosures: [],
    ...over,
  };
}

/** An archive holding `articles` (numbered from `base` for their GUIDs), and the events of committing them;
 *  its stores are closed and finished, as a run leaves them. */
async function archiveOf(articles: Article[], root?: string, base = 0): Promise<{ root: string; events: ChangeEvent[] }> {
  root ??= await tempDir();
  const archive = new FileArchive(root);
  const events: ChangeEvent[] = [];
  const stores = new Map<string, Awaited<ReturnType<FileArchive['source']>>>();
  for (const [i, a] of articles.entries()) {
    let store = stores.get(a.source);
    if (!store) stores.set(a.source, (store = await archive.source(a.source)));
    events.push((await store.upsert(item(a, base + i), a.published + HOUR)).event);
  }
  for (const store of stores.values()) {
    await store.close();
    await store.finish();
  }
  return { root, events };
}

async function indexed(articles = corpus()): Promise<{ root: string; idx: SearchIndex }> {
  const { root } = await archiveOf(articles);
  await reindex(root);
  return { root, idx: openIndex(root)! };
}

const titles = (idx: SearchIndex, q: string, opts = {}) => search(idx, q, opts).hits.map((h) => h.title);

/** The articles whose title or plain text holds every term (folded, spaces of a phrase removed): the
 *  expected result of a Chinese query, computed without the index. */
function naive(articles: Article[], query: string): string[] {
  const terms = parseQuery(query).terms.map((t) => fold(t.raw).replace(/\s+/g, ''));
  return articles
    .filter((a) => {
      const title = fold(a.title);
      const text = fold(htmlToText(a.content));
      return terms.every((t) => title.includes(t) || text.includes(t));
    })
    .map((a) => a.title)
    .sort();
}

test('one- and two-character Chinese queries find what a plain substring search finds', async () => {
  const articles = corpus();
  const { idx } = await indexed(articles);
  for (const q of ['俄', '普京', '朝鲜', '克宫', '卫星', '海', '金正恩', '克里姆林宫', '太空']) {
    const expected = naive(articles, q);
    assert.ok(expected.length > 0, `${q}: the corpus has it`);
    assert.deepEqual(titles(idx, q).sort(), expected, q);
  }
  assert.ok(titles(idx, '俄').includes('中俄举行联合海上军演'), '俄 alone, at the end of a word (中俄)');
  assert.deepEqual(titles(idx, '冥王星'), []);
  idx.close();
});

test('several words are AND; quotes make a phrase', async () => {
  const articles = corpus();
  const { idx } = await indexed(articles);
  const both = titles(idx, '普京 步枪');
  assert.deepEqual(both.sort(), naive(articles, '普京 步枪'));
  assert.ok(both.length >= 1 && both.length < titles(idx, '普京').length);
  // 太空 and 计划 both appear in the moon-landing article, but not as the phrase 太空计划
  assert.ok(titles(idx, '太空 计划').includes('日本公布新的登月计划'));
  const phrase = titles(idx, '"太空计划"');
  assert.ok(!phrase.includes('日本公布新的登月计划'));
  assert.ok(phrase.includes('朝鲜发射侦察卫星再次失败 太空计划受挫'));
  assert.deepEqual(phrase.sort(), naive(articles, '"太空计划"'));
  assert.deepEqual(titles(idx, '“太空计划”').sort(), phrase.sort(), 'Chinese quotation marks');
  assert.deepEqual(titles(idx, '"太空 计划"').sort(), phrase.sort(), 'spaces between Chinese characters inside quotes do not count');
  // a term never matches across punctuation: 普京，金正恩 is not the word 普京金正恩
  assert.deepEqual(titles(idx, '京金'), []);
  assert.deepEqual(titles(idx, '普京，金正恩'), ['金正恩的火车抵达边境']);
  idx.close();
});

test('simplified and traditional are one query, both ways', async () => {
  const articles = corpus();
  const { idx } = await indexed(articles);
  assert.deepEqual(titles(idx, '习近平').sort(), titles(idx, '習近平').sort());
  assert.ok(titles(idx, '习近平').includes('習近平會見拜登 討論台灣問題'), 'simplified finds traditional');
  assert.ok(titles(idx, '習近平').includes('G20峰会在新德里开幕'), 'traditional finds simplified');
  assert.deepEqual(titles(idx, '克宫').sort(), titles(idx, '克宮').sort());
  assert.ok(titles(idx, '克宫').includes('習近平會見拜登 討論台灣問題'), '克宫 finds 克宮');
  assert.deepEqual(titles(idx, '台湾 问题'), ['習近平會見拜登 討論台灣問題']);
  // the snippet shows the article's own characters
  const hit = search(idx, '习近平 拜登').hits[0]!;
  assert.match(markSnippet(hit.snippet, (t) => `[${t}]`), /\[習近平\]週三在舊金山會見美國總統\[拜登\]/);
  idx.close();
});

test('mixed Chinese and Latin; Latin is case- and accent-insensitive', async () => {
  const { idx } = await indexed();
  assert.deepEqual(titles(idx, 'G20峰会'), ['G20峰会在新德里开幕']);
  assert.deepEqual(titles(idx, 'g20 峰會'), ['G20峰会在新德里开幕']);
  assert.deepEqual(titles(idx, 'iPhone 禁令'), ['中国扩大iPhone禁令 政府机关禁用苹果手机']);
  assert.deepEqual(titles(idx, 'IPHONE'), ['中国扩大iPhone禁令 政府机关禁用苹果手机']);
  assert.deepEqual(titles(idx, 'cafe muller'), ['Café Müller 在巴黎重新开业']);
  assert.deepEqual(titles(idx, 'CAFÉ'), ['Café Müller 在巴黎重新开业']);
  assert.deepEqual(titles(idx, '"bienvenue a tous"'), ['Café Müller 在巴黎重新开业']);
  assert.deepEqual(titles(idx, 'G20 iPhone'), []);
  idx.close();
});

test('ranking: title matches first, newer first among equals; filters by source and date; limit; snippets', async () => {
  const { idx } = await indexed();
  // 联合军演 is in the title of one article only
  assert.equal(titles(idx, '军演')[0], '中俄举行联合海上军演');
  const r = search(idx, '朝鲜', { limit: 2 });
  assert.equal(r.hits.length, 2);
  assert.ok(r.total > 2);
  assert.deepEqual(titles(idx, '习近平', { sources: ['rfa'] }), ['習近平會見拜登 討論台灣問題']);
  assert.deepEqual(titles(idx, '习近平', { sources: ['bbc', 'rfa'] }).sort(), ['G20峰会在新德里开幕', '習近平會見拜登 討論台灣問題'].sort());
  assert.deepEqual(titles(idx, '朝鲜', { since: T0 + 3 * HOUR, until: T0 + 5 * HOUR }), ['朝鲜发射侦察卫星再次失败 太空计划受挫']);
  assert.deepEqual(titles(idx, '朝鲜', { since: T0 + 3 * HOUR, until: T0 + 4 * HOUR }), []);
  assert.equal(search(idx, '朝鲜', { since: T0 + 3 * HOUR, until: T0 + 4 * HOUR }).total, 0);
  assert.equal(search(idx, '朝鲜', { sources: ['dw'] }).total, 1);
  const hit = search(idx, '侦察卫星').hits[0]!;
  assert.match(markSnippet(hit.snippet, (t) => `[${t}]`), /^朝鲜周四表示，其发射军事\[侦察卫星\]的第二次尝试失败。/);
  assert.equal(hit.source, 'dw');
  assert.match(hit.path, /^articles\/dw\/2023\/09-14\//);
  idx.close();
});

test('equal scores: the newer article first', async () => {
  const same = (i: number): Article => ({ source: 'rfi', title: `快讯${'一二三'[i]}`, content: '<p>东京股市今天收盘上涨。</p>', published: T0 + i * HOUR });
  const { idx } = await indexed([same(0), same(2), same(1)]);
  const r = search(idx, '股市');
  assert.deepEqual(r.hits.map((h) => h.title), ['快讯三', '快讯二', '快讯一']);
  assert.equal(new Set(r.hits.map((h) => h.score)).size, 1);
  idx.close();
});

test('a query that cannot be parsed: a one-line QueryError, never an SQL error; input never reaches FTS5 unquoted', async () => {
  const { idx } = await indexed();
  for (const [q, message] of [
    ['"普京', /unclosed quote/],
    ['', /empty/],
    ['   ', /empty/],
    ['，。！？', /nothing to search for/],
    ['"，，"', /no letters, digits or Chinese characters/],
    ['普京」', /closing quote/],
    ['普'.repeat(1001), /too long/],
    [Array.from({ length: 40 }, (_, i) => `词${i}`).join(' '), /at most 32/],
  ] as const) {
    assert.throws(() => search(idx, q), (err: unknown) => err instanceof QueryError && message.test(err.message) && !err.message.includes('\n'), q);
  }
  // FTS5 and SQL syntax in a query is text to search for, never syntax
  for (const q of ['普京 OR 金正恩', 'NEAR(普京 金正恩)', '普京*', '{title_uni} : 普京', "普京'; DROP TABLE articles; --", '^普京', 'body_bi:普京', '- 普京', '普京 AND', '(普京']) {
    assert.doesNotThrow(() => search(idx, q), q);
  }
  assert.deepEqual(titles(idx, "普京'; DROP TABLE articles; --"), [], 'drop and table are words that must match');
  assert.ok(titles(idx, '普京').length > 0, 'the table is still there');
  assert.deepEqual(titles(idx, '(普京').sort(), titles(idx, '普京').sort());
  for (const q of ['普京 OR 金正恩', 'NEAR(普京 金正恩)', '普京*']) {
    for (const m of parseQuery(q).match.split(' AND ')) assert.match(m, /^\("[^"]+"( \*)?( \+ "[^"]+"( \*)?)*\)$/, q);
  }
  idx.close();
});

/** Everything an index holds, rows and answers, to compare two indexes. */
function dump(idx: SearchIndex): unknown {
  const rows = idx.db.prepare('SELECT * FROM articles ORDER BY rowid').all();
  const answers = ['俄', '普京', '习近平', '太空计划', '"太空计划"', 'G20峰会', '修订', '卫星 朝鲜', 'cafe'].map((q) => search(idx, q, { limit: 50 }));
  const fts = idx.db.prepare('SELECT count(*) AS n FROM fts WHERE fts MATCH \'"的" *\'').get();
  return { rows, answers, fts };
}

test('incremental updates from change events give exactly what reindex gives', async () => {
  const articles = corpus();
  const root = await tempDir();
  // an index of the empty archive, then updates from the events of three sessions
  await reindex(root);
  const first = await archiveOf(articles.slice(0, 5), root);
  assert.equal((await updateIndex(root, first.events)).status, 'updated');
  const second = await archiveOf(articles.slice(5), root, 5);
  const archive = new FileArchive(root);
  const dw = await archive.source('dw');
  const editedItem = item(articles[5]!, 5, { content: '<p>朝鲜周四表示，其发射军事侦察卫星的第二次尝试失败。</p><p>修订：韩国军方证实了这一消息。</p>' });
  const edit = await dw.upsert(editedItem, T0 + 20 * HOUR);
  assert.equal(edit.status, 'changed');
  await dw.close();
  await dw.finish();
  const rfa = await archive.source('rfa');
  const gone = await rfa.markGone(rfa.all()[0]!.id, { now: T0 + 30 * HOUR, reason: 'HTTP 404', status: 404 });
  await rfa.close();
  await rfa.finish();
  const result = await updateIndex(root, [...second.events, edit.event, gone]);
  assert.equal(result.status, 'updated');
  assert.deepEqual([result.upserted, result.gone], [articles.length - 5 + 1, 1]);

  let idx = openIndex(root)!;
  const incremental = dump(idx);
  assert.deepEqual(titles(idx, '修订'), ['朝鲜发射侦察卫星再次失败 太空计划受挫'], 'the revised text is searched');
  assert.deepEqual(titles(idx, '挫折'), [], 'the earlier text is not');
  const hit = search(idx, '习近平', { sources: ['rfa'] }).hits[0]!;
  assert.equal(hit.gone, T0 + 30 * HOUR);
  assert.equal(search(idx, '修订').hits[0]!.revisions, 1);
  idx.close();

  const report = await reindex(root);
  assert.equal(report.articles, articles.length);
  idx = openIndex(root)!;
  assert.deepEqual(dump(idx), incremental);
  idx.close();
});

test('an index of another schema version, an unfinished build or a damaged file is never read: it is rebuilt', async () => {
  const { root } = await archiveOf(corpus());
  assert.equal(openIndex(root), null, 'no index yet');
  const { main } = await import('../cli/main.ts');
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'newsvault', ...args, '--archive', root], { out: (s) => void out.push(s), err: (s) => void err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const expected = await cli('search', '朝鲜', '--json');
  assert.equal(expected.code, 0, expected.err);
  assert.match(expected.err, /building the search index/);

  const db = new Database(indexFile(root));
  db.pragma('user_version = 0');
  db.close();
  assert.equal(openIndex(root), null, 'an older schema');
  const again = await cli('search', '朝鲜', '--json');
  assert.equal(again.out, expected.out);
  assert.match(again.err, /building the search index/);

  const db2 = new Database(indexFile(root));
  db2.prepare("UPDATE meta SET value = '0' WHERE key = 'complete'").run();
  db2.close();
  assert.equal(openIndex(root), null, 'an unfinished build');
  assert.equal((await cli('search', '朝鲜', '--json')).out, expected.out);

  await fs.writeFile(indexFile(root), 'not a database at all');
  assert.equal(openIndex(root), null, 'a damaged file');
  assert.equal((await cli('search', '朝鲜', '--json')).out, expected.out);

  await fs.rm(indexFile(root));
  assert.equal((await updateIndex(root, [])).status, 'absent', 'a run does not build a missing index; the first search does');
  assert.equal((await cli('search', '朝鲜', '--json')).out, expected.out);
  assert.deepEqual((await fs.readdir(path.dirname(indexFile(root)))).filter((n) => n.startsWith('index')), ['index.sqlite']);
});

test('a gone event for an article the index does not hold yet adds it, marked; events without changes do nothing', async () => {
  const root = await tempDir();
  await reindex(root);
  const archive = new FileArchive(root);
  const store = await archive.source('voa');
  const a = corpus()[4]!;
  const { record } = await store.upsert(item(a, 4), a.published + HOUR);
  const gone = await store.markGone(record.id, { now: T0 + 50 * HOUR, reason: 'HTTP 410', status: 410 });
  await store.close();
  await store.finish();
  assert.equal(gone.type, 'gone');
  const r = await updateIndex(root, [gone]);
  assert.deepEqual([r.status, r.upserted, r.gone], ['updated', 0, 1]);
  const idx = openIndex(root)!;
  const hit = search(idx, 'iPhone').hits[0]!;
  assert.equal(hit.gone, T0 + 50 * HOUR);
  idx.close();
  assert.deepEqual(await updateIndex(root, [{ type: 'unchanged', source: 'voa', at: T0, id: record.id, path: record.path }]), { status: 'updated', upserted: 0, gone: 0, warnings: [] });
});
