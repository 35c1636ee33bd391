/**
 * The static site at scale (issue 11): a generated archive of N synthetic Chinese articles (bench/search/corpus.ts,
 * the same generator as the search benchmark: deterministic, in the archive's own format, 8 sources), then
 *   1. a full `buildSite` in a child process of its own, on the compiled code: pages per second (wall and the
 *      process's CPU time), peak RSS, the site's size;
 *   2. 100 articles added through the archive's own store (as a run commits them), and a rebuild from the
 *      manifests (what `newsvault build` does after a run) and one from the run's change events: seconds, % of
 *      the full build, files written;
 *   3. what a search downloads: the files and bytes the browser loads for a few queries and their first 20
 *      results (measured with the site's own client script, src/site/search's measureQuery).
 * The archive and the site are made in the temporary folder and removed afterwards (--keep keeps them).
 *
 *   node --import tsx bench/site.ts [--articles N] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const QUERIES = ['俄', '普京', '朝鲜 导弹', '習近平 拜登', '"太空计划"'];

interface ChildResult {
  report: { ms: number; pages: { written: number; unchanged: number; removed: number }; articles: { rendered: number; skipped: number } };
  cpuMs: number;
  maxRssMiB: number;
}

/**
 * One build in a child process running this checkout's compiled code (src/testing/build.ts compiles it into a
 * folder of its own, as `npm run build` does, so neither tsx nor the shared dist/ is involved): its report,
 * the process's CPU time and peak RSS (threads included: the search indexing runs on a second thread).
 */
