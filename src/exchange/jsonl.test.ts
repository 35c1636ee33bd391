import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main, type Io } from '../cli/main.ts';
import type { FeedItem } from '../domain.ts';
import { FileArchive } from '../storage/index.ts';
import { tempDir } from '../testing/tree.ts';
import { exportJsonl, parseSince, type ExportedArticle } from './index.ts';

const T0 = Date.UTC(2023, 8, 14, 11, 27);
const DAY = 86400e3;

function item(over: Partial<FeedItem>): FeedItem {
  return {
    id: null, title: '标题', link: 'https://news.example/a', published: T0, updated: null, author: null, summary: null,
    content: '<p>第一段 &amp; 引号</p><p>第二段</p>', categories: [], enclosures: [], ...over,
  };
}

async function archive(): Promise<string> {
  const root = await tempDir();
  const bbc = await new FileArchive(root).source('bbc');
  await bbc.upsert(item({ id: 'g1' }), T0);
  await bbc.upsert(item({ id: 'g1', title: '标题（更新）', content: '<p>改过</p>' }), T0 + 1000, { textSource: 'page' });
  await bbc.upsert(item({ id: 'g2', title: '第二篇', link: 'https://news.example/b', published: T0 + 2 * DAY }), T0 + 2 * DAY);
  const rfi = await new FileArchive(root).source('rfi');
  await rfi.importArticle(Buffer.from(`<!--${T0 - DAY}-->\n[旧文](https://www.rfi.fr/cn/a)\n------\n\n<div>旧的</div>\n`), { originalPath: 'articles/法广/1042081.md', now: T0 });
  return root;
}

async function lines(root: string, opts: { sources?: string[]; since?: number } = {}): Promise<ExportedArticle[]> {
  const out: string[] = [];
  await exportJsonl({ root, ...opts, write: (l) => void out.push(l) });
  for (const l of out) assert.ok(l.endsWith('\n') && !l.slice(0, -1).includes('\n'), 'one object per line');
  return out.map((l) => JSON.parse(l) as ExportedArticle);
}

test('export: one article per line with metadata, HTML, plain text and every revision\'s text', async () => {
  const root = await archive();
  const all = await lines(root);
  assert.deepEqual(all.map((a) => [a.source, a.title]), [['bbc', '标题（更新）'], ['bbc', '第二篇'], ['rfi', '旧文']], 'by source, oldest first');
  const edited = all[0]!;
  assert.equal(edited.guid, 'g1');
  assert.equal(edited.published, new Date(T0).toISOString());
  assert.equal(edited.publishedMs, T0);
  assert.equal(edited.textSource, 'page');
  assert.equal(edited.html, '<p>改过</p>');
  assert.equal(edited.text, '改过');
  assert.equal(edited.changedAt, new Date(T0 + 1000).toISOString());
  assert.equal(edited.revisions.length, 1);
  assert.deepEqual(
    { title: edited.revisions[0]!.title, html: edited.revisions[0]!.html, text: edited.revisions[0]!.text },
    { title: '标题', html: '<p>第一段 &amp; 引号</p><p>第二段</p>', text: '第一段 & 引号\n\n第二段' },
  );
  const imported = all[2]!;
  assert.equal(imported.textSource, 'import');
  assert.equal(imported.importedFrom, 'articles/法广/1042081.md');
  assert.equal(imported.sourceName, 'rfi', 'the slug when no name is given');
});

test('export: --source and --since filter; --since takes a UTC+8 date or an ISO time', async () => {
  const root = await archive();
  assert.deepEqual((await lines(root, { sources: ['rfi'] })).map((a) => a.title), ['旧文']);
  assert.deepEqual((await lines(root, { since: T0 + DAY })).map((a) => a.title), ['第二篇']);
  assert.equal(parseSince('2023-09-14'), Date.UTC(2023, 8, 13, 16));
  assert.equal(parseSince('2023-09-14T00:00:00Z'), Date.UTC(2023, 8, 14));
  assert.equal(parseSince('yesterday'), null);
});

test('CLI: newsvault export --format jsonl streams to standard output; other formats are bad usage', async () => {
  const root = await archive();
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => void out.push(s), err: (s) => void err.push(s) };
  assert.equal(await main(['node', 'newsvault', 'export', '--format', 'jsonl', '--archive', root, '--source', 'bbc', '--since', '2023-09-15'], io), 0);
  assert.deepEqual(out.map((l) => (JSON.parse(l) as ExportedArticle).title), ['第二篇']);
  assert.equal((JSON.parse(out[0]!) as ExportedArticle).sourceName, 'BBC 中文');
  assert.match(err.join('\n'), /1 article\(s\) exported from 1 source\(s\)/);
  assert.equal(await main(['node', 'newsvault', 'export', '--format', 'csv', '--archive', root], io), 2);
  assert.equal(await main(['node', 'newsvault', 'export', '--since', 'soon', '--archive', root], io), 2);
});
