/**
 * parseFeed alone, on large generated feeds and on the development corpus: median time of 5 rounds (after
 * one warm-up) and peak RSS, each case in its own process so that memory figures do not mix. Figures in
 * docs/benchmarks.md. Run from any checkout (it measures the src/ next to it):
 *
 *   node --import tsx bench/parse.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFeed } from '../src/parse/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.resolve(here, '../../shared/dev-corpus/feeds');
const ROUNDS = 5;
const PARAGRAPH = '<p>据法新社报道，这是一段用于基准测试的中文新闻正文，包含一些 English words 和数字 2024。</p>';

function rss(n: number): Buffer {
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    items.push(`<item><title>基准测试文章 ${i}</title><link>https://bench.example/zh/${i}?utm_source=rss</link>
<guid isPermaLink="false">bench-${i}</guid><pubDate>${new Date(Date.UTC(2024, 0, 1) + i * 600_000).toUTCString()}</pubDate>
<description><![CDATA[<p>摘要 ${i}</p>]]></description><category>国际</category><enclosure url="https://bench.example/${i}.jpg" type="image/jpeg" length="1000"/>
<content:encoded><![CDATA[${Array.from({ length: 20 }, (_, p) => PARAGRAPH.replace('2024', `${i}-${p}`)).join('\n')}]]></content:encoded></item>`);
  }
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Bench</title><link>https://bench.example/</link>\n${items.join('\n')}\n</channel></rss>`,
  );
}

function atom(n: number): Buffer {
  const entries: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = Array.from({ length: 20 }, (_, p) => PARAGRAPH.replace('2024', `${i}-${p}`)).join('');
    entries.push(`<entry><id>urn:bench:${i}</id><title type="html">基准 &amp;lt;${i}&amp;gt;</title><link href="/zh/${i}"/>
<updated>2024-01-01T00:00:00Z</updated><author><name>作者</name></author>
<content type="${i % 2 ? 'html' : 'xhtml'}">${i % 2 ? body.replace(/</g, '&lt;') : `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>`}</content></entry>`);
  }
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Bench</title><id>urn:bench</id>\n${entries.join('\n')}\n</feed>`);
}

function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/(?:feed\.xml|\/input\/[^/]+\.(?:rss|atom|xml))$/.test(p)) out.push(p);
    }
  };
  if (existsSync(corpus)) walk(corpus);
  return out.sort();
}

const CASES: Record<string, () => Buffer[]> = {
  'RSS, 2000 items with 20-paragraph content:encoded': () => [rss(2000)],
  'Atom, 2000 entries (html and xhtml content)': () => [atom(2000)],
  'development corpus (every feed once)': () => corpusFiles().map((f) => readFileSync(f)),
};

async function runCase(name: string): Promise<void> {
  const bodies = CASES[name]!();
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  const once = async () => {
    let items = 0;
    for (const body of bodies) {
      try {
        items += (await parseFeed(body, { url: 'https://bench.example/feed' })).items.length;
      } catch {
        // not a feed (the corpus holds one): part of the work all the same
      }
    }
    return items;
  };
  let items = await once();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    items = await once();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ name, bytes, items, ms: times[Math.floor(ROUNDS / 2)]!, rss }));
}

const only = process.argv[2];
if (only) {
  await runCase(only);
} else {
  console.log('| feed | MiB | items | median ms | MiB/s | peak RSS MiB |\n| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const name of Object.keys(CASES)) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), name], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      console.log(`| ${name} | failed: ${r.stderr.split('\n')[0]} |`);
      process.exitCode = 1;
      continue;
    }
    const x = JSON.parse(line) as { bytes: number; items: number; ms: number; rss: number };
    const mib = x.bytes / 2 ** 20;
    console.log(`| ${name} | ${mib.toFixed(1)} | ${x.items} | ${x.ms.toFixed(0)} | ${(mib / (x.ms / 1000)).toFixed(1)} | ${x.rss.toFixed(0)} |`);
  }
}
