/**
 * How a batch of new articles is made durable (src/archive/durable.ts): one syncfs(2) of the file system where
 * that is as safe as fsync, else an fsync per file and folder; and a syncfs that fails fails the batch (its
 * records are not written; the next open adopts the files). The system calls are counted with strace, which
 * follows the `sync -f` child; its syncfs is made to fail with strace's error injection. Skipped, saying so,
 * without strace; the syncfs cases are skipped, saying why, where syncfs is not used for the temporary folder
 * (another file system, an older kernel).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { syncfsRefusal } from '../src/archive/durable.ts';
import { BATCH_SIZE } from '../src/archive/store.ts';
import { FileArchive } from '../src/storage/index.ts';
import { listFiles, tempDir } from '../src/testing/tree.ts';

const hasStrace = spawnSync('strace', ['-V']).status === 0;

/** Commits `n` new articles to source `news` of the archive at argv[2], closes the store; exit 0, or 3 with the error. */
const committer = `
import { FileArchive } from ${JSON.stringify(new URL('../src/storage/index.ts', import.meta.url).pathname)};
import { itemKeys } from ${JSON.stringify(new URL('../src/archive/store.ts', import.meta.url).pathname)};
const [root, n] = [process.argv[2], Number(process.argv[3])];
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
const store = await new FileArchive(root).source('news');
try {
  for (let i = 0; i < n; i++) {
    const it = { id: 'guid-' + i, title: '第' + i + '篇', link: 'https://news.example/a/' + i, published: T0 + i * 60_000, updated: null, author: null, summary: null, content: '<p>' + ('第' + i + '篇的正文。').repeat(30) + '</p>', categories: [], enclosures: [] };
    await store.commit(await store.plan(itemKeys(it), it, T0 + 1e9), { now: T0 + 1e9, defer: true });
  }
  await store.close();
  await store.finish();
} catch (err) {
  process.stderr.write('FAILED ' + err.code + ' ' + err.message + '\\n');
  process.exitCode = 3;
}
`;

interface Traced {
  code: number | null;
  stderr: string;
  calls: Map<string, number>;
}

async function traced(root: string, n: number, opts: { env?: NodeJS.ProcessEnv; inject?: string } = {}): Promise<Traced> {
  const work = path.dirname(root);
  const script = path.join(work, 'committer.mts');
  await fs.writeFile(script, committer);
  const log = path.join(work, `strace-${Date.now()}.log`);
  const args = ['-f', '-o', log, '-e', 'trace=fsync,fdatasync,syncfs', ...(opts.inject ? ['-e', opts.inject] : []), process.execPath, '--import', 'tsx', script, root, String(n)];
  return new Promise((resolve, reject) => {
    const child = spawn('strace', args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const calls = new Map<string, number>();
      for (const m of readFileSync(log, 'utf8').matchAll(/^\d+\s+(fsync|fdatasync|syncfs)\(/gm)) calls.set(m[1]!, (calls.get(m[1]!) ?? 0) + 1);
      resolve({ code, stderr, calls });
    });
  });
}

const journal = (root: string) => fs.readFile(path.join(root, 'articles/news/index.jsonl'), 'utf8').then((t) => t.split('\n').filter(Boolean), () => []);

const N = BATCH_SIZE + 44;

test('syncfsRefusal: per-file fsync off Linux, before 5.8, when asked, on file systems not known to flush everything', async () => {
  const dir = await tempDir();
  assert.match(syncfsRefusal(dir, {}, 'darwin', '23.0.0') ?? '', /not Linux/);
  assert.match(syncfsRefusal(dir, {}, 'linux', '5.4.0-150-generic') ?? '', /5\.8/);
  assert.match(syncfsRefusal(dir, { NEWSVAULT_DURABLE: 'fsync' }, 'linux', '6.1.0') ?? '', /NEWSVAULT_DURABLE/);
  assert.match(syncfsRefusal(path.join(dir, 'missing'), {}, 'linux', '6.1.0') ?? '', /statfs/);
  // /proc is no block file system
  assert.match(syncfsRefusal('/proc', {}, 'linux', '6.1.0') ?? '', /file system type 0x9fa0/);
});

test('a batch of new articles is flushed with one syncfs where it can be, else file by file', { skip: hasStrace ? false : 'strace is not installed' }, async (t) => {
  const work = await tempDir();
  const refusal = syncfsRefusal(work);
  // file by file when asked (or where syncfs is not used): an fsync per article file and per folder
  const each = path.join(work, 'each');
  const byFile = await traced(each, N, { env: { NEWSVAULT_DURABLE: 'fsync' } });
  assert.equal(byFile.code, 0, byFile.stderr);
  assert.equal(byFile.calls.get('syncfs') ?? 0, 0);
  assert.ok((byFile.calls.get('fsync') ?? 0) + (byFile.calls.get('fdatasync') ?? 0) >= N, `file by file: ${[...byFile.calls]}`);
  assert.equal((await journal(each)).length, N);
  if (refusal !== null) {
    t.diagnostic(`syncfs is not used for ${work}: ${refusal}; the syncfs case is not run here`);
    return;
  }
  const once = path.join(work, 'once');
  const bySyncfs = await traced(once, N);
  assert.equal(bySyncfs.code, 0, bySyncfs.stderr);
  // one syncfs per batch (two batches: BATCH_SIZE, then the rest at close), and fsyncs only for the manifest and state
  t.diagnostic(`file by file: ${[...byFile.calls]}; with syncfs: ${[...bySyncfs.calls]}`);
  assert.equal(bySyncfs.calls.get('syncfs'), 2, `calls: ${[...bySyncfs.calls]}`);
  assert.ok((bySyncfs.calls.get('fsync') ?? 0) + (bySyncfs.calls.get('fdatasync') ?? 0) < 40, `calls: ${[...bySyncfs.calls]}`);
  assert.equal((await journal(once)).length, N);
  const files = (await listFiles(once)).filter((f) => f.startsWith('articles/') && f.endsWith('.md'));
  assert.equal(files.length, N);
});

test('a syncfs that fails fails the batch: no record is written, and the next open adopts the files', { skip: hasStrace ? false : 'strace is not installed' }, async (t) => {
  const work = await tempDir();
  const refusal = syncfsRefusal(work);
  if (refusal !== null) {
    t.skip(`syncfs is not used for ${work}: ${refusal}`);
    return;
  }
  const root = path.join(work, 'archive');
  const failed = await traced(root, 10, { inject: 'inject=syncfs:error=EIO' });
  assert.equal(failed.code, 3, failed.stderr);
  assert.match(failed.stderr, /FAILED EIO making new files durable failed: .*sync -f/);
  assert.deepEqual(await journal(root), [], 'no record names a file not known to be on disk');
  const next = await new FileArchive(root).source('news');
  assert.ok(next.unclean);
  assert.equal(next.size, 10, 'the next open adopts the ten files from their bytes');
});
