/**
 * Growth benchmark (issue 13): what a run costs as the archive grows, run by run, through the real CLI.
 *
 *   node --import tsx bench/growth.ts [--articles 100000] [--step 10000] [--cli path/to/bin/newsvault.js] [--fsync-baseline]
 *     [--ratio-runs 3] [--noop-runs 5] [--node-flags=…] [--profile DIR]
 *
 * A loopback server serves nine feeds (one per source) of generated Chinese items with 3–6 KB bodies. The
 * archive grows to `--articles` in runs of `--step` new items (spread over the nine feeds); after the first
 * step and after the last, a run with 100 new items (each feed holding them beside its ~11 newest earlier
 * ones) and two runs with nothing new, served in full (no 304): the same feeds again, byte for byte (a run
 * skips a feed whose bytes it processed in full last time, see src/run), then the same items in feeds whose
 * bytes differ (a new `lastBuildDate`, as many feeds have on every request: every item is looked at). At
 * the end, both no-op runs and the start-up run are measured again `--noop-runs` times (default 5),
 * interleaved, and the medians printed: the no-op's CPU beyond start-up is a small difference of two noisy
 * figures.
 *
 * Every run is `node bin/newsvault.js run` in a child process (this checkout compiled as `npm run build`
 * does, into a folder of its own, see src/testing/build.ts; or `--cli` for another build, e.g. an older
 * commit). Per run:
 * - wall: spawn to exit; CPU: user + system time from `process.resourceUsage()`, and peak RSS (VmHWM of
 *   /proc/self/status: getrusage's maxRSS counts the memory of the process forked from too, until the exec),
 *   in an `exit` handler a `--import data:` module installs (as bench/startup.ts), written by every node process of the
 *   run to a file of its own in a folder named by $GROWTH_USAGE_DIR: `newsvault run` is two processes, the
 *   launcher and the run it starts with heap flags (src/cli/launch.ts), and the run inherits both the module
 *   (node's own flags are passed on) and the variable. CPU is the first process's own plus its children's
 *   (Linux counts a waited-for child's CPU, and its own children's, in its parent's: the run under the
 *   launcher, a `sync -f` under the run); peak RSS is the largest process's (the run's), and the sum of their peaks is printed beside it;
 * - written MB: the bytes the processes passed to write(2) (`wchar` of /proc/self/io, read in the same
 *   handler: article files, temporary files, manifests, pages, state — everything; a parent's figure includes
 *   its reaped children's, so the largest is taken);
 * - new files, and files changed: files outside `.newsvault/` created, and those replaced, modified or
 *   removed (size, mtime, inode), by a tree walk before and after; rewritten MB: the sizes of the changed
 *   ones, a file appended to in place counting only its growth (the new article files are not in it).
 *
 * The baseline, measured in the same run on the same disk: the article files the first step added, written
 * to a fresh folder with one `writeFileSync` each and no fsync, by a child process timed the same way; then
 * the same followed by what makes them durable as the archive makes a batch so (one syncfs where it uses one, else
 * one fsync of every file and of every folder, 16 at a time)
 * (the least that makes them durable: what a batched commit cannot do without); `--fsync-baseline`: once more with an fsync per file as it is written. Alone, that baseline swung 0.5–3.9 s of CPU from
 * one benchmark to the next: nearly all of it is kernel time creating the files, which on the development
 * machine's ext4 varies several-fold with where on the disk the folder lands and what else is writing
 * (5,000 files of 5 KB: 0.2 s of system time in one folder, 2–3 s in another at the same moment). So the
 * ratio is taken between runs made side by side in the same parent folder: `--ratio-runs` times (default 3)
 * the baseline, then the first step again (the same items, the same CLI) into a fresh archive; the ratio is
 * of the medians (wall and CPU), each pair's shown too. Every measured run starts after `sync`, so none pays
 * for the dirty pages of the one before, and their outputs are removed only at the end: ext4 skips inodes
 * deleted in the last seconds when it allocates new ones (`recently_deleted`, most of that kernel time in a
 * profile), so a run right after a large removal pays for it. `--node-flags=…` passes V8 flags to every CLI run
 * (heap flags among them keep `run` in one process: the launcher then does not start another).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, promises as fs, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { syncfsCommand } from '../src/archive/durable.ts';
import { builtCli } from '../src/testing/build.ts';
import { tempDir } from '../src/testing/tree.ts';
import { seededRandom } from '../src/watch/schedule.ts';

const { values } = parseArgs({
  options: {
    articles: { type: 'string', default: '100000' },
    step: { type: 'string', default: '10000' },
    cli: { type: 'string' },
    'fsync-baseline': { type: 'boolean', default: false },
    'ratio-runs': { type: 'string', default: '3' },
    'noop-runs': { type: 'string', default: '5' },
    'node-flags': { type: 'string', default: '' },
    /** Write a CPU profile of every CLI run into this folder (node --cpu-prof). */
    profile: { type: 'string' },
  },
});
const TOTAL = Number(values.articles);
const STEP = Number(values.step);
if (!Number.isInteger(TOTAL) || !Number.isInteger(STEP) || STEP < 1 || TOTAL < STEP) throw new Error('--articles and --step: whole numbers, articles ≥ step ≥ 1');
const NOOP_RUNS = Number(values['noop-runs']);
if (!Number.isInteger(NOOP_RUNS) || NOOP_RUNS < 0) throw new Error('--noop-runs: a whole number');
const RATIO_RUNS = Number(values['ratio-runs']);
if (!Number.isInteger(RATIO_RUNS) || RATIO_RUNS < 1) throw new Error('--ratio-runs: a whole number ≥ 1');
const FEEDS = 9;
const SMALL = 100;

