/**
 * The search index at scale (issue 10): a generated archive of 100,000 synthetic Chinese articles
 * (bench/search/corpus.ts, deterministic), then
 *   1. the index built from nothing by the compiled CLI (`newsvault reindex`, so run `npm run build` first), in
 *      its own process: articles per second, CPU time and peak RSS;
 *   2. a fixed set of one- to four-word Chinese queries (plus a traditional one and a phrase), each run
 *      ROUNDS times after a warm-up, through `search()` with its 20 snippets: p50 and p95 in ms;
 *   3. the same queries with `grep -r` over the same article files (each word a `grep -rlF`, the next words
 *      `grep -lF` over the files found, so AND as in search), once each: the baseline, as a ratio.
 * Figures in docs/benchmarks.md. The archive is kept in the temporary folder between runs (its name holds N
 * and the generator's version); pass --fresh to generate it again.
 *
 *   npm run build && node --import tsx bench/search.ts [N=100000] [--fresh]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const ROUNDS = 5;
const GENERATOR = 3;

/** One- to four-word queries; the last two: traditional characters, a phrase. */
export const QUERIES = [
  '俄',
  '普京',
  '朝鲜',
  '习近平',
  '制裁',
  '太空计划',
  '平壤',
  '朱镕基',
  '普京 步枪',
  '美国 制裁',
  '习近平 拜登',
  '朝鲜 导弹',
  '欧盟 天然气',
  '台湾 选举',
  '俄罗斯 乌克兰 停火',
  '中国 美国 关税',
  '联合国 古特雷斯 难民',
  '香港 李家超 审查',
  '普京 金正恩 平壤 访问',
  '美国 中国 台湾 军演',
  '欧盟 俄罗斯 天然气 制裁',
  '日本 韩国 朝鲜 导弹',
  '習近平 拜登',
  '"太空计划"',
];

