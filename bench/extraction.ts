/**
 * Extraction quality: Newsvault's extractArticle beside Mozilla Readability run directly, on annotated pages.
 *
 *   node --import tsx bench/extraction.ts [--pages] [--json]
 *
 * Pages (see bench/extraction/README.md):
 *   - the real Chinese pages of ../shared/dev-corpus/pages (read in place, skipped with a note when the folder is
 *     absent): newspaper4k's articles against their expected text and metadata, hknews-backend's article pages
 *     against annotations kept here (bench/extraction/cases.json: CSS selectors naming the article's elements in
 *     the page, so no text of theirs is copied);
 *   - our own pages: the reconstructed outlet pages of src/extract/testdata and the pages of
 *     bench/extraction/pages, annotated in bench/extraction/cases.json (selectors of the gold text, title,
 *     byline, date).
 *
 * Text: token precision, recall and F1 of the extracted text against the gold text, as bags of tokens: every CJK
 * character (Han, kana, Hangul) is a token, other runs of letters and digits are words (NFKC, lower-cased).
 * Macro averages over the pages of a subset. Metadata: title (equal once spaces and punctuation are removed),
 * byline (the same set of names; "none" must be none), date (the same minute, or the same day when the
 * annotation is a bare day; "none" must be none). Readability: `new Readability(document).parse()` with its
 * defaults on the same DOM (linkedom, as Newsvault parses pages); its text is its content's text.
 * "worst Δ" is the lowest (Newsvault F1 − Readability F1) of the subset's pages.
 */
import { Readability } from '@mozilla/readability';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractArticle } from '../src/extract/index.ts';
import { parseDocument, queryAll, squash } from '../src/extract/dom.ts';
import { textOf } from '../src/extract/text.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HERE = path.join(ROOT, 'bench/extraction');
const CORPUS = path.resolve(ROOT, '../shared/dev-corpus/pages');

/** One annotated page of cases.json. Paths are relative to the repository root, or `corpus:` + a path under the corpus. */
interface CaseSpec {
  file: string;
  url: string;
  subset: 'zh-real' | 'zh-own' | 'other-own';
  /** Selector list of the elements holding the article text (outermost matches, page order). */
  gold?: string;
  /** Selector list removed from the gold elements (boilerplate inside the article's box). */
  exclude?: string;
  /** File with the expected text (instead of `gold`). */
  expectedFile?: string;
  /** Expected title, or `titleFrom` (a selector whose text is the title). Absent: not scored. */
  title?: string;
  titleFrom?: string;
  /** Expected byline; null = the page has none. Absent: not scored. */
  byline?: string | null;
  /** ISO date/time or YYYY-MM-DD; null = the page has none. Absent: not scored. */
  published?: string | null;
  encoding?: 'latin1' | 'utf8';
  note?: string;
}

interface Output {
  text: string;
  title: string | null;
  byline: string | null;
  published: number | null;
}

interface Scored {
  name: string;
  subset: string;
  nv: { p: number; r: number; f1: number; title?: boolean; byline?: boolean; date?: boolean };
  rd: { p: number; r: number; f1: number; title?: boolean; byline?: boolean; date?: boolean };
}

// ---------------------------------------------------------------------------------------------
// the cases

function loadCases(): { cases: (CaseSpec & { html: string; expected: string; name: string })[]; skipped: string[] } {
  const specs = JSON.parse(readFileSync(path.join(HERE, 'cases.json'), 'utf8')) as CaseSpec[];
  const cases: (CaseSpec & { html: string; expected: string; name: string })[] = [];
  const skipped: string[] = [];
  for (const spec of specs) {
    const file = resolvePath(spec.file);
    if (!existsSync(file)) {
      skipped.push(spec.file);
      continue;
    }
    const html = readFileSync(file, spec.encoding ?? 'utf8');
    const expected = spec.expectedFile ? readFileSync(resolvePath(spec.expectedFile), 'utf8') : goldText(html, spec);
    const title = spec.titleFrom ? squash(parseDocument(html).querySelector(spec.titleFrom)?.textContent) : spec.title;
    cases.push({ ...spec, title, html, expected, name: path.basename(spec.file) });
  }
  return { cases, skipped };
}

