import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../domain.ts';
import { itemKeys } from './store.ts';
import { parseArticle } from './format.ts';
import { listFiles, snapshot, tempDir } from '../testing/tree.ts';
import { FileArchive } from '../storage/index.ts';

const open = (root: string, slug: string) => new FileArchive(root).source(slug);

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function item(over: Partial<FeedItem> = {}): FeedItem {
  return {
    id: 'guid-1',
    title: '标题一',
    link: 'https://news.example/a/1',
    published: T0,
    updated: null,
    author: null,
    summary: null,
    content: '<p>正文第一段。</p>\n<p>正文第二段。</p>',
    categories: [],
    enclosures: [],
    ...over,
  };
}

test('the same item twice: the second time is unchanged and writes nothing', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  assert.equal((await store.upsert(item(), T0)).status, 'new');
  const before = await snapshot(root);
  const again = await open(root, 'src');
  assert.equal((await again.upsert(item(), T0 + 1000)).status, 'unchanged');
  assert.deepEqual(await snapshot(root), before);
});

test('an edited headline or body is the same article: a revision keeps the earlier text', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const first = await store.upsert(item(), T0);
  const edited = await store.upsert(item({ title: '标题一（更新）', content: '<p>改过的正文。</p>' }), T0 + 5000);
  assert.equal(edited.status, 'changed');
  assert.equal(edited.record.id, first.record.id);
  assert.equal(edited.record.path, first.record.path);
  assert.equal(store.size, 1);
  const current = parseArticle(await fs.readFile(path.join(root, edited.record.path), 'utf8'));
  assert.equal(current?.title, '标题一（更新）');
  const rev = edited.record.revisions?.[0];
  assert.ok(rev);
  assert.match(rev.path, /^revisions\/src\/2024\/01-02\/.*\.v1\.md$/);
  const old = parseArticle(await fs.readFile(path.join(root, rev.path), 'utf8'));
  assert.equal(old?.title, '标题一');
  assert.equal(old?.contentHtml, '<p>正文第一段。</p><p>正文第二段。</p>');
  // the earlier text coming back does not flip-flop the file
  assert.equal((await store.upsert(item(), T0 + 9000)).status, 'unchanged');
});

test('dedupe by canonical URL (tracking parameters differ) and by content (new GUID and URL, same title and body)', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const long = `<p>${'这是一篇很长的文章。'.repeat(30)}</p>`;
  await store.upsert(item({ id: null, link: 'https://news.example/a/1?utm_source=rss', content: long }), T0);
  assert.equal((await store.upsert(item({ id: null, link: 'https://www.news.example/a/1?xtor=RSS-3#x', content: long }), T0)).status, 'unchanged');
  assert.equal((await store.upsert(item({ id: 'other', link: 'https://news.example/b/2', content: `\n${long}\n` }), T0)).status, 'unchanged');
  assert.equal(store.size, 1);
  assert.equal(store.all()[0]?.revisions, undefined);
  // the same (boilerplate) body under another title is another article
  assert.equal((await store.upsert(item({ id: 'copy', title: '另一个标题', link: 'https://news.example/e', content: long }), T0)).status, 'new');
  // the same URL under a different GUID is another article (a safer mistake than merging two)
  assert.equal((await store.upsert(item({ id: 'g-a', link: 'https://news.example/live', content: '<p>A</p>' }), T0)).status, 'new');
  assert.equal((await store.upsert(item({ id: 'g-b', link: 'https://news.example/live', content: '<p>B</p>' }), T0)).status, 'new');
  assert.equal(store.size, 4);
  // a short body is not enough to call two items the same
  await store.upsert(item({ id: 'x1', link: 'https://news.example/c', content: '<p>短</p>' }), T0);
  await store.upsert(item({ id: 'x2', link: 'https://news.example/d', content: '<p>短</p>' }), T0);
  assert.equal(store.size, 6);
});

test('items dated before everything already archived are still archived', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  await store.upsert(item({ id: 'new', published: T0 }), T0);
  const old = await store.upsert(item({ id: 'old', link: 'https://news.example/old', published: T0 - 86400e3 * 365 }), T0);
  assert.equal(old.status, 'new');
  assert.match(old.record.path, /^articles\/src\/2023\/01-02\//);
});

test('an item with no date: first-seen time stands in, with a warning, stable across runs', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const r = await store.upsert(item({ published: null }), T0);
  assert.equal(r.record.published, T0);
  assert.equal(r.record.dateGuessed, true);
  assert.match(r.warnings[0] ?? '', /no publication date/);
  const again = await open(root, 'src');
  assert.equal((await again.upsert(item({ published: null }), T0 + 3600e3)).status, 'unchanged');
});

