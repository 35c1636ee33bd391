/** A process killed in the middle of writing leaves the archive whole: every article file complete,
 *  no temporary file among the articles, and the next run clears what was left. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArticle } from '../src/archive/index.ts';
import { FileArchive, TMP_DIR } from '../src/storage/index.ts';
import { runArchive } from '../src/run/index.ts';
import { listFiles, tempDir } from '../src/testing/tree.ts';

const writer = `
import { FileArchive } from ${JSON.stringify(new URL('../src/storage/index.ts', import.meta.url).pathname)};
const store = await new FileArchive(process.argv[2]).source('crash');
process.stdout.write('ready\\n');
for (let i = 0; ; i++) {
  await store.upsert({ id: 'g' + i, title: '标题 ' + i, link: 'https://crash.example/' + i, published: 1700000000000 + i * 60000,
    updated: null, author: null, summary: null, content: '<p>' + i + '很长的正文。'.repeat(40000) + '</p>', categories: [], enclosures: [] }, 1700000000000);
}
`;

test('SIGKILL during writes: no partial article, no stray temporary file', async () => {
  const root = await tempDir();
  const script = path.join(root, '..', `writer-${process.pid}.mts`);
  await fs.writeFile(script, writer);
  const child = spawn(process.execPath, ['--import', 'tsx', script, root], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the writer exited early (${code})`)));
  });
  // let it write a number of files, then kill it without warning (waiting on the files, not on a clock:
  // a busy machine writes them slowly; the deadline is only there so a stuck writer fails the test)
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const files = (await listFiles(root)).filter((f) => f.startsWith('articles/') && f.endsWith('.md'));
    if (files.length >= 5) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  await fs.rm(script, { force: true });

  const files = await listFiles(root);
  const articles = files.filter((f) => f.startsWith('articles/') && f !== 'articles/crash/index.jsonl');
  assert.ok(articles.length >= 5, `the writer wrote files before it was killed (${articles.length})`);
  for (const f of articles) {
    assert.match(f, /\.md$/, `only article files and the manifest among the articles: ${f}`);
    const parsed = parseArticle(await fs.readFile(path.join(root, f), 'utf8'));
    assert.ok(parsed && parsed.contentHtml.endsWith('</p>'), `${f} is complete`);
  }
  // the next run (no source needed) takes the dead writer's place and clears its leftovers
  await fs.writeFile(path.join(root, TMP_DIR, '.leftover.tmp'), 'partial');
  await runArchive({ root, sources: [] });
  assert.deepEqual(await fs.readdir(path.join(root, TMP_DIR)), []);
  // every article file has its record (read back from the manifest, or recovered from the file)
  const store = await new FileArchive(root).source('crash');
  assert.equal(store.size, articles.length);
  assert.deepEqual(store.all().map((r) => r.path).sort(), [...articles].sort());
});
