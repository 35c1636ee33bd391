/**
 * Chaos: the real CLI (`node bin/newsvault.js run`, this checkout compiled as `npm run build` does; see
 * src/testing/build.ts) against a loopback server whose feeds change every round — new items, edited
 * bodies, titles and links, items dropped (some come back, a few return to an earlier text) — and in every
 * round a run SIGKILLed at a random moment (sometimes two in a row), then a run to completion that must
 * exit 0 (in a quarter of the rounds the feeds change again first — items back to their previous text,
 * dropped or edited — as they may before the next hourly run). After each round the archive is checked by code of this file alone (raw files, JSON.parse, SHA-256;
 * nothing of src/archive or src/storage):
 *
 * - every version served to a completed run is in the archive, as the article of its GUID or a revision;
 * - every article and revision file has its record and every record its file, with matching hashes;
 *   every file's header is in the format; no GUID is two articles, none is lost once its item was served to
 *   a completed run, and no text is kept twice for one article;
 * - no file outside `.newsvault/` but the archive's own (no temporary file); after the completing run no
 *   lock, no temporary file in `.newsvault/tmp/`, no source left marked open, and the list pages name every
 *   article by its current title; at the end, a run with nothing new writes nothing.
 *
 * Two sources (one with two feeds) run concurrently. The feeds come from a seeded PRNG: the seed is printed
 * (a diagnostic line) and `NEWSVAULT_CHAOS_SEED=<seed>` replays the feeds (the kill moments differ: they
 * are random moments, uniform over the time a completed run took from its start or from its first feed
 * request, or just after the n-th manifest append of the run). `NEWSVAULT_CHAOS_ROUNDS` sets the rounds
 * (default 30). No verdict depends on how fast the machine is: the only deadline turns a hung run into a
 * failure, far above the seconds a run takes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { builtCli } from '../src/testing/build.ts';
import { REPO_ROOT } from '../src/testing/repo.ts';
import { tempDir } from '../src/testing/tree.ts';
import { seededRandom } from '../src/watch/schedule.ts';

/** A whole number from the environment, or the fallback. */
function fromEnv(name: string, fallback: () => number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback();
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new Error(`${name} must be a whole number (it is "${value}")`);
  return Number(value);
}

const SEED = fromEnv('NEWSVAULT_CHAOS_SEED', () => randomInt(1, 2 ** 31 - 1));
const ROUNDS = fromEnv('NEWSVAULT_CHAOS_ROUNDS', () => 30);
/** A completing run that takes longer than this is taken for a hang (far above the seconds it takes). */
const HANG_MS = 180_000;

// ---------------------------------------------------------------------------------------------
// The feeds: a seeded model of items and their versions


interface Version {
  title: string;
  link: string;
  /** The body as served (one line, no surrounding white space: the article file holds it as it is). */
  body: string;
}

interface Item {
  /** Its number in its feed. */
  n: number;
  guid: string;
  published: number;
  versions: Version[];
  /** The version served now (an index into versions). */
  current: number;
  present: boolean;
  /** How many title and body versions it had, for distinct texts. */
  titles: number;
  bodies: number;
}

interface FeedModel {
  name: string;
  source: string;
  /** Where the body goes: RSS description, or content:encoded. */
  element: 'description' | 'content:encoded';
  items: Item[];
  next: number;
}

const SOURCES = [
  { slug: 'alpha', name: 'Alpha 快讯', feeds: ['alpha'] },
  { slug: 'beta', name: 'Beta 观察', feeds: ['beta-1', 'beta-2'] },
] as const;