function resolvePath(p: string): string {
  return p.startsWith('corpus:') ? path.join(CORPUS, p.slice('corpus:'.length)) : path.join(ROOT, p);
}

/** The text of the gold elements, boilerplate inside them removed. */
function goldText(html: string, spec: CaseSpec): string {
  if (!spec.gold) throw new Error(`${spec.file}: neither gold nor expectedFile`);
  const doc = parseDocument(html);
  const matches = queryAll(doc, spec.gold);
  if (matches.length === 0) throw new Error(`${spec.file}: gold selector matches nothing`);
  const set = new Set<Node>(matches);
  const outer = matches.filter((el) => {
    for (let n = el.parentNode; n; n = n.parentNode) if (set.has(n)) return false;
    return true;
  });
  for (const el of outer) for (const x of spec.exclude ? queryAll(el, spec.exclude) : []) x.parentNode?.removeChild(x);
  for (const el of outer) for (const x of queryAll(el, 'script, style, noscript, rt, rp')) x.parentNode?.removeChild(x);
  return outer.map((el) => textOf(el)).join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// the extractors

function runNewsvault(html: string, url: string): Output {
  try {
    const a = extractArticle(html, url);
    return { text: a.text, title: a.title, byline: a.byline, published: a.published };
  } catch {
    return { text: '', title: null, byline: null, published: null };
  }
}

function runReadability(html: string, url: string): Output {
  try {
    const doc = parseDocument(html);
    // Readability resolves links against the document's URL; linkedom has none, which does not affect text
    void url;
    const r = new Readability(doc).parse();
    if (!r) return { text: '', title: null, byline: null, published: null };
    const text = r.content ? textOf(parseDocument(`<!DOCTYPE html><html><body>${r.content}</body></html>`).body) : r.textContent ?? '';
    const ms = r.publishedTime ? Date.parse(r.publishedTime) : NaN;
    return { text, title: r.title ?? null, byline: r.byline ?? null, published: Number.isNaN(ms) ? null : ms };
  } catch {
    return { text: '', title: null, byline: null, published: null };
  }
}

// ---------------------------------------------------------------------------------------------
// scoring

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

export function tokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    let word = '';
    for (const ch of m[0]) {
      if (CJK.test(ch)) {
        if (word) out.push(word);
        word = '';
        out.push(ch);
      } else {
        word += ch;
      }
    }
    if (word) out.push(word);
  }
  return out;
}

export function prf(got: string, want: string): { p: number; r: number; f1: number } {
  const g = tokens(got);
  const w = tokens(want);
  if (g.length === 0 && w.length === 0) return { p: 1, r: 1, f1: 1 };
  if (g.length === 0 || w.length === 0) return { p: 0, r: 0, f1: 0 };
  const counts = new Map<string, number>();
  for (const t of w) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of g) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  const p = common / g.length;
  const r = common / w.length;
  return { p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
}

