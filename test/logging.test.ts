/**
 * Logs and progress through the CLI, against real HTTP servers on 127.0.0.1 (issue 12): stderr not a
 * terminal gives JSON lines, each parseable, every error naming its source and URL, and stdout only the
 * result; --log-format text, --quiet, --log-level; progress records when not on a terminal (their period set
 * to 0 by NEWSVAULT_PROGRESS_INTERVAL, not waited for); and a source's pages fetched several at once, within
 * the bound, yet committed in the feed's order.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { formatText, logSettings } from '../src/log/index.ts';
import { createProgress, describeProgress, figures } from '../src/log/progress.ts';
import { tempDir } from '../src/testing/tree.ts';

const ITEMS = 12;
const pageText = (n: number) => `第${n}篇文章的全文：这是网页上的正文，只有从网页抓取才会出现在存档里。`.repeat(6);

/** Pages of /slow/ in flight now, and the most seen at once. */
let inFlight = 0;
let maxInFlight = 0;
/** Held /slow/ page responses, released together (the latest first) once two are in flight. */
let held: (() => void)[] = [];
let server: http.Server;
let base = '';

function feed(prefix: string, count: number): string {
  const items = Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    // a summary only: the article's text is on its page
    return `<item><title>条目 ${n}</title><link>${base}/${prefix}/${n}</link><guid isPermaLink="false">${prefix}-${n}</guid>
      <pubDate>Wed, 10 Apr 2024 ${String(6 + (n % 12)).padStart(2, '0')}:30:00 GMT</pubDate><description>摘要 ${n}</description></item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>测试</title><link>${base}/</link>${items.join('')}</channel></rss>`;
}

function page(n: number): string {
  return `<!doctype html><html><head><title>条目 ${n}</title></head><body><article><h1>条目 ${n}</h1><p>${pageText(n)}</p><p>${pageText(n)}</p></article></body></html>`;
}

before(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const m = /^\/(page|slow)\/(\d+)$/.exec(url);
    if (url === '/feed.xml' || url === '/slow.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(feed(url === '/feed.xml' ? 'page' : 'slow', url === '/feed.xml' ? 3 : ITEMS));
    } else if (url === '/page/2') {
      // one page that cannot be had: a warning naming its URL, the feed's text kept
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('gone');
    } else if (m?.[1] === 'page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(Number(m[2])));
    } else if (m?.[1] === 'slow') {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const answer = () => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page(Number(m[2])));
      };
      held.push(answer);
      const release = () => {
        const now = held.reverse();
        held = [];
        for (const a of now) a();
      };
      // two at once: all answered, the latest first (so that later items are ready before earlier ones); the
      // last item's page may come alone. Pages fetched one by one would be held until the fetch times out, and
      // the test fails on its counts (no timer here: nothing depends on how fast the machine is)
      if (inFlight >= 2 || Number(m[2]) === ITEMS) release();
    } else if (url === '/broken') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('oops');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

/** Every stderr line, each parsed (throws on a line that is not JSON). */
function records(err: string[]): Record<string, unknown>[] {
  return err
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`a stderr line is not JSON: ${line}`);
      }
    });
}

async function archiveWith(sources: string[], run: string[] = []): Promise<string> {
  const root = await tempDir();
  await fs.writeFile(
    path.join(root, 'newsvault.yaml'),
    [
      'sources:',
      ...['rfi', 'bbc', 'voa', 'nytimes', 'dw', 'rfa', 'ftchinese', 'cdt'].map((s) => `  ${s}: { enabled: false }`),
      ...sources,
      'run:',
      '  retries: 0',
      '  perHostDelayMs: 0',
      ...run,
      '',
    ].join('\n'),
  );
  return root;
}

const twoSources = () => [`  good: { name: 好来源, feed: "${base}/feed.xml" }`, `  broken: { name: 坏来源, feed: "${base}/broken" }`];

