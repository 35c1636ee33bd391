/**
 * Extraction benchmark: extractArticle over saved pages, repeated, each set in its own process so the
 * memory figures are its own.
 *
 *   node --import tsx bench/extract.ts [--rounds N]
 *
 * Sets: the reconstructed outlet pages of src/extract/testdata (10 pages, 2–5 KiB), and the real pages
 * of the shared development corpus when it is there (../shared/dev-corpus: newspaper4k's Chinese
 * articles and hknews-backend's Hong Kong pages, 14–370 KiB), and two hostile pages (the ones of
 * src/extract/extract.test.ts: 5 MB of text in one paragraph on one line, and 5 MB of markup, 240,000
 * paragraphs, on one line). Each set gets one warm-up round, then `rounds` measured rounds (default: as
 * many as fit in about 3 seconds, at least 5; at least 2 for the hostile pages, which take seconds).
 * Peak RSS is the process's maximum resident set size (getrusage); peak heap is sampled after every page;
 * "heap after GC" is the heap in use after a full collection at the end (what extraction retains).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractArticle } from '../src/extract/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CORPUS = path.resolve(ROOT, '../shared/dev-corpus/pages');

interface Page {
  name: string;
  html: string;
  url: string;
}

/** Fixture URLs: each outlet page at an address its rule covers (as in src/extract/outlets.test.ts). */
const FIXTURE_URLS: Record<string, string> = {
  'rfi.html': 'https://www.rfi.fr/cn/x/20240412-x',
  'bbc.html': 'https://www.bbc.com/zhongwen/articles/c0fixture01/simp',
  'voa.html': 'https://www.voachinese.com/a/x/7000001.html',
  'nytimes.html': 'https://cn.nytimes.com/world/20240412/x/',
  'dw.html': 'https://www.dw.com/zh/x/a-68000001',
  'rfa.html': 'https://www.rfa.org/mandarin/yataibaodao/x.html',
  'ftchinese.html': 'https://www.ftchinese.com/story/001100001',
  'cdt.html': 'https://chinadigitaltimes.net/chinese/700001.html',
  'reuters.html': 'https://cn.reuters.com/article/x-idCNKBS2XX001',
  'generic.html': 'https://weekly.example.org/a/2024/04/bookshop',
};

function fixturePages(): Page[] {
  const dir = path.join(ROOT, 'src/extract/testdata');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((f) => ({ name: f, html: readFileSync(path.join(dir, f), 'utf8'), url: FIXTURE_URLS[f] ?? pathToFileURL(path.join(dir, f)).href }));
}

/** The hostile pages of src/extract/extract.test.ts. */
function hostilePages(): Page[] {
  const sentence = '这是一个很长的单行页面里的一句话，没有换行。';
  const text = sentence.repeat(Math.ceil((5 * 1024 * 1024) / Buffer.byteLength(sentence)));
  const many = '<p>一段文字。</p>'.repeat(240_000);
  return [
    { name: '5 MB text, one paragraph', html: `<!DOCTYPE html><html><head><title>大页面</title></head><body><div><p>${text}</p></div></body></html>`, url: 'https://hostile.example/one-line' },
    { name: '240,000 paragraphs', html: `<!DOCTYPE html><html><body><article>${many}</article></body></html>`, url: 'https://hostile.example/many' },
  ];
}

function corpusPages(): Page[] {
  const pages: Page[] = [];
  const n4k = path.join(CORPUS, 'newspaper4k');
  const hk = path.join(CORPUS, 'hknews-backend/src/test/resources/testdata');
  for (const dir of [n4k, hk]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.html')).sort()) {
      const file = path.join(dir, f);
      // thestandard's pages declare ISO-8859-1; the others are UTF-8
      const html = readFileSync(file, /thestandard/.test(f) ? 'latin1' : 'utf8');
      pages.push({ name: f, html, url: pathToFileURL(file).href });
    }
  }
  return pages;
}

interface Result {
  set: string;
  pages: number;
  kib: number;
  rounds: number;
  extractions: number;
  totalMs: number;
  p50: number;
  p95: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  /** Heap in use after a full garbage collection at the end: what extraction retains (a leak would show here). */
  retainedHeapMiB: number;
}

function runSet(set: string, roundsArg: number | null): Result {
  const pages = set === 'fixtures' ? fixturePages() : set === 'hostile' ? hostilePages() : corpusPages();
  const minRounds = set === 'hostile' ? 2 : 5;
  for (const p of pages) extractArticle(p.html, p.url); // warm-up
  const times: number[] = [];
  let peakHeap = process.memoryUsage().heapUsed;
  let rounds = 0;
  const started = performance.now();
  while (roundsArg !== null ? rounds < roundsArg : rounds < minRounds || performance.now() - started < 3000) {
    for (const p of pages) {
      const t = performance.now();
      extractArticle(p.html, p.url);
      times.push(performance.now() - t);
      const heap = process.memoryUsage().heapUsed;
      if (heap > peakHeap) peakHeap = heap;
    }
    rounds++;
  }
  const totalMs = times.reduce((a, b) => a + b, 0);
  times.sort((a, b) => a - b);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return {
    set,
    pages: pages.length,
    kib: pages.reduce((n, p) => n + Buffer.byteLength(p.html), 0) / 1024,
    rounds,
    extractions: times.length,
    totalMs,
    p50: times[Math.floor(times.length * 0.5)] ?? 0,
    p95: times[Math.floor(times.length * 0.95)] ?? 0,
    peakRssMiB: (process.resourceUsage().maxRSS * 1024) / 1048576,
    peakHeapMiB: peakHeap / 1048576,
    retainedHeapMiB: gc ? process.memoryUsage().heapUsed / 1048576 : NaN,
  };
}

const args = process.argv.slice(2);
const setArg = args.find((a) => a.startsWith('--set='))?.slice(6);
const roundsIndex = args.indexOf('--rounds');
const rounds = roundsIndex >= 0 ? Number(args[roundsIndex + 1]) : null;

if (setArg) {
  // a child: one set, JSON out
  process.stdout.write(JSON.stringify(runSet(setArg, rounds)));
} else {
  const sets = ['fixtures', ...(existsSync(CORPUS) ? ['dev-corpus'] : []), 'hostile'];
  const results: Result[] = [];
  for (const set of sets) {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), `--set=${set}`, ...(rounds !== null ? ['--rounds', String(rounds)] : [])], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (child.status !== 0) {
      process.stderr.write(child.stderr);
      process.exit(1);
    }
    results.push(JSON.parse(child.stdout) as Result);
  }
  if (!existsSync(CORPUS)) console.log(`(dev corpus not found at ${CORPUS}: fixtures only)\n`);
  console.log(`extractArticle, node ${process.version}, ${process.platform}/${process.arch}\n`);
  console.log('| set | pages | KiB | rounds | extractions | total ms | pages/s | ms/page p50 | ms/page p95 | peak RSS MiB | peak heap MiB | heap after GC MiB |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.set} | ${r.pages} | ${r.kib.toFixed(0)} | ${r.rounds} | ${r.extractions} | ${r.totalMs.toFixed(0)} | ${((r.extractions / r.totalMs) * 1000).toFixed(1)} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.peakRssMiB.toFixed(0)} | ${r.peakHeapMiB.toFixed(0)} | ${r.retainedHeapMiB.toFixed(0)} |`,
    );
  }
}