const ZH = [
  '联合国安理会周四就地区局势举行紧急会议，多国代表呼吁各方保持克制。',
  '据当地媒体报道，暴雨导致多条铁路线路暂停运营，数千名旅客滞留车站。',
  '央行宣布维持基准利率不变，并表示将继续密切关注通胀走势。',
  '多名学者在研讨会上指出，新的数据保护法规将深刻影响跨境企业的运营。',
  '外交部发言人在例行记者会上回答了有关双边贸易谈判进展的提问。',
  '这次选举的投票率创下近二十年来的新高，计票工作预计将持续到周末。',
  '环保组织发布报告称，沿海湿地面积在过去十年间减少了近三分之一。',
  '记者走访了边境小镇，当地居民讲述了物价上涨给日常生活带来的压力。',
  '专家认为，人工智能技术的快速发展对新闻行业既是机遇也是挑战。',
  '法院今天就这起备受关注的案件作出一审判决，被告表示将提出上诉。',
  '国际奥委会确认，下一届冬季奥运会的筹备工作总体按计划推进。',
  '该国卫生部门表示，流感病例近期明显增加，建议高风险人群尽快接种疫苗。',
];
const EN = [
  'Officials in Beijing declined to comment on the report.',
  'The talks in Geneva are expected to resume next week.',
  'Analysts said the decision was widely expected by the markets.',
  'Reporters Without Borders condemned the arrest of the journalist.',
  'The ministry said the figures would be revised in March.',
];
const HEADLINES = ['峰会前夕', '经济观察', '独家报道', '深度分析', '快讯', '时评', '专访', '现场直击'];
const TOPICS = ['贸易谈判', '气候变化', '新闻自由', '地方选举', '能源安全', '科技监管', '人权对话', '公共卫生'];

class Feeds {
  readonly rand: () => number;
  readonly feeds: FeedModel[];

