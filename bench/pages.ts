/**
 * A source of summary-only items, whose article pages are fetched: one by one (pageConcurrency 1) and several
 * at once, under the per-host politeness. A server on 127.0.0.1 answers each page after `--latency` ms (a far
 * news site); each case archives the feed into a fresh folder, `--rounds` times (default 3), and the table
 * gives the median wall time, pages per second and the speed-up over one by one. The politeness caps what page
 * concurrency can give: with perHostConcurrency 2 (the default) no more than 2 pages of one host are in flight.
 *
 *   node --import tsx bench/pages.ts [--items N] [--latency MS] [--rounds N]
 *
 * (test/logging.test.ts checks the bound and the commit order with a server that counts requests in flight.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Politeness } from '../src/fetch/index.ts';
import { runArchive } from '../src/run/index.ts';
import { tempDir } from '../src/testing/tree.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ITEMS = arg('--items', 40);
const LATENCY = arg('--latency', 100);
const ROUNDS = arg('--rounds', 3);

const body = (n: number) => `第${n}篇文章的全文：这是网页上的正文，只有从网页抓取才会出现在存档里。`.repeat(10);
let base = '';
const server = http.createServer((req, res) => {
  const m = /^\/page\/(\d+)$/.exec(req.url ?? '');
  if (req.url === '/feed.xml') {
    const items = Array.from(
      { length: ITEMS },
      (_, i) => `<item><title>条目 ${i}</title><link>${base}/page/${i}</link><guid>p-${i}</guid><pubDate>Wed, 10 Apr 2024 06:30:00 GMT</pubDate><description>摘要</description></item>`,
    );
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title><link>${base}/</link>${items.join('')}</channel></rss>`);
  } else if (m) {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><body><article><h1>条目 ${m[1]}</h1><p>${body(Number(m[1]))}</p><p>${body(Number(m[1]))}</p></article></body></html>`);
    }, LATENCY);
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function once(pageConcurrency: number, perHostConcurrency: number): Promise<number> {
  const root = await tempDir('newsvault-bench-pages-');
  const started = performance.now();
  const report = await runArchive({
    root,
    sources: [{ slug: 'pages', name: 'pages', feeds: [`${base}/feed.xml`], enabled: true }],
    pageConcurrency,
    fetch: { politeness: new Politeness({ globalConcurrency: 16, perHostConcurrency, perHostDelayMs: 0 }), retry: { retries: 0 } },
  });
  const ms = performance.now() - started;
  const r = report.sources[0]!;
  if (r.new !== ITEMS || r.fullText !== ITEMS) throw new Error(`unexpected report: ${r.new} new, ${r.fullText} from their pages`);
  return ms;
}

const cases: [string, number, number][] = [
  ['one by one (pageConcurrency 1)', 1, 8],
  ['pageConcurrency 2', 2, 8],
  ['pageConcurrency 4 (default)', 4, 8],
  ['pageConcurrency 8', 8, 8],
  ['pageConcurrency 4, perHostConcurrency 2 (default)', 4, 2],
];
const rows: string[][] = [];
let baseline = 0;
for (const [name, pages, perHost] of cases) {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await once(pages, perHost));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  if (pages === 1) baseline = median;
  rows.push([name, `${(median / 1000).toFixed(2)} s`, ((ITEMS * 1000) / median).toFixed(1), `${(baseline / median).toFixed(1)}×`]);
}
server.close();

console.log(`${ITEMS} summary-only items, each page answered after ${LATENCY} ms, no per-host delay; median of ${ROUNDS} round(s)\n`);
const head = ['case', 'wall', 'pages/s', 'speed-up'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows) console.log(line(r));
