/**
 * One writer per archive. The lock on its own (stale holders, reused pids, half-written files, other
 * hosts), then through the CLI: 20 rounds of two runs started at once on one archive, and a run SIGKILLed
 * while it holds the lock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileArchive, FileState, LOCK_FILE, LockedError, acquireLock } from '../src/storage/index.ts';
import { tempDir } from '../src/testing/tree.ts';

const lockOpts = (root: string) => ({ tmpDir: path.join(root, '.newsvault', 'tmp') });
const lockFile = (root: string) => path.join(root, LOCK_FILE);

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

async function writeLock(root: string, holder: Record<string, unknown>): Promise<void> {
  await fs.mkdir(path.dirname(lockFile(root)), { recursive: true });
  await fs.writeFile(lockFile(root), `${JSON.stringify(holder)}\n`);
}

const holder = (over: Record<string, unknown> = {}) => ({ pid: deadPid(), host: os.hostname(), nonce: '0123456789abcdef', since: new Date().toISOString(), ...over });

test('a held lock refuses a second taker, naming the holder; release frees it', async () => {
  const root = await tempDir();
  const lock = await acquireLock(lockFile(root), { ...lockOpts(root), command: 'newsvault run' });
  await assert.rejects(acquireLock(lockFile(root), lockOpts(root)), (err: Error) => err instanceof LockedError && /another newsvault run \(pid \d+/.test(err.message));
  await lock.release();
  await lock.release();
  await assert.rejects(fs.stat(lockFile(root)), /ENOENT/);
  const again = await acquireLock(lockFile(root), lockOpts(root));
  await again.release();
});

test('stale locks are taken over: a dead pid, this pid from an earlier process (containers), another boot', async () => {
  for (const stale of [holder(), holder({ pid: process.pid }), holder({ pid: process.pid === 1 ? 2 : 1, boot: 'another-boot' })]) {
    const root = await tempDir();
    await writeLock(root, stale);
    const lock = await acquireLock(lockFile(root), lockOpts(root));
    assert.notEqual(lock.holder.nonce, stale.nonce);
    assert.equal(JSON.parse(await fs.readFile(lockFile(root), 'utf8')).nonce, lock.holder.nonce);
    await lock.release();
    assert.deepEqual((await fs.readdir(path.join(root, '.newsvault'))).filter((n) => n.startsWith('lock')), [], 'no break token left');
  }
});

test('a live holder on this host, or any holder on another host, keeps the lock', async () => {
  const root = await tempDir();
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    await writeLock(root, holder({ pid: sleeper.pid }));
    await assert.rejects(acquireLock(lockFile(root), lockOpts(root)), LockedError);
    await writeLock(root, holder({ host: `not-${os.hostname()}` }));
    await assert.rejects(acquireLock(lockFile(root), lockOpts(root)), /on not-/);
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('an unreadable lock file is respected while it may be being written, then taken over', async () => {
  const root = await tempDir();
  await fs.mkdir(path.dirname(lockFile(root)), { recursive: true });
  await fs.writeFile(lockFile(root), '');
  await assert.rejects(acquireLock(lockFile(root), lockOpts(root)), LockedError);
  const lock = await acquireLock(lockFile(root), { ...lockOpts(root), unreadableGraceMs: 0 });
  await lock.release();
});

test('a process that exits without releasing (process.exit, as after a signal) removes its lock; a second taker in it does not undo that', async () => {
  const root = await tempDir();
  const script = path.join(root, 'exit.mts');
  await fs.writeFile(
    script,
    `import { acquireLock } from ${JSON.stringify(new URL('../src/storage/index.ts', import.meta.url).pathname)};
const [file, tmpDir] = process.argv.slice(2);
await acquireLock(file, { tmpDir });
await acquireLock(file, { tmpDir }).catch(() => {});
process.exit(0);
`,
  );
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, lockFile(root), lockOpts(root).tmpDir], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  await assert.rejects(fs.stat(lockFile(root)), /ENOENT/);
});

test('many takers racing for one stale lock: exactly one wins', async () => {
  for (let round = 0; round < 10; round++) {
    const root = await tempDir();
    await writeLock(root, holder());
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(lockFile(root), lockOpts(root))));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, `round ${round}: ${results.map((r) => r.status).join(' ')}`);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof LockedError, String(r.reason));
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
  }
});

// ---------------------------------------------------------------------------------------------
// Through the CLI, in separate processes

const cli = `
import { main } from ${JSON.stringify(new URL('../src/cli/main.ts', import.meta.url).pathname)};
process.exitCode = await main(process.argv);
`;

function feed(items: number): string {
  const body = `<p>${'一段足够长的正文。'.repeat(60)}</p>`;
  const entries = Array.from(
    { length: items },
    (_, i) =>
      `<item><guid>https://race.example/a/${i}</guid><title>第${i}篇</title><link>https://race.example/a/${i}</link><pubDate>${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toUTCString()}</pubDate><description><![CDATA[${body}]]></description></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>race</title>${entries.join('')}</channel></rss>`;
}

function spawnRun(script: string, root: string, feedFile: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'run', '--json', '--archive', root, '--feed', feedFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const ITEMS = 150;

/** A folder with the CLI runner script and a feed of ITEMS items. */
async function raceSetup(): Promise<{ work: string; script: string; feedFile: string }> {
  const work = await tempDir();
  const script = path.join(work, 'cli.mts');
  await fs.writeFile(script, cli);
  const feedFile = path.join(work, 'race.xml');
  await fs.writeFile(feedFile, feed(ITEMS));
  return { work, script, feedFile };
}

