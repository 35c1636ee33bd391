/**
 * The disk fills up, the file system turns read-only: injected with strace into a real CLI run (a
 * rename or link the kernel refuses). The run stops at the first refused write with exit code 5 and one
 * line naming the path and what to do; the report counts only what was committed, every article file has
 * its record, and the next run finishes the job and rebuilds the pages. Skipped, saying so, without strace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { storageFailure } from '../src/storage/index.ts';
import { listFiles, tempDir } from '../src/testing/tree.ts';

const hasStrace = spawnSync('strace', ['-V']).status === 0;
const skip = hasStrace ? false : 'strace is not installed';

const cli = `
import { main } from ${JSON.stringify(new URL('../src/cli/main.ts', import.meta.url).pathname)};
process.exitCode = await main(process.argv);
`;

const ITEMS = 6;

function feed(): string {
  const entries = Array.from(
    { length: ITEMS },
    (_, i) =>
      `<item><guid>https://full.example/a/${i}</guid><title>第${i}篇</title><link>https://full.example/a/${i}</link><pubDate>${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toUTCString()}</pubDate><description><![CDATA[<p>${'正文。'.repeat(100)}${i}</p>]]></description></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>full</title>${entries.join('')}</channel></rss>`;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, root: string, feedFile: string, inject?: string): Promise<Outcome> {
  const node = [process.execPath, '--import', 'tsx', script, 'run', '--archive', root, '--feed', feedFile];
  const syscall = inject?.split(':')[0];
  const [cmd, ...args] = inject ? ['strace', '-f', '-o', '/dev/null', '-e', `trace=${syscall}`, '-e', `inject=${inject}`, ...node] : node;
  return new Promise((resolve, reject) => {
    // one libuv thread: "the n-th rename" is the same step on every run
    const child = spawn(cmd!, args, { env: { ...process.env, UV_THREADPOOL_SIZE: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function setup(): Promise<{ work: string; script: string; feedFile: string; root: string }> {
  const work = await tempDir();
  const script = path.join(work, 'cli.mts');
  await fs.writeFile(script, cli);
  const feedFile = path.join(work, 'full.xml');
  await fs.writeFile(feedFile, feed());
  return { work, script, feedFile, root: path.join(work, 'archive') };
}

/** The journal's records (last line of each id), the article files, and whether each pair matches — read without the store's code. */
async function audit(root: string): Promise<{ records: number; articles: number }> {
  const files = await listFiles(root);
  const articles = files.filter((f) => /^articles\/[^/]+\/\d{4}\//.test(f) && f.endsWith('.md'));
  const journalFile = files.find((f) => f.endsWith('/index.jsonl'));
  const records = new Map<string, { path: string; sha?: string }>();
  if (journalFile) {
    const text = await fs.readFile(path.join(root, journalFile), 'utf8');
    assert.ok(text === '' || text.endsWith('\n'), 'the journal never ends in a torn line');
    for (const line of text.split('\n').filter(Boolean)) {
      const rec = JSON.parse(line) as { id: string; path: string; sha?: string };
      records.set(rec.id, rec);
    }
  }
  const recorded = new Set([...records.values()].map((r) => r.path));
  for (const f of articles) assert.ok(recorded.has(f), `${f} has its record`);
  for (const r of records.values()) {
    const bytes = await fs.readFile(path.join(root, r.path));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), r.sha, `${r.path} matches its record`);
  }
  for (const f of files) assert.ok(!f.endsWith('.tmp') || f.startsWith('.newsvault/'), `no temporary file outside .newsvault/: ${f}`);
  return { records: records.size, articles: articles.length };
}