// ---------------------------------------------------------------------------------------------
// Items: deterministic, Chinese, 3–6 KB bodies

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
];
const TITLES = ['峰会', '选举', '暴雨', '贸易', '央行', '疫苗', '奥运', '法院', '湿地', '边境', '能源', '外交'];
/** Item n's publication time: five minutes apart, so 100,000 items span about a year (month pages). */
const T0 = Date.UTC(2024, 0, 1);
const published = (n: number) => T0 + n * 5 * 60_000;

function itemXml(n: number): string {
  const r = seededRandom(n + 1);
  const paragraphs: string[] = [];
  // 3–6 KB of UTF-8 (a CJK character is 3 bytes)
  const target = 3000 + Math.floor(r() * 3000);
  let bytes = 0;
  while (bytes < target) {
    const p = `<p>${Array.from({ length: 2 + Math.floor(r() * 3) }, () => ZH[Math.floor(r() * ZH.length)]).join('')}（第${n}号）</p>`;
    paragraphs.push(p);
    bytes += Buffer.byteLength(p);
  }
  const title = `${TITLES[n % TITLES.length]}：第${n}号新闻报道`;
  return `<item><title>${title}</title><link>https://news${n % FEEDS}.example/zh/${n}.html</link><guid isPermaLink="false">item-${n}</guid><pubDate>${new Date(published(n)).toUTCString()}</pubDate><content:encoded><![CDATA[${paragraphs.join('\n')}]]></content:encoded></item>`;
}