function norm(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function titleAgrees(got: string | null, want: string): boolean {
  return got !== null && norm(got) === norm(want);
}

function names(s: string): string[] {
  return s
    .split(/\s*(?:,|，|、|;|；|\/|／|&|\band\b|和|与|與)\s*/i)
    .map(norm)
    .filter((x) => x !== '')
    .sort();
}

function bylineAgrees(got: string | null, want: string | null): boolean {
  if (want === null || got === null) return want === got || (got !== null && names(got).length === 0 && want === null);
  return names(got).join('|') === names(want).join('|');
}

function dateAgrees(got: number | null, want: string | null): boolean {
  if (want === null || got === null) return want === got;
  if (/^\d{4}-\d{2}-\d{2}$/.test(want)) {
    // a bare day: the same calendar day, in UTC or in China's time (how the page would show it)
    const day = (ms: number, offsetH: number) => new Date(ms + offsetH * 3600_000).toISOString().slice(0, 10);
    return day(got, 0) === want || day(got, 8) === want;
  }
  return Math.abs(got - Date.parse(want)) <= 60_000;
}

function score(out: Output, c: CaseSpec & { expected: string }) {
  return {
    ...prf(out.text, c.expected),
    ...(c.title !== undefined ? { title: titleAgrees(out.title, c.title) } : {}),
    ...(c.byline !== undefined ? { byline: bylineAgrees(out.byline, c.byline) } : {}),
    ...(c.published !== undefined ? { date: dateAgrees(out.published, c.published) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// the table

const SUBSETS: [string, (s: Scored) => boolean][] = [
  ['Chinese, real pages (dev-corpus)', (s) => s.subset === 'zh-real'],
  ['Chinese, our pages', (s) => s.subset === 'zh-own'],
  ['Chinese, all', (s) => s.subset.startsWith('zh')],
  ['other languages, our pages', (s) => s.subset === 'other-own'],
  ['all', () => true],
];

function pct(xs: boolean[]): string {
  return xs.length === 0 ? '–' : `${Math.round((100 * xs.filter(Boolean).length) / xs.length)}% (${xs.length})`;
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function table(results: Scored[]): string {
  const lines = [
    '| subset | pages | F1 Newsvault | F1 Readability | P / R Newsvault | P / R Readability | title NV / R | byline NV / R | date NV / R | worst Δ F1 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [label, pick] of SUBSETS) {
    const rs = results.filter(pick);
    if (rs.length === 0) continue;
    const f = (x: number) => x.toFixed(3);
    const flags = (side: 'nv' | 'rd', key: 'title' | 'byline' | 'date') =>
      rs.map((r) => r[side][key]).filter((v): v is boolean => v !== undefined);
    const worst = rs.reduce((w, r) => (r.nv.f1 - r.rd.f1 < w.d ? { d: r.nv.f1 - r.rd.f1, name: r.name } : w), { d: Infinity, name: '' });
    lines.push(
      `| ${label} | ${rs.length} | **${f(mean(rs.map((r) => r.nv.f1)))}** | ${f(mean(rs.map((r) => r.rd.f1)))} | ` +
        `${f(mean(rs.map((r) => r.nv.p)))} / ${f(mean(rs.map((r) => r.nv.r)))} | ${f(mean(rs.map((r) => r.rd.p)))} / ${f(mean(rs.map((r) => r.rd.r)))} | ` +
        `${pct(flags('nv', 'title'))} / ${pct(flags('rd', 'title'))} | ${pct(flags('nv', 'byline'))} / ${pct(flags('rd', 'byline'))} | ` +
        `${pct(flags('nv', 'date'))} / ${pct(flags('rd', 'date'))} | ${worst.d >= 0 ? '+' : ''}${worst.d.toFixed(3)} (${worst.name}) |`,
    );
  }
  return lines.join('\n');
}

function pageTable(results: Scored[]): string {
  const yn = (v: boolean | undefined) => (v === undefined ? '–' : v ? 'ok' : 'NO');
  const lines = ['| page | subset | F1 NV | F1 R | Δ | title NV/R | byline NV/R | date NV/R |', '| --- | --- | ---: | ---: | ---: | --- | --- | --- |'];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${r.subset} | ${r.nv.f1.toFixed(3)} | ${r.rd.f1.toFixed(3)} | ${(r.nv.f1 - r.rd.f1).toFixed(3)} | ` +
        `${yn(r.nv.title)}/${yn(r.rd.title)} | ${yn(r.nv.byline)}/${yn(r.rd.byline)} | ${yn(r.nv.date)}/${yn(r.rd.date)} |`,
    );
  }
  return lines.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const { cases, skipped } = loadCases();
  const results: Scored[] = cases.map((c) => ({
    name: c.name,
    subset: c.subset,
    nv: score(runNewsvault(c.html, c.url), c),
    rd: score(runReadability(c.html, c.url), c),
  }));
  if (args.includes('--json')) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(table(results));
  if (args.includes('--pages')) console.log(`\n${pageTable(results)}`);
  if (skipped.length > 0) console.log(`\n${skipped.length} page(s) skipped, not on this machine (the shared dev-corpus is absent): ${skipped.join(', ')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
