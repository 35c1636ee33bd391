/**
 * The static site's client-side search index (issue 11) at scale: the generated archive of bench/search.ts
 * (bench/search/corpus.ts: 100,000 synthetic Chinese articles, deterministic, and 100 more per incremental run;
 * kept in the temporary folder between runs), its articles read as the site build reads them (manifest, file, `htmlToText`), then
 *   1. a full build of the index: seconds (reading the articles subtracted), documents per second, peak RSS,
 *      files and bytes written;
 *   2. what each query of bench/search.ts downloads in the browser — the manifest, the folding blocks, the
 *      shards and the records of the first 20 results, loaded and run with the browser's own script
 *      (static/search.js in a vm context): files, bytes, and bytes gzip-compressed (as GitHub Pages sends them);
 *   3. incremental updates after it: 100 articles added (and 10 revised) per run, RUNS runs: the time of each
 *      against the full build, the segments, and the bytes of the queries afterwards.
 *
 *   node --import tsx bench/site-search.ts [N=100000] [--runs 30]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArticle } from '../src/archive/index.ts';
import { htmlToText } from '../src/index/index.ts';
import { buildSearchIndex, measureQuery, updateSearchIndex, type SearchDoc } from '../src/site/search/index.ts';
import { generateArchive, SOURCES } from './search/corpus.ts';

const GENERATOR = 3; // bench/search.ts's generator version

/** bench/search.ts's queries: one to four words, a traditional one, a phrase. */
const QUERIES = [
  '俄', '普京', '朝鲜', '习近平', '制裁', '太空计划', '平壤', '朱镕基', '普京 步枪', '美国 制裁', '习近平 拜登', '朝鲜 导弹',
  '欧盟 天然气', '台湾 选举', '俄罗斯 乌克兰 停火', '中国 美国 关税', '联合国 古特雷斯 难民', '香港 李家超 审查',
  '普京 金正恩 平壤 访问', '美国 中国 台湾 军演', '欧盟 俄罗斯 天然气 制裁', '日本 韩国 朝鲜 导弹', '習近平 拜登', '"太空计划"',
];

interface Rec {
  id: string;
  path: string;
  title: string;
  published: number;
}

/** The archive's articles as the site gives them to the index, in publication order per source. */
function* docsOf(root: string, limit = Infinity): Generator<SearchDoc> {
  let n = 0;
  for (const slug of SOURCES) {
    const file = path.join(root, 'articles', slug, 'index.jsonl');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      if (n++ >= limit) return;
      const r = JSON.parse(line) as Rec;
      const article = parseArticle(readFileSync(path.join(root, r.path), 'utf8'));
      yield { key: `${slug}/${r.id}`, url: `a/${slug}/${r.id}.html`, title: r.title, source: slug, sourceName: slug.toUpperCase(), published: r.published, text: htmlToText(article?.contentHtml ?? '') };
    }
  }
}

function dirSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const s = dirSize(p);
      files += s.files;
      bytes += s.bytes;
    } else {
      files++;
      bytes += statSync(p).size;
    }
  }
  return { files, bytes };
}

const kb = (b: number) => (b / 1024).toFixed(1);

async function queryTable(out: string): Promise<{ max: number; maxGz: number }> {
  console.log('| query | matches | files | KB | KB gzip |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  let max = 0;
  let maxGz = 0;
  for (const q of QUERIES) {
    const m = await measureQuery(out, q);
    const gz = m.files.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(out, f))).length, 0);
    max = Math.max(max, m.bytes);
    maxGz = Math.max(maxGz, gz);
    console.log(`| \`${q}\` | ${m.total} | ${m.files.length} | ${kb(m.bytes)} | ${kb(gz)} |`);
  }
  console.log(`\nlargest download: ${kb(max)} KB (${kb(maxGz)} KB gzip)\n`);
  return { max, maxGz };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 30;
  const all = n + runs * 100;
  const root = path.join(os.tmpdir(), `newsvault-bench-site-search-archive-${all}-g${GENERATOR}`);
  if (!existsSync(path.join(root, 'newsvault.yaml'))) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    console.log(`generating ${n} articles into ${root} …`);
    generateArchive(root, all);
  } else console.log(`archive: ${root} (kept from an earlier run)`);
  const out = path.join(os.tmpdir(), `newsvault-bench-site-search-${n}`);
  rmSync(out, { recursive: true, force: true });

  // reading alone, to subtract it (the site reads the articles anyway)
  let t = performance.now();
  let count = 0;
  for (const d of docsOf(root, n)) count += d.text.length > 0 ? 1 : 0;
  const readMs = performance.now() - t;

  t = performance.now();
  const c0 = process.cpuUsage();
  const report = await buildSearchIndex(out, docsOf(root, n));
  const totalMs = performance.now() - t;
  const cpu = process.cpuUsage(c0);
  const buildMs = totalMs - readMs;
  const size = dirSize(path.join(out, 'search'));
  console.log(`full build: ${report.docs} documents (${count} with text) in ${(buildMs / 1000).toFixed(1)} s besides reading them (${(readMs / 1000).toFixed(1)} s), ` +
    `${Math.round(report.docs / (buildMs / 1000))} documents/s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s with reading; ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; index ${size.files} files, ${(size.bytes / 2 ** 20).toFixed(1)} MiB; load average ${os.loadavg()[0]!.toFixed(1)}\n`);
  await queryTable(out);

  // incremental: the articles after the first n, 100 per run, and 10 earlier ones revised in each run
  const extra = [...docsOf(root, all)].slice(n);
  const revisable = [...docsOf(root, 2000)];
  const times: number[] = [];
  let merged = 0;
  let segments = 0;
  for (let r = 0; r < runs && (r + 1) * 100 <= extra.length; r++) {
    const added = extra.slice(r * 100, (r + 1) * 100);
    const revised = revisable.slice(r * 10, r * 10 + 10).map((d) => ({ ...d, title: `${d.title}（更新）` }));
    const t0 = performance.now();
    const rep = await updateSearchIndex(out, { upsert: [...added, ...revised], remove: [] });
    times.push(performance.now() - t0);
    merged += rep.merged;
    segments = rep.segments;
  }
  if (times.length) {
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(`incremental: ${times.length} runs of 100 added + 10 revised: median ${median.toFixed(0)} ms (${((100 * median) / buildMs).toFixed(2)} % of the full build), ` +
      `mean ${mean.toFixed(0)} ms (${((100 * mean) / buildMs).toFixed(2)} %, merges included: ${merged} documents merged), max ${sorted[sorted.length - 1]!.toFixed(0)} ms; ${segments} segments now\n`);
    await queryTable(out);
  }
}

await main();
