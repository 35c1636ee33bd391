/**
 * Benchmark of the feed → archive path: parse a large generated RSS feed, archive it into a fresh archive
 * (every item new), then archive it again (every item unchanged), then with every item edited.
 * Prints a table. Run: node --import tsx bench/archive.ts [items]
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseFeed } from '../src/parse/index.ts';
import { runArchive } from '../src/run/index.ts';
import type { Source } from '../src/domain.ts';
import { tempDir } from '../src/testing/tree.ts';

const N = Number(process.argv[2] ?? 2000);
const PARAGRAPH = '<p>据法新社报道，这是一段用于基准测试的中文新闻正文，包含一些 English words 和数字 2024。</p>';

function feedXml(n: number, edited: boolean): string {
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    const published = new Date(Date.UTC(2024, 0, 1) + i * 600_000).toUTCString();
    items.push(`<item><title>基准测试文章 ${i}${edited ? '（更新）' : ''}</title><link>https://bench.example/zh/${i}?utm_source=rss</link>
<guid isPermaLink="false">bench-${i}</guid><pubDate>${published}</pubDate>
<description><![CDATA[<p>摘要 ${i}</p>]]></description>
<content:encoded><![CDATA[
${Array.from({ length: 20 }, (_, p) => PARAGRAPH.replace('2024', `${i}-${p}`)).join('\n    ')}
]]></content:encoded></item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Bench</title><link>https://bench.example/</link>\n${items.join('\n')}\n</channel></rss>`;
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T; rssMb: number }> {
  peakRss = process.memoryUsage().rss;
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return { ms, value, rssMb: peakRss / 2 ** 20 };
}

const dir = await tempDir('newsvault-bench-'); // removed at exit, even if the benchmark fails
const feedFile = path.join(dir, 'feed.xml');
const editedFile = path.join(dir, 'edited.xml');
await fs.writeFile(feedFile, feedXml(N, false));
await fs.writeFile(editedFile, feedXml(N, true));
const feedBytes = (await fs.stat(feedFile)).size;
const root = path.join(dir, 'archive');
const source = (file: string): Source => ({ slug: 'bench', name: 'Bench', feeds: [file], enabled: true });

const rows: [string, number, number, number][] = [];
const parse = await timed(async () => parseFeed(await fs.readFile(feedFile), { url: 'https://bench.example/rss' }));
rows.push([`parse (${(feedBytes / 2 ** 20).toFixed(1)} MiB)`, N, parse.ms, parse.rssMb]);
const first = await timed(() => runArchive({ root, sources: [source(feedFile)] }));
rows.push(['run: all new', first.value.sources[0]!.new, first.ms, first.rssMb]);
const second = await timed(() => runArchive({ root, sources: [source(feedFile)] }));
rows.push(['run: all unchanged', second.value.sources[0]!.unchanged, second.ms, second.rssMb]);
const third = await timed(() => runArchive({ root, sources: [source(editedFile)] }));
rows.push(['run: all edited', third.value.sources[0]!.changed, third.ms, third.rssMb]);
clearInterval(sampler);

console.log(`| step | items | ms | items/s | peak RSS MiB |`);
console.log(`| --- | ---: | ---: | ---: | ---: |`);
for (const [step, items, ms, rss] of rows) {
  console.log(`| ${step} | ${items} | ${ms.toFixed(0)} | ${((items / ms) * 1000).toFixed(0)} | ${rss.toFixed(0)} |`);
}
await fs.rm(dir, { recursive: true, force: true });
