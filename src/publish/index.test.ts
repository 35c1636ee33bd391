import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent, ManifestRecord } from '../archive/index.ts';
import type { Source } from '../domain.ts';
import { FileArchive } from '../storage/index.ts';
import { LIST_PAGE_SIZE, listLine, listTitle, publishSourceLists, renderList, renderReadme, renderSourceLists, repoLink, writeSourceLists } from './index.ts';
import { tempDir } from '../testing/tree.ts';

const source: Source = { slug: 'rfi', name: '法广 RFI', feeds: [], enabled: true };

function rec(i: number, published: number, title = `标题${i}`): ManifestRecord {
  return {
    id: `id${String(i).padStart(8, 'a')}`,
    path: `articles/rfi/2023/09-14/1927_${title}_id${i}.md`,
    guid: null,
    link: 'https://x/',
    canonical: null,
    published,
    title,
    hash: 'h',
    bodyHash: 'b',
    firstSeen: published,
  };
}

test('an article removed at its source keeps its line, marked with the day it was noticed (UTC+8)', () => {
  const gone = { ...rec(2, Date.UTC(2023, 8, 14, 1, 0, 0), '被删的文章'), gone: { at: Date.UTC(2024, 4, 1, 17, 0, 0), reason: 'HTTP 404', status: 404 } };
  assert.equal(
    listLine(gone),
    '9-14 [被删的文章](/articles/rfi/2023/09-14/1927_被删的文章_id2.md) 🗑 removed at source, noticed 2024-05-02',
  );
  assert.match(renderSourceLists(source, [gone]).get('lists/rfi.md')!, /🗑 removed at source, noticed 2024-05-02\n$/);
});

test('list titles: entities decoded, Markdown and HTML neutralised', () => {
  assert.equal(listTitle('他说&quot;不&quot; &amp;amp; more'), '他说"不" & more');
  assert.equal(listTitle('a [b] *c* <script>x</script>'), 'a \\[b\\] \\*c\\* &lt;script&gt;x&lt;/script&gt;');
  assert.equal(listTitle('photo\u202egpj.exe \u2067x\u2069'), 'photogpj.exe x', 'bidi controls would reorder what follows them in the list');
  assert.equal(listTitle('  a\n b  '), 'a b');
});

test('a list line: M-D in UTC+8, title, root link with encoded segments', () => {
  // 2023-09-14T17:45:02Z = 9-15 01:45 in UTC+8
  assert.equal(
    listLine(rec(1, Date.UTC(2023, 8, 14, 17, 45, 2), '普京 金正恩')),
    '9-15 [普京 金正恩](/articles/rfi/2023/09-14/1927_普京%20金正恩_id1.md)',
  );
});

test('list format: name, rule, blank line, lines separated by blank lines, newest first', () => {
  const text = renderList('法广', [rec(1, 2000), rec(2, 1000)].sort((a, b) => b.published - a.published));
  const lines = text.split('\n');
  assert.equal(lines[0], '法广');
  assert.equal(lines[1], '------');
  assert.equal(lines[2], '');
  assert.match(lines[3]!, /\[标题1\]/);
  assert.equal(lines[4], '');
  assert.match(lines[5]!, /\[标题2\]/);
});

test('list links: Chinese kept as it is (as the original lists did: a third of the bytes), everything a Markdown link destination or a URL could misread encoded', () => {
  assert.equal(repoLink('articles/rfi/2024/01-02/0800_普京，访问：朝鲜_abcdefghij.md'), '/articles/rfi/2024/01-02/0800_普京，访问：朝鲜_abcdefghij.md');
  const hostile = repoLink('articles/rfi/2024/01-02/0800_a(b c)d)%<x>\u3000\u202e\ud800!*\'_abcdefghij.md');
  assert.equal(hostile, '/articles/rfi/2024/01-02/0800_a%28b%20c%29d%29%25%3Cx%3E%E3%80%80%E2%80%AE%EF%BF%BD%21%2A%27_abcdefghij.md');
  // one CommonMark destination: no space, parenthesis, angle bracket, or control left raw; decodes back to the name
  assert.doesNotMatch(hostile, /[\s()<>\x00-\x1f]/);
  assert.equal(decodeURIComponent(hostile), '/articles/rfi/2024/01-02/0800_a(b c)d)%<x>\u3000\u202e\ufffd!*\'_abcdefghij.md');
});

test('long lists are paged by month and every article stays reachable', () => {
  const day = 86400e3;
  const records = Array.from({ length: 700 }, (_, i) => rec(i, Date.UTC(2023, 0, 1) + i * day * 0.5));
  const pages = renderSourceLists(source, records);
  const main = pages.get('lists/rfi.md')!;
  assert.equal(main.split('\n').filter((l) => /^\d+-\d+ \[/.test(l)).length, LIST_PAGE_SIZE);
  const monthPages = [...pages.keys()].filter((k) => k.startsWith('lists/rfi/'));
  assert.ok(monthPages.length >= 11);
  for (const k of monthPages) assert.ok(main.includes(`(/${k})`), `${k} linked from the main page`);
  const reachable = new Set<string>();
  for (const [k, text] of pages) if (k !== 'lists/rfi.md') for (const m of text.matchAll(/\]\((\/articles\/[^)]+)\)/g)) reachable.add(m[1]!);
  assert.equal(reachable.size, 700);
});

