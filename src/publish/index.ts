/**
 * The publish stage for GitHub: per-source list pages and the archive's root README.
 *
 * lists/<slug>.md          the newest 300 articles of a source, then links to its month pages
 * lists/<slug>/<YYYY-MM>.md every article of that month (written once a source has more than 300)
 *
 * Format: `{name}` LF `------` LF LF, then one `M-D [title](/articles/…)` line per article, newest
 * first, dates in UTC+8, lines separated by a blank line; on a source's main page a `### YYYY` line opens
 * each year. Files are rewritten only when their bytes change.
 */
import { decodeHTML } from 'entities';
import type { Source } from '../domain.ts';
import type { ArticleAdded, ArticleGone, ArticleRevised, ChangeEvent, ManifestRecord } from '../archive/index.ts';
import { compareRecords, isChange, utc8Parts } from '../archive/index.ts';

/** Where pages are written: the archive (see src/storage's Archive). */
export interface PageWriter {
  writePage(rel: string, content: string): Promise<boolean>;
}

export const LIST_PAGE_SIZE = 300;

/** Bidi embeddings, overrides and isolates: in a list line they would reorder the text shown after them. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** A title as plain Markdown text: entities decoded (so `&quot;` shows as "), white space folded, bidi
 *  controls dropped (the article file keeps the title as given), and characters Markdown or HTML would act on escaped. */
