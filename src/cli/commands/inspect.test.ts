/** `newsvault inspect FILE`: read without the config when there is none, with its limits when there is one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../main.ts';
import { tempDir } from '../../testing/tree.ts';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) } };
};

const FEED = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title><link>https://site.example/</link>${'<item><title>普京\u3000金正恩</title><link>/a</link><description>Q&A</description></item>'.repeat(20)}</channel></rss>`;

test('inspect FILE: a local feed in an archive without newsvault.yaml; a newsvault.yaml limit still applies', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'feed.xml');
  await fs.writeFile(file, FEED);
  const archive = path.join(dir, 'archive');
  const ok = capture();
  assert.equal(await main(['node', 'newsvault', 'inspect', file, '--json', '--archive', archive], ok.io), 0);
  const feed = JSON.parse(ok.out.join('')) as { items: { title: string; link: string }[]; warnings: string[] };
  assert.equal(feed.items.length, 20);
  assert.equal(feed.items[0]?.title, '普京\u3000金正恩');
  assert.equal(feed.items[0]?.link, 'https://site.example/a');
  assert.ok(feed.warnings.some((w) => /bare "&"/.test(w)));
  const missing = capture();
  assert.equal(await main(['node', 'newsvault', 'inspect', path.join(dir, 'nope.xml'), '--archive', archive], missing.io), 3);
  assert.match(missing.err.join(''), /no such file/);
  await fs.mkdir(archive);
  await fs.writeFile(path.join(archive, 'newsvault.yaml'), 'run:\n  maxFeedBytes: 1024\n');
  const capped = capture();
  assert.equal(await main(['node', 'newsvault', 'inspect', file, '--archive', archive], capped.io), 3);
  assert.match(capped.err.join(''), /larger than/);
});
