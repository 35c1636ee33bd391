/**
 * The archive format's specification: the two golden RFI files. Feeds written in RSS (description and
 * content:encoded) and Atom (escaped HTML content) carry the golden articles' content split over indented
 * lines, a raw UTF-8 link and a white-space-padded title; the archive must reproduce the golden bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parseFeed } from '../src/parse/index.ts';
import { FileArchive } from '../src/storage/index.ts';
import { main } from '../src/cli/main.ts';
import { tempDir } from '../src/testing/tree.ts';

const fixtures = new URL('./fixtures/', import.meta.url);
const golden = [
  readFileSync(new URL('golden/rfi-20230914-putin-kim-rifles.md', fixtures), 'utf8'),
  readFileSync(new URL('golden/rfi-20230917-kim-leaves-russia.md', fixtures), 'utf8'),
];

for (const name of ['rfi-golden.rss', 'rfi-golden.atom']) {
  test(`${name}: archived articles equal the golden files byte for byte`, async () => {
    const body = readFileSync(new URL(`feeds/${name}`, fixtures));
    assert.match(body.toString('utf8'), /https:\/\/www\.rfi\.fr\/cn\/国际\//, 'the fixture holds a raw UTF-8 link');
    const feed = await parseFeed(body, { url: 'https://www.rfi.fr/cn/rss' });
    assert.equal(feed.items.length, 2);
    const root = await tempDir();
    const store = await new FileArchive(root).source('rfi');
    const written: string[] = [];
    for (const item of feed.items) {
      const result = await store.upsert(item, Date.UTC(2023, 8, 18));
      assert.equal(result.status, 'new');
      written.push(await fs.readFile(path.join(root, result.record.path), 'utf8'));
    }
    assert.equal(written[0], golden[0]);
    assert.equal(written[1], golden[1]);
  });
}

test('`newsvault run --feed` writes the golden files, then a second run changes nothing', async () => {
  const root = await tempDir();
  const feedFile = new URL('feeds/rfi-golden.rss', fixtures).pathname;
  const io = { out: () => {}, err: () => {} };
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--feed', feedFile], io), 0);
  const articles = (await fs.readdir(root, { recursive: true })).filter((f) => f.endsWith('.md') && f.startsWith('articles'));
  const contents = await Promise.all(articles.map((f) => fs.readFile(path.join(root, f), 'utf8')));
  assert.deepEqual(contents.sort(), [...golden].sort());
});