/** `built`: a lastBuildDate (the same items in other bytes). */
function feedXml(f: number, items: number[], built?: number): string {
  const date = built === undefined ? '' : `<lastBuildDate>${new Date(built).toUTCString()}</lastBuildDate>`;
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>源 ${f}</title><link>https://news${f}.example/</link>${date}\n${items
    .filter((n) => n % FEEDS === f)
    .sort((a, b) => b - a)
    .map(itemXml)
    .join('\n')}\n</channel></rss>`;
}

// ---------------------------------------------------------------------------------------------
// The server: /feed-<f>.xml serves feed f's share of the current items; no validators (no 304)

let served: string[] = Array.from({ length: FEEDS }, (_, f) => feedXml(f, []));
function serve(items: number[], built?: number): void {
  served = Array.from({ length: FEEDS }, (_, f) => feedXml(f, items, built));
}
const server = http.createServer((req, res) => {
  const m = /^\/feed-(\d+)\.xml$/.exec(req.url ?? '');
  const body = m ? served[Number(m[1])] : undefined;
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// ---------------------------------------------------------------------------------------------
// Measuring a child process

const HOOK = `data:text/javascript,${encodeURIComponent(
  "import { readFileSync, writeFileSync } from 'node:fs';" +
    "const proc = (file) => { try { return readFileSync(file, 'utf8'); } catch { return ''; } };" +
    "process.on('exit', () => { const u = process.resourceUsage(); const io = proc('/proc/self/io');" +
    " const f = (k) => Number(new RegExp('^' + k + ': (\\\\d+)', 'm').exec(io)?.[1] ?? NaN);" +
    // the peak of this program's own memory (VmHWM, KiB): getrusage's maxRSS also counts the memory of the
    // process it was forked from, up to the exec (the benchmark's own, ~80 MiB, for the launcher)
    " const hwm = Number(/^VmHWM:\\s+(\\d+)/m.exec(proc('/proc/self/status'))?.[1] ?? NaN);" +
    // the CPU of the children it waited for (and theirs), in clock ticks of 10 ms: fields 16 and 17 of
    // /proc/self/stat, counted after the command name's closing parenthesis
    " const st = proc('/proc/self/stat'); const sf = st.slice(st.lastIndexOf(')') + 2).split(' ');" +
    " const tick = 1e4; const cu = Number(sf[13]) * tick, cs = Number(sf[14]) * tick;" +
    " const dir = process.env.GROWTH_USAGE_DIR; if (!dir) return;" +
    " writeFileSync(dir + '/' + process.pid + '.json', JSON.stringify({ pid: process.pid, cpu: u.userCPUTime + u.systemCPUTime, sys: u.systemCPUTime, childCpu: cu + cs, childSys: cs, rss: Number.isFinite(hwm) ? hwm : u.maxRSS, wchar: f('wchar'), writeBytes: f('write_bytes') })); });",
)}`;

interface Usage {
  wallS: number;
  cpuS: number;
  /** Of cpuS, the kernel's. */
  sysS: number;
  /** The largest process's peak. */
  rssMiB: number;
  /** The sum of every process's peak (the launcher's with the run's). */
  rssAllMiB: number;
  processes: number;
  writtenMB: number;
}

/** Writes back every dirty page (sync(1)), so that a measured process does not pay for the one before. */
function syncDisks(): Promise<void> {
  return new Promise((resolve) => spawn('sync', { stdio: 'ignore' }).once('close', () => resolve()).once('error', () => resolve()));
}

async function measure(args: string[], opts: { cwd?: string } = {}): Promise<Usage & { stderr: string }> {
  await syncDisks();
  const env = { ...process.env };
  delete env.NEWSVAULT_ARCHIVE;
  delete env.NODE_OPTIONS;
  const usageDir = mkdtempSync(path.join(work, 'usage-'));
  env.GROWTH_USAGE_DIR = usageDir;
  const start = performance.now();
  const child = spawn(process.execPath, ['--import', HOOK, ...args], { env, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const wallS = (performance.now() - start) / 1000;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}:\n${stderr}`));
      const us = readdirSync(usageDir).map((f) => JSON.parse(readFileSync(path.join(usageDir, f), 'utf8')) as { pid: number; cpu: number; sys: number; childCpu: number; childSys: number; rss: number; wchar: number });
      if (us.length === 0) return reject(new Error(`${args.join(' ')}: no usage record`));
      const sum = (f: (u: (typeof us)[number]) => number) => us.reduce((n, u) => n + f(u), 0);
      // the process started here, with every child it waited for (the run under the launcher, a `sync -f` under
      // the run), their children included: the whole tree, whatever program each one runs
      const top = us.find((u) => u.pid === child.pid);
      resolve({
        wallS,
        cpuS: (top ? top.cpu + top.childCpu : sum((u) => u.cpu)) / 1e6,
        sysS: (top ? top.sys + top.childSys : sum((u) => u.sys)) / 1e6,
        rssMiB: Math.max(...us.map((u) => u.rss)) / 1024,
        rssAllMiB: sum((u) => u.rss) / 1024,
        processes: us.length,
        // a parent's /proc/self/io counts its children's I/O once they are reaped: the largest is the total
        writtenMB: Math.max(...us.map((u) => u.wchar)) / 1e6,
        stderr,
      });
    });
  });
}

