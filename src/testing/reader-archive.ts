/**
 * The reader's test archive, built the real way: a loopback HTTP server serves the fixture feeds of
 * `test/fixtures/reader/` (an RSS source `news` of three articles, one of them edited between two runs, an
 * Atom source `world` of two, and an image), plus an RSS source `xss` of one item per payload of
 * `test/fixtures/xss/payloads.txt` (the payload in the item's title and content, and as its link when it is
 * a URL); then the CLI: `init`, `run --assets` twice (the second time the first article's body is edited:
 * a revision), `reindex`, `build --out <tmp>/site`. The server is closed at the end: the site needs nothing
 * of it.
 */
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { main } from '../cli/main.ts';
import { sharedFixturePath } from './repo.ts';
import { tempDir } from './tree.ts';

/** One XSS payload of the corpus and the item that carries it. */
export interface Payload {
  /** Its number: the order in payloads.txt, from 1. */
  n: number;
  text: string;
  /** Whether it is a URL (then it is also the item's link). */
  url: boolean;
  guid: string;
}

/** An archived article: its source, id and site page (relative to the site's root). */
export interface Article {
  slug: string;
  id: string;
  guid: string;
  title: string;
  page: string;
}

export interface ReaderArchive {
  /** The archive folder. */
  root: string;
  /** The built site (`newsvault build --out`). */
  site: string;
  payloads: Payload[];
  /** The origin the feeds were served from (`http://127.0.0.1:<port>`, closed by now): the articles' original host. */
  feedOrigin: string;
  /** Every archived article, by GUID. */
  articles: Map<string, Article>;
  /** The one article that holds 普京 and 俄罗斯 (edited once: it has a revision). */
  putin: Article;
  /** The CLI's output of each step, for diagnostics. */
  log: string[];
}

const GUIDS = {
  putin: 'reader-fixture-news-1',
} as const;

/** The XSS corpus: one payload a line, `#` comments and blank lines skipped. */
export function readPayloads(): Payload[] {
  const lines = readFileSync(sharedFixturePath('xss/payloads.txt'), 'utf8').split('\n');
  const out: Payload[] = [];
  for (const line of lines) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const n = out.length + 1;
    out.push({ n, text: line, url: !/^[<&"]/.test(line), guid: `reader-fixture-xss-${n}` });
  }
  return out;
}

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The RSS feed of the corpus: one item per payload, dated a minute apart on 2024-05-10. */
function xssFeed(base: string, payloads: Payload[]): string {
  const items = payloads.map((p) => {
    const link = p.url ? p.text : `${base}/xss/${p.n}`;
    const published = new Date(Date.UTC(2024, 4, 10, 1, 0) + p.n * 60_000).toUTCString();
    // CDATA cannot hold "]]>"; no payload does
    if (p.text.includes(']]>')) throw new Error(`payload ${p.n} holds "]]>"`);
    return [
      '<item>',
      `<title>样本 ${p.n}：${xmlText(p.text)}</title>`,
      `<link>${xmlText(link)}</link>`,
      `<guid isPermaLink="false">${p.guid}</guid>`,
      `<pubDate>${published}</pubDate>`,
      `<description><![CDATA[<p>恶意样本第 ${p.n} 号，读者页面绝不能执行它。</p>${p.text}<p>样本 ${p.n} 结束。</p>]]></description>`,
      '</item>',
    ].join('\n');
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>恶意样本</title><link>${base}/xss/</link><description>XSS</description>\n${items.join('\n')}\n</channel></rss>\n`;
}

/** A 1×1 PNG, for an image the run mirrors into assets/. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

async function cli(log: string[], args: string[], ok: number[] = [0]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'newsvault', ...args], { out: (s) => void out.push(s), err: (s) => void err.push(s) });
  log.push(`$ newsvault ${args.join(' ')}  → exit ${code}\n${out.join('\n')}\n${err.join('\n')}`);
  if (!ok.includes(code)) throw new Error(`newsvault ${args.join(' ')} exited ${code}:\n${err.join('\n')}\n${out.join('\n')}`);
  return out.join('\n');
}

/** Last record per id of a source's manifest (a journal: the last line wins). */
async function manifest(root: string, slug: string): Promise<Map<string, { id: string; guid: string; title: string }>> {
  const byId = new Map<string, { id: string; guid: string; title: string }>();
  const text = await fs.readFile(path.join(root, 'articles', slug, 'index.jsonl'), 'utf8');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { id: string; guid: string; title: string };
    byId.set(r.id, r);
  }
  return byId;
}

/** Builds the archive and its site (see the top of this file). */
export async function buildReaderArchive(): Promise<ReaderArchive> {
  const work = await tempDir('newsvault-reader-');
  const root = path.join(work, 'archive');
  const site = path.join(work, 'site');
  const log: string[] = [];
  const payloads = readPayloads();
  let newsVersion = 1;
  const fixture = (name: string): string => readFileSync(sharedFixturePath(`reader/${name}`), 'utf8');
  const server = http.createServer((req, res) => {
    const send = (type: string, body: string | Buffer): void => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (req.url === '/news.rss') send('application/rss+xml; charset=utf-8', fixture(`news-${newsVersion}.rss`).replaceAll('{{BASE}}', base));
    else if (req.url === '/world.atom') send('application/atom+xml; charset=utf-8', fixture('world.atom').replaceAll('{{BASE}}', base));
    else if (req.url === '/xss.rss') send('application/rss+xml; charset=utf-8', xssFeed(base, payloads));
    else if (req.url === '/img/photo.png') send('image/png', PNG);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await cli(log, ['init', root]);
    await fs.writeFile(
      path.join(root, 'newsvault.yaml'),
      [
        'sources:',
        `  news: { name: 环球新闻, feed: "${base}/news.rss", fullText: never, allowPrivateNetworks: true }`,
        `  world: { name: 世界观察, feed: "${base}/world.atom", fullText: never, allowPrivateNetworks: true }`,
        `  xss: { name: 恶意样本, feed: "${base}/xss.rss", fullText: never, allowPrivateNetworks: true }`,
        'run:',
        '  retries: 0',
        '  perHostDelayMs: 0',
        '',
      ].join('\n'),
    );
    const only = ['--only', 'news', 'world', 'xss'];
    await cli(log, ['run', '--archive', root, ...only, '--assets', '--force']);
    newsVersion = 2;
    await cli(log, ['run', '--archive', root, ...only, '--assets', '--force']);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await cli(log, ['reindex', '--archive', root]);
  await cli(log, ['build', '--archive', root, '--out', site]);

  const articles = new Map<string, Article>();
  for (const slug of ['news', 'world', 'xss']) {
    for (const r of (await manifest(root, slug)).values()) articles.set(r.guid, { slug, id: r.id, guid: r.guid, title: r.title, page: `a/${slug}/${r.id}.html` });
  }
  const putin = articles.get(GUIDS.putin);
  if (!putin) throw new Error(`the archive lacks the fixture article ${GUIDS.putin}:\n${log.join('\n')}`);
  return { root, site, payloads, feedOrigin: base, articles, putin, log };
}
