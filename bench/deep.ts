/**
 * Hostile nesting: parseFeed over feeds nested 100 000 levels deep (elements in an RSS item; arrays in a
 * JSON Feed item), and over the same depth as escaped text in <description>, which is no element depth and
 * is read. Prints the median of a few rounds and what parseFeed made of each.
 * Run: node --import tsx bench/deep.ts [depth] [rounds]
 */
import { parseFeed } from '../src/parse/index.ts';

const DEPTH = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const head = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.example/</link><item><title>a</title>';
const tail = '</item></channel></rss>';
const cases: [string, Buffer][] = [
  [`RSS, ${DEPTH} nested elements in an item`, Buffer.from(`${head}${'<div>'.repeat(DEPTH)}x${'</div>'.repeat(DEPTH)}${tail}`)],
  [`RSS, ${DEPTH} levels as escaped HTML in <description>`, Buffer.from(`${head}<description>${'&lt;div&gt;'.repeat(DEPTH)}x${'&lt;/div&gt;'.repeat(DEPTH)}</description>${tail}`)],
  [`JSON Feed, ${DEPTH} nested arrays in an item`, Buffer.from(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"a","x":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}]}`)],
];

console.log('| feed | KiB | median ms | outcome |');
console.log('| --- | ---: | ---: | --- |');
for (const [name, body] of cases) {
  const times: number[] = [];
  let outcome = '';
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    try {
      const feed = await parseFeed(body);
      outcome = `read, ${feed.items.length} item(s)`;
    } catch (err) {
      outcome = `refused: ${(err as Error).message}`;
    }
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${name} | ${(body.length / 1024).toFixed(0)} | ${times[Math.floor(times.length / 2)]!.toFixed(0)} | ${outcome} |`);
}