/** Files outside .newsvault/: path → size, mtime, inode. */
type Tree = Map<string, { size: number; mtime: number; ino: number }>;
async function tree(root: string): Promise<Tree> {
  const out: Tree = new Map();
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => [])) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r !== '.newsvault') await walk(r);
      } else {
        const s = await fs.stat(path.join(root, r), { bigint: false });
        out.set(r, { size: s.size, mtime: s.mtimeMs, ino: s.ino });
      }
    }
  };
  await walk('');
  return out;
}

/** New files; files changed (existing ones replaced or modified, or removed) and the bytes rewritten in
 *  them (an append in place counts its growth). */
function diff(before: Tree, after: Tree): { files: number; rewrittenMB: number; added: string[]; newMB: number } {
  let files = 0;
  let bytes = 0;
  let newBytes = 0;
  const added: string[] = [];
  for (const [p, a] of after) {
    const b = before.get(p);
    if (!b) {
      newBytes += a.size;
      added.push(p);
    } else if (b.ino !== a.ino) {
      files++;
      bytes += a.size;
    } else if (b.size !== a.size || b.mtime !== a.mtime) {
      files++;
      bytes += a.size > b.size ? a.size - b.size : a.size;
    }
  }
  for (const p of before.keys()) if (!after.has(p)) files++;
  return { files, rewrittenMB: bytes / 1e6, added, newMB: newBytes / 1e6 };
}

// ---------------------------------------------------------------------------------------------

const cli = values.cli ? path.resolve(values.cli) : builtCli();
/** Flags for every CLI run (e.g. V8 heap limits), then the CLI. */
const CLI = [...(values['node-flags'] ? values['node-flags'].split(/\s+/).filter(Boolean) : []), cli];
const work = await tempDir('newsvault-growth-');
const root = path.join(work, 'archive');
await fs.mkdir(root, { recursive: true });
await fs.writeFile(
  path.join(root, 'newsvault.yaml'),
  [
    'sources:',
    ...Array.from({ length: FEEDS }, (_, f) => `  src${f}: { name: 源${f}, feeds: ["${base}/feed-${f}.xml"], fullText: never }`),
    'run:',
    '  retries: 0',
    '  perHostDelayMs: 0',
    '  perHostConcurrency: 4',
    '  timeoutSeconds: 300',
    '  proxy: direct',
    '',
  ].join('\n'),
);

interface Row extends Usage {
  label: string;
  articles: number;
  added: number;
  newFiles: number;
  newMB: number;
  files: number;
  rewrittenMB: number;
}
const rows: Row[] = [];
let next = 0;
let current = await tree(root);

// start-up: the same nine sources, every feed empty, into an empty archive (what any run costs)
const emptyRoot = path.join(work, 'empty');
await fs.mkdir(emptyRoot);
await fs.copyFile(path.join(root, 'newsvault.yaml'), path.join(emptyRoot, 'newsvault.yaml'));
serve([]);
// --only: the nine sources, not the catalog's outlets (the network is closed)
const ONLY = ['--only', ...Array.from({ length: FEEDS }, (_, f) => `src${f}`)];
const startup = await measure([...CLI, 'run', '--archive', emptyRoot, ...ONLY]);