function build(dist: string, root: string, out: string, eventsFile?: string): ChildResult {
  const code = `
    import { readFileSync } from 'node:fs';
    const { buildSite } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'site', 'build.js')).href)});
    const [root, out, eventsFile] = process.argv.slice(2);
    const events = eventsFile ? JSON.parse(readFileSync(eventsFile, 'utf8')) : undefined;
    const c0 = process.cpuUsage();
    const report = await buildSite(root, { out, ...(events ? { events } : {}) });
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ report, cpuMs: (c.user + c.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));`;
  const script = path.join(path.dirname(root), 'build-child.mjs');
  writeFileSync(script, code);
  const r = spawnSync(process.execPath, [script, root, out, ...(eventsFile ? [eventsFile] : [])], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

function du(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(path.join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}

/** Adds `n` articles through the archive's store, as a run commits them; returns their change events. */
async function addArticles(root: string, n: number): Promise<unknown[]> {
  const { FileArchive } = await import('../src/storage/index.ts');
  const { SOURCES } = await import('./search/corpus.ts');
  const archive = new FileArchive(root);
  const now = Date.UTC(2025, 0, 2);
  const events: unknown[] = [];
  const stores = new Map<string, Awaited<ReturnType<typeof archive.source>>>();
  for (let i = 0; i < n; i++) {
    const slug = SOURCES[i % SOURCES.length]!;
    let store = stores.get(slug);
    if (!store) stores.set(slug, (store = await archive.source(slug)));
    const published = now - (n - i) * 60_000;
    const { event } = await store.upsert(
      {
        id: `https://${slug}.example/bench-added/${now}/${i}`,
        title: `新增文章${i}：普京会见金正恩 讨论朝鲜导弹`,
        link: `https://${slug}.example/bench-added/${now}/${i}`,
        published,
        updated: null,
        author: null,
        summary: null,
        content: `<p>这是基准测试新增的第${i}篇文章。俄罗斯总统普京在平壤会见朝鲜领导人金正恩，双方讨论了导弹与太空计划。</p>`.repeat(8),
        categories: [],
        enclosures: [],
      },
      now,
    );
    events.push(event);
  }
  for (const s of stores.values()) {
    await s.close();
    await s.finish();
  }
  return events;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

async function mainBench(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--articles');
  const n = at >= 0 ? Number(args[at + 1]) : 100_000;
  if (!Number.isInteger(n) || n <= 0) throw new Error('--articles N: a positive whole number');
  const keep = args.includes('--keep');
  const dir = mkdtempSync(path.join(os.tmpdir(), `newsvault-bench-site-${n}-`));
  const root = path.join(dir, 'archive');
  const out = path.join(dir, 'site');
  try {
    mkdirSync(root, { recursive: true });
    const { generateArchive } = await import('./search/corpus.ts');
    const t0 = performance.now();
    const g = generateArchive(root, n);
    console.log(`generated ${g.articles} articles (${mib(g.bytes)} of article files, ${(g.bytes / g.articles / 1024).toFixed(1)} KiB each) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${root}`);
    const { builtCli } = await import('../src/testing/build.ts');
    const dist = path.join(path.dirname(path.dirname(builtCli())), 'dist');
    // the generator's 250 MiB (at 100,000) written back to disk now, not during the build it would slow down
    spawnSync('sync', { stdio: 'ignore' });
    const load = os.loadavg()[0]!;

    const full = build(dist, root, out);
    const site = du(out);
    const searchSize = existsSync(path.join(out, 'search')) ? du(path.join(out, 'search')) : { files: 0, bytes: 0 };

    const events = await addArticles(root, 100);
    const eventsFile = path.join(dir, 'events.json');
    writeFileSync(eventsFile, JSON.stringify(events));
    // the same site twice: one rebuilt from the manifests, one (a copy made before) from the events
    const copy = path.join(dir, 'site-events');
    spawnSync('cp', ['-a', out, copy]);
    // the full build and the copy leave about 1.4 GB to write back: flushed first, so that the rebuilds
    // measure themselves, not the kernel writing out the pages before them
    spawnSync('sync');
    const scan = build(dist, root, out);
    const fromEvents = build(dist, root, copy, eventsFile);

    const { measureQuery } = await import('../src/site/search/index.ts');
    const queries = [];
    for (const q of QUERIES) queries.push({ q, ...(await measureQuery(out, q)) });

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const rate = (ms: number) => Math.round(full.report.articles.rendered / (ms / 1000));
    console.log(`\nload average before the build: ${load.toFixed(1)}; ${os.cpus().length} CPUs\n`);
    console.log('| figure | value | goal |');
    console.log('| --- | ---: | ---: |');
    console.log(`| full build: articles | ${full.report.articles.rendered} (${full.report.pages.written} files written) | |`);
    console.log(`| full build: wall time | ${s(full.report.ms)} = ${rate(full.report.ms)} article pages/s | ≥ 2,000/s |`);
    console.log(`| full build: CPU time (all threads) | ${s(full.cpuMs)} = ${rate(full.cpuMs)} article pages per CPU-second | |`);
    console.log(`| full build: peak RSS | ${full.maxRssMiB.toFixed(0)} MiB | ≤ 512 MiB |`);
    console.log(`| site size | ${mib(site.bytes)} in ${site.files} files (search index ${mib(searchSize.bytes)} in ${searchSize.files} files) | |`);
    for (const [label, r] of [['from the manifests', scan], ['from the events', fromEvents]] as const) {
      console.log(
        `| rebuild after adding 100, ${label} | ${s(r.report.ms)} = ${((100 * r.report.ms) / full.report.ms).toFixed(1)} % of the full build; ${r.report.pages.written} files written, ${r.report.articles.rendered} articles rendered; CPU ${s(r.cpuMs)}, peak RSS ${r.maxRssMiB.toFixed(0)} MiB | ≤ 2 % |`,
      );
    }
    for (const q of queries) console.log(`| search \`${q.q}\`: downloads | ${kib(q.bytes)} in ${q.files.length} files (${q.total} hits) | ≤ 300 KB |`);
    console.log(`\nload average after: ${os.loadavg()[0]!.toFixed(1)}`);
  } finally {
    if (keep) console.log(`kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await mainBench();
