import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/tree.ts';

/** Background text that makes a feed body long enough (400 characters) to be archived as it is, with no page
 *  to fetch: these tests never reach the network. */
const FILLER = `<p>${'本台记者综合各方报道整理了这则消息的背景资料，供读者参考。'.repeat(15)}</p>`;

function rss(items: { guid: string; title: string; body: string; date: string }[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>测试新闻</title><link>https://news.example/</link>
${items
  .map(
    (i) => `<item><title>${i.title}</title><link>https://news.example/${i.guid}</link><guid isPermaLink="false">${i.guid}</guid>
<pubDate>${i.date}</pubDate><content:encoded><![CDATA[${i.body}${FILLER}]]></content:encoded></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

const PUTIN = {
  guid: 'putin-kim',
  title: '普京与金正恩互赠步枪 克宫确认普京同意访平壤',
  body: '<p><strong>克里姆林宫周四表示，在朝鲜领导人金正恩访问俄罗斯期间，普京和金正恩互赠了礼物：一支步枪。</strong></p><p>普京先生送给金先生一只宇航服手套，这只手套曾多次在太空中旅行。</p>',
  date: 'Thu, 14 Sep 2023 11:27:00 GMT',
};
const SATELLITE = {
  guid: 'satellite',
  title: '朝鮮發射偵察衛星再次失敗',
  body: '<p>朝鮮週四表示，其發射軍事偵察衛星的第二次嘗試失敗，這是平壤太空計劃的又一次挫折。</p>',
  date: 'Fri, 15 Sep 2023 02:00:00 GMT',
};
const IPHONE = {
  guid: 'iphone',
  title: '中国扩大iPhone禁令',
  body: '<p>据报道，中国已要求中央政府机关的官员不得在工作中使用iPhone。</p>',
  date: 'Sat, 16 Sep 2023 08:00:00 GMT',
};

test('newsvault search and reindex end to end: a run over a local feed is found; later runs update the index; reindex gives the same answers', async () => {
  const { main } = await import('../cli/main.ts');
  const dir = await tempDir();
  const root = path.join(dir, 'archive');
  const feed = path.join(dir, 'feed.xml');
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'newsvault', ...args, '--archive', root], { out: (s) => void out.push(s), err: (s) => void err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  await fs.writeFile(feed, rss([PUTIN, SATELLITE]));
  const first = await cli('run', '--feed', feed);
  assert.equal(first.code, 0, first.err);
  const found = await cli('search', '普京', '步枪');
  assert.equal(found.code, 0, found.err);
  assert.match(found.err, /building the search index/);
  assert.match(found.out, /^1\. 普京与金正恩互赠步枪 克宫确认普京同意访平壤$/m);
  assert.match(found.out, /^ {3}feed · 2023-09-14 19:27 · articles\/feed\/2023\/09-14\/1927_/m);
  assert.match(found.out, /\[普京\]和金正恩互赠了礼物：一支\[步枪\]/);
  assert.match(found.out, /1 article\(s\) match "普京 步枪"\./);

  // a second run: a new article and an edited one, applied from the run's events
  await fs.writeFile(feed, rss([{ ...PUTIN, body: `${PUTIN.body}<p>更新：克宫发言人佩斯科夫证实了这一消息。</p>` }, SATELLITE, IPHONE]));
  const second = await cli('run', '--feed', feed);
  assert.equal(second.code, 0, second.err);
  // the log is JSON lines (stderr is not a terminal here)
  assert.doesNotMatch(second.err, /"level":"warn".*"msg":"the search index/);
  const queries = [['佩斯科夫'], ['iPhone', '禁令'], ['朝鲜'], ['卫星'], ['"太空计划"'], ['克宫'], ['俄'], ['普京', '--source', 'feed', '--since', '2023-09-14', '--until', '2023-09-14']];
  const answers = async () => Promise.all(queries.map(async (q) => (await cli('search', ...q, '--json')).out));
  const incremental = await answers();
  const parsed = incremental.map((o) => JSON.parse(o) as { total: number; hits: { title: string; revisions: number; snippet: string; highlights: [number, number][] }[] });
  assert.deepEqual(parsed[0]!.hits.map((h) => [h.title, h.revisions]), [['普京与金正恩互赠步枪 克宫确认普京同意访平壤', 1]]);
  assert.deepEqual(parsed[1]!.hits.map((h) => h.title), ['中国扩大iPhone禁令']);
  assert.deepEqual(parsed[2]!.hits.map((h) => h.title).sort(), ['普京与金正恩互赠步枪 克宫确认普京同意访平壤', '朝鮮發射偵察衛星再次失敗'].sort());
  assert.deepEqual(parsed[4]!.hits.map((h) => h.title), ['朝鮮發射偵察衛星再次失敗'], '"太空计划" finds 太空計劃');
  const hit = parsed[3]!.hits[0]!;
  assert.deepEqual(hit.highlights.map(([a, b]) => [...hit.snippet].slice(a, b).join('')), ['衛星']);
  assert.equal(parsed[7]!.total, 1, 'filters: source and a one-day range (UTC+8)');

  const rebuilt = await cli('reindex');
  assert.equal(rebuilt.code, 0, rebuilt.err);
  assert.match(rebuilt.out, /Indexed 3 article\(s\) of 1 source\(s\)/);
  assert.deepEqual(await answers(), incremental);

  // usage errors: one line, exit 2
  for (const bad of [['"普京'], ['，。'], ['普京', '--limit', '0'], ['普京', '--since', 'yesterday']]) {
    const r = await cli('search', ...bad);
    assert.equal(r.code, 2, bad.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.doesNotMatch(r.err, /sqlite|SQL|fts5/i);
  }
  const none = await cli('search', '冥王星');
  assert.equal(none.code, 0);
  assert.equal(none.out, 'No article matches "冥王星".');
});

test('a run whose index cannot be updated still succeeds, with a warning; the next search rebuilds the index', async () => {
  const { main } = await import('../cli/main.ts');
  const dir = await tempDir();
  const root = path.join(dir, 'archive');
  const feed = path.join(dir, 'feed.xml');
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'newsvault', ...args, '--archive', root], { out: (s) => void out.push(s), err: (s) => void err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  await fs.writeFile(feed, rss([PUTIN]));
  assert.equal((await cli('run', '--feed', feed)).code, 0);
  assert.equal((await cli('reindex')).code, 0);
  // the index file replaced by a folder: it cannot be opened
  const file = path.join(root, '.newsvault', 'index.sqlite');
  await fs.rm(file);
  await fs.mkdir(file);
  await fs.writeFile(feed, rss([PUTIN, IPHONE]));
  const run = await cli('run', '--feed', feed);
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /"level":"warn".*"msg":"the search index/);
  assert.equal((await fs.readdir(path.join(root, 'articles', 'feed', '2023'))).length, 2, 'the run archived the new article');
  await fs.rm(file, { recursive: true });
  const found = await cli('search', 'iphone');
  assert.equal(found.code, 0, found.err);
  assert.match(found.out, /中国扩大iPhone禁令/);
});
