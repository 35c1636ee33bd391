/**
 * `newsvault watch` against real HTTP servers on 127.0.0.1: two sources on different intervals, archived as
 * their items appear; a restart resumes each source's schedule; --commit commits each cycle that changed
 * something and nothing else; SIGTERM mid-cycle finishes the item in flight, leaves no partial file, releases
 * the lock and exits 0 (the next run archives the rest); a second watch or run is refused while one runs.
 * Verdicts never depend on timing: waits are on observable conditions, with generous deadlines only to fail
 * a hang.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArticle, parseManifest } from '../src/archive/index.ts';
import { main } from '../src/cli/main.ts';
import type { Source } from '../src/domain.ts';
import { LOCK_FILE } from '../src/storage/index.ts';
import { tempDir } from '../src/testing/tree.ts';
import { seededRandom, watchArchive } from '../src/watch/index.ts';
import type { CycleReport } from '../src/watch/index.ts';

// ---------------------------------------------------------------------------------------------
// A loopback server: feeds whose items the tests add to, with ETags (a feed unchanged answers 304), and
// article pages answered slowly

interface Feed {
  items: number[];
  polls: number;
}
const feeds = new Map<string, Feed>();
let pageRequests = 0;
let server: http.Server;
let base = '';

const text = (name: string, i: number) => `<p>${`${name}的第${i}篇文章，正文足够长。`.repeat(20)}</p>`;

function rss(name: string, items: number[]): string {
  const entries = items.map(
    (i) =>
      `<item><guid>${base}/${name}/${i}</guid><title>${name} ${i}</title><link>${base}/page/${name}/${i}</link>` +
      `<pubDate>${new Date(Date.UTC(2024, 0, 1, 8, i % 60, Math.floor(i / 60))).toUTCString()}</pubDate><description><![CDATA[${text(name, i)}]]></description></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${name}</title>${entries.join('')}</channel></rss>`;
}

before(async () => {
  // git without the user's or the system's configuration (signing, hooks, templates)
  const home = await tempDir();
  await fs.writeFile(path.join(home, 'gitconfig'), '');
  process.env.GIT_CONFIG_GLOBAL = path.join(home, 'gitconfig');
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const page = /^\/page\/([a-z]+)\/(\d+)$/.exec(url);
    if (page) {
      pageRequests++;
      // an article page, slowly: a cycle of many items takes a while
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><html><head><title>${page[1]} ${page[2]}</title></head><body><article><h1>${page[1]} ${page[2]}</h1>${text(page[1]!, Number(page[2])).repeat(3)}</article></body></html>`);
      }, 40);
      return;
    }
    const feed = feeds.get(url.slice(1));
    if (!feed) {
      res.writeHead(404);
      res.end();
      return;
    }
    feed.polls++;
    const body = rss(url.slice(1), feed.items);
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A feed named `name` (unique per test) with items 1..n. */
function feed(name: string, n: number): Feed {
  const f: Feed = { items: Array.from({ length: n }, (_, i) => i + 1), polls: 0 };
  feeds.set(name, f);
  return f;
}

const source = (slug: string): Source => ({ slug, name: slug, feeds: [`${base}/${slug}`], enabled: true, fullText: 'never' });

/** Waits until `check` holds; fails the test after a generous deadline (a hang), never on a slow machine's timing. */
async function until(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 60_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The ids in a source's manifest. */
async function archived(root: string, slug: string): Promise<string[]> {
  const file = path.join(root, 'articles', slug, 'index.jsonl');
  const content = await fs.readFile(file, 'utf8').catch(() => '');
  return [...parseManifest(content, file).records.values()].map((r) => r.title);
}

const intervals = (perSource: Record<string, number>) => ({ defaultMs: 60_000, minMs: 1000, maxMs: 3_600_000, adaptive: true, perSource });

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, text: () => [...out, ...err].join('\n') };
}

// ---------------------------------------------------------------------------------------------