async function child(root: string): Promise<void> {
  const index = await import('../src/index/index.ts');
  const idx = index.openIndex(root, { readonly: true });
  if (!idx) throw new Error('no index');
  const times: Record<string, number[]> = {};
  const cpuTimes: Record<string, number[]> = {};
  const totals: Record<string, number> = {};
  for (const q of QUERIES) index.search(idx, q); // warm-up: the page cache and the statements
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of QUERIES) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = index.search(idx, q, { limit: 20 });
      (times[q] ??= []).push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      (cpuTimes[q] ??= []).push((c.user + c.system) / 1000);
      totals[q] = res.total;
    }
  }
  idx.close();
  console.log(JSON.stringify({ times, cpuTimes, totals }));
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function grepQuery(root: string, query: string): { ms: number; files: number } {
  const words = query.replace(/"/g, '').split(/\s+/).filter(Boolean);
  const t0 = performance.now();
  let files: string[] = [];
  words.forEach((w, i) => {
    if (i > 0 && files.length === 0) return;
    // the files found so far, through xargs (too many for one command line)
    const r =
      i === 0
        ? spawnSync('grep', ['-rlF', '--include=*.md', '-e', w, path.join(root, 'articles')], { encoding: 'utf8', maxBuffer: 1 << 30 })
        : spawnSync('xargs', ['-0', 'grep', '-lF', '-e', w], { input: files.join('\0'), encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.error) throw r.error;
    files = r.stdout.split('\n').filter(Boolean);
  });
  return { ms: performance.now() - t0, files: files.length };
}

async function mainBench(): Promise<void> {
  const args = process.argv.slice(2);
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
  const root = path.join(os.tmpdir(), `newsvault-bench-search-${n}-g${GENERATOR}`);
  if (args.includes('--fresh')) rmSync(root, { recursive: true, force: true });
  if (!existsSync(path.join(root, 'newsvault.yaml'))) {
    mkdirSync(root, { recursive: true });
    const { generateArchive } = await import('./search/corpus.ts');
    const t0 = performance.now();
    const g = generateArchive(root, n);
    console.log(`generated ${g.articles} articles (${(g.bytes / 2 ** 20).toFixed(0)} MiB of article files) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${root}`);
  } else console.log(`archive: ${root} (kept from an earlier run; --fresh to generate it again)`);

  // the build: the compiled CLI, as users run it (`newsvault reindex`), with its peak RSS and CPU time
  // printed at exit by a preloaded hook
  const bin = path.join(path.dirname(here), '..', 'bin', 'newsvault.js');
  const distIndex = path.join(path.dirname(here), '..', 'dist', 'index', 'index.js');
  if (!existsSync(distIndex)) throw new Error('dist/ has no index stage: run `npm run build` first');
  const hook = `data:text/javascript,process.on('exit',()=>{const c=process.cpuUsage();process.stderr.write('BENCH '+JSON.stringify({maxRssMiB:process.resourceUsage().maxRSS/1024,cpuMs:(c.user+c.system)/1000})+'\\n')})`;
  const load = os.loadavg()[0]!;
  const built = spawnSync(process.execPath, ['--import', hook, bin, 'reindex', '--archive', root, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (built.status !== 0) throw new Error(`newsvault reindex failed: ${built.stderr}`);
  const report = JSON.parse(built.stdout) as { ms: number; articles: number; warnings: string[] };
  const usage = JSON.parse(/^BENCH (.*)$/m.exec(built.stderr)![1]!) as { maxRssMiB: number; cpuMs: number };
  const build = { ms: report.ms, cpuMs: usage.cpuMs, articles: report.articles, warnings: report.warnings.length, maxRssMiB: usage.maxRssMiB };
  console.log(`\nindex build (newsvault reindex): ${build.articles} articles in ${(build.ms / 1000).toFixed(1)} s = ${Math.round(build.articles / (build.ms / 1000))} articles/s (the process's CPU time ${(build.cpuMs / 1000).toFixed(1)} s = ${Math.round(build.articles / (build.cpuMs / 1000))} articles per CPU-second); peak RSS ${build.maxRssMiB.toFixed(0)} MiB; ${build.warnings} warning(s); load average before: ${load.toFixed(1)}`);

  const run = (mode: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', here, mode, root], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as unknown;
  };
  const { times, cpuTimes, totals } = run('--query') as { times: Record<string, number[]>; cpuTimes: Record<string, number[]>; totals: Record<string, number> };

  const rows: string[] = [];
  const all: number[] = [];
  const allCpu = Object.values(cpuTimes).flat().sort((a, b) => a - b);
  let grepTotal = 0;
  let searchTotal = 0;
  for (const q of QUERIES) {
    const t = [...times[q]!].sort((a, b) => a - b);
    all.push(...t);
    const g = grepQuery(root, q);
    const median = quantile(t, 0.5);
    grepTotal += g.ms;
    searchTotal += median;
    rows.push(`| \`${q}\` | ${q.replace(/"/g, '').split(/\s+/).length} | ${totals[q]} | ${median.toFixed(1)} | ${quantile(t, 0.95).toFixed(1)} | ${g.files} | ${g.ms.toFixed(0)} | ${(g.ms / median).toFixed(0)}× |`);
  }
  all.sort((a, b) => a - b);
  const size = statSync(path.join(root, '.newsvault', 'index.sqlite')).size;
  console.log(`index file: ${(size / 2 ** 20).toFixed(0)} MiB`);
  console.log(`search (${QUERIES.length} queries × ${ROUNDS} rounds, 20 hits with snippets): p50 ${quantile(all, 0.5).toFixed(1)} ms, p95 ${quantile(all, 0.95).toFixed(1)} ms, max ${all[all.length - 1]!.toFixed(1)} ms; in CPU time: p50 ${quantile(allCpu, 0.5).toFixed(1)} ms, p95 ${quantile(allCpu, 0.95).toFixed(1)} ms; load average now ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`grep -r baseline: ${(grepTotal / QUERIES.length).toFixed(0)} ms per query on average; search is ${(grepTotal / searchTotal).toFixed(0)}× faster (sum of grep times / sum of search medians)\n`);
  console.log('| query | words | matches | search p50 ms | search p95 ms | grep files | grep ms | grep / search |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(r);
  writeFileSync(path.join(root, '.newsvault', 'bench-search.json'), JSON.stringify({ build, times, cpuTimes, totals }, null, 1));
}

const mode = process.argv[2];
if (mode === '--query') await child(process.argv[3]!);
else await mainBench();