test('a date before 1970 or more than a day ahead is a bad date: first-seen stands in, with a warning; every header reads back', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const cases: [number, RegExp][] = [
    [-2208988800000, /publication date 1900-01-01T00:00:00\.000Z is before 1970/],
    [T0 + 30 * 86400e3, /publication date .* is in the future/],
    [8.64e15 + 1, /publication date .* is in the future/],
  ];
  for (const [i, [published, warning]] of cases.entries()) {
    const r = await store.upsert(item({ id: `bad-date-${i}`, link: `https://news.example/d/${i}`, content: `<p>${i}</p>`, published }), T0);
    assert.equal(r.status, 'new');
    assert.equal(r.record.published, T0);
    assert.equal(r.record.dateGuessed, true);
    assert.match(r.warnings.join('\n'), warning);
    const text = await fs.readFile(path.join(root, r.record.path), 'utf8');
    assert.equal(parseArticle(text)?.published, T0, text.split('\n')[0]);
  }
  // a bad published date with a good updated date: the updated one is used
  const r = await store.upsert(item({ id: 'upd', link: 'https://news.example/u', content: '<p>u</p>', published: -1, updated: T0 - 5000 }), T0);
  assert.equal(r.record.published, T0 - 5000);
  assert.equal(r.record.dateGuessed, undefined);
  // a few hours ahead (a wrong time zone) is believed
  const ahead = await store.upsert(item({ id: 'tz', link: 'https://news.example/tz', content: '<p>tz</p>', published: T0 + 8 * 3600e3 }), T0);
  assert.equal(ahead.record.published, T0 + 8 * 3600e3);
});

test('a javascript:, data: or file: link is not kept: the article is archived without a link, with a warning', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const r = await store.upsert(item({ id: 'js', link: 'javascript:alert(document.cookie)' }), T0);
  assert.equal(r.record.link, '');
  assert.match(r.warnings.join('\n'), /"标题一": the link "javascript:alert\(document\.cookie\)" is a javascript: URL, not http\(s\); archived without a link/);
  const text = await fs.readFile(path.join(root, r.record.path), 'utf8');
  assert.equal(text.split('\n')[1], '[标题一]()');
});

test('a full day folder spills into <MM-DD>-2', async () => {
  const root = await tempDir();
  const day = path.join(root, 'articles/src/2024/01-02');
  await fs.mkdir(day, { recursive: true });
  await Promise.all(Array.from({ length: 1000 }, (_, i) => fs.writeFile(path.join(day, `f${i}`), '')));
  const store = await open(root, 'src');
  const r = await store.upsert(item(), T0);
  assert.match(r.record.path, /^articles\/src\/2024\/01-02-2\//);
});

test('hostile titles and GUIDs never write outside the archive', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const r = await store.upsert(item({ id: '../../../etc/passwd', title: '../../x/..\\..\\y\u0000:*?', link: 'file:///etc/passwd' }), T0);
  const full = path.resolve(root, r.record.path);
  assert.ok(full.startsWith(path.join(root, 'articles', 'src') + path.sep));
  assert.equal(path.basename(full).includes('/'), false);
  await assert.rejects(open(root, '../evil'), /invalid source slug/);
});

test('a lost manifest is rebuilt from the article files when the source is opened', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const r = await store.upsert(item(), T0);
  await fs.rm(path.join(root, 'articles/src/index.jsonl'));
  const rebuilt = await open(root, 'src');
  assert.equal(rebuilt.size, 1);
  assert.equal(rebuilt.all()[0]?.id, r.record.id);
  assert.match(rebuilt.warnings.join('\n'), /1 article file\(s\) had no record/);
  assert.equal((await rebuilt.upsert(item({ id: null }), T0)).status, 'unchanged');
});