/** Waits until a run holds the archive's lock (bounded: one that never takes it fails the test later). */
async function lockTaken(root: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await fs.stat(lockFile(root)).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('20 rounds of two runs started at once: one archives, the other exits 4 (or finds nothing new); no duplicate, no lock left', async () => {
  const { work, script, feedFile } = await raceSetup();
  let refused = 0;
  for (let round = 0; round < 20; round++) {
    const root = path.join(work, `archive-${round}`);
    const [a, b] = [spawnRun(script, root, feedFile), spawnRun(script, root, feedFile)];
    const results = await Promise.all([a.done, b.done]);
    let added = 0;
    for (const r of results) {
      assert.ok(r.code === 0 || r.code === 4, `round ${round}: exit ${r.code}\n${r.stderr}`);
      if (r.code === 4) {
        refused++;
        assert.match(r.stderr, /another newsvault run \(pid \d+/);
      } else {
        added += (JSON.parse(r.stdout) as { sources: { new: number }[] }).sources[0]!.new;
      }
    }
    assert.equal(added, ITEMS, `round ${round}: every item archived exactly once`);
    const store = await new FileArchive(root).source('race');
    assert.equal(store.size, ITEMS, `round ${round}: no duplicate article`);
    const manifest = (await fs.readFile(path.join(root, 'articles/race/index.jsonl'), 'utf8')).split('\n').filter(Boolean);
    assert.equal(manifest.length, ITEMS, `round ${round}: one record per article`);
    await assert.rejects(fs.stat(lockFile(root)), /ENOENT/, `round ${round}: no lock left`);
    await fs.rm(root, { recursive: true, force: true });
  }
  assert.ok(refused >= 1, 'the runs did overlap at least once');
  await fs.rm(work, { recursive: true, force: true });
});

test('a run SIGKILLed while it holds the lock: the next run takes over at once and leaves no lock', async () => {
  const { work, script, feedFile } = await raceSetup();
  const root = path.join(work, 'archive');
  const first = spawnRun(script, root, feedFile);
  // wait until it holds the lock (bounded: a run that never takes it fails the test)
  await lockTaken(root);
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.equal(killed.signal, 'SIGKILL');
  const second = await spawnRun(script, root, feedFile).done;
  assert.equal(second.code, 0, second.stderr);
  assert.equal((await new FileArchive(root).source('race')).size, ITEMS);
  await assert.rejects(fs.stat(lockFile(root)), /ENOENT/);
  assert.deepEqual(await fs.readdir(path.join(root, '.newsvault', 'tmp')), [], 'the dead run’s temporary files are cleared');
  // and the local state it reads is whole
  assert.equal((await new FileState(root).loadHealth()).warning, null);
  await fs.rm(work, { recursive: true, force: true });
});

test('a run stopped with SIGTERM or SIGINT exits 143/130 at once and leaves no lock', async () => {
  const { work, script, feedFile } = await raceSetup();
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    const root = path.join(work, signal);
    const run = spawnRun(script, root, feedFile);
    await lockTaken(root);
    run.child.kill(signal);
    const stopped = await run.done;
    if (stopped.code === 0) continue; // it finished before the signal came: nothing to check
    assert.equal(stopped.code, code, stopped.stderr);
    assert.match(stopped.stderr, new RegExp(`${signal}: stopping`));
    await assert.rejects(fs.stat(lockFile(root)), /ENOENT/, `${signal}: the lock is released`);
    const again = await spawnRun(script, root, feedFile).done;
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await new FileArchive(root).source('race')).size, ITEMS);
  }
  await fs.rm(work, { recursive: true, force: true });
});

test('a holder that has ended but is not reaped yet (a zombie: its parent gone too, an init that does not reap) is stale', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  // `sleep 0.05 &` becomes a zombie once it ends: its parent execs `sleep 5`, which never waits for it
  const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    for (let i = 0; i < 100 && !/^\d+ \(.*\) Z/.test(await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(await fs.readFile(`/proc/${pid}/stat`, 'utf8'), /\) Z /, 'the process is a zombie');
    const root = await tempDir();
    await writeLock(root, holder({ pid }));
    const lock = await acquireLock(lockFile(root), lockOpts(root));
    assert.equal(JSON.parse(await fs.readFile(lockFile(root), 'utf8')).nonce, lock.holder.nonce);
    await lock.release();
  } finally {
    parent.kill();
  }
});
