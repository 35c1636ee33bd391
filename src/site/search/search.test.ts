import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as OpenCC from 'opencc-js';
import { parseArticle } from '../../archive/index.ts';
import type { FeedItem } from '../../domain.ts';
import { fold, htmlToText, openIndex, parseQuery, reindex, search } from '../../index/index.ts';
import { FileArchive } from '../../storage/index.ts';
import { tempDir } from '../../testing/tree.ts';
import { clientApi, engineOn } from './client.ts';
import { foldMap } from './foldmap.ts';
import { buildSearchIndex, isSearchIndexReady, measureQuery, updateSearchIndex, type SearchDoc } from './index.ts';

const T0 = Date.UTC(2023, 8, 14, 11, 27);
const HOUR = 3600_000;
const DEV_CORPUS = new URL('../../../../shared/dev-corpus/', import.meta.url);

interface Article {
  source: string;
  title: string;
  content: string;
  published: number;
}

/** The two golden RFI articles (real), and articles written in the sources' styles (as src/index's tests). */
function corpus(): Article[] {
  const dir = new URL('../../../test/fixtures/golden/', import.meta.url);
  const golden = readdirSync(dir)
    .sort()
    .map((name, i) => {
      const f = parseArticle(readFileSync(new URL(name, dir), 'utf8'))!;
      return { source: 'rfi', title: f.title, content: f.contentHtml, published: f.published + i };
    });
  return [
    ...golden,
    { source: 'rfa', title: '習近平會見拜登 討論台灣問題', content: '<p>中國國家主席習近平週三在舊金山會見美國總統拜登，雙方討論了台灣問題和人工智能的風險。</p><p>俄羅斯外長拉夫羅夫表示，莫斯科密切關注這次會晤。</p>', published: T0 + 1 * HOUR },
    { source: 'bbc', title: 'G20峰会在新德里开幕', content: '<p>二十国集团（G20）峰会周六在新德里开幕，印度总理莫迪呼吁各国加强合作。</p><p>中国总理李强代替习近平出席了本届G20峰会。</p>', published: T0 + 2 * HOUR },
    { source: 'voa', title: '中国扩大iPhone禁令 政府机关禁用苹果手机', content: '<p>据报道，中国已要求中央政府机关的官员不得在工作中使用iPhone和其他外国品牌的手机。</p>', published: T0 + 3 * HOUR },
    { source: 'dw', title: '朝鲜发射侦察卫星再次失败 太空计划受挫', content: '<p>朝鲜周四表示，其发射军事侦察卫星的第二次尝试失败。</p><p>这是平壤太空计划的又一次挫折。</p>', published: T0 + 4 * HOUR },
    { source: 'dw', title: '日本公布新的登月计划', content: '<p>日本宇宙航空研究开发机构公布了新的登月计划，希望在2030年前再次把宇航员送入太空。</p>', published: T0 + 5 * HOUR },
    { source: 'rfi', title: 'Café Müller 在巴黎重新开业', content: '<p>巴黎著名的CAFÉ MÜLLER周一重新开业，老板说：“Bienvenue à tous”。</p>', published: T0 + 6 * HOUR },
    { source: 'bbc', title: '中俄举行联合海上军演', content: '<p>中俄两国海军周一在日本海举行联合演习，这是两国今年第二次联合军演。</p>', published: T0 + 7 * HOUR },
    { source: 'voa', title: '金正恩的火车抵达边境', content: '<p>报道说，列车周日抵达图们江边境。普京，金正恩，以及双方官员此前举行了会谈。</p>', published: T0 + 8 * HOUR },
    { source: 'rfa', title: '克里姆林宮回應', content: '<p>克宮發言人佩斯科夫說，俄方不評論。</p>', published: T0 + 9 * HOUR },
  ];
}

function item(a: Article, i: number): FeedItem {
  return { id: `guid-${a.source}-${i}`, title: a.title, link: `https://${a.source}.example/news/${i}`, published: a.published, updated: null, author: null, summary: null, content: a.content, categories: [], enclosures: [] };
}

/** A real archive of `articles` (through the storage stage, as a run writes it). */
async function archiveOf(articles: Article[]): Promise<string> {
  const root = await tempDir();
  const archive = new FileArchive(root);
  const stores = new Map<string, Awaited<ReturnType<FileArchive['source']>>>();
  for (const [i, a] of articles.entries()) {
    let store = stores.get(a.source);
    if (!store) stores.set(a.source, (store = await archive.source(a.source)));
    await store.upsert(item(a, i), a.published + HOUR);
  }
  for (const store of stores.values()) {
    await store.close();
    await store.finish();
  }
  return root;
}