test('two sources on different intervals: the fast one is polled again and again and archives items as they appear; the hourly one once', async () => {
  const root = await tempDir();
  const fast = feed('fast', 2);
  const hourly = feed('hourly', 2);
  const controller = new AbortController();
  const cycles: CycleReport[] = [];
  const watching = watchArchive({
    root,
    sources: [source('fast'), source('hourly')],
    intervals: intervals({ fast: 100, hourly: 3_600_000 }),
    run: { fetch: { retry: { retries: 0 } } },
    signal: controller.signal,
    random: seededRandom(1),
    onCycle: (c) => cycles.push(c),
  });
  try {
    await until('both sources archived', async () => (await archived(root, 'fast')).length === 2 && (await archived(root, 'hourly')).length === 2);
    // items appear at both sources; the fast one's are archived at its next polls
    fast.items.push(3);
    hourly.items.push(3);
    await until('fast 3 archived', async () => (await archived(root, 'fast')).includes('fast 3'));
    fast.items.push(4, 5);
    await until('fast 4 and 5 archived', async () => (await archived(root, 'fast')).length === 5);
    await until('fast polled 5 times', () => fast.polls >= 5);
  } finally {
    controller.abort();
    await watching;
  }
  assert.equal(hourly.polls, 1, 'the hourly source is not due again within the hour');
  assert.deepEqual((await archived(root, 'hourly')).sort(), ['hourly 1', 'hourly 2'], 'its new item waits for its next poll');
  const next = cycles.flatMap((c) => c.next);
  assert.ok(next.some((n) => n.slug === 'fast' && n.interval.ms === 100 && n.interval.how === 'fixed'));
  assert.ok(next.some((n) => n.slug === 'hourly' && n.interval.ms === 3_600_000));
  // the lists and README follow each cycle
  assert.match(await fs.readFile(path.join(root, 'lists', 'fast.md'), 'utf8'), /fast 5/);
  assert.match(await fs.readFile(path.join(root, 'README.md'), 'utf8'), /fast/);
  assert.equal(existsSync(path.join(root, LOCK_FILE)), false, 'the lock is released');

  // a restart resumes each schedule from the last poll: the hourly source is still not due
  const again = new AbortController();
  const resumed = watchArchive({
    root,
    sources: [source('fast'), source('hourly')],
    intervals: intervals({ fast: 100, hourly: 3_600_000 }),
    signal: again.signal,
    maxCycles: 3,
    random: seededRandom(2),
  });
  const result = await resumed;
  assert.equal(result.cycles, 3);
  assert.equal(hourly.polls, 1);
  assert.ok((await archived(root, 'hourly')).length === 2);
});

test('watch with a static site: each cycle updates the site from its events; a new item gets its page and the home page names it', async () => {
  const root = await tempDir();
  const out = path.join(await tempDir(), 'site');
  const f = feed('sited', 1);
  const controller = new AbortController();
  const cycles: CycleReport[] = [];
  const watching = watchArchive({
    root,
    sources: [source('sited')],
    intervals: intervals({ sited: 100 }),
    run: { fetch: { retry: { retries: 0 } } },
    site: { out },
    signal: controller.signal,
    random: seededRandom(3),
    onCycle: (c) => cycles.push(c),
  });
  const home = () => fs.readFile(path.join(out, 'index.html'), 'utf8').catch(() => '');
  try {
    await until('the first item on the site', async () => (await home()).includes('sited 1'));
    f.items.push(2);
    await until('the second item on the site', async () => (await home()).includes('sited 2'));
    // the cycles that find nothing new leave the article pages and the home page as they are
    const seen = cycles.length;
    await until('the site written', () => cycles.length > seen);
    const pages = async () => {
      const files = [path.join(out, 'index.html'), ...(await fs.readdir(path.join(out, 'a', 'sited'))).map((n) => path.join(out, 'a', 'sited', n))];
      return Promise.all(files.map(async (f) => `${f} ${(await fs.stat(f)).mtimeMs}`));
    };
    const before = await pages();
    const count = cycles.length;
    await until('two cycles with nothing new', () => cycles.length > count + 1);
    assert.deepEqual(await pages(), before);
  } finally {
    controller.abort();
    await watching;
  }
  assert.ok(cycles.every((c) => c.site?.status === 'updated'), JSON.stringify(cycles.map((c) => c.site)));
  const ids = await fs.readdir(path.join(out, 'a', 'sited'));
  assert.equal(ids.filter((n) => n.endsWith('.html')).length, 2, 'one page per archived article');
});

