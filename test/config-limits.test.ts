/**
 * Hostile newsvault.yaml through the CLI: a file of 30 MiB (which cost 1.3 GB of memory to parse) and a
 * source name holding a NUL byte (which went into README.md and the lists) are refused with one line
 * naming the file (and the field), exit 2, nothing fetched or written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { listFiles, tempDir } from '../src/testing/tree.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

/** `run --only mysite` over an archive whose newsvault.yaml names a local feed, with `name:` as given. */
async function runWithName(name: string): Promise<{ code: number; err: string[]; root: string; files: string[] }> {
  const dir = await tempDir();
  const feed = path.join(dir, 'feed.xml');
  await fs.copyFile(new URL('../examples/sample-feed.xml', import.meta.url), feed);
  const root = path.join(dir, 'archive');
  await fs.mkdir(root);
  await fs.writeFile(path.join(root, 'newsvault.yaml'), `sources:\n  mysite:\n    name: "${name}"\n    feed: ${JSON.stringify(feed)}\n`);
  const c = capture();
  // the readable log: an error is one line, `newsvault: …` (not a terminal, it would be a JSON record)
  const code = await main(['node', 'newsvault', 'run', '--archive', root, '--only', 'mysite', '--log-format', 'text'], c.io);
  return { code, err: c.err, root, files: await listFiles(root) };
}

test('the same config with a plain name is archived (the cases below differ only in the name)', async () => {
  const r = await runWithName('My Site');
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.ok(r.files.includes('lists/mysite.md'));
});

test('a 30 MiB newsvault.yaml: exit 2, one line naming the file, nothing written', async () => {
  const r = await runWithName('x'.repeat(30 * 1024 * 1024));
  assert.equal(r.code, 2);
  const file = path.join(r.root, 'newsvault.yaml');
  const size = (await fs.stat(file)).size;
  assert.ok(size > 30 * 1024 * 1024);
  assert.deepEqual(r.err.join('\n').trimEnd().split('\n'), [`newsvault: ${file}: is larger than 1 MiB (${size} bytes): a newsvault.yaml holds settings only`]);
  assert.deepEqual(r.files, ['newsvault.yaml']);
});

test('a name holding a NUL byte or a bidi override: exit 2, one line naming the file and the field, nothing written', async () => {
  for (const [escaped, code] of [
    ['My\\0Site', 'U+0000'],
    ['photo\\u202egpj.exe', 'U+202E'],
  ]) {
    const r = await runWithName(escaped!);
    assert.equal(r.code, 2);
    const file = path.join(r.root, 'newsvault.yaml');
    assert.deepEqual(r.err.join('\n').trimEnd().split('\n'), [`newsvault: ${file}: sources.mysite.name: must not hold control or bidi characters (${code} at character ${code === 'U+0000' ? 3 : 6})`]);
    assert.deepEqual(r.files, ['newsvault.yaml']);
  }
});
