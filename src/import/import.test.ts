import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../archive/index.ts';
import { DEV_CORPUS, HAS_DEV_CORPUS } from '../testing/repo.ts';
import { snapshot, tempDir } from '../testing/tree.ts';
import { LEGACY_FOLDERS, emptyBodyReason, folderSource, formatProgress, importArchive, readOldArticle } from './index.ts';

const T0 = Date.UTC(2020, 9, 10, 3, 4, 5);
const NOW = Date.UTC(2026, 0, 1);
const LONG = '<p>' + '正文很长。'.repeat(60) + '</p>';

function oldFile(title: string, link: string, body: string, ms = T0): string {
  return `<!--${ms}-->\n[${title}](${link})\n------\n\n${body}\n`;
}

/** Writes an original-archive tree: relative path → text (or bytes). */
async function oldArchive(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await tempDir('newsvault-old-');
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
  return dir;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Every original file's bytes are an article file or a revision file of the archive, named by its record. */
async function assertByteExact(from: string, root: string, rels: string[]): Promise<void> {
  const named = new Map<string, string>(); // original path → archive path holding its bytes
  for (const slug of await fs.readdir(path.join(root, 'articles'))) {
    const text = await fs.readFile(path.join(root, 'articles', slug, 'index.jsonl'), 'utf8');
    for (const rec of parseManifest(text, slug).records.values()) {
      if (rec.importedFrom && rec.importedFrom.sha === rec.sha) named.set(rec.importedFrom.path, rec.path);
      for (const v of rec.revisions ?? []) if (v.importedFrom) named.set(v.importedFrom, v.path);
    }
  }
  for (const rel of rels) {
    const at = named.get(rel);
    assert.ok(at, `${rel} is named by a record`);
    assert.equal(sha(await fs.readFile(path.join(root, at))), sha(await fs.readFile(path.join(from, rel))), `${rel} → ${at} byte for byte`);
  }
}

test('folders: every folder of the original archive maps to a catalog slug; BBC and bbc are one source', () => {
  const expected: Record<string, string> = {
    法广: 'rfi', rfi: 'rfi', BBC: 'bbc', bbc: 'bbc', 德国之声: 'dw', dw: 'dw', 美国之音: 'voa', voa: 'voa', 纽约时报: 'nytimes', nyt: 'nytimes',
    自由亚洲电台: 'rfa', rfa: 'rfa', 中国数字时代: 'cdt', cdt: 'cdt', 路透: 'reuters', reuters: 'reuters', 金融时报: 'ftchinese', ft: 'ftchinese',
  };
  for (const [folder, slug] of Object.entries(expected)) {
    assert.equal(folderSource(folder).slug, slug, folder);
    assert.ok(folderSource(folder).known);
  }
  assert.equal(folderSource('BBC').era, 0, 'the 2020 BBC folder is walked before bbc');
  assert.equal(folderSource('bbc').era, 1);
  assert.equal(folderSource('法广').era, 0);
  assert.ok(Object.keys(LEGACY_FOLDERS).length >= 18);
  assert.deepEqual(folderSource('My Site'), { slug: 'my-site', era: 0, known: false });
  assert.match(folderSource('新来源').slug, /^legacy-[0-9a-f]{8}$/);
});

test('read: empty bodies and missing headers are refused with their reason', () => {
  const read = (s: string) => readOldArticle(Buffer.from(s));
  assert.deepEqual(read(''), { ok: false, reason: 'empty file' });
  assert.deepEqual(read(oldFile('t', 'https://x/', '')), { ok: false, reason: 'empty body' });
  assert.deepEqual(read(oldFile('t', 'https://x/', '<div><i>Tue, 13 Oct 2020 01:13:37 GMT</i></div>')), { ok: false, reason: 'empty body (only the date line)' });
  assert.deepEqual(read('<p>just a body</p>\n'), { ok: false, reason: 'no header (line 1 is not <!--milliseconds-->)' });
  assert.deepEqual(read(`<!--${T0}-->\ntitle\n------\n\n<p>x</p>\n`), { ok: false, reason: 'no title line ([title](link) on line 2)' });
  assert.deepEqual(readOldArticle(Buffer.from([0xff, 0xfe, 0x00])), { ok: false, reason: 'not valid UTF-8' });
  assert.equal(emptyBodyReason('<div><i>d</i></div><img src="a.jpg">'), null, 'an image post is an article');
  assert.equal(emptyBodyReason('<div><i>d</i></div>Array'), null);
  // variants the strict parser refuses are read leniently
  const crlf = read(`<!--${T0}-->\r\n[t](https://x/)\r\n------\r\n\r\n<p>x</p>\r\n`);
  assert.ok(crlf.ok && !crlf.strict && crlf.fields.contentHtml === '<p>x</p>');
  const bracket = read(oldFile('a ]b', 'https://x/a', '<p>x</p>'));
  assert.ok(bracket.ok && bracket.fields.title === 'a ]b' && bracket.fields.link === 'https://x/a');
});

test('progress: files/s and ETA', () => {
  assert.equal(formatProgress({ done: 1000, total: 301000, elapsedMs: 1000, label: 'articles/bbc' }), '1,000/301,000 files (0%) · 1,000 files/s · ETA 5:00 · articles/bbc');
  assert.equal(formatProgress({ done: 0, total: 10, elapsedMs: 0 }), '0/10 files (0%) · 0 files/s · ETA –');
  assert.equal(formatProgress({ done: 10, total: 10, elapsedMs: 4000 }), '10/10 files (100%) · 3 files/s · ETA 0:00');
});

test('import: byte for byte, BBC/bbc merged, two texts of one link are one article with a revision, refusals listed, re-run adds nothing', async () => {
  const crlf = Buffer.from(`<!--${T0 + 5}-->\r\n[CRLF 标题](https://www.voachinese.com/a/9)\r\n------\r\n\r\n<p>正文</p>\r\n`);
  const files: Record<string, string | Buffer> = {
    // the same article under BBC/ (2020, titled name) and bbc/ (abbreviation)
    'articles/BBC/1047458_标题: 一?  .md': oldFile('标题: 一?', 'http://www.bbc.com/zhongwen/simp/a-1', LONG),
    'articles/bbc/1045000.md': oldFile('标题: 一?', 'https://www.bbc.com/zhongwen/simp/a-1', LONG, T0 + 1000),
    'articles/bbc/1046000.md': oldFile('另一篇', 'https://www.bbc.com/zhongwen/simp/a-2', '<p>x</p>'),
    // two texts of the same title and URL: the older id (larger) first
    'articles/法广/1042081.md': oldFile('法广标题 – 法国国际广播电台 - RFI', 'http://www.rfi.fr//cn/a', '<p>第一版</p>'),
    'articles/rfi/1040000.md': oldFile('法广标题 – 法国国际广播电台 - RFI', 'http://www.rfi.fr//cn/a', '<p>第二版</p>'),
    'articles/美国之音/1045736.md': crlf,
    'articles/voa/1025000.md': oldFile('a ]b', 'https://www.voachinese.com/a/10', '<p>y</p>'),
    'articles/路透/1044891.md': oldFile('空', 'https://cn.reuters.com/a', '<div><i>2020-10-10T01:02:03Z</i></div>'),
    'articles/reuters/1025200.md': '<p>no header</p>\n',
    'articles/新来源/1.md': oldFile('新', 'https://new.example/1', '<p>z</p>'),
  };
  const from = await oldArchive(files);
  const root = await tempDir();
  const report = await importArchive({ root, from, now: () => NOW });
  assert.equal(report.files, 10);
  assert.equal(report.imported, 6);
  assert.equal(report.revised, 1);
  assert.equal(report.unchanged, 1);
  assert.deepEqual(
    report.refused.sort((a, b) => (a.path < b.path ? -1 : 1)),
    [
      { path: 'articles/reuters/1025200.md', reason: 'no header (line 1 is not <!--milliseconds-->)' },
      { path: 'articles/路透/1044891.md', reason: 'empty body (only the date line)' },
    ],
  );
  assert.deepEqual(report.sources.find((s) => s.slug === 'bbc')?.folders, ['BBC', 'bbc']);
  assert.ok(report.warnings.some((w) => w.includes('articles/新来源/: unknown folder')));
  assert.ok(report.warnings.some((w) => w.includes('read leniently')));
  assert.deepEqual((await fs.readdir(path.join(root, 'articles'))).sort(), ['bbc', report.sources.find((s) => s.folders[0] === '新来源')!.slug, 'rfi', 'voa'].sort());
  await assertByteExact(from, root, [
    'articles/BBC/1047458_标题: 一?  .md',
    'articles/bbc/1046000.md',
    'articles/法广/1042081.md',
    'articles/rfi/1040000.md',
    'articles/美国之音/1045736.md',
    'articles/voa/1025000.md',
    'articles/新来源/1.md',
  ]);
  // the later text is the article; the earlier one its revision
  const rfi = parseManifest(await fs.readFile(path.join(root, 'articles/rfi/index.jsonl'), 'utf8'), 'rfi');
  const [article] = [...rfi.records.values()];
  assert.equal(rfi.records.size, 1);
  assert.equal(article?.importedFrom?.path, 'articles/rfi/1040000.md');
  assert.equal(article?.revisions?.[0]?.importedFrom, 'articles/法广/1042081.md');
  // lists and README published from the events
  assert.match(await fs.readFile(path.join(root, 'lists/bbc.md'), 'utf8'), /^BBC 中文\n------\n/);
  assert.match(await fs.readFile(path.join(root, 'README.md'), 'utf8'), /\| \[BBC 中文\]\(\/lists\/bbc\.md\) \| 2 \|/);
  // nothing left marked, and again: nothing added, not a byte changed
  assert.deepEqual(await fs.readdir(path.join(root, '.newsvault/open')).catch(() => []), []);
  const before = await snapshot(root);
  const again = await importArchive({ root, from, now: () => NOW + 1000 });
  assert.deepEqual([again.imported, again.revised, again.unchanged, again.refused.length], [0, 0, 8, 2]);
  assert.deepEqual(await snapshot(root), before);
});

test('import: a missing folder, a folder without articles/, or the archive itself is refused before anything is written', async () => {
  const root = await tempDir();
  await assert.rejects(importArchive({ root, from: path.join(root, 'nope') }), /no such folder/);
  const empty = await tempDir();
  await assert.rejects(importArchive({ root, from: empty }), /no articles\/ folder/);
  await fs.mkdir(path.join(root, 'articles'), { recursive: true });
  await assert.rejects(importArchive({ root, from: root }), /inside the archive/);
});

test('import of the dev sample (duty-machine/news): every article byte for byte, BBC/bbc merged, idempotent', { skip: HAS_DEV_CORPUS ? false : `no dev corpus at ${DEV_CORPUS}` }, async () => {
  const from = path.join(DEV_CORPUS, 'duty-machine-sample');
  const rels: string[] = [];
  for (const folder of await fs.readdir(path.join(from, 'articles'))) {
    for (const name of await fs.readdir(path.join(from, 'articles', folder))) rels.push(`articles/${folder}/${name}`);
  }
  const root = await tempDir();
  const report = await importArchive({ root, from, now: () => NOW });
  assert.equal(report.files, rels.length);
  assert.deepEqual(report.refused, []);
  assert.equal(report.imported + report.revised + report.unchanged, rels.length);
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(report.sources.map((s) => s.slug), ['bbc', 'cdt', 'dw', 'ftchinese', 'nytimes', 'reuters', 'rfa', 'rfi', 'voa']);
  assert.deepEqual(report.sources.find((s) => s.slug === 'bbc')?.folders, ['BBC', 'bbc']);
  // the sample holds no two copies of one article: each file is an article of its own
  assert.equal(report.imported, rels.length);
  await assertByteExact(from, root, rels);
  const before = await snapshot(root);
  const again = await importArchive({ root, from, now: () => NOW + 1 });
  assert.deepEqual([again.imported, again.revised, again.unchanged], [0, 0, rels.length]);
  assert.deepEqual(await snapshot(root), before);
});
