/**
 * Property test over the parse → archive path: arbitrary titles, links, GUIDs, dates and bodies —
 * lone surrogates, bidi controls, `)`, brackets, control characters, huge strings among them — always give
 * a header the format's parser reads back, a safe file name inside the source's folder, and a manifest
 * record that matches the file's bytes. The checks read the files and the journal themselves.
 * FC_SEED replays a failure (fast-check prints the seed and the shrunk counterexample).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseFeed } from '../src/parse/index.ts';
import { parseArticle } from '../src/archive/index.ts';
import { FileArchive } from '../src/storage/index.ts';
import { tempDir } from '../src/testing/tree.ts';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

/** Single characters a hostile feed would pick, beside any code point. */
const hostileChar = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom('(', ')', '[', ']', '\\', '<', '>', ' ', '\n', '\r', '\t', '#', '%', '/', '.', '`', '*', '_', '|', '"', "'", '&', ';', '-', '!') },
  { weight: 1, arbitrary: fc.constantFrom('\u202e', '\u202a', '\u2066', '\u2069', '\u200e', '\u200f', '\u061c', '\u200b', '\ufeff', '\u2028', '\u0000', '\u0085', '\u007f') },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom('新', '闻', '國', '際', 'é', '😀', 'ا', 'ע') },
);
const text = (maxLength: number) => fc.string({ unit: hostileChar, maxLength });
const huge = fc.constantFrom('长'.repeat(20_000), ')'.repeat(5_000), '\u202e'.repeat(3_000) + 'x', 'a'.repeat(70_000));

const link = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  text(60).map((t) => `https://news.example/${t}`),
  text(40).map((t) => `http://host/p)[Login](https://evil.example/${t})`),
  fc.constantFrom('javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', '//no-scheme.example/x', '', 'http://[::1', 'https://例子.测试/路径?q=值'),
  text(30),
);

const date = fc.oneof(
  fc.integer({ min: -62_135_596_800_000, max: 8_640_000_000_000_000 }).map((ms) => new Date(ms).toISOString()),
  fc.integer({ min: 0, max: NOW }).map((ms) => new Date(ms).toISOString()),
  fc.constantFrom('1900-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '2999-12-31T23:59:59Z', 'not a date', ''),
  text(20),
);

const item = fc.record({
  id: fc.option(fc.oneof(text(40), fc.webUrl()), { nil: undefined }),
  url: fc.option(link, { nil: undefined }),
  title: fc.oneof({ weight: 9, arbitrary: text(80) }, { weight: 1, arbitrary: huge }),
  date_published: fc.option(date, { nil: undefined }),
  content_html: fc.oneof({ weight: 9, arbitrary: text(300) }, { weight: 1, arbitrary: huge }),
});

const feed = fc.array(item, { minLength: 1, maxLength: 4 });

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

interface JournalRecord {
  id: string;
  path: string;
  link: string;
  published: number;
  title: string;
  sha?: string;
}

/** The last journal line of every id, read without the store's code. */
async function journal(root: string, slug: string): Promise<Map<string, JournalRecord>> {
  const out = new Map<string, JournalRecord>();
  const raw = await fs.readFile(path.join(root, 'articles', slug, 'index.jsonl'), 'utf8');
  for (const line of raw.split('\n')) {
    if (line.trim() === '') continue;
    const rec = JSON.parse(line) as JournalRecord;
    out.set(rec.id, rec);
  }
  return out;
}

test('parse → archive: any title, link, GUID, date and body gives a readable header, a safe name and a matching record', { timeout: 10 * 60_000 }, async () => {
  const root = await tempDir();
  let n = 0;
  const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
  await fc.assert(
    fc.asyncProperty(feed, async (items) => {
      const slug = `p${n++}`;
      const body = Buffer.from(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'prop', items }));
      const parsed = await parseFeed(body, { url: 'https://feed.example/feed.json' });
      const archive = new FileArchive(root);
      const store = await archive.source(slug);
      const paths = new Set<string>();
      for (const it of parsed.items) {
        const r = await store.upsert(it, NOW);
        paths.add(r.record.path);
      }
      await store.close();
      const sourceDir = path.join(root, 'articles', slug) + path.sep;
      const records = await journal(root, slug);
      assert.equal(records.size, paths.size, 'one record per article file');
      for (const rec of records.values()) {
        assert.ok(paths.has(rec.path));
        const abs = path.resolve(root, rec.path);
        assert.ok(abs.startsWith(sourceDir), `${rec.path} stays in its source's folder`);
        const name = path.basename(abs);
        assert.doesNotMatch(name, /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}<>:"/\\|?*]/u, `a safe name: ${JSON.stringify(name)}`);
        assert.ok(Buffer.byteLength(name) <= 255, 'a name every file system takes');
        const bytes = await fs.readFile(abs);
        assert.equal(sha256(bytes), rec.sha, 'the record names the bytes on disk');
        const fileText = bytes.toString('utf8');
        assert.equal(Buffer.from(fileText).equals(bytes), true, 'well-formed UTF-8');
        const fields = parseArticle(fileText);
        assert.ok(fields, `the header reads back: ${JSON.stringify(fileText.slice(0, 200))}`);
        assert.equal(fields.published, rec.published);
        assert.ok(fields.published >= 0 && fields.published <= NOW + 24 * 3600e3, 'a plausible date');
        assert.equal(fields.link, rec.link);
        if (fields.link !== '') {
          assert.match(fields.link, /^https?:\/\/[^\s()<>\\]*$/, 'an http(s) link that cannot end the Markdown link');
          assert.doesNotThrow(() => new URL(fields.link));
        }
        assert.equal(fields.title, rec.title.replace(/\s*[\r\n]+\s*/g, ' ').trim(), 'the title reads back');
        assert.equal(fileText.split('\n')[1]?.lastIndexOf(']('), fileText.split('\n')[1]!.length - fields.link.length - 3, 'one link on the title line');
      }
      // the same feed again: nothing new, nothing written
      const again = await archive.source(slug);
      for (const it of parsed.items) assert.equal((await again.upsert(it, NOW + 1000)).status, 'unchanged');
      await again.close();
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 150), includeErrorInReport: true, ...(seed !== undefined ? { seed } : {}) },
  );
});