/** With env variables set for one call of main. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('stderr not a terminal: JSON log lines, errors and warnings naming source and URL; --json: stdout is the report alone', async () => {
  const root = await archiveWith(twoSources());
  const c = capture();
  const code = await main(['node', 'newsvault', 'run', '--archive', root, '--json'], c.io);
  assert.equal(code, 3);
  // stdout: one JSON document, naming the failure
  const report = JSON.parse(c.out.join('')) as { sources: { slug: string; status: string; errors: string[] }[] };
  const broken = report.sources.find((s) => s.slug === 'broken')!;
  assert.equal(broken.status, 'failed');
  assert.match(broken.errors[0]!, /HTTP 500/);
  // stderr: JSON lines only
  const logged = records(c.err);
  assert.ok(logged.length > 0);
  for (const r of logged) {
    assert.equal(typeof r.level, 'string');
    assert.equal(typeof r.msg, 'string');
    assert.equal(typeof r.time, 'string');
  }
  const errors = logged.filter((r) => r.level === 'error');
  assert.ok(errors.length > 0, 'the failing feed is logged as an error');
  for (const e of errors) {
    assert.equal(typeof e.source, 'string', `an error names its source: ${JSON.stringify(e)}`);
    assert.match(String(e.url), /^http:\/\/127\.0\.0\.1:\d+\//, `an error names its URL: ${JSON.stringify(e)}`);
  }
  assert.ok(errors.some((e) => e.source === 'broken' && e.url === `${base}/broken` && /HTTP 500/.test(String(e.msg))));
  const warnings = logged.filter((r) => r.level === 'warn');
  assert.ok(
    warnings.some((w) => w.source === 'good' && w.url === `${base}/page/2` && /not extracted/.test(String(w.msg))),
    `the page that could not be fetched is a warning naming source and URL: ${JSON.stringify(warnings)}`,
  );
  for (const w of warnings) assert.equal(typeof w.source, 'string');
  // each source's outcome is an info record with its counts
  const good = logged.find((r) => r.level === 'info' && r.source === 'good' && r.status !== undefined);
  assert.equal(good?.status, 'ok');
  assert.equal(good?.new, 3);
});

test('without --json, stdout is the table and stderr still JSON lines (not a terminal); --log-format text: readable lines', async () => {
  const root = await archiveWith(twoSources());
  const plain = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root], plain.io), 3);
  assert.match(plain.out.join('\n'), /source.*status/);
  records(plain.err);

  const text = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', await archiveWith(twoSources()), '--log-format', 'text'], text.io), 3);
  const lines = text.err.join('').split('\n').filter(Boolean);
  for (const line of lines) assert.throws(() => JSON.parse(line), `not JSON: ${line}`);
  assert.ok(lines.some((l) => l.startsWith(`newsvault: broken: ${base}/broken: HTTP 500`)), lines.join('\n'));
  assert.ok(lines.some((l) => /^newsvault: warning: good: full text of "条目 2" not extracted.*\/page\/2/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^ {2}good: ok/.test(l)), lines.join('\n'));
  // the variable does the same
  const env = capture();
  assert.equal(await withEnv({ NEWSVAULT_LOG_FORMAT: 'text' }, () => main(['node', 'newsvault', 'run', '--archive', root], env.io)), 3);
  assert.ok(env.err.join('').includes(`newsvault: broken: ${base}/broken: HTTP 500`), env.err.join(''));
});

test('--quiet and --log-level error: errors only; --log-level warn: warnings too; a bad level is a usage error', async () => {
  const root = await archiveWith(twoSources());
  for (const args of [['--quiet'], ['--log-level', 'error'], ['-q']]) {
    const c = capture();
    // global options go before or after the command
    assert.equal(await main(['node', 'newsvault', ...args, 'run', '--archive', root, '--json', '--force'], c.io), 3);
    const logged = records(c.err);
    assert.ok(logged.length > 0, args.join(' '));
    assert.deepEqual([...new Set(logged.map((r) => r.level))], ['error'], args.join(' '));
    JSON.parse(c.out.join(''));
  }
  const warn = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', await archiveWith(twoSources()), '--log-level', 'warn'], warn.io), 3);
  assert.deepEqual([...new Set(records(warn.err).map((r) => r.level))].sort(), ['error', 'warn']);
  const env = capture();
  assert.equal(await withEnv({ NEWSVAULT_LOG_LEVEL: 'error' }, () => main(['node', 'newsvault', 'run', '--archive', root, '--force'], env.io)), 3);
  assert.deepEqual([...new Set(records(env.err).map((r) => r.level))], ['error']);

  const bad = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--log-level', 'loud'], bad.io), 2);
  assert.match(bad.err.join(''), /--log-level must be one of trace, debug, info, warn, error, silent/);
  assert.deepEqual(bad.out, []);
});

test('a fatal error with --json is one JSON record with the exit code', async () => {
  const root = await archiveWith(twoSources());
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--only', 'nosuch', '--json'], c.io), 2);
  const [record, ...rest] = records(c.err);
  assert.deepEqual(rest, []);
  assert.equal(record!.level, 'error');
  assert.equal(record!.code, 2);
  assert.match(String(record!.msg), /unknown source\(s\): nosuch/);
  assert.deepEqual(c.out, []);
});

test('progress: records per source when stderr is not a terminal; none with --quiet or --log-level warn', async () => {
  const root = await archiveWith([`  good: { name: 好来源, feed: "${base}/feed.xml" }`]);
  const c = capture();
  assert.equal(await withEnv({ NEWSVAULT_PROGRESS_INTERVAL: '0' }, () => main(['node', 'newsvault', 'run', '--archive', root, '--json'], c.io)), 0);
  const progress = records(c.err).filter((r) => r.progress === true);
  assert.deepEqual(
    progress.map((r) => [r.source, r.done, r.total]),
    [0, 1, 2, 3].map((done) => ['good', done, 3]),
  );
  for (const p of progress) {
    assert.equal(p.level, 'info');
    assert.equal(typeof p.rate, 'number');
    assert.match(String(p.msg), /^\d+\/3 items \(\d+%\), [\d.]+\/s, ETA /);
  }
  assert.ok(progress.slice(1).every((p) => typeof p.etaSeconds === 'number'), 'an ETA once something is done');
  // reindex: its total is not known ahead, the count and the rate are
  const r = capture();
  assert.equal(await withEnv({ NEWSVAULT_PROGRESS_INTERVAL: '0' }, () => main(['node', 'newsvault', 'reindex', '--archive', root, '--json'], r.io)), 0);
  const indexed = records(r.err).filter((x) => x.progress === true);
  assert.ok(indexed.length > 0, 'reindex progress');
  assert.deepEqual(indexed.at(-1), { ...indexed.at(-1), task: 'reindex', done: 3, label: 'good' });
  assert.match(String(indexed.at(-1)!.msg), /^3 articles, [\d.,]+\/s · good$/);
  // build: the articles considered, of how many
  const b = capture();
  assert.equal(await withEnv({ NEWSVAULT_PROGRESS_INTERVAL: '0' }, () => main(['node', 'newsvault', 'build', '--archive', root, '--json'], b.io)), 0, b.err.join(''));
  const built = records(b.err).filter((x) => x.progress === true);
  assert.ok(built.length > 0, 'build progress');
  assert.deepEqual(built.at(-1), { ...built.at(-1), task: 'build', done: 3, total: 3 });
  assert.match(String(built.at(-1)!.msg), /^3\/3 articles \(100%\)/);
  for (const args of [['--quiet'], ['--log-level', 'warn']]) {
    const q = capture();
    await withEnv({ NEWSVAULT_PROGRESS_INTERVAL: '0' }, () => main(['node', 'newsvault', ...args, 'run', '--archive', root, '--force'], q.io));
    assert.equal(records(q.err).filter((r) => r.progress === true).length, 0, args.join(' '));
  }
});

test("a source's pages are fetched several at once, within the bound, and committed in the feed's order", async () => {
  const root = await archiveWith([`  slow: { name: 慢来源, feed: "${base}/slow.xml" }`], ['  perHostConcurrency: 8']);
  maxInFlight = 0;
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--json'], c.io), 0, c.err.join(''));
  assert.ok(maxInFlight > 1, `pages fetched at once: ${maxInFlight}`);
  assert.ok(maxInFlight <= 4, `at most the default page concurrency (4) at once: ${maxInFlight}`);
  const report = JSON.parse(c.out.join('')) as { sources: { new: number; fullText: number }[]; events: { type: string; record: { guid: string } }[] };
  assert.equal(report.sources[0]!.new, ITEMS);
  assert.equal(report.sources[0]!.fullText, ITEMS);
  const feedOrder = Array.from({ length: ITEMS }, (_, i) => `slow-${i + 1}`);
  assert.deepEqual(report.events.filter((e) => e.type === 'added').map((e) => e.record.guid), feedOrder);
  const manifest = (await fs.readFile(path.join(root, 'articles', 'slow', 'index.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { guid?: string }).guid)
    .filter((g): g is string => typeof g === 'string');
  assert.deepEqual(manifest, feedOrder, "the manifest's records in the feed's order");

  // --page-concurrency 2 holds too
  const again = await archiveWith([`  slow: { name: 慢来源, feed: "${base}/slow.xml" }`], ['  perHostConcurrency: 8']);
  maxInFlight = 0;
  assert.equal(await main(['node', 'newsvault', 'run', '--archive', again, '--json', '--page-concurrency', '2'], capture().io), 0);
  assert.equal(maxInFlight, 2);
});

test('logSettings: flags over variables over the terminal; --json makes the log JSON', () => {
  assert.deepEqual(logSettings({ isTTY: true, env: {} }), { level: 'info', format: 'text' });
  assert.deepEqual(logSettings({ isTTY: false, env: {} }), { level: 'info', format: 'json' });
  assert.deepEqual(logSettings({ isTTY: true, json: true, env: {} }), { level: 'info', format: 'json' });
  assert.deepEqual(logSettings({ isTTY: true, json: true, format: 'text', env: {} }), { level: 'info', format: 'text' });
  assert.deepEqual(logSettings({ isTTY: false, env: { NEWSVAULT_LOG_FORMAT: 'TEXT', NEWSVAULT_LOG_LEVEL: 'debug' } }), { level: 'debug', format: 'text' });
  assert.equal(logSettings({ isTTY: false, quiet: true, env: { NEWSVAULT_LOG_LEVEL: 'debug' } }).level, 'error');
  assert.equal(logSettings({ isTTY: false, quiet: true, level: 'warn', env: {} }).level, 'warn');
  assert.equal(logSettings({ isTTY: false, verbose: true, env: {} }).level, 'debug');
  assert.throws(() => logSettings({ isTTY: false, env: { NEWSVAULT_LOG_FORMAT: 'xml' } }), /\$NEWSVAULT_LOG_FORMAT must be one of json, text, not "xml"/);
});

test('formatText: the words of the command line; the URL added when the message lacks it', () => {
  assert.equal(formatText({ level: 'error', msg: 'http://x/rss: HTTP 500', source: 'rfi', url: 'http://x/rss' }), 'newsvault: rfi: http://x/rss: HTTP 500');
  assert.equal(formatText({ level: 'warn', msg: 'not extracted', source: 'bbc', url: 'http://x/a' }), 'newsvault: warning: bbc: not extracted (http://x/a)');
  assert.equal(formatText({ level: 'info', msg: 'ok, 3 new', source: 'dw', new: 3 }), '  dw: ok, 3 new');
  assert.equal(formatText({ level: 'info', msg: 'Archiving 1 source(s)' }), 'Archiving 1 source(s)');
  assert.equal(formatText({ level: 'debug', msg: 'x', source: 's', n: 1, t: 'a b' }), 'debug: s: x n=1 t="a b"');
  assert.equal(formatText({ level: 'error', msg: 'boom', code: 1 }, true), '\x1b[31mnewsvault: boom\x1b[0m');
  // watch's lines say when
  assert.equal(formatText({ level: 'info', time: '2026-12-04T06:00:01.234Z', msg: 'ok, 2 new', source: 'rfi' }, false, true), '[2026-12-04T06:00:01Z] rfi: ok, 2 new');
});

test('progress lines: one per task per period, from a clock; rate and ETA', () => {
  let now = 0;
  const lines: [Record<string, unknown>, string][] = [];
  const log = { trace() {}, debug() {}, info: (f: Record<string, unknown>, m: string) => void lines.push([f, m]), warn() {}, error() {}, isLevelEnabled: () => true };
  const p = createProgress({ mode: 'lines', unit: 'items', log, intervalMs: 10_000, now: () => now });
  p.update('rfi', 0, 100);
  now = 5_000;
  p.update('rfi', 10, 100);
  assert.equal(lines.length, 0, 'nothing before the period');
  now = 10_000;
  p.update('rfi', 20, 100);
  now = 12_000;
  p.update('rfi', 24, 100);
  assert.equal(lines.length, 1);
  assert.deepEqual(lines[0]![0], { progress: true, source: 'rfi', done: 20, total: 100, rate: 2, etaSeconds: 40 });
  assert.equal(lines[0]![1], '20/100 items (20%), 2.0/s, ETA 0:40');
  p.finish('rfi');
  now = 30_000;
  p.update('rfi', 100, 100);
  assert.equal(lines.length, 1, 'nothing after the task finished');
  assert.equal(describeProgress(figures(1234, null, 1000), 'articles'), '1,234 articles, 1,234/s');
});

test('progress bars on a terminal: a bar per task with counts, rate and ETA; log lines go above them and none is lost at stop', () => {
  let written = '';
  // a terminal as cli-progress sees one: isTTY, a width, write()
  const tty = { isTTY: true, columns: 120, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
  const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => true };
  let now = 0;
  const p = createProgress({ mode: 'bars', unit: 'items', log: silent, stream: tty, now: () => now });
  assert.equal(p.write, null, 'no bar yet: lines are written directly');
  p.update('rfi', 0, 10);
  now = 2000;
  p.update('rfi', 4, 10);
  p.update('bbc', 1, 2);
  assert.notEqual(p.write, null);
  p.write!('newsvault: warning: rfi: something (http://x/a)');
  p.stop();
  const plain = written.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  assert.match(plain, /rfi +\[[^\]]+\] 4\/10 items \| 2\.0\/s \| ETA 0:03/);
  assert.match(plain, /bbc +\[[^\]]+\] 1\/2 items/);
  assert.ok(plain.includes('newsvault: warning: rfi: something (http://x/a)'), 'the line given while the bars were drawn');
  assert.equal(p.write, null, 'stopped: lines are written directly again');
});

test('formatText: a hostile title or URL stays on one line and cannot drive the terminal', () => {
  const line = formatText({ level: 'warn', source: 'rfi', url: 'http://x/a\u202e', msg: '标题\n第二行 \u001b[2J\u202egpj.exe' });
  assert.equal(line, 'newsvault: warning: rfi: 标题 第二行 \\u001b[2J\\u202egpj.exe (http://x/a\\u202e)');
  assert.doesNotMatch(line, /[\u0000-\u001f\u202e]/);
});

test('import: progress records, a refused file an error record naming its path (not on stdout), stdout the JSON report', async () => {
  const from = await tempDir('newsvault-old-');
  const files: Record<string, string> = {
    'articles/bbc/1001.md': `<!--${Date.UTC(2020, 9, 10)}-->\n[标题一](https://www.bbc.com/zhongwen/simp/a-1)\n------\n\n<p>${'正文很长。'.repeat(60)}</p>\n`,
    'articles/bbc/1002.md': `<!--${Date.UTC(2020, 9, 11)}-->\n[标题二](https://www.bbc.com/zhongwen/simp/a-2)\n------\n\n<p>${'又一篇。'.repeat(60)}</p>\n`,
    'articles/bbc/1003.md': '<p>no header</p>\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(from, rel)), { recursive: true });
    await fs.writeFile(path.join(from, rel), text);
  }
  const root = await tempDir();
  const c = capture();
  assert.equal(await withEnv({ NEWSVAULT_PROGRESS_INTERVAL: '0' }, () => main(['node', 'newsvault', 'import', from, '--archive', root, '--json'], c.io)), 3);
  const report = JSON.parse(c.out.join('')) as { imported: number; refused: { path: string }[] };
  assert.equal(report.imported, 2);
  assert.deepEqual(report.refused.map((r) => r.path), ['articles/bbc/1003.md']);
  const logged = records(c.err);
  const progress = logged.filter((r) => r.progress === true);
  assert.deepEqual(progress.at(-1), { ...progress.at(-1), task: 'import', done: 3, total: 3 });
  const errors = logged.filter((r) => r.level === 'error');
  assert.deepEqual(errors.map((e) => [e.path, /^refused: articles\/bbc\/1003\.md: no header/.test(String(e.msg))]), [['articles/bbc/1003.md', true]]);

  const quiet = capture();
  const other = await tempDir();
  assert.equal(await withEnv({ NEWSVAULT_PROGRESS_INTERVAL: '0' }, () => main(['node', 'newsvault', 'import', from, '--archive', other, '--no-progress'], quiet.io)), 3);
  assert.equal(records(quiet.err).filter((r) => r.progress === true).length, 0, '--no-progress');
  assert.doesNotMatch(quiet.out.join('\n'), /refused: /, 'the table and totals on stdout, not the refused files');
  assert.match(quiet.out.join('\n'), /3 file\(s\) in [\d.]+ s: 2 added/);
});
