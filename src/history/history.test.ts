import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeedItem } from '../domain.ts';
import { tempDir } from '../testing/tree.ts';
import { FileArchive } from '../storage/index.ts';
import { diffParagraphs, diffText, renderTextDiff } from './diff.ts';
import { historyJson, renderHistory } from './show.ts';
import { loadHistory, locate } from './versions.ts';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function item(over: Partial<FeedItem> = {}): FeedItem {
  return {
    id: 'guid-1',
    title: '普京与金正恩互赠步枪',
    link: 'https://news.example/a/1?utm_source=rss',
    published: T0,
    updated: null,
    author: null,
    summary: null,
    content: '<p>克里姆林宫周四表示，普京同意访问平壤。</p><p>第二段不变。</p>',
    categories: [],
    enclosures: [],
    ...over,
  };
}

test('diffText: character-level for Chinese, word-level for Latin text', () => {
  assert.deepEqual(diffText('普京同意访问平壤。', '普京拒绝访问平壤。'), [
    { op: 'equal', text: '普京' },
    { op: 'delete', text: '同意' },
    { op: 'insert', text: '拒绝' },
    { op: 'equal', text: '访问平壤。' },
  ]);
  assert.deepEqual(diffText('the cat sat', 'the dog sat'), [
    { op: 'equal', text: 'the ' },
    { op: 'delete', text: 'cat' },
    { op: 'insert', text: 'dog' },
    { op: 'equal', text: ' sat' },
  ]);
});

test('diffParagraphs: unchanged paragraphs counted, a changed one paired, an added one shown whole', () => {
  const blocks = diffParagraphs('甲。\n\n乙。\n\n丙。', '甲。\n\n乙！\n\n丙。\n\n丁。');
  assert.deepEqual(blocks, [
    { kind: 'same', count: 1 },
    { kind: 'changed', changes: [{ op: 'equal', text: '乙' }, { op: 'delete', text: '。' }, { op: 'insert', text: '！' }] },
    { kind: 'same', count: 1 },
    { kind: 'added', text: '丁。' },
  ]);
  assert.deepEqual(renderTextDiff('甲。\n\n乙。', '乙。'), ['- [-甲。-]', '  ⋯ 1 paragraph(s) unchanged']);
});

test('an edited article: its history lists both versions with dates and a correct diff; found by id, path, revision path or URL', async () => {
  const root = await tempDir();
  const archive = new FileArchive(root);
  const store = await archive.source('src');
  const first = await store.upsert(item(), T0);
  const edited = await store.upsert(item({ title: '普京与金正恩互赠步枪（更新）', content: '<p>克里姆林宫周四表示，普京拒绝访问平壤。</p><p>第二段不变。</p>' }), T0 + 3600_000);
  assert.equal(edited.status, 'changed');
  assert.equal(edited.record.id, first.record.id, 'an edited headline on the same GUID is the same article');
  assert.equal(store.size, 1);
  const revision = edited.record.revisions![0]!.path;

  for (const query of [first.record.id, first.record.path, `./${first.record.path}`, revision, 'https://www.news.example/a/1', `${root}/${first.record.path}`]) {
    const found = await locate(archive, query);
    assert.equal(found.length, 1, query);
    assert.equal(found[0]!.record.id, first.record.id);
  }
  assert.deepEqual(await locate(archive, 'https://news.example/other'), []);

  const history = await loadHistory(archive, (await locate(archive, first.record.id))[0]!);
  assert.deepEqual(
    history.versions.map((v) => [v.label, v.archivedAt, v.replacedAt, v.title]),
    [
      ['v1', T0, T0 + 3600_000, '普京与金正恩互赠步枪'],
      ['current', T0 + 3600_000, null, '普京与金正恩互赠步枪（更新）'],
    ],
  );
  const text = renderHistory(history, { diff: true });
  assert.match(text, /2 version\(s\)/);
  assert.match(text, /v1 +2024-01-02 11:04 +first archived/);
  assert.match(text, /current \(v2\) +2024-01-02 12:04 +edited at the source/);
  assert.match(text, /title: 普京与金正恩互赠步枪\{\+（更新）\+\}/);
  assert.match(text, /~ 克里姆林宫周四表示，普京\[-同意-\]\{\+拒绝\+\}访问平壤。/);
  assert.match(text, /⋯ 1 paragraph\(s\) unchanged/);

  const json = historyJson(history);
  assert.equal(json.versions.length, 2);
  assert.equal(json.versions[0]!.archivedAt, new Date(T0).toISOString());
  assert.equal(json.versions[1]!.text, '克里姆林宫周四表示，普京拒绝访问平壤。\n\n第二段不变。');
  assert.deepEqual(json.diffs[0]!.paragraphs[0], {
    kind: 'changed',
    changes: [
      { op: 'equal', text: '克里姆林宫周四表示，普京' },
      { op: 'delete', text: '同意' },
      { op: 'insert', text: '拒绝' },
      { op: 'equal', text: '访问平壤。' },
    ],
  });
});

test('newsvault history through the CLI: text with --diff, JSON, and exit 2 for an unknown article', async () => {
  const { main } = await import('../cli/main.ts');
  const root = await tempDir();
  const store = await new FileArchive(root).source('src');
  const { record } = await store.upsert(item(), T0);
  await store.upsert(item({ content: '<p>克里姆林宫周四表示，普京拒绝访问平壤。</p><p>第二段不变。</p>' }), T0 + 1000);
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'newsvault', ...args, '--archive', root], { out: (s) => void out.push(s), err: (s) => void err.push(s) });
    return { code, out: out.join(''), err: err.join('') };
  };
  const text = await run('history', record.id, '--diff');
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /── v1 → current/);
  assert.match(text.out, /\[-同意-\]\{\+拒绝\+\}/);
  const json = await run('history', record.link, '--json');
  assert.equal(json.code, 0);
  assert.equal((JSON.parse(json.out) as { versions: unknown[] }).versions.length, 2);
  const missing = await run('history', 'aaaaaaaaaa');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no article/);
});