test('adaptive: a source with a history gets its learned interval within bounds; one without, the default', async () => {
  const root = await tempDir();
  feed('busy', 30);
  feed('fresh', 1);
  const controller = new AbortController();
  const starts: Array<{ slug: string; ms: number; how: string }> = [];
  // a first pass archives the busy source's 30 items at once: its history is 30 articles seen together
  await watchArchive({ root, sources: [source('busy')], intervals: intervals({}), signal: controller.signal, maxCycles: 1, random: () => 0 });
  await watchArchive({
    root,
    sources: [source('busy'), source('fresh')],
    intervals: { defaultMs: 120_000, minMs: 2000, maxMs: 600_000, adaptive: true },
    signal: controller.signal,
    maxCycles: 0,
    onStart: (next) => starts.push(...next.map((n) => ({ slug: n.slug, ms: n.interval.ms, how: n.interval.how }))),
  });
  const busy = starts.find((s) => s.slug === 'busy')!;
  assert.equal(busy.how, 'learned');
  assert.ok(busy.ms >= 2000 && busy.ms <= 600_000, `${busy.ms} within bounds`);
  assert.deepEqual(starts.find((s) => s.slug === 'fresh'), { slug: 'fresh', ms: 120_000, how: 'default' });
});

test('watch with commit: each cycle that changed something is committed; a cycle that changed nothing makes no commit', async () => {
  const root = await tempDir();
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  git('init', '-q');
  const f = feed('gitfeed', 3);
  const controller = new AbortController();
  const cycles: CycleReport[] = [];
  await watchArchive({
    root,
    sources: [source('gitfeed')],
    intervals: intervals({ gitfeed: 50 }),
    git: { commit: true },
    signal: controller.signal,
    maxCycles: 3,
    onCycle: (c) => {
      cycles.push(c);
      // after the second cycle, one more item
      if (c.cycle === 2) f.items.push(4);
    },
  });
  assert.deepEqual(
    cycles.map((c) => c.commit?.committed),
    [true, false, true],
  );
  assert.deepEqual(git('log', '--format=%s').split('\n'), ['archive: 1 new (gitfeed 1)', 'archive: 3 new (gitfeed 3)']);
  assert.equal(git('status', '--porcelain', '--', 'articles', 'lists', 'README.md'), '');
});

test('watch with push: each commit is pushed; a push rejected because a second clone pushed meanwhile is rebased and pushed', async () => {
  const work = await tempDir();
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' };
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd, encoding: 'utf8', env });
    assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const remote = path.join(work, 'remote.git');
  git(work, 'init', '-q', '--bare', '--initial-branch=main', remote);
  const root = path.join(work, 'a');
  const other = path.join(work, 'b');
  git(work, 'clone', '-q', remote, root);
  git(root, 'checkout', '-q', '-b', 'main');
  git(root, 'commit', '-q', '--allow-empty', '-m', 'start');
  git(root, 'push', '-q', 'origin', 'main');
  git(work, 'clone', '-q', remote, other);
  const f = feed('pushed', 2);
  const cycles: CycleReport[] = [];
  await watchArchive({
    root,
    sources: [source('pushed')],
    intervals: intervals({ pushed: 50 }),
    git: { commit: true, push: { remote: 'origin', delayMs: 10 } },
    signal: new AbortController().signal,
    maxCycles: 2,
    onCycle: (c) => {
      cycles.push(c);
      if (c.cycle === 1) {
        // another writer pushes in between; and the source brings one more item
        git(other, 'pull', '-q', '--rebase', 'origin', 'main');
        writeFileSync(path.join(other, 'NOTES.md'), 'notes\n');
        git(other, 'add', 'NOTES.md');
        git(other, 'commit', '-q', '-m', 'notes from elsewhere');
        git(other, 'push', '-q', 'origin', 'HEAD:main');
        f.items.push(3);
      }
    },
  });
  assert.deepEqual(cycles.map((c) => [c.commit?.committed, c.push?.pushed, c.push?.rebased, c.errors]), [
    [true, true, 0, []],
    [true, true, 1, []],
  ]);
  assert.deepEqual(git(remote, 'log', '--format=%s', 'main').split('\n'), ['archive: 1 new (pushed 1)', 'notes from elsewhere', 'archive: 2 new (pushed 2)', 'start']);
  assert.equal(git(root, 'rev-parse', 'HEAD'), git(remote, 'rev-parse', 'main'));
});