/** The archive's articles as the site gives them to the index (its manifests, its files, htmlToText). */
function docsOf(root: string): SearchDoc[] {
  const docs: SearchDoc[] = [];
  const articles = path.join(root, 'articles');
  for (const slug of readdirSync(articles).sort()) {
    const manifest = path.join(articles, slug, 'index.jsonl');
    if (!existsSync(manifest)) continue;
    for (const line of readFileSync(manifest, 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { id: string; path: string; title: string; published: number };
      const f = parseArticle(readFileSync(path.join(root, r.path), 'utf8'))!;
      docs.push({ key: `${slug}/${r.id}`, url: `a/${slug}/${r.id}.html`, title: r.title, source: slug, sourceName: slug.toUpperCase(), published: r.published, text: htmlToText(f.contentHtml) });
    }
  }
  return docs;
}

async function keysOf(site: string, query: string): Promise<string[]> {
  const { engine } = engineOn(site);
  const r = await engine.search(query);
  const hits = await r.page(0, 10_000);
  assert.equal(hits.length, r.total);
  return [...hits].map((h) => h.url.replace(/^a\//, '').replace(/\.html$/, '')).sort();
}

/** The documents whose folded title or text holds every term (folded, a phrase's spaces removed): the
 *  expected result, computed without any index. */
function naive(docs: readonly SearchDoc[], query: string): string[] {
  const terms = parseQuery(query).terms.map((t) => fold(t.raw).replace(/\s+/g, ''));
  return docs
    .filter((d) => terms.every((t) => fold(d.title).includes(t) || fold(d.text).includes(t)))
    .map((d) => d.key)
    .sort();
}

const QUERIES = ['普京', '俄', '俄罗斯', '俄羅斯', '习近平', '習近平', '克宫', '克宮', '平壤', '朝鲜 卫星', '"太空计划"', '太空', '步枪 普京', '金正恩', '台湾', '中俄', '登月', '"普京 与 金正恩"'];

test('the browser folds and cuts a query as newsvault search does: the same characters, the same tokens', () => {
  const api = clientApi();
  const map = new Map<string, string>();
  for (const block of foldMap().blocks.values()) for (const [k, v] of Object.entries(block)) map.set(k, v);
  // every character of real articles, traditional and simplified, folds the same way
  const texts = corpus().map((a) => a.title + htmlToText(a.content));
  const toTraditional = OpenCC.Converter({ from: 'cn', to: 'hk' });
  texts.push(...texts.map((t) => toTraditional(t)), 'ＧＡＭＥ Ⅻ ㈱ ß ﬁ Ǆ İstanbul Ωmega ｶﾀｶﾅ 丽 𠀀𠮷 ⼀', '乾隆 才 纔 後 后 裏 裡 著 着');
  for (const t of texts) assert.equal(api.foldText(t, map), fold(t), t.slice(0, 40));
  // and a query gives the tokens of the server's parse: words, a single character, the chain of bigrams
  for (const q of [...QUERIES, 'G20峰会 iPhone', 'CAFÉ müller', '「太空 计划」', '日本 ＧＡＭＥ', '俄 , 普京']) {
    const expected = parseQuery(q).terms.map((t) =>
      t.parts.flatMap((p) => (p.kind === 'word' ? [p.text] : p.chars.length <= 3 ? [p.chars.join('')] : p.chars.slice(2).map((c, i) => p.chars[i]! + p.chars[i + 1]! + c))),
    );
    assert.deepEqual(
      [...api.parseQuery(q, map)].map((t) => [...t.tokens]),
      expected,
      q,
    );
  }
  assert.throws(() => api.parseQuery('"普京', map), (e: Error) => e instanceof api.QueryError && /引号/.test(e.message));
  assert.throws(() => api.parseQuery('，。', map), (e: Error) => e instanceof api.QueryError);
});

test('search finds what newsvault search finds, from the browser script, on real Chinese articles', async () => {
  const articles = corpus();
  const root = await archiveOf(articles);
  const docs = docsOf(root);
  assert.equal(docs.length, articles.length);
  const site = await tempDir();
  const report = await buildSearchIndex(site, docs);
  assert.equal(report.docs, docs.length);
  await reindex(root);
  const idx = openIndex(root)!;
  try {
    for (const q of QUERIES) {
      const server = search(idx, q, { limit: 1000 }).hits.map((h) => `${h.source}/${h.id}`).sort();
      const got = await keysOf(site, q);
      assert.deepEqual(got, server, `${q}: as newsvault search`);
      assert.deepEqual(got, naive(docs, q), `${q}: as a scan of the texts`);
    }
  } finally {
    idx.close();
  }
  const key = (title: string) => docs.find((d) => d.title === title)!.key;
  const putin = docs.filter((d) => d.title.includes('普京') || d.text.includes('普京')).map((d) => d.key);
  assert.ok(putin.length >= 3);
  // two characters, one character, traditional for simplified and the reverse
  assert.deepEqual(await keysOf(site, '普京'), putin.sort());
  assert.ok((await keysOf(site, '俄')).includes(key('中俄举行联合海上军演')));
  assert.ok((await keysOf(site, '俄羅斯')).includes(key('普京与金正恩互赠步枪 克宫确认普京同意访平壤')));
  assert.ok((await keysOf(site, '俄罗斯')).includes(key('習近平會見拜登 討論台灣問題')));
  // a phrase only where its words are adjacent: 普京，金正恩 (punctuation between) is not "普京 金正恩"
  const apart = key('金正恩的火车抵达边境');
  assert.ok((await keysOf(site, '普京 金正恩')).includes(apart));
  assert.ok(!(await keysOf(site, '"普京 金正恩"')).includes(apart));
  assert.ok(!(await keysOf(site, '"太空计划"')).includes(key('日本公布新的登月计划')));
  assert.ok((await keysOf(site, '太空 计划')).includes(key('日本公布新的登月计划')));
  // the result records: the page, the title, the source, the date, the start of the text
  const m = await measureQuery(site, '登月');
  assert.equal(m.hits.length, 1);
  const moon = docs.find((d) => d.title === '日本公布新的登月计划')!;
  assert.deepEqual([m.hits[0]!.url, m.hits[0]!.title, m.hits[0]!.sourceName, m.hits[0]!.published], [moon.url, moon.title, 'DW', moon.published]);
  assert.ok(moon.text.startsWith(m.hits[0]!.excerpt.replace(/…$/, '')));
  assert.ok(m.files.every((f) => f.startsWith('search/')) && m.files[0] === 'search/manifest.js');
  // a term in the title ranks above the same term in the text only
  const ranked = await measureQuery(site, '卫星');
  assert.equal(ranked.hits[0]!.title, '朝鲜发射侦察卫星再次失败 太空计划受挫');
});

test('an incremental update adds, replaces and removes documents, and answers as a full build of the same documents', async () => {
  const docs = docsOf(await archiveOf(corpus()));
  const site = await tempDir();
  const golden = docs.filter((d) => d.source === 'rfi' && d.text.length > 500);
  assert.equal(golden.length, 2);
  const [first, second] = golden;
  const rest = docs.filter((d) => !golden.includes(d));
  await buildSearchIndex(site, rest);
  assert.deepEqual(await keysOf(site, '普京'), naive(rest, '普京'));
  // added: the two golden articles; removed: the G20 one; revised: the Japanese one gets a new title
  const g20 = rest.find((d) => d.title.startsWith('G20'))!;
  const moon = rest.find((d) => d.title.includes('登月'))!;
  const revised = { ...moon, title: '日本宣布探月新计划' };
  const report = await updateSearchIndex(site, { upsert: [first!, second!, revised], remove: [g20.key] });
  assert.deepEqual([report.added, report.deleted], [3, 2]);
  const now = [first!, second!, ...rest.filter((d) => d !== g20 && d !== moon), revised];
  const full = await tempDir();
  await buildSearchIndex(full, now);
  for (const q of [...QUERIES, 'G20', '登月', '探月', 'iPhone', '日本']) {
    const got = await keysOf(site, q);
    assert.deepEqual(got, await keysOf(full, q), q);
    assert.deepEqual(got, naive(now, q), q);
  }
  assert.deepEqual(await keysOf(site, 'G20'), []);
  assert.deepEqual((await measureQuery(site, '探月')).hits.map((h) => h.title), ['日本宣布探月新计划']);
  // more updates: small segments are merged (log-structured), answers unchanged
  let segments = report.segments;
  for (let i = 0; i < 6; i++) {
    const d = now[i % now.length]!;
    const r = await updateSearchIndex(site, { upsert: [{ ...d, title: `${d.title}（${i}）` }], remove: [] });
    segments = r.segments;
    if (r.merged) assert.ok(r.segmentsWritten >= 2);
  }
  assert.ok(segments <= 4, `segments: ${segments}`);
  for (const q of ['普京', '俄', '"太空计划"', '探月']) assert.deepEqual(await keysOf(site, q), naive(now, q), q);
  // only the live segments and the folding folder are left
  const manifest = readFileSync(path.join(site, 'search', 'manifest.js'), 'utf8');
  for (const name of await readdir(path.join(site, 'search'))) {
    assert.ok(name === 'manifest.js' || manifest.includes(`"${name}"`), `stale: ${name}`);
  }
});

test('a full build streamed in several segments and merged answers as one built at once', async () => {
  const docs = docsOf(await archiveOf(corpus()));
  const many: SearchDoc[] = [];
  for (let r = 0; r < 5; r++) for (const d of docs) many.push({ ...d, key: `${d.key}-${r}`, url: d.url.replace('.html', `-${r}.html`), title: r ? `${d.title} ${r}` : d.title });
  const once = await tempDir();
  const streamed = await tempDir();
  await buildSearchIndex(once, many);
  const report = await buildSearchIndex(streamed, many, { segmentDocs: 7 });
  assert.ok(report.runs! > 5 && report.segments === 1, JSON.stringify(report));
  // segments cut by their distinct tokens (what bounds the building thread's memory on real text), not documents
  const byTokens = await tempDir();
  const cut = await buildSearchIndex(byTokens, many, { segmentTokens: 300 });
  assert.ok(cut.runs! > 5 && cut.segments === 1, JSON.stringify(cut));
  for (const q of QUERIES) {
    assert.deepEqual(await keysOf(streamed, q), await keysOf(once, q), q);
    assert.deepEqual(await keysOf(streamed, q), naive(many, q), q);
    assert.deepEqual(await keysOf(byTokens, q), await keysOf(once, q), q);
  }
  // the same ranking
  const a = await measureQuery(once, '普京 俄罗斯');
  const b = await measureQuery(streamed, '普京 俄罗斯');
  assert.deepEqual(b.hits.map((h) => [h.url, h.score]), a.hits.map((h) => [h.url, h.score]));
});

test('the final merge writes the same files with its upper half on a thread of its own, and sizes its shards as a build from memory does', async () => {
  // 6,000 short documents of words drawn (deterministically) from a few: frequent tokens get files of their own
  const words = ['普京', '俄罗斯', '习近平', '朝鲜', '卫星', '太空计划', '台湾', '选举', '经济', '制裁', '乌克兰', '峰会', '人权', '香港', '新疆', '疫情'];
  // and text of characters drawn from 24: their triples, in a dozen documents each, are light in every run
  const chars = [...'的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长'].slice(0, 24);
  let seed = 7;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const many: SearchDoc[] = Array.from({ length: 6000 }, (_, i) => ({
    key: `x/${i}`,
    url: `a/x/${i}.html`,
    title: `${words[rand(words.length)]}${words[rand(words.length)]} ${i}`,
    source: 'x',
    sourceName: 'X',
    published: T0 + i * HOUR,
    text: `${Array.from({ length: 6 }, () => words[rand(words.length)]).join('，')}。${Array.from({ length: 24 }, () => chars[rand(chars.length)]).join('')}`,
  }));
  const once = await tempDir();
  const inline = await tempDir();
  const threaded = await tempDir();
  await buildSearchIndex(once, many);
  const a = await buildSearchIndex(inline, many, { segmentDocs: 500, mergeThread: false });
  const b = await buildSearchIndex(threaded, many, { segmentDocs: 500, mergeThread: true });
  assert.ok(a.runs! > 10 && b.runs === a.runs, JSON.stringify(b));
  // every file the same, the segment's name aside (a random part: a new name for every build, for caches)
  const segOf = (dir: string) => /"id":"([^"]+)"/.exec(readFileSync(path.join(dir, 'search', 'manifest.js'), 'utf8'))![1]!;
  const files = (dir: string) => readdirSync(path.join(dir, 'search'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
  const contents = (dir: string) => new Map(files(dir).map((f) => [f.replaceAll(segOf(dir), 'SEG'), readFileSync(path.join(dir, f), 'utf8').replaceAll(segOf(dir), 'SEG')]));
  const [x, y] = [contents(inline), contents(threaded)];
  assert.deepEqual([...y.keys()].sort(), [...x.keys()].sort());
  for (const [f, text] of x) assert.equal(y.get(f), text, f);
  assert.ok([...x.keys()].some((f) => /\/h\d*[02468]\.js$/.test(f)) && [...x.keys()].some((f) => /\/h\d*[13579]\.js$/.test(f)), 'heavy files of both halves');
  // the light shards: as many as a segment built at once from the same documents has, give or take a factor of
  // two (the runs' own estimates, summed, count a token once per run: 8 times as many at 100,000 documents)
  const bitsOf = (dir: string) => Number(/"bits":(\d+)/.exec(readFileSync(path.join(dir, 'search', 'manifest.js'), 'utf8'))![1]);
  assert.ok(bitsOf(inline) >= 2, `bits ${bitsOf(inline)}`);
  assert.ok(Math.abs(bitsOf(inline) - bitsOf(once)) <= 1, `merged ${bitsOf(inline)}, from memory ${bitsOf(once)}`);
  for (const q of ['普京', '俄罗斯 制裁', '"太空计划"', '香港 新疆 疫情']) {
    assert.deepEqual(await keysOf(threaded, q), await keysOf(once, q), q);
    assert.deepEqual(await keysOf(threaded, q), naive(many, q), q);
  }
  assert.deepEqual(await keysOf(threaded, '1234'), ['x/1234']);
});

test('a full build given a document again (the same key) keeps only the later one, across the spilled runs', async () => {
  const docs = docsOf(await archiveOf(corpus()));
  const many: SearchDoc[] = [];
  for (let r = 0; r < 4; r++) for (const d of docs) many.push({ ...d, key: `${d.key}-${r}`, url: d.url.replace('.html', `-${r}.html`) });
  // three documents given again later: one of the first run, one of a middle one, one of the last
  const again = [0, Math.floor(many.length / 2), many.length - 1].map((i) => ({ ...many[i]!, title: '更正', text: '此文已更正：平壤的太空计划。' }));
  const streamed = await tempDir();
  const report = await buildSearchIndex(streamed, [...many, ...again], { segmentDocs: 5 });
  assert.ok(report.runs! > 3 && report.deleted === 3 && report.docs === many.length, JSON.stringify(report));
  const final = many.map((d) => again.find((a) => a.key === d.key) ?? d);
  for (const q of [...QUERIES, '更正']) assert.deepEqual(await keysOf(streamed, q), naive(final, q), q);
  assert.equal((await keysOf(streamed, '更正')).length, 3);
});

test('a segment mostly deleted is rewritten without its deleted documents', async () => {
  const docs: SearchDoc[] = Array.from({ length: 90 }, (_, i) => ({
    key: `g/${i}`,
    url: `a/g/${i}.html`,
    title: `第${i}号公报`,
    source: 'g',
    sourceName: 'G',
    published: T0 + i * HOUR,
    text: i % 3 ? '俄罗斯总统普京周三抵达平壤。' : '乌克兰总统泽连斯基访问华盛顿。',
  }));
  const site = await tempDir();
  await buildSearchIndex(site, docs);
  const report = await updateSearchIndex(site, { upsert: [], remove: docs.slice(0, 70).map((d) => d.key) });
  assert.equal(report.docs, 20);
  assert.ok(report.merged === 20 && report.segments === 1, JSON.stringify(report));
  const manifest = readFileSync(path.join(site, 'search', 'manifest.js'), 'utf8');
  assert.match(manifest, /"n":20,/);
  assert.match(manifest, /"del":\[\]/);
  for (const q of ['普京', '泽连斯基', '公报', '乌']) assert.deepEqual(await keysOf(site, q), naive(docs.slice(70), q), q);
});

test('hostile titles and texts are data: they come back exactly, and the index files stay plain calls', async () => {
  const site = await tempDir();
  const evil = '</script><script>alert(1)</script>\u2028"\\\'${x}`<img src=x onerror=alert(2)> 普京';
  await buildSearchIndex(site, [{ key: 'x/1', url: 'a/x/1.html', title: evil, source: 'x', sourceName: '<b>x</b>', published: T0, text: `${evil} 正文` }]);
  const m = await measureQuery(site, '普京');
  assert.equal(m.hits[0]!.title, evil);
  assert.equal(m.hits[0]!.sourceName, '<b>x</b>');
  for (const f of m.files) {
    const text = readFileSync(path.join(site, f), 'utf8');
    assert.match(text, /^__nvSearch\("[^"]+",.*\);\n$/s);
    assert.ok(!text.includes('\u2028'));
  }
  // words that are names of Object.prototype's properties are words like any other
  const site2 = await tempDir();
  await buildSearchIndex(site2, [{ key: 'x/2', url: 'a/x/2.html', title: '__proto__ constructor', source: 'x', sourceName: 'x', published: T0, text: 'hasOwnProperty toString valueOf' }]);
  for (const q of ['__proto__', 'constructor', 'hasOwnProperty', 'tostring', 'valueOf']) assert.equal((await measureQuery(site2, q)).total, 1, q);
  assert.equal((await measureQuery(site2, 'prototype')).total, 0);
});

test('a build interrupted before its manifest leaves the previous index answering, and the next build cleans up', async () => {
  const docs = docsOf(await archiveOf(corpus()));
  const site = await tempDir();
  await buildSearchIndex(site, docs.slice(0, 4));
  const before = await keysOf(site, '普京');
  // what a killed build leaves: a half-written segment folder
  await mkdir(path.join(site, 'search', '.tmp-s9-dead'), { recursive: true });
  await writeFile(path.join(site, 'search', '.tmp-s9-dead', '0.js'), '__nvSearch("s9-dead/0",{"普京":"AQAA"});\n');
  assert.deepEqual(await keysOf(site, '普京'), before);
  await updateSearchIndex(site, { upsert: docs.slice(4), remove: [] });
  assert.ok(!existsSync(path.join(site, 'search', '.tmp-s9-dead')));
  assert.deepEqual(await keysOf(site, '普京'), naive(docs, '普京'));
});

test('real archive files of the development corpus: every title word found, in simplified and traditional', async (t) => {
  const dir = new URL('duty-machine-sample/articles/', DEV_CORPUS);
  if (!existsSync(dir)) {
    t.skip('../shared/dev-corpus is absent');
    return;
  }
  const docs: SearchDoc[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) {
        const f = parseArticle(readFileSync(p, 'utf8'));
        if (f) docs.push({ key: `dm/${docs.length}`, url: `a/dm/${docs.length}.html`, title: f.title, source: 'dm', sourceName: 'duty-machine', published: f.published, text: htmlToText(f.contentHtml) });
      }
    }
  };
  walk(dir.pathname);
  assert.ok(docs.length >= 40, `${docs.length} articles`);
  const site = await tempDir();
  await buildSearchIndex(site, docs);
  const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
  let checked = 0;
  for (const d of docs) {
    // the title's first run of Chinese characters, cut to one, two and four characters
    const run = /\p{Script=Han}{4,}/u.exec(d.title)?.[0];
    if (!run) continue;
    for (const q of [run.slice(0, 1), run.slice(1, 3), `"${run.slice(0, 4)}"`]) {
      const want = naive(docs, q);
      assert.ok(want.includes(d.key));
      assert.deepEqual(await keysOf(site, q), want, q);
      assert.deepEqual(await keysOf(site, toTraditional(q)), naive(docs, toTraditional(q)), toTraditional(q));
      assert.deepEqual(await keysOf(site, toSimplified(q)), naive(docs, toSimplified(q)), toSimplified(q));
    }
    checked++;
  }
  assert.ok(checked >= 30, `${checked} titles`);
});

test('an index that cannot be read is not updated: it says so, and a full build redoes it', async () => {
  const docs = docsOf(await archiveOf(corpus()));
  const site = await tempDir();
  await buildSearchIndex(site, docs.slice(0, 6));
  assert.equal(isSearchIndexReady(site), true);
  const manifest = readFileSync(path.join(site, 'search', 'manifest.js'), 'utf8');
  const seg = /"id":"([^"]+)"/.exec(manifest)![1]!;
  await rm(path.join(site, 'search', seg), { recursive: true });
  assert.equal(isSearchIndexReady(site), false);
  await assert.rejects(updateSearchIndex(site, { upsert: docs.slice(6), remove: [] }), /build the site in full/);
  await buildSearchIndex(site, docs);
  assert.equal(isSearchIndexReady(site), true);
  assert.deepEqual(await keysOf(site, '普京'), naive(docs, '普京'));
});