test('the manifest is a journal: a commit appends one line, the last line of an id wins, compaction keeps one', async () => {
  const root = await tempDir();
  const manifest = path.join(root, 'articles/src/index.jsonl');
  const store = await open(root, 'src');
  await store.upsert(item(), T0);
  await store.upsert(item({ id: 'g2', link: 'https://news.example/a/2', title: '标题二' }), T0);
  const two = await fs.readFile(manifest, 'utf8');
  assert.equal(two.split('\n').filter(Boolean).length, 2);
  await store.upsert(item({ title: '标题一（更新）' }), T0 + 1000);
  const three = await fs.readFile(manifest, 'utf8');
  assert.ok(three.startsWith(two), 'earlier lines are never rewritten by a commit');
  assert.equal(three.split('\n').filter(Boolean).length, 3);
  const reopened = await open(root, 'src');
  assert.equal(reopened.size, 2);
  assert.equal(reopened.all().find((r) => r.guid === 'guid-1')?.title, '标题一（更新）');
  assert.equal(await reopened.compact(), false, 'not worth compacting yet');
  assert.equal(await reopened.compact(true), true);
  const compacted = (await fs.readFile(manifest, 'utf8')).split('\n').filter(Boolean);
  assert.equal(compacted.length, 2);
  assert.deepEqual((await open(root, 'src')).all(), reopened.all());
});

test('a damaged manifest line is reported and never trusted; a torn last line does not swallow the next record', async () => {
  const root = await tempDir();
  const manifest = path.join(root, 'articles/src/index.jsonl');
  const store = await open(root, 'src');
  const a = await store.upsert(item(), T0);
  const good = await fs.readFile(manifest, 'utf8');
  // a line that parses but points outside the archive, and a torn append
  const evil = JSON.stringify({ ...a.record, id: 'aaaaaaaaaa', path: 'articles/../../etc/passwd.md' });
  await fs.writeFile(manifest, `${good}${evil}\n{"id":"bbbbbbbbbb","pa`);
  const reopened = await open(root, 'src');
  assert.equal(reopened.size, 1);
  assert.match(reopened.warnings.join('\n'), /line 2 is not a valid record \(path: must be a path under articles\/\)/);
  assert.match(reopened.warnings.join('\n'), /line 3 is not valid JSON/);
  const b = await reopened.upsert(item({ id: 'g2', link: 'https://news.example/a/2', title: '标题二' }), T0);
  assert.equal(b.status, 'new');
  const again = await open(root, 'src');
  assert.equal(again.size, 2, 'the record appended after the torn line reads back');
  assert.deepEqual(again.all().map((r) => r.id).sort(), [a.record.id, b.record.id].sort());
});

/** Two versions of one article, long enough to matter. */
const v1 = item({ content: `<p>${'第一版的正文。'.repeat(80)}</p>` });
const v2 = item({ title: '标题一（更新）', content: `<p>${'第二版的正文。'.repeat(80)}</p>` });
const v3 = item({ title: '标题一（再更新）', content: `<p>${'第三版的正文。'.repeat(80)}</p>` });

/** Every text the archive keeps for the article: the file and its revisions, by title. */
async function keptTitles(root: string): Promise<string[]> {
  const store = await open(root, 'src');
  const rec = store.all()[0]!;
  const titles: string[] = [];
  for (const r of rec.revisions ?? []) titles.push(parseArticle(await fs.readFile(path.join(root, r.path), 'utf8'))!.title);
  titles.push(parseArticle(await fs.readFile(path.join(root, rec.path), 'utf8'))!.title);
  return titles;
}

test('a commit cut short after the article was replaced (before its record): the next open finishes it, keeping both versions', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const first = await store.upsert(v1, T0);
  const manifest = path.join(root, 'articles/src/index.jsonl');
  const before = await fs.readFile(manifest, 'utf8');
  await store.upsert(v2, T0 + 1000);
  // what a kill between the article's rename and the record's append leaves: the record is not there
  // (and the source still marked open: the session never finished)
  await fs.writeFile(manifest, before);
  const retry = await (await open(root, 'src')).upsert(v2, T0 + 2000);
  assert.equal(retry.status, 'unchanged', 'the open finished the commit');
  assert.deepEqual(retry.record.revisions?.map((r) => r.hash), [first.record.hash]);
  assert.deepEqual(await keptTitles(root), ['标题一', '标题一（更新）']);
  // and once more with a third version arriving before the retry
  await (await open(root, 'src')).upsert(v3, T0 + 3000);
  assert.deepEqual(await keptTitles(root), ['标题一', '标题一（更新）', '标题一（再更新）']);
});