// ---------------------------------------------------------------------------------------------
// Through the CLI, in a process of its own: SIGTERM mid-cycle, and a second instance refused

const cli = `
import { main } from ${JSON.stringify(new URL('../src/cli/main.ts', import.meta.url).pathname)};
process.exitCode = await main(process.argv);
`;

test('SIGTERM mid-cycle: the item in flight is finished, no partial file, the lock released, exit 0; meanwhile a second watch or run is refused', async () => {
  const work = await tempDir();
  const root = path.join(work, 'archive');
  await fs.mkdir(root);
  const script = path.join(work, 'cli.mts');
  await fs.writeFile(script, cli);
  const ITEMS = 200;
  feed('slow', ITEMS);
  // full text from each article's page (40 ms each): one cycle takes a good while
  await fs.writeFile(path.join(root, 'newsvault.yaml'), `sources:\n  slow: { feed: "${base}/slow", fullText: always }\nrun:\n  perHostDelayMs: 0\n  retries: 0\n`);
  const before = pageRequests;
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'watch', '--archive', root, '--only', 'slow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  try {
    await until('the watch is archiving', () => pageRequests - before >= 5);

    // one watch per archive: a second watch, or a run, is refused with a clear message (exit 4)
    const second = capture();
    assert.equal(await main(['node', 'newsvault', 'watch', '--archive', root, '--only', 'slow'], second.io), 4);
    assert.match(second.text(), /another newsvault watch \(pid \d+, since .*\) is using this archive/);
    const run = capture();
    assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--only', 'slow'], run.io), 4);
    assert.match(run.text(), /another newsvault watch/);

    child.kill('SIGTERM');
    let deadline: NodeJS.Timeout | undefined;
    const { code, signal } = await Promise.race([
      exited,
      new Promise<never>((_, reject) => (deadline = setTimeout(() => reject(new Error(`the watch did not stop:\n${stderr}`)), 120_000))),
    ]).finally(() => clearTimeout(deadline));
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  assert.match(stderr, /SIGTERM: stopping after the item in flight/);
  assert.match(stderr, /stopped after 1 cycle/);
  assert.equal(existsSync(path.join(root, LOCK_FILE)), false, 'the lock is released');
  const tmp = await fs.readdir(path.join(root, '.newsvault', 'tmp')).catch(() => []);
  assert.deepEqual(tmp, [], 'no temporary file left');

  // stopped early, and whole: every article file has its record and reads back; the list names them all
  const manifest = await fs.readFile(path.join(root, 'articles', 'slow', 'index.jsonl'), 'utf8');
  const records = [...parseManifest(manifest, 'index.jsonl').records.values()];
  assert.ok(records.length >= 1 && records.length < ITEMS, `${records.length} archived before the stop`);
  const files: string[] = [];
  for (const e of await fs.readdir(path.join(root, 'articles', 'slow'), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.md')) files.push(path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  assert.deepEqual(files.sort(), records.map((r) => r.path).sort(), 'no article file without its record');
  for (const f of files) assert.ok(parseArticle(await fs.readFile(path.join(root, f), 'utf8')), f);
  const list = await fs.readFile(path.join(root, 'lists', 'slow.md'), 'utf8');
  assert.equal(list.match(/\]\(\/articles\//g)?.length, records.length, 'the list has every archived article');
  assert.equal(await fs.readFile(path.join(root, '.newsvault', 'open', 'slow'), 'utf8').catch(() => null), null, 'the source is left in order');

  // the feed cut short kept no validators: the next run archives the rest
  const rest = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--only', 'slow'], rest.io), 0, rest.text());
  assert.equal((await archived(root, 'slow')).length, ITEMS);
});