test('disk full mid-run: exit 5 naming the path, only committed articles counted, the next run finishes and rebuilds the pages', { skip, timeout: 5 * 60_000 }, async () => {
  const { script, feedFile, root } = await setup();
  // from the 4th rename on, the disk is full (the 1st marks the source, the next ones place articles)
  const full = await run(script, root, feedFile, 'rename:error=ENOSPC:when=4+');
  assert.equal(full.code, 5, full.stderr + full.stdout);
  // the log goes to stderr (JSON lines: not a terminal): the error is the last record, one line, no stack
  assert.doesNotMatch(full.stderr, /^\s+at /m);
  const last = JSON.parse(full.stderr.trim().split('\n').at(-1)!) as { level: string; code: number; path: string; msg: string };
  assert.deepEqual([last.level, last.code], ['error', 5]);
  assert.match(last.path, /^articles\/full\/2024\/01-01\//);
  const message = last.msg;
  assert.match(message, /^cannot write articles\/full\/2024\/01-01\/\d{4}_[^ ]+\.md: no space left on the device \(ENOSPC\); free some space on that disk, then run again/);
  const committed = Number(/(\d+) new/.exec(full.stderr + full.stdout)?.[1]);
  const after = await audit(root);
  assert.ok(committed >= 1 && committed < ITEMS, full.stdout);
  assert.equal(after.records, committed, 'the report counts exactly what was committed');
  assert.equal(after.articles, committed);

  const again = await run(script, root, feedFile);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.match(again.stderr + again.stdout, new RegExp(`${ITEMS - committed} new`));
  const done = await audit(root);
  assert.equal(done.records, ITEMS);
  assert.equal(done.articles, ITEMS);
  const list = await fs.readFile(path.join(root, 'lists', 'full.md'), 'utf8');
  assert.equal(list.match(/^\d+-\d+ \[/gm)?.length, ITEMS, 'the list holds every article, those of the stopped run too');
  assert.match(await fs.readFile(path.join(root, 'README.md'), 'utf8'), /full/);
  const files = await listFiles(root);
  assert.ok(!files.some((f) => f.startsWith('.newsvault/open/')), 'the source is left in order');
  assert.ok(!files.includes('.newsvault/lock'), 'no lock left');
});

test('a stopped run left its pages stale: the next run with nothing new still rebuilds them', { skip, timeout: 5 * 60_000 }, async () => {
  const { script, feedFile, root } = await setup();
  assert.equal((await run(script, root, feedFile)).code, 0);
  // the list is lost (as if the run had been stopped before writing it), and the source is marked open
  await fs.rm(path.join(root, 'lists', 'full.md'));
  await fs.writeFile(path.join(root, 'lists', 'full.md'), 'full\n------\n\n');
  await fs.mkdir(path.join(root, '.newsvault', 'open'), { recursive: true });
  await fs.writeFile(path.join(root, '.newsvault', 'open', 'full'), '');
  const again = await run(script, root, feedFile);
  assert.equal(again.code, 0, again.stderr);
  const list = await fs.readFile(path.join(root, 'lists', 'full.md'), 'utf8');
  assert.equal(list.match(/^\d+-\d+ \[/gm)?.length, ITEMS);
  assert.ok(!(await listFiles(root)).some((f) => f.startsWith('.newsvault/open/')));
});

test('a read-only archive: the lock cannot be taken, exit 5 with the path; nothing written', { skip, timeout: 5 * 60_000 }, async () => {
  const { script, feedFile, root } = await setup();
  const ro = await run(script, root, feedFile, 'link:error=EROFS');
  assert.equal(ro.code, 5, ro.stderr + ro.stdout);
  assert.doesNotMatch(ro.stderr, /^\s+at /m);
  assert.match(ro.stderr.trim().split('\n').at(-1)!, /^\{"level":"error".*"msg":"cannot write .*\.newsvault\/lock.*: the file system is read-only \(EROFS\); remount it read-write or choose another --archive/);
  assert.equal((await audit(root)).records, 0);
});

test('storage failures: each condition named, with what to do; the path relative to the archive; other errors are not', () => {
  const err = (code: string, extra: object = {}) => Object.assign(new Error(code), { code, ...extra });
  const root = '/srv/archive';
  assert.match(storageFailure(err('ENOSPC', { path: '/srv/archive/.newsvault/tmp/x.tmp', dest: '/srv/archive/articles/a/b.md' }), root)!.message, /^cannot write articles\/a\/b\.md: no space left on the device \(ENOSPC\)/);
  assert.match(storageFailure(err('EDQUOT', { path: '/srv/archive/x' }), root)!.message, /quota/);
  assert.match(storageFailure(err('EACCES', { path: '/elsewhere/x' }), root)!.message, /^cannot write \/elsewhere\/x: permission denied \(EACCES\); make the archive folder writable/);
  assert.match(storageFailure(err('EROFS'), root)!.message, /\(unknown path\): the file system is read-only/);
  assert.equal(storageFailure(err('ENOENT', { path: '/srv/archive/x' }), root), null);
  assert.equal(storageFailure(err('EACCES', { syscall: 'connect' }), root), null, 'a refused socket is the network, not the archive');
  assert.equal(storageFailure(new Error('plain'), root), null);
  assert.equal(storageFailure('ENOSPC', root), null);
});