export function listTitle(title: string): string {
  let t = title;
  for (let i = 0; i < 2 && /&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/i.test(t); i++) t = decodeHTML(t);
  t = t.replace(BIDI_CONTROLS, '').replace(/\s+/g, ' ').trim();
  if (t === '') t = '(无标题)';
  return t.replace(/[\\`*_[\]<>|]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

/** Characters a link keeps as they are: ASCII letters, digits and `-._~`, and non-ASCII characters that are
 *  not spaces, controls or format characters (Chinese stays Chinese, a third of the bytes of its escape). */
const LINK_RAW = /^(?:[A-Za-z0-9\-._~]|[^\x00-\x7f\p{Z}\p{C}])$/u;

/** A repository-root link to a file (GitHub resolves `/…` to the repo root). ASCII other than letters, digits and
 *  `-._~` (parentheses, `<`, `>`, `%`, spaces …) and non-ASCII spaces, controls and format characters are
 *  percent-encoded, so the destination is one CommonMark token; other characters are kept, as the original
 *  archive's lists did (GitHub percent-encodes them in the rendered href). */
export function repoLink(relPath: string): string {
  const escape = (c: string) => {
    if (c.length === 1 && c >= '\ud800' && c <= '\udfff') return '%EF%BF%BD'; // a lone surrogate: U+FFFD
    // encodeURIComponent leaves ( ) ! * ' as they are; a link destination must not
    return c.charCodeAt(0) < 0x80 ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(c);
  };
  const seg = (s: string) => [...s].map((c) => (LINK_RAW.test(c) ? c : escape(c))).join('');
  return '/' + relPath.split('/').map(seg).join('/');
}

/** What a list line says after the link of an article `newsvault recheck` found removed at its source. */
export function goneMark(gone: { at: number }): string {
  const p = utc8Parts(gone.at);
  return `🗑 removed at source, noticed ${p.year}-${p.month}-${p.day}`;
}

export function listLine(rec: ManifestRecord): string {
  const p = utc8Parts(rec.published);
  return `${Number(p.month)}-${Number(p.day)} [${listTitle(rec.title)}](${repoLink(rec.path)})${rec.gone ? ` ${goneMark(rec.gone)}` : ''}`;
}

/**
 * A list page. With `years`, a `### YYYY` heading opens each year's lines (a list spanning years would
 * otherwise show `M-D` dates of different years side by side); a month page's heading already names its year.
 */
export function renderList(heading: string, records: ManifestRecord[], footer?: string, opts: { years?: boolean } = {}): string {
  const lines: string[] = [];
  let year: string | null = null;
  for (const rec of records) {
    if (opts.years) {
      const y = utc8Parts(rec.published).year;
      if (y !== year) lines.push(`### ${y}`);
      year = y;
    }
    lines.push(listLine(rec));
  }
  return `${heading}\n------\n\n${lines.join('\n\n')}${lines.length ? '\n' : ''}${footer ? `\n${footer}\n` : ''}`;
}

function monthKey(ms: number): string {
  const p = utc8Parts(ms);
  return `${p.year}-${p.month}`;
}

/** A source's main list page: its newest articles, then (past one page) links to its month pages. */
function mainPage(source: Source, newest: ManifestRecord[], months: Map<string, number> | null): string {
  const footer = months
    ? `按月 · By month: ${[...months].map(([k, n]) => `[${k}](${repoLink(`lists/${source.slug}/${k}.md`)}) (${n})`).join(' · ')}`
    : undefined;
  return renderList(source.name, newest, footer, { years: true });
}

function monthPage(source: Source, key: string, records: ManifestRecord[]): string {
  return renderList(`${source.name} ${key}`, records, `[← ${source.name}](${repoLink(`lists/${source.slug}.md`)})`);
}

/** Every list page of a source: path (relative to the archive) → content. With `months` (keys `YYYY-MM`),
 *  only those month pages and the main page: the others cannot have changed. */
export function renderSourceLists(source: Source, records: ManifestRecord[], opts: { months?: ReadonlySet<string> } = {}): Map<string, string> {
  const sorted = [...records].sort(compareRecords);
  const pages = new Map<string, string>();
  if (sorted.length <= LIST_PAGE_SIZE) {
    pages.set(`lists/${source.slug}.md`, mainPage(source, sorted, null));
    return pages;
  }
  // records are sorted newest first, so a month's records are one run of the list
  const months = new Map<string, { from: number; to: number }>();
  let key: string | null = null;
  sorted.forEach((rec, i) => {
    const k = monthKey(rec.published);
    if (k !== key) {
      months.set(k, { from: i, to: i + 1 });
      key = k;
    } else months.get(k)!.to = i + 1;
  });
  for (const [k, { from, to }] of months) {
    if (opts.months && !opts.months.has(k)) continue;
    pages.set(`lists/${source.slug}/${k}.md`, monthPage(source, k, sorted.slice(from, to)));
  }
  const counts = new Map([...months].map(([k, { from, to }]) => [k, to - from]));
  pages.set(`lists/${source.slug}.md`, mainPage(source, sorted.slice(0, LIST_PAGE_SIZE), counts));
  return pages;
}

/**
 * What the list pages need of a source's articles, without all of them in memory (a source store is one:
 * its records stay in its manifest until asked for).
 */
export interface ListView {
  readonly size: number;
  /** Articles per month (`YYYY-MM`, UTC+8), newest month first. */
  monthCounts(): Map<string, number>;
  /** The newest `n` records, newest first. */
  newest(n: number): ManifestRecord[];
  /** Every record of these months, newest first. */
  inMonths(months: ReadonlySet<string>): ManifestRecord[];
}

/** As `renderSourceLists`, from a view: the same pages, byte for byte, reading only the records they show. */
export function renderSourceListsFrom(source: Source, view: ListView, opts: { months?: ReadonlySet<string> } = {}): Map<string, string> {
  const pages = new Map<string, string>();
  if (view.size <= LIST_PAGE_SIZE) {
    pages.set(`lists/${source.slug}.md`, mainPage(source, view.newest(LIST_PAGE_SIZE), null));
    return pages;
  }
  const counts = view.monthCounts();
  const wanted = new Set([...counts.keys()].filter((k) => !opts.months || opts.months.has(k)));
  const byMonth = new Map<string, ManifestRecord[]>();
  for (const rec of view.inMonths(wanted)) {
    const k = monthKey(rec.published);
    const list = byMonth.get(k) ?? [];
    list.push(rec);
    byMonth.set(k, list);
  }
  for (const k of counts.keys()) {
    if (wanted.has(k)) pages.set(`lists/${source.slug}/${k}.md`, monthPage(source, k, byMonth.get(k) ?? []));
  }
  pages.set(`lists/${source.slug}.md`, mainPage(source, view.newest(LIST_PAGE_SIZE), counts));
  return pages;
}

/** A source on the front page: its records, or only their count, newest publication time and last update. */
export interface SourceSummary {
  source: Source;
  records?: ManifestRecord[];
  stats?: { count: number; newest: number; lastUpdate: number };
}

function statsOf(s: SourceSummary): { count: number; newest: number; lastUpdate: number } {
  if (s.stats) return s.stats;
  const records = s.records ?? [];
  return {
    count: records.length,
    newest: records.reduce((m, r) => Math.max(m, r.published), 0),
    lastUpdate: records.reduce((m, r) => Math.max(m, r.changedAt ?? r.firstSeen), 0),
  };
}

function formatUtc8(ms: number): string {
  const p = utc8Parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} (UTC+8)`;
}

/** The archive's front page. "Last update" is the newest first-seen time, so an idle run changes nothing. */
export function renderReadme(summaries: SourceSummary[]): string {
  const all = summaries.map((s) => ({ source: s.source, ...statsOf(s) }));
  const rows = all
    .filter((s) => s.count > 0 || s.source.enabled)
    .map(({ source, count, newest }) => {
      const name = count ? `[${listTitle(source.name)}](${repoLink(`lists/${source.slug}.md`)})` : listTitle(source.name);
      return `| ${name} | ${count} | ${newest ? formatUtc8(newest) : '—'} |`;
    });
  const total = all.reduce((n, s) => n + s.count, 0);
  const lastSeen = all.reduce((m, s) => Math.max(m, s.lastUpdate), 0);
  return [
    '# 新闻存档 · News archive',
    '',
    `由 [Newsvault](https://github.com/newsvault/newsvault) 保存的全文新闻：${total} 篇。`,
    `Full-text news archived by Newsvault: ${total} articles.${lastSeen ? ` Last update: ${formatUtc8(lastSeen)}.` : ''}`,
    '',
    '| 来源 Source | 文章 Articles | 最新 Newest |',
    '| --- | ---: | --- |',
    ...rows,
    '',
    'Article files: `articles/<source>/<year>/<month-day>/<time>_<title>_<id>.md`; earlier versions of edited articles: `revisions/`.',
    '',
  ].join('\n');
}

/** Writes a source's list pages (with `months`, only those month pages and the main page); returns the
 *  paths actually rewritten. */
export async function writeSourceLists(archive: PageWriter, source: Source, records: ManifestRecord[], opts: { months?: ReadonlySet<string> } = {}): Promise<string[]> {
  const written: string[] = [];
  for (const [rel, content] of renderSourceLists(source, records, opts)) {
    if (await archive.writePage(rel, content)) written.push(rel);
  }
  return written;
}

export async function writeReadme(archive: PageWriter, summaries: SourceSummary[]): Promise<boolean> {
  return archive.writePage('README.md', renderReadme(summaries));
}

/** Where pages are read from and written to (src/storage's Archive is one). */
export interface PageStore extends PageWriter {
  readPage(rel: string): Promise<string | null>;
}

/**
 * A source's list pages after a run, from its change events: rewritten (where their bytes differ) only
 * when the run added or revised one of its articles, or when its main page is missing, or `force` (an earlier run stopped before its pages). `records` is
 * called only then. Of the month pages, only those of the months the events' articles belong to are built
 * and compared (a month page changes only when its month does), unless the source has just passed the size
 * of one page (its month pages are new), its main page is missing, or `force`.
 */
export async function publishSourceLists(
  archive: PageStore,
  source: Source,
  events: readonly ChangeEvent[],
  records: (() => ManifestRecord[]) | ListView,
  opts: { force?: boolean } = {},
): Promise<string[]> {
  const mine = events.filter((e): e is ArticleAdded | ArticleRevised | ArticleGone => e.source === source.slug && isChange(e));
  const changed = opts.force === true || mine.length > 0;
  const mainMissing = opts.force !== true && (await archive.readPage(`lists/${source.slug}.md`)) === null;
  if (!changed && !mainMissing) return [];
  const view = typeof records === 'function' ? null : records;
  const all = view ? null : (records as () => ManifestRecord[])();
  const size = view ? view.size : all!.length;
  if (size === 0) return [];
  let months: Set<string> | undefined;
  if (opts.force !== true && !mainMissing) {
    const added = mine.filter((e) => e.type === 'added').length;
    const whole = size - added <= LIST_PAGE_SIZE || mine.some((e) => e.type === 'gone' && !e.record);
    if (!whole) months = new Set(mine.map((e) => monthKey((e.type === 'gone' ? e.record! : e.record).published)));
  }
  if (all) return writeSourceLists(archive, source, all, months ? { months } : {});
  const written: string[] = [];
  for (const [rel, content] of renderSourceListsFrom(source, view!, months ? { months } : {})) {
    if (await archive.writePage(rel, content)) written.push(rel);
  }
  return written;
}

/** The README after a run: rewritten only when the run changed an article, the README is not ours yet, or
 *  `force` (a run before stopped between its commits and its pages). `summaries` is called only then. */
export async function publishReadme(
  archive: PageStore,
  events: readonly ChangeEvent[],
  summaries: () => Promise<SourceSummary[]>,
  opts: { force?: boolean } = {},
): Promise<boolean> {
  if (opts.force !== true && !events.some(isChange)) {
    const current = await archive.readPage('README.md');
    if (current !== null && current.includes('| 来源 Source |')) return false;
  }
  const all = await summaries();
  if (all.every((s) => statsOf(s).count === 0)) return false;
  return writeReadme(archive, all);
}