async function runOnce(label: string, items: number[], expectNew: number, built?: number): Promise<{ row: Row; added: string[] }> {
  serve(items, built);
  // every process writes a profile (node's own names, with the pid): the largest is the run's
  const profDir = values.profile ? path.resolve(values.profile) : undefined;
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const known = new Set(profDir ? await fs.readdir(profDir).catch((): string[] => []) : []);
  const u = await measure([...prof, ...CLI, 'run', '--archive', root, ...ONLY]);
  if (profDir) {
    const made = (await fs.readdir(profDir)).filter((f) => !known.has(f) && f.endsWith('.cpuprofile'));
    const sized = await Promise.all(made.map(async (f) => ({ f, size: (await fs.stat(path.join(profDir, f))).size })));
    sized.sort((a, b) => b.size - a.size);
    const name = `${rows.length + 1}-${label.replace(/\W+/g, '-')}`;
    for (const [i, { f }] of sized.entries()) await fs.rename(path.join(profDir, f), path.join(profDir, `${name}${i ? `-launcher${i > 1 ? i : ''}` : ''}.cpuprofile`));
  }
  const after = await tree(root);
  const d = diff(current, after);
  current = after;
  // new articles: article files the run created (the CLI's messages are not parsed: their form may change)
  const added = d.added.filter((p) => /^articles\/[^/]+\/\d{4}\//.test(p) && p.endsWith('.md')).length;
  if (added !== expectNew) throw new Error(`${label}: expected ${expectNew} new article files, found ${added}:\n${u.stderr}`);
  const articles = [...after.keys()].filter((p) => p.startsWith('articles/') && p.endsWith('.md')).length;
  const row: Row = { label, articles, added, newFiles: d.added.length, newMB: d.newMB, files: d.files, rewrittenMB: d.rewrittenMB, wallS: u.wallS, cpuS: u.cpuS, sysS: u.sysS, rssMiB: u.rssMiB, rssAllMiB: u.rssAllMiB, processes: u.processes, writtenMB: u.writtenMB };
  rows.push(row);
  process.stderr.write(`${label}: ${JSON.stringify(row)}\n`);
  return { row, added: d.added };
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

async function small(at: string): Promise<number[]> {
  // 100 new items, each feed beside its ~11 newest earlier ones; then the same feeds again
  const items = [...range(next - SMALL, SMALL), ...range(next, SMALL)];
  next += SMALL;
  await runOnce(`add ${SMALL} at ${at}`, items, SMALL);
  await runOnce(`no-op at ${at}, same bytes`, items, 0);
  await runOnce(`no-op at ${at}, new lastBuildDate`, items, 0, published(next));
  return items;
}

/** A baseline: each run, side by side with a run of the first step again (`pairs`), and their medians. */
interface Baseline {
  label: string;
  runs: Usage[];
  ingests: Usage[];
  files: number;
  MB: number;
}
const baselines: Baseline[] = [];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const steps = Math.floor(TOTAL / STEP);
for (let s = 0; s < steps; s++) {
  const items = range(next, STEP);
  next += STEP;
  const { added } = await runOnce(`ingest ${STEP} (run ${s + 1})`, items, STEP);
  if (s === 0) {
    // the baseline: the same article bytes, written by a plain script
    const articles = added.filter((p) => p.startsWith('articles/') && p.endsWith('.md'));
    const pack: Buffer[] = [];
    const index: [string, number][] = [];
    for (const p of articles) {
      const b = await fs.readFile(path.join(root, p));
      pack.push(b);
      index.push([p, b.length]);
    }
    const packFile = path.join(work, 'pack.bin');
    writeFileSync(packFile, Buffer.concat(pack));
    writeFileSync(path.join(work, 'pack.json'), JSON.stringify(index));
    const MB = pack.reduce((n, b) => n + b.length, 0) / 1e6;
    // the archive's way of making a batch durable on this file system (see src/archive/durable.ts)
    const syncfsBin = await syncfsCommand(work);
    const modes = values['fsync-baseline'] ? (['plain', 'batched', 'fsync'] as const) : (['plain', 'batched'] as const);
    for (const mode of modes) {
      const outBase = path.join(work, mode);
      // plain: one writeFileSync per file; batched: the same, then made durable as the archive makes a batch
      // (src/archive/durable.ts): one syncfs where it uses one, else every file fsynced and every folder once,
      // 16 at a time: what batched durability needs at the least, nothing else; fsync: an fsync per file as it
      // is written
      const write = {
        plain: 'fs.writeFileSync(f, pack.subarray(at, at + n));',
        batched: 'fs.writeFileSync(f, pack.subarray(at, at + n)); files.push(f);',
        fsync: 'const fd = fs.openSync(f, "w"); fs.writeSync(fd, pack, at, n); fs.fsyncSync(fd); fs.closeSync(fd);',
      }[mode];
      const script = `import fs from 'node:fs'; import path from 'node:path';
const pack = fs.readFileSync(${JSON.stringify(packFile)}); const index = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(work, 'pack.json'))}, 'utf8'));
let at = 0; const made = new Set(); const files = [];
for (const [p, n] of index) { const f = path.join(${JSON.stringify(outBase)}, p); const d = path.dirname(f);
  if (!made.has(d)) { fs.mkdirSync(d, { recursive: true }); made.add(d); }
  ${write} at += n; }
const sync = async (p) => { const h = await fs.promises.open(p, 'r'); try { await h.sync(); } finally { await h.close(); } };
const all = async (ps) => { for (let i = 0; i < ps.length; i += 16) await Promise.all(ps.slice(i, i + 16).map(sync)); };
${syncfsBin ? `if (files.length) (await import('node:child_process')).execFileSync(${JSON.stringify(syncfsBin)}, ['-f', ${JSON.stringify(outBase)}]);` : 'await all(files); await all([...made]);'}`;
      const file = path.join(work, `baseline-${mode}.mjs`);
      const runs: Usage[] = [];
      const ingests: Usage[] = [];
      const outs: string[] = [];
      for (let k = 0; k < RATIO_RUNS; k++) {
        const out = path.join(work, `${mode}-${k}`);
        await fs.writeFile(file, script.replaceAll(JSON.stringify(outBase), JSON.stringify(out)));
        runs.push(await measure([file]));
        // the first step again, beside it: a fresh archive in the same parent folder, the same items
        const again = path.join(work, `again-${mode}-${k}`);
        await fs.mkdir(again);
        await fs.copyFile(path.join(root, 'newsvault.yaml'), path.join(again, 'newsvault.yaml'));
        const u = await measure([...CLI, 'run', '--archive', again, ...ONLY]);
        const made = (await tree(again)).size;
        if (made < STEP) throw new Error(`the first step again made ${made} files:\n${u.stderr}`);
        ingests.push(u);
        outs.push(out, again);
      }
      // removed after the measured runs (see the top of this file)
      for (const o of outs) await fs.rm(o, { recursive: true, force: true });
      const label = {
        plain: 'the same article bytes, no fsync',
        batched: `the same bytes, then made durable as a batch is (${syncfsBin ? 'one syncfs' : 'each file and folder fsynced once'})`,
        fsync: 'the same article bytes, an fsync per file',
      }[mode];
      baselines.push({ label, runs, ingests, files: articles.length, MB });
    }
    await small(String(STEP));
  }
}
const lastItems = await small(String(steps * STEP));
// the no-op runs at the end against start-up, interleaved `--noop-runs` times (a small difference on a busy
// machine): feeds with a new lastBuildDate (every item looked at), the same bytes again (skipped), start-up
const interleaved: { fresh: Usage; same: Usage; startup: Usage }[] = [];
for (let k = 0; k < NOOP_RUNS; k++) {
  serve(lastItems, published(next) + (k + 1) * 60_000);
  const fresh = await measure([...CLI, 'run', '--archive', root, ...ONLY]);
  const same = await measure([...CLI, 'run', '--archive', root, ...ONLY]);
  serve([]);
  const startupAgain = await measure([...CLI, 'run', '--archive', emptyRoot, ...ONLY]);
  interleaved.push({ fresh, same, startup: startupAgain });
}
const noopTree = await tree(root);
if (noopTree.size !== current.size) throw new Error(`the interleaved no-op runs changed the archive (${current.size} → ${noopTree.size} files)`);
server.close();

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
console.log(`node ${process.version}, ${process.platform}; ${FEEDS} feeds on 127.0.0.1, items of 3–6 KB; CLI ${values.cli ? values.cli : '(this checkout)'}\n`);
console.log('| run | articles after | wall s | CPU s | peak RSS MiB | written MB | new files | new MB | files changed | rewritten MB | processes: peak RSS MiB, summed |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const all = (u: Usage) => (u.processes > 1 ? `${u.processes}: ${u.rssAllMiB.toFixed(0)}` : '1');
for (const r of rows) {
  console.log(`| ${r.label} | ${r.articles} | ${f1(r.wallS)} | ${f2(r.cpuS)} | ${r.rssMiB.toFixed(0)} | ${f1(r.writtenMB)} | ${r.newFiles} | ${f2(r.newMB)} | ${r.files} | ${f2(r.rewrittenMB)} | ${all(r)} |`);
}
console.log(`\nstart-up (\`run\`, nine empty feeds, empty archive): wall ${f2(startup.wallS)} s, CPU ${f2(startup.cpuS)} s (system ${f2(startup.sysS)} s), peak RSS ${startup.rssMiB.toFixed(0)} MiB (processes: ${all(startup)})`);
if (interleaved.length > 0) {
  const m = (f: (r: (typeof interleaved)[number]) => number) => f2(median(interleaved.map(f)));
  const all = (f: (r: (typeof interleaved)[number]) => number) => interleaved.map((r) => f2(f(r))).join(' · ');
  console.log(`\nNo-op runs at ${rows[rows.length - 1]!.articles} articles against start-up, interleaved ${interleaved.length} times (CPU s; median, then each):\n`);
  console.log('| run | CPU s, median | beyond start-up, median of the differences | peak RSS MiB, median | CPU s, each |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  console.log(`| start-up: nine empty feeds, empty archive | ${m((r) => r.startup.cpuS)} | | ${m((r) => r.startup.rssMiB).replace(/\.\d+$/, '')} | ${all((r) => r.startup.cpuS)} |`);
  console.log(`| no-op, new lastBuildDate (every item looked at) | ${m((r) => r.fresh.cpuS)} | ${m((r) => r.fresh.cpuS - r.startup.cpuS)} | ${m((r) => r.fresh.rssMiB).replace(/\.\d+$/, '')} | ${all((r) => r.fresh.cpuS)} |`);
  console.log(`| no-op, same bytes (skipped) | ${m((r) => r.same.cpuS)} | ${m((r) => r.same.cpuS - r.startup.cpuS)} | ${m((r) => r.same.rssMiB).replace(/\.\d+$/, '')} | ${all((r) => r.same.cpuS)} |`);
}
console.log('\nSide by side, in the same parent folder (baseline, then the first step again into a fresh archive), each pair in order; the ratio of the medians:\n');
console.log('| baseline | files | MB | baseline wall s | baseline CPU s (system) | first step again: wall s | CPU s (system) | ratio, wall | ratio, CPU |');
console.log('| --- | ---: | ---: | --- | --- | --- | --- | ---: | ---: |');
for (const b of baselines) {
  const each = (us: Usage[], f: (u: Usage) => string) => us.map(f).join(' · ');
  const cpu = (u: Usage) => `${f2(u.cpuS)} (${f2(u.sysS)})`;
  const mWall = median(b.runs.map((r) => r.wallS));
  const mCpu = median(b.runs.map((r) => r.cpuS));
  const iWall = median(b.ingests.map((r) => r.wallS));
  const iCpu = median(b.ingests.map((r) => r.cpuS));
  console.log(
    `| ${b.label} | ${b.files} | ${f1(b.MB)} | ${each(b.runs, (u) => f2(u.wallS))} | ${each(b.runs, cpu)} | ${each(b.ingests, (u) => f2(u.wallS))} | ${each(b.ingests, cpu)} | ${f1(iWall / mWall)} | ${f1(iCpu / mCpu)} |`,
  );
}
const plain = baselines.find((b) => b.label.includes('no fsync'));
const batched = baselines.find((b) => b.label.includes('made durable'));
if (plain && batched) {
  // what durability alone costs against the plain writes: the part of the first ingest's ratio no archiver that
  // makes its files durable can avoid
  const r = (f: (u: Usage) => number) => f1(median(batched.runs.map(f)) / median(plain.runs.map(f)));
  console.log(`\nDurability alone (the durable baseline against the plain one, medians): ${r((u) => u.wallS)}× wall, ${r((u) => u.cpuS)}× CPU.`);
}
await fs.rm(work, { recursive: true, force: true });