test('lists are rewritten only when their content changes', async () => {
  const root = await tempDir();
  const records = [rec(1, 1000)];
  assert.deepEqual(await writeSourceLists(new FileArchive(root), source, records), ['lists/rfi.md']);
  assert.deepEqual(await writeSourceLists(new FileArchive(root), source, records), []);
  assert.deepEqual(await writeSourceLists(new FileArchive(root), source, [...records, rec(2, 2000)]), ['lists/rfi.md']);
});

test('the README lists sources with counts and the last update', () => {
  const text = renderReadme([{ source, records: [rec(1, Date.UTC(2023, 8, 14, 11, 27))] }]);
  assert.match(text, /\| \[法广 RFI\]\(\/lists\/rfi\.md\) \| 1 \| 2023-09-14 19:27 \(UTC\+8\) \|/);
  assert.match(text, /Last update: 2023-09-14 19:27/);
  // a source with nothing archived yet has no list page to link to
  const empty = renderReadme([{ source: { ...source, slug: 'bbc', name: 'BBC 中文' }, records: [] }]);
  assert.match(empty, /\| BBC 中文 \| 0 \| — \|/);
});

test('a source page opens each year with a ### YYYY heading (M-D alone is ambiguous across years); month pages need none', () => {
  const records = [rec(1, Date.UTC(2024, 0, 2)), rec(2, Date.UTC(2023, 11, 31, 12)), rec(3, Date.UTC(2023, 5, 1))];
  const main = renderSourceLists(source, records).get('lists/rfi.md')!;
  assert.equal(
    main,
    '法广 RFI\n------\n\n### 2024\n\n1-2 [标题1](/articles/rfi/2023/09-14/1927_标题1_id1.md)\n\n' +
      '### 2023\n\n12-31 [标题2](/articles/rfi/2023/09-14/1927_标题2_id2.md)\n\n' +
      '6-1 [标题3](/articles/rfi/2023/09-14/1927_标题3_id3.md)\n',
  );
  // the year is UTC+8's: 2023-12-31 16:00 UTC is already 2024
  assert.match(renderSourceLists(source, [rec(4, Date.UTC(2023, 11, 31, 16))]).get('lists/rfi.md')!, /### 2024\n\n1-1 \[/);
  const many = Array.from({ length: LIST_PAGE_SIZE + 1 }, (_, i) => rec(i, Date.UTC(2023, 11, 1) + i * 3600e3 * 3));
  for (const [k, text] of renderSourceLists(source, many)) {
    if (k !== 'lists/rfi.md') assert.doesNotMatch(text, /^### /m, `${k}: its heading names the month`);
  }
});

test('list titles of the original archive: entities decoded, Markdown escaped, line shape kept', () => {
  assert.equal(listTitle('Macron&#039;s &quot;plan&quot; *now*'), 'Macron\'s "plan" \\*now\\*');
  assert.match(listLine(rec(1, Date.UTC(2020, 9, 10), '【图说天朝】拿生命开店')), /^10-10 \[【图说天朝】拿生命开店\]\(\/articles\//);
});

test('after a run, only the month pages of the months its articles belong to are rebuilt (and all of them when forced)', async () => {
  const root = await tempDir();
  const archive = new FileArchive(root);
  const day = 86400e3;
  const records = Array.from({ length: 700 }, (_, i) => rec(i, Date.UTC(2023, 0, 1) + i * day * 0.5));
  const first = await publishSourceLists(archive, source, [], () => records);
  assert.ok(first.includes('lists/rfi/2023-01.md') && first.includes('lists/rfi/2023-06.md') && first.includes('lists/rfi.md'), first.join(' '));
  // a page of another month, changed by hand, tells whether it was rebuilt
  await archive.writePage('lists/rfi/2023-01.md', 'by hand\n');
  const added = rec(700, Date.UTC(2023, 5, 20), '新文章');
  const event: ChangeEvent = { type: 'added', source: 'rfi', at: 0, record: added };
  const written = await publishSourceLists(archive, source, [event], () => [...records, added]);
  assert.deepEqual(written.sort(), ['lists/rfi.md', 'lists/rfi/2023-06.md']);
  assert.equal(await archive.readPage('lists/rfi/2023-01.md'), 'by hand\n');
  assert.match((await archive.readPage('lists/rfi/2023-06.md'))!, /新文章/);
  // an event of another source changes nothing here
  assert.deepEqual(await publishSourceLists(archive, source, [{ ...event, source: 'bbc' }], () => [...records, added]), []);
  // forced (an earlier run stopped before its pages): every page is built and compared
  assert.deepEqual(await publishSourceLists(archive, source, [], () => [...records, added], { force: true }), ['lists/rfi/2023-01.md']);
});
