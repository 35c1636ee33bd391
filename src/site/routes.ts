/**
 * The site's URL layout (docs/reader.md), the same for `newsvault build` and `newsvault serve`. Every path is
 * relative to the site root and ends in a file name, so the site works from `file://` and under a sub-path:
 *
 *   index.html, page/<n>.html          newest across sources; page n holds the n-th PAGE_SIZE articles counted
 *                                      from the oldest (so adding new articles leaves the older pages as they are)
 *   sources.html                       sources, counts, health
 *   s/<slug>/index.html, s/<slug>/page/<n>.html
 *   d/index.html, d/<YYYY-MM-DD>.html  days (UTC+8)
 *   a/<slug>/<id>.html                 an article
 *   a/<slug>/<id>/history.html         its versions; a/<slug>/<id>/diff-<n>.html version n → n+1
 *   search.html
 *   feeds/all.{xml,atom,json}, feeds/<slug>.{xml,atom,json}
 */

export type Route =
  | { kind: 'home'; page: number }
  | { kind: 'sources' }
  | { kind: 'source'; slug: string; page: number }
  | { kind: 'days' }
  | { kind: 'day'; day: string }
  | { kind: 'article'; slug: string; id: string }
  | { kind: 'history'; slug: string; id: string }
  | { kind: 'diff'; slug: string; id: string; n: number }
  | { kind: 'search' };

export type FeedFormat = 'rss' | 'atom' | 'json';

/** A feed file: `feeds/all.xml` (source undefined) or `feeds/<slug>.atom`. */
export interface FeedRoute {
  source?: string;
  format: FeedFormat;
}

/** Page 0 of a paged list is its index.html (the newest articles); pages 1… are fixed chunks from the oldest. */
const SLUG = '[a-z0-9][a-z0-9-]{0,63}';
const ID = '[a-z2-7]{10,16}';
const PAGE = '[1-9][0-9]{0,8}';

const PATTERNS: [RegExp, (m: RegExpExecArray) => Route | null][] = [
  [/^(?:index\.html)?$/, () => ({ kind: 'home', page: 0 })],
  [new RegExp(`^page/(${PAGE})\\.html$`), (m) => ({ kind: 'home', page: Number(m[1]) })],
  [/^sources\.html$/, () => ({ kind: 'sources' })],
  [/^search\.html$/, () => ({ kind: 'search' })],
  [new RegExp(`^s/(${SLUG})/(?:index\\.html)?$`), (m) => ({ kind: 'source', slug: m[1]!, page: 0 })],
  [new RegExp(`^s/(${SLUG})/page/(${PAGE})\\.html$`), (m) => ({ kind: 'source', slug: m[1]!, page: Number(m[2]) })],
  [/^d\/(?:index\.html)?$/, () => ({ kind: 'days' })],
  [/^d\/(\d{4}-\d{2}-\d{2})\.html$/, (m) => (validDay(m[1]!) ? { kind: 'day', day: m[1]! } : null)],
  [new RegExp(`^a/(${SLUG})/(${ID})\\.html$`), (m) => ({ kind: 'article', slug: m[1]!, id: m[2]! })],
  [new RegExp(`^a/(${SLUG})/(${ID})/history\\.html$`), (m) => ({ kind: 'history', slug: m[1]!, id: m[2]! })],
  [new RegExp(`^a/(${SLUG})/(${ID})/diff-(${PAGE})\\.html$`), (m) => ({ kind: 'diff', slug: m[1]!, id: m[2]!, n: Number(m[3]) })],
];

function validDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/**
 * The route of a path relative to the site root (`a/rfi/abcdefghij.html`, `` or `index.html` for home), or
 * null: anything else — `..`, `.`, absolute paths, backslashes, percent-escapes, doubled slashes, query strings —
 * is no page of the site.
 */
export function routeOf(urlPath: string): Route | null {
  if (typeof urlPath !== 'string' || urlPath.length > 300) return null;
  if (/[\\%?#\0]|\/\/|(^|\/)\.\.?(\/|$)/.test(urlPath) || urlPath.startsWith('/')) return null;
  for (const [re, make] of PATTERNS) {
    const m = re.exec(urlPath);
    if (m) return make(m);
  }
  return null;
}

/** The path of a route relative to the site root (the inverse of routeOf). */
export function pathOf(route: Route): string {
  switch (route.kind) {
    case 'home':
      return route.page === 0 ? 'index.html' : `page/${route.page}.html`;
    case 'sources':
      return 'sources.html';
    case 'search':
      return 'search.html';
    case 'source':
      return route.page === 0 ? `s/${route.slug}/index.html` : `s/${route.slug}/page/${route.page}.html`;
    case 'days':
      return 'd/index.html';
    case 'day':
      return `d/${route.day}.html`;
    case 'article':
      return `a/${route.slug}/${route.id}.html`;
    case 'history':
      return `a/${route.slug}/${route.id}/history.html`;
    case 'diff':
      return `a/${route.slug}/${route.id}/diff-${route.n}.html`;
  }
}

const FEED_EXT: Record<FeedFormat, string> = { rss: 'xml', atom: 'atom', json: 'json' };

export function feedPath(f: FeedRoute): string {
  return `feeds/${f.source ?? 'all'}.${FEED_EXT[f.format]}`;
}

/** The feed a path names (`feeds/all.xml`, `feeds/rfi.json`), or null. The source `all` is the combined feed. */
export function feedOf(urlPath: string): FeedRoute | null {
  const m = new RegExp(`^feeds/(${SLUG})\\.(xml|atom|json)$`).exec(urlPath);
  if (!m) return null;
  const format = m[2] === 'xml' ? 'rss' : m[2] === 'atom' ? 'atom' : 'json';
  return m[1] === 'all' ? { format } : { source: m[1]!, format };
}

/** The relative path from a page at `pagePath` back to the site root: '' or '../' repeated. */
export function rootOf(pagePath: string): string {
  return '../'.repeat(pagePath.split('/').length - 1);
}