  constructor(seed: number) {
    this.rand = seededRandom(seed);
    this.feeds = SOURCES.flatMap((s) => s.feeds.map((name, i): FeedModel => ({ name, source: s.slug, element: i % 2 ? 'content:encoded' : 'description', items: [], next: 0 })));
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  private title(feed: FeedModel, n: number, t: number): string {
    return `${this.pick(HEADLINES)} ${this.pick(TOPICS)} ${feed.name} No.${n} 第${t}稿 ${this.pick(['update', 'live', 'analysis', 'report'])}`;
  }

  private body(item: Item, b: number): string {
    const parts = [`<p>【${item.guid} 第${b}版】</p>`];
    let length = parts[0]!.length;
    while (length < 420 + this.int(400)) {
      const sentence = this.rand() < 0.25 ? this.pick(EN) : this.pick(ZH);
      const p = `<p>${sentence}${this.pick(ZH)}</p>`;
      parts.push(p);
      length += p.length;
    }
    return parts.join('');
  }

  private link(feed: FeedModel, n: number, l: number): string {
    return `https://news.chaos.example/${feed.name}/2024/${n}${l ? `-r${l}` : ''}.html`;
  }

  private add(feed: FeedModel): void {
    const n = ++feed.next;
    // about half have a GUID that is their link, as many feeds do; the others a tag
    const permalink = this.rand() < 0.5;
    const item: Item = {
      n,
      guid: permalink ? this.link(feed, n, 0) : `tag:chaos.example,2024:${feed.name}/${n}`,
      // a few days of 2024, newest items later; whole seconds (pubDate's precision)
      published: Date.UTC(2024, 2, 1) + (n * 53 + this.int(50)) * 60_000,
      versions: [],
      current: 0,
      present: true,
      titles: 1,
      bodies: 1,
    };
    item.versions.push({ title: this.title(feed, n, 1), link: permalink ? item.guid : this.link(feed, n, 0), body: this.body(item, 1) });
    feed.items.push(item);
  }

  private edit(feed: FeedModel, item: Item): void {
    const from = item.versions[item.current]!;
    const { n } = item;
    const what = this.rand();
    const next: Version = { ...from };
    if (what < 0.6 || what >= 0.85) next.body = this.body(item, ++item.bodies);
    if (what >= 0.6) next.title = this.title(feed, n, ++item.titles);
    // now and then the page moves (the GUID stays)
    if (this.rand() < 0.08) next.link = this.link(feed, n, item.versions.length);
    item.versions.push(next);
    item.current = item.versions.length - 1;
  }

  /** One round's changes. */
  step(round: number): void {
    for (const feed of this.feeds) {
      if (round === 0) {
        for (let i = 0; i < 12; i++) this.add(feed);
        continue;
      }
      for (const item of feed.items) {
        const r = this.rand();
        if (item.present) {
          if (r < 0.15) this.edit(feed, item);
          else if (r < 0.18 && item.versions.length > 1) item.current = this.int(item.versions.length); // back to an earlier text
          else if (r < 0.25) item.present = false;
        } else if (r < 0.08) {
          item.present = true;
          if (this.rand() < 0.5) this.edit(feed, item);
        }
      }
      const added = this.int(4);
      for (let i = 0; i < added; i++) this.add(feed);
      // a feed holds at most 25 items: the oldest fall out
      const present = feed.items.filter((i) => i.present).sort((a, b) => b.published - a.published);
      for (const item of present.slice(25)) item.present = false;
    }
  }

  /** A change between a killed run and the next one: some items go back to their previous text (a feed
   *  flapping between two versions, as behind a CDN), some are dropped, some edited again. */
  flap(): void {
    for (const feed of this.feeds) {
      for (const item of feed.items) {
        if (!item.present) continue;
        const r = this.rand();
        if (r < 0.2 && item.current > 0) item.current--;
        else if (r < 0.3) item.present = false;
        else if (r < 0.4) this.edit(feed, item);
      }
    }
  }

  served(feed: FeedModel): Item[] {
    return feed.items.filter((i) => i.present).sort((a, b) => b.published - a.published);
  }

  xml(feed: FeedModel): string {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const items = this.served(feed).map((item) => {
      const v = item.versions[item.current]!;
      const guid = item.guid.startsWith('http') ? `<guid isPermaLink="true">${esc(item.guid)}</guid>` : `<guid isPermaLink="false">${esc(item.guid)}</guid>`;
      const body = feed.element === 'description' ? `<description><![CDATA[${v.body}]]></description>` : `<description>摘要</description><content:encoded><![CDATA[${v.body}]]></content:encoded>`;
      return `<item>${guid}<title>${esc(v.title)}</title><link>${esc(v.link)}</link><pubDate>${new Date(item.published).toUTCString()}</pubDate>${body}</item>`;
    });
    return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${feed.name}</title><link>https://news.chaos.example/</link><description>chaos</description>
${items.join('\n')}
</channel></rss>`;
  }
}

// ---------------------------------------------------------------------------------------------
// The server: serves the feeds of the current round, with ETags (so conditional GET is exercised too)

class FeedServer {
  private server = http.createServer((req, res) => this.handle(req, res));
  private bodies = new Map<string, { xml: string; etag: string }>();
  private waiters: (() => void)[] = [];
  /** Requests answered 200 and 304, for the report. */
  counts = { ok: 0, notModified: 0 };
  base = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  set(name: string, xml: string): void {
    this.bodies.set(`/${name}.xml`, { xml, etag: `"${createHash('sha256').update(xml).digest('hex').slice(0, 20)}"` });
  }

  /** Resolves at the next feed request. */
  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const feed = this.bodies.get(req.url ?? '');
    for (const w of this.waiters.splice(0)) w();
    if (!feed) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === feed.etag) {
      this.counts.notModified++;
      res.writeHead(304, { etag: feed.etag }).end();
      return;
    }
    this.counts.ok++;
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: feed.etag });
    res.end(feed.xml);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// The CLI

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment of the runs: no proxy, no archive or options from an enclosing shell, no coverage. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(NEWSVAULT_|NODE_OPTIONS$|NODE_V8_COVERAGE$|(HTTPS?|ALL|NO)_PROXY$)/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function startRun(bin: string, root: string) {
  const started = Date.now();
  // a process group of its own: `run` is a launcher and the run it starts (src/cli/launch.ts), and a run is
  // killed whole, both at once, as a crash, the OOM killer of its cgroup or a service manager would (killing the
  // launcher alone leaves the run to notice and stop, its lock held meanwhile: the next run is then refused)
  const child = spawn(process.execPath, [bin, 'run', '--archive', root, '--only', 'alpha', 'beta', '--json'], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done, kill };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A promise that resolves 'late' after `ms`, unless cleared first (then it never settles). */
function deadline(ms: number): { passed: Promise<'late'>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const passed = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  return { passed, clear: () => clearTimeout(timer) };
}

/**
 * Resolves `reached` at the n-th append to the sources' manifests (inotify, through fs.watch; a missed event
 * only makes the kill later). `close` stops watching and returns the time from the first append seen to the
 * last, and the number of gaps between them.
 */
async function watchAppends(root: string, nth: number): Promise<{ reached: Promise<void>; close: () => { ms: number; n: number } }> {
  const times: number[] = [];
  let reach = () => {};
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const watchers: FSWatcher[] = [];
  for (const { slug } of SOURCES) {
    const journal = path.join(root, 'articles', slug, 'index.jsonl');
    if (!(await fs.stat(journal).then(() => true, () => false))) continue;
    watchers.push(
      watch(journal, () => {
        times.push(performance.now());
        if (times.length === nth) reach();
      }),
    );
  }
  return {
    reached,
    close: () => {
      for (const w of watchers) w.close();
      return times.length > 1 ? { ms: times[times.length - 1]! - times[0]!, n: times.length - 1 } : { ms: 0, n: 0 };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The independent check

/** The article format, read by this file's own pattern: `<!--digits-->`, `[title](link)`, `------`, blank, body, one newline. */
function readHeader(text: string): { published: number; title: string; link: string; body: string } | null {
  const m = /^<!--(\d+)-->\n\[((?:\\[\\[\]]|[^\\[\]\n])*)\]\(([^\n()<>\s\\]*)\)\n------\n\n([^\n]*)\n$/.exec(text);
  if (!m) return null;
  return { published: Number(m[1]), title: m[2]!.replace(/\\([\\[\]])/g, '$1'), link: m[3]!, body: m[4]! };
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
/** The records' `hash`: SHA-256 of the title, a line break and the body, 32 hex digits (as the manifest defines it). */
const textHash = (title: string, body: string) => sha256(`${title.trim()}\n${body}`).slice(0, 32);

interface RawRecord {
  id: string;
  path: string;
  guid: string | null;
  link: string;
  published: number;
  title: string;
  hash: string;
  sha?: string;
  revisions?: { hash: string; path: string }[];
}

async function walk(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(root, rel)));
    else out.push(rel);
  }
  return out;
}

const ARCHIVE_FILES = [
  /^newsvault\.yaml$/,
  /^README\.md$/,
  /^lists\/[a-z0-9-]+\.md$/,
  /^lists\/[a-z0-9-]+\/\d{4}-\d{2}\.md$/,
  /^articles\/[a-z0-9-]+\/index\.jsonl$/,
  /^articles\/[a-z0-9-]+\/\d{4}\/\d{2}-\d{2}(-\d+)?\/\d{4}_(?:[^/.][^/]*_)?[a-z2-7]{10,16}\.md$/,
  /^revisions\/[a-z0-9-]+\/\d{4}\/\d{2}-\d{2}(-\d+)?\/\d{4}_(?:[^/.][^/]*_)?[a-z2-7]{10,16}\.v\d+\.md$/,
];

interface Notes {
  /** Journal lines that were not JSON (a kill mid-append; documented as skipped). */
  tornLines: number;
  /** Lock attempts' temporary files in .newsvault/ (a kill while taking the lock; cleared after a minute). */
  lockTemps: number;
  articles: number;
  revisions: number;
  /** Articles whose record has no GUID, their items seen by killed runs only (recovered from the file). */
  withoutGuid: number;
}

/**
 * Every problem with the archive at `root`, after a completed run; `required` holds, per source, every
 * version served to a completed run, by GUID.
 */
async function problems(root: string, required: Map<string, Map<string, Version[]>>, notes: Notes): Promise<string[]> {
  const out: string[] = [];
  Object.assign(notes, { tornLines: 0, lockTemps: 0, articles: 0, revisions: 0, withoutGuid: 0 });
  const files = await walk(root);
  const outside = files.filter((f) => !f.startsWith('.newsvault/'));
  for (const f of outside) if (!ARCHIVE_FILES.some((re) => re.test(f))) out.push(`${f}: not an archive file (a temporary file left behind?)`);

  // the local state after a completed run: no lock, no temporary file, no source left marked open
  for (const f of files.filter((f) => f.startsWith('.newsvault/'))) {
    const rel = f.slice('.newsvault/'.length);
    if (/^lock/.test(rel)) out.push(`${f}: a lock left after the run completed`);
    else if (rel.startsWith('tmp/')) out.push(`${f}: a temporary file left after the run completed`);
    else if (rel.startsWith('open/')) out.push(`${f}: source still marked open after the run completed`);
    else if (/^\.lock\..*\.tmp$/.test(rel)) notes.lockTemps++;
  }

  const read = async (rel: string) => fs.readFile(path.join(root, rel)).catch(() => null);
  for (const { slug } of SOURCES) {
    const journalPath = `articles/${slug}/index.jsonl`;
    const journal = (await read(journalPath))?.toString('utf8') ?? '';
    if (journal && !journal.endsWith('\n')) out.push(`${journalPath}: does not end with a line break`);
    const records = new Map<string, RawRecord>();
    for (const line of journal.split('\n')) {
      if (!line.trim()) continue;
      let rec: RawRecord;
      try {
        rec = JSON.parse(line) as RawRecord;
      } catch {
        notes.tornLines++;
        continue;
      }
      if (typeof rec.id !== 'string' || typeof rec.path !== 'string' || typeof rec.hash !== 'string') {
        out.push(`${journalPath}: a line that is no record: ${line.slice(0, 120)}`);
        continue;
      }
      records.set(rec.id, rec); // the last line for an id wins
    }

    const articleFiles = new Set(outside.filter((f) => f.startsWith(`articles/${slug}/`) && f.endsWith('.md')));
    const revisionFiles = new Set(outside.filter((f) => f.startsWith(`revisions/${slug}/`)));
    notes.articles += articleFiles.size;
    notes.revisions += revisionFiles.size;
    const byGuid = new Map<string, RawRecord>();
    const byPath = new Map<string, RawRecord>();
    const revisionOwner = new Map<string, string>();
    /** Each article's texts (title, link, body), the article file's first. */
    const texts = new Map<string, { title: string; link: string; body: string; file: string }[]>();
    /** Records without a GUID: recovered from their files after a kill, before the item was seen again. */
    const noGuid: RawRecord[] = [];
    for (const rec of records.values()) {
      const what = `${journalPath} ${rec.id}`;
      if (rec.guid === null || rec.guid === undefined) noGuid.push(rec);
      else if (byGuid.has(rec.guid)) out.push(`${what}: GUID ${rec.guid} is also article ${byGuid.get(rec.guid)!.id}`);
      else byGuid.set(rec.guid, rec);
      if (byPath.has(rec.path)) out.push(`${what}: path ${rec.path} is also ${byPath.get(rec.path)!.id}'s`);
      byPath.set(rec.path, rec);
      if (!rec.path.startsWith(`articles/${slug}/`) || !rec.path.endsWith(`_${rec.id}.md`)) out.push(`${what}: path ${rec.path} is not this source's file of this id`);
      const kept: { title: string; link: string; body: string; file: string }[] = [];
      texts.set(rec.id, kept);
      const bytes = await read(rec.path);
      if (!bytes) {
        out.push(`${what}: its file ${rec.path} is missing`);
      } else {
        if (rec.sha !== sha256(bytes)) out.push(`${rec.path}: SHA-256 ${sha256(bytes).slice(0, 12)}… is not the record's ${String(rec.sha).slice(0, 12)}…`);
        const h = readHeader(bytes.toString('utf8'));
        if (!h) out.push(`${rec.path}: not in the article format`);
        else {
          if (textHash(h.title, h.body) !== rec.hash) out.push(`${rec.path}: its title and body do not hash to the record's hash`);
          if (h.title !== rec.title || h.published !== rec.published || h.link !== rec.link) out.push(`${rec.path}: header differs from the record (title, date or link)`);
          kept.push({ ...h, file: rec.path });
        }
      }
      const stem = `revisions/${rec.path.slice('articles/'.length, -'.md'.length)}.v`;
      for (const entry of rec.revisions ?? []) {
        if (revisionOwner.has(entry.path)) out.push(`${what}: revision ${entry.path} is also listed by ${revisionOwner.get(entry.path)}`);
        revisionOwner.set(entry.path, rec.id);
        if (!entry.path.startsWith(stem)) out.push(`${what}: revision ${entry.path} is not named after ${rec.path}`);
        const rev = await read(entry.path);
        if (!rev) {
          out.push(`${what}: its revision ${entry.path} is missing`);
          continue;
        }
        const h = readHeader(rev.toString('utf8'));
        if (!h) out.push(`${entry.path}: not in the article format`);
        else {
          if (textHash(h.title, h.body) !== entry.hash) out.push(`${entry.path}: its title and body do not hash to the revision entry's hash`);
          kept.push({ ...h, file: entry.path });
        }
      }
      const seen = new Map<string, string>();
      for (const k of kept) {
        const key = `${k.title}\n${k.body}`;
        if (seen.has(key)) out.push(`${what}: ${k.file} holds the same text as ${seen.get(key)}`);
        seen.set(key, k.file);
      }
    }
    for (const f of articleFiles) if (!byPath.has(f) && f !== journalPath) out.push(`${f}: an article file without a record`);
    for (const f of revisionFiles) if (!revisionOwner.has(f)) out.push(`${f}: a revision file no record lists`);

    // a record may lack its GUID only while its item was seen by killed runs alone (the GUID was in the
    // record that was never written): an item served to a completed run is recorded with it
    const servedAs = new Map<string, string>();
    for (const [guid, versions] of required.get(slug) ?? []) for (const v of versions) servedAs.set(`${v.title}\n${v.body}`, guid);
    for (const rec of noGuid) {
      const guid = (texts.get(rec.id) ?? []).map((k) => servedAs.get(`${k.title}\n${k.body}`)).find(Boolean);
      if (guid) out.push(`${journalPath} ${rec.id}: the record has lost its GUID ${guid} (its text was served to a completed run)`);
      else notes.withoutGuid++;
    }

    // every version served to a completed run: the article of its GUID holds it, or one of its revisions
    for (const [guid, versions] of required.get(slug) ?? []) {
      const rec = byGuid.get(guid);
      if (!rec) {
        out.push(`${slug}: no article has GUID ${guid}`);
        continue;
      }
      const kept = texts.get(rec.id) ?? [];
      for (const v of versions) {
        if (!kept.some((k) => k.title === v.title && k.body === v.body && k.link === v.link)) {
          out.push(`${slug}: GUID ${guid} (article ${rec.id}): the version "${v.title}" (${v.body.slice(0, 40)}…) is neither its article nor a revision`);
        }
      }
    }

    // the list page names every article under its current title (fewer than 300: one page)
    const list = (await read(`lists/${slug}.md`))?.toString('utf8');
    if (records.size > 0 && list === undefined) out.push(`lists/${slug}.md is missing`);
    else if (list !== undefined && records.size <= 300) {
      // its links, decoded: the file each names, with the title shown
      const links = new Map<string, string>();
      for (const m of list.matchAll(/\[([^\]]*)\]\((\/[^)\s]+)\)/g)) links.set(decodeURIComponent(m[2]!).slice(1), m[1]!);
      for (const rec of records.values()) {
        if (links.get(rec.path) !== rec.title) out.push(`lists/${slug}.md: no line [${rec.title}](${rec.path})`);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

test(`chaos: ${ROUNDS} rounds of changing feeds, a run SIGKILLed at a random moment, then a run to completion`, { timeout: 20 * 60_000 }, async (t) => {
  t.diagnostic(`seed ${SEED} (replay: NEWSVAULT_CHAOS_SEED=${SEED}), ${ROUNDS} rounds`);
  const bin = builtCli();
  const feeds = new Feeds(SEED);
  const kills = seededRandom(SEED ^ 0x5eed);
  const server = new FeedServer();
  await server.start();
  const root = path.join(await tempDir('newsvault-chaos-'), 'archive');
  await fs.mkdir(root, { recursive: true });
  const feedUrl = (name: string) => `"${server.base}/${name}.xml"`;
  await fs.writeFile(
    path.join(root, 'newsvault.yaml'),
    [
      'sources:',
      ...SOURCES.map((s) => `  ${s.slug}: { name: ${s.name}, feeds: [${s.feeds.map(feedUrl).join(', ')}], fullText: never }`),
      'run:',
      '  retries: 0',
      '  perHostDelayMs: 0',
      '  perHostConcurrency: 4',
      '  timeoutSeconds: 120',
      '  proxy: direct',
      '',
    ].join('\n'),
  );

  const required = new Map<string, Map<string, Version[]>>(SOURCES.map((s) => [s.slug, new Map()]));
  const stats = { killed: 0, finishedFirst: 0, doubleKills: 0, leftLock: 0, leftOpen: 0, leftTemp: 0, changedAfterKill: 0, modes: { start: 0, feed: 0, commit: 0 } };
  const notes: Notes = { tornLines: 0, lockTemps: 0, articles: 0, revisions: 0, withoutGuid: 0 };
  // what a completed run took: from its start, and from its first feed request to its end
  let total = 3000;
  let tail = 1500;
  /** The mean time between two manifest appends of a run (ms), over the runs watched so far. */
  const gaps = { ms: 0, n: 0 };
  const appendGap = () => (gaps.n > 0 ? gaps.ms / gaps.n : 10);
  const started = Date.now();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const at = `seed ${SEED}, round ${round}`;
      feeds.step(round);
      for (const feed of feeds.feeds) server.set(feed.name, feeds.xml(feed));

      const runsKilled = round > 0 && kills() < 0.3 ? 2 : 1;
      if (runsKilled === 2) stats.doubleKills++;
      // the commits this round asks for (new and edited items), to aim kills among them
      const changes = feeds.feeds.reduce((n, feed) => n + feeds.served(feed).filter((i) => !required.get(feed.source)!.get(i.guid)?.includes(i.versions[i.current]!)).length, 0);
      for (let k = 0; k < runsKilled; k++) {
        // when to kill: at a moment uniform over a completed run's time from its start, or from its first
        // feed request, or just after its n-th manifest append (n uniform over this round's changes)
        const r = kills();
        const fraction = kills();
        const nth = 1 + Math.floor(kills() * changes);
        const mode = r < 0.2 ? 'start' : r < 0.55 || round === 0 ? 'feed' : 'commit';
        stats.modes[mode]++;
        const appends = mode === 'commit' ? await watchAppends(root, nth) : null;
        const run = startRun(bin, root);
        const exited = run.done.then(() => undefined);
        const moment =
          mode === 'start' ? sleep(fraction * total) : mode === 'feed' ? server.nextRequest().then(() => sleep(fraction * tail)) : appends!.reached.then(() => sleep(fraction * 2 * appendGap()));
        const late = deadline(HANG_MS);
        const outcome = await Promise.race([moment, exited, late.passed]);
        late.clear();
        run.kill();
        const cut = await run.done;
        if (appends) {
          const seen = appends.close();
          gaps.ms += seen.ms;
          gaps.n += seen.n;
        }
        assert.notEqual(outcome, 'late', `${at}: a run neither exited nor came to its kill moment (${mode}) within ${HANG_MS} ms: a hang?\n${cut.stderr}`);
        if (cut.signal === 'SIGKILL') stats.killed++;
        else {
          assert.equal(cut.code, 0, `${at}: a run that was not killed completes\n${cut.stderr}`);
          stats.finishedFirst++;
        }
        const state = await walk(path.join(root, '.newsvault')).catch((): string[] => []);
        if (state.includes('lock')) stats.leftLock++;
        if (state.some((f) => f.startsWith('open/'))) stats.leftOpen++;
        if (state.some((f) => f.startsWith('tmp/'))) stats.leftTemp++;
      }

      // now and then the feeds change before the next run, as they do between a killed run and the next one
      if (round > 0 && feeds.rand() < 0.25) {
        feeds.flap();
        for (const feed of feeds.feeds) server.set(feed.name, feeds.xml(feed));
        stats.changedAfterKill++;
      }

      // the run to completion
      const run = startRun(bin, root);
      const firstRequest = server.nextRequest().then(() => Date.now());
      const late = deadline(HANG_MS);
      void late.passed.then(() => run.kill());
      const done = await run.done;
      late.clear();
      assert.equal(done.signal, null, `${at}: the completing run hung (killed after ${HANG_MS} ms)\n${done.stderr}`);
      assert.equal(done.code, 0, `${at}: the run after the kill exits 0\n${done.stderr}\n${done.stdout.slice(0, 2000)}`);
      const report = JSON.parse(done.stdout) as { sources: { slug: string; status: string; errors: string[] }[] };
      for (const s of report.sources) assert.equal(s.status, 'ok', `${at}: ${s.slug}: ${s.errors.join(' | ')}`);
      const requestedAt = await Promise.race([firstRequest, sleep(0).then(() => null)]);
      total = Math.max(total * 0.5, done.ms);
      if (requestedAt !== null) tail = Math.max(tail * 0.5, Date.now() - requestedAt);

      // it fetched every feed (or was told nothing changed since a completed run): all items now served are due
      for (const feed of feeds.feeds) {
        const due = required.get(feed.source)!;
        for (const item of feeds.served(feed)) {
          const versions = due.get(item.guid) ?? [];
          const v = item.versions[item.current]!;
          if (!versions.includes(v)) versions.push(v);
          due.set(item.guid, versions);
        }
      }
      const found = await problems(root, required, notes);
      assert.deepEqual(found, [], `${at}: the archive after the completed run:\n${found.slice(0, 30).join('\n')}`);
    }

    // and once more: a run with nothing new changes nothing
    const before = new Map<string, string>();
    for (const f of (await walk(root)).filter((f) => !f.startsWith('.newsvault/'))) before.set(f, sha256(await fs.readFile(path.join(root, f))));
    const idle = await startRun(bin, root).done;
    assert.equal(idle.code, 0, `seed ${SEED}: the idle run\n${idle.stderr}`);
    assert.deepEqual((JSON.parse(idle.stdout) as { written: string[] }).written, [], `seed ${SEED}: the idle run writes nothing`);
    const after = new Map<string, string>();
    for (const f of (await walk(root)).filter((f) => !f.startsWith('.newsvault/'))) after.set(f, sha256(await fs.readFile(path.join(root, f))));
    assert.deepEqual(after, before, `seed ${SEED}: the idle run changed the archive`);
  } finally {
    await server.close();
  }
  const versions = [...required.values()].reduce((n, m) => n + [...m.values()].reduce((k, v) => k + v.length, 0), 0);
  t.diagnostic(
    `seed ${SEED}: ${ROUNDS} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s; ${stats.killed} runs killed (${stats.doubleKills} rounds twice; timed from the start ${stats.modes.start}×, from the first feed request ${stats.modes.feed}×, from a manifest append ${stats.modes.commit}×; ${appendGap().toFixed(1)} ms between appends), ${stats.finishedFirst} finished before the kill; the feeds changed between the kill and the next run in ${stats.changedAfterKill} rounds; ` +
      `kills left a lock ${stats.leftLock}×, a source marked open ${stats.leftOpen}×, temporary files ${stats.leftTemp}×; ` +
      `${versions} versions of ${[...required.values()].reduce((n, m) => n + m.size, 0)} items checked in ${notes.articles} articles and ${notes.revisions} revisions; ` +
      `feeds served ${server.counts.ok}× (304: ${server.counts.notModified}×); at the end: ${notes.tornLines} torn journal lines, ${notes.lockTemps} lock temp files, ${notes.withoutGuid} articles without a GUID (seen by killed runs only)`,
  );
});