test('a commit cut short after the revision was saved (before the article): the retry reuses it', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const first = await store.upsert(v1, T0);
  const revision = path.join(root, first.record.path.replace(/^articles\//, 'revisions/').replace(/\.md$/, '.v1.md'));
  await fs.mkdir(path.dirname(revision), { recursive: true });
  await fs.copyFile(path.join(root, first.record.path), revision);
  const retry = await (await open(root, 'src')).upsert(v2, T0 + 1000);
  assert.deepEqual(retry.record.revisions?.map((r) => r.path), [path.relative(root, revision).split(path.sep).join('/')]);
  assert.deepEqual(await keptTitles(root), ['标题一', '标题一（更新）']);
});

test('a revision file is never overwritten: a different text under the next name is kept and the new one goes after it', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const first = await store.upsert(v1, T0);
  const taken = path.join(root, first.record.path.replace(/^articles\//, 'revisions/').replace(/\.md$/, '.v1.md'));
  await fs.mkdir(path.dirname(taken), { recursive: true });
  await fs.writeFile(taken, 'someone else’s text');
  const r = await store.upsert(v2, T0 + 1000);
  assert.match(r.record.revisions?.[0]?.path ?? '', /\.v2\.md$/);
  assert.equal(await fs.readFile(taken, 'utf8'), 'someone else’s text');
  assert.deepEqual(await keptTitles(root), ['标题一', '标题一（更新）']);
});

test('commit emits typed events: added, revised with both hashes and the revision path, unchanged', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  const keys = itemKeys(v1);
  const plan = await store.plan(keys, v1, T0);
  assert.equal(plan.kind, 'new');
  assert.deepEqual(await listFiles(root), [], 'planning writes nothing');
  const added = await store.commit(plan, { now: T0 });
  assert.equal(added.type, 'added');
  const revised = await store.commit(await store.plan(itemKeys(v2), v2, T0 + 1), { now: T0 + 1 });
  assert.ok(revised.type === 'revised');
  assert.equal(revised.previousHash, keys.hash);
  assert.equal(revised.hash, itemKeys(v2).hash);
  assert.equal(revised.revisions.length, 1);
  assert.match(revised.revisions[0]!, /^revisions\/src\/.*\.v1\.md$/);
  const unchanged = await store.commit(await store.plan(itemKeys(v2), v2, T0 + 2), { now: T0 + 2 });
  assert.deepEqual(unchanged, { type: 'unchanged', source: 'src', at: T0 + 2, id: revised.record.id, path: revised.record.path });
  // the events carry copies: later commits do not change what an earlier event said
  assert.equal(added.type === 'added' && added.record.revisions, undefined);
});

test('a new article cut short before its record: the next open of the source (after an unclean stop) records it', async () => {
  const root = await tempDir();
  const store = await open(root, 'src');
  await store.upsert(item(), T0);
  await store.close();
  const manifest = path.join(root, 'articles/src/index.jsonl');
  const before = await fs.readFile(manifest, 'utf8');
  const stale = await open(root, 'src');
  assert.equal(stale.unclean, true, 'closed but not finished (its pages may not be written): still unclean');
  await stale.finish();
  const clean = await open(root, 'src');
  assert.deepEqual(clean.warnings, [], 'a finished store reopens without a check');
  assert.equal(clean.unclean, false);
  const orphan = await clean.upsert(item({ id: 'g2', link: 'https://news.example/a/2', title: '标题二' }), T0);
  // what a kill between the article's rename and the record's append leaves
  await fs.writeFile(manifest, before);
  const next = await open(root, 'src');
  assert.match(next.warnings.join('\n'), /stopped before it finished/);
  assert.match(next.warnings.join('\n'), /1 article file\(s\) had no record/);
  assert.equal(next.size, 2);
  assert.ok(next.all().some((r) => r.path === orphan.record.path));
  await next.close();
  await next.finish();
  assert.deepEqual((await open(root, 'src')).warnings, []);
});

test('an item with no GUID, no link and a short body is known by its content: a second run does not archive it again', async () => {
  const root = await tempDir();
  const bare = item({ id: null, link: null, title: '', content: '' });
  const short = item({ id: null, link: null, title: '快讯', content: '<p>短</p>' });
  const store = await open(root, 'src');
  assert.equal((await store.upsert(bare, T0)).status, 'new');
  assert.equal((await store.upsert(short, T0)).status, 'new');
  await store.close();
  const again = await open(root, 'src');
  assert.equal((await again.upsert(bare, T0 + 1000)).status, 'unchanged');
  assert.equal((await again.upsert(short, T0 + 1000)).status, 'unchanged');
  assert.equal(again.all().length, 2);
  // with a GUID, a short body shared with another article does not merge them
  assert.equal((await again.upsert(item({ id: 'other', link: null, title: '快讯', content: '<p>短</p>' }), T0)).status, 'new');
});
