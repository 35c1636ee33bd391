/**
 * Server-side search for `newsvault serve`: `search.html?q=…&page=n` answered from the archive's SQLite index
 * (src/index, opened read-only, per request, so that a run or a reindex meanwhile is seen at once), with the
 * same query language and Chinese behaviour as `newsvault search` (1- and 2-character words, simplified =
 * traditional, "phrases"). The results are HTML: every piece of text escaped, the matches in `<mark>`.
 * The markup is that of the static site's search page (`#search-form`, `#search-q`, `#search-status`,
 * `#search-results`), so that a reader and the browser tests find the same elements under both.
 */
import { escapeUTF8 as esc } from 'entities';
import { utc8Parts } from '../archive/layout.ts';
import { openIndex, QueryError, search, type SearchHit, type Snippet } from '../index/index.ts';
import { titleOf } from '../site/index.ts';

/** Results per page. */
export const SEARCH_PAGE_SIZE = 20;
/** The last page that can be asked for (paging reads the best page × size hits). */
export const SEARCH_MAX_PAGE = 50;
/** Longest query accepted, in characters. */
export const MAX_QUERY = 200;

/** A snippet as HTML: the text escaped, each highlighted range in `<mark>`. */
export function snippetHtml(s: Snippet): string {
  const cps = [...s.text];
  let out = '';
  let pos = 0;
  for (const [a, b] of s.highlights) {
    if (a < pos) continue;
    out += esc(cps.slice(pos, a).join('')) + `<mark>${esc(cps.slice(a, b).join(''))}</mark>`;
    pos = b;
  }
  return out + esc(cps.slice(pos).join(''));
}

function when(ms: number): string {
  const p = utc8Parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface SearchPageInput {
  /** The archive. */
  root: string;
  /** The query as typed (already trimmed). */
  q: string;
  /** 1-based. */
  page: number;
  /** A source's display name by slug (the slug when unknown). */
  sourceName?: (slug: string) => string;
}

export interface SearchPageOutput {
  /** The HTML of the page's main content: the form, the status line, the results, the paging links. */
  body: string;
  /** HTTP status: 200, or 400 for a query that cannot be parsed. */
  status: 200 | 400;
  /** Whether the index was missing or unusable (the page says to run `newsvault reindex`). */
  noIndex: boolean;
}

/** The search form, with `q` filled in. */
export function searchForm(q: string): string {
  return (
    '<form id="search-form" role="search" action="search.html" method="get">' +
    `<label for="search-q">搜索存档</label> <input id="search-q" name="q" type="search" value="${esc(q)}" maxlength="${MAX_QUERY}" autocomplete="off" enterkeyhint="search">` +
    ' <button type="submit">搜索</button></form>'
  );
}

function hitHtml(h: SearchHit, sourceName: (slug: string) => string): string {
  const href = `a/${encodeURIComponent(h.source)}/${encodeURIComponent(h.id)}.html`;
  const flags = [
    h.revisions ? `<span class="search-revisions">${h.revisions} 个早前版本</span>` : '',
    h.gone !== null ? `<span class="search-gone">已从来源删除</span>` : '',
  ].filter(Boolean);
  return (
    '<li class="search-hit">' +
    `<h2 class="search-hit-title"><a class="search-title" href="${esc(href)}">${esc(titleOf(h.title))}</a></h2>` +
    `<p class="search-meta"><span class="search-source">${esc(sourceName(h.source))}</span> · <time datetime="${iso(h.published)}">${esc(when(h.published))}</time>${flags.length ? ` · ${flags.join(' · ')}` : ''}</p>` +
    (h.snippet.text ? `<p class="search-excerpt">${snippetHtml(h.snippet)}</p>` : '') +
    '</li>'
  );
}

function pageLink(q: string, page: number): string {
  return `search.html?q=${encodeURIComponent(q)}${page > 1 ? `&amp;page=${page}` : ''}`;
}

/** Runs the search and renders the page's content. Never writes anything. */
export function searchPage(input: SearchPageInput): SearchPageOutput {
  const { q } = input;
  const page = Math.min(Math.max(1, Math.floor(input.page) || 1), SEARCH_MAX_PAGE);
  const sourceName = input.sourceName ?? ((s: string) => s);
  const parts = ['<h1>搜索</h1>', searchForm(q)];
  const status = (text: string) => `<p id="search-status" aria-live="polite">${text}</p>`;
  const done = (s: 200 | 400, noIndex = false): SearchPageOutput => ({ body: parts.join('\n'), status: s, noIndex });

  if (!q) {
    parts.push(status(''), '<ol id="search-results"></ol>');
    return done(200);
  }
  const index = openIndex(input.root, { readonly: true });
  if (!index) {
    parts.push(
      status(
        '这个存档还没有搜索索引（或索引已过期）。The search index of this archive is missing or out of date: build it with ' +
          '<code>newsvault reindex</code>, then search again (the reader never writes to the archive).',
      ),
      '<ol id="search-results"></ol>',
    );
    return done(200, true);
  }
  try {
    let result;
    try {
      result = search(index, q, { limit: page * SEARCH_PAGE_SIZE });
    } catch (err) {
      if (!(err instanceof QueryError)) throw err;
      parts.push(status(`无法搜索：${esc(err.message)}`), '<ol id="search-results"></ol>');
      return done(400);
    }
    const hits = result.hits.slice((page - 1) * SEARCH_PAGE_SIZE);
    const first = (page - 1) * SEARCH_PAGE_SIZE + 1;
    // the static site's wording (static/search.js), and the range shown when there is more than a page
    if (result.total === 0) parts.push(status(`没有找到包含“${esc(q)}”的文章。`));
    else if (hits.length === 0) parts.push(status(`找到 ${result.total} 篇文章；这一页之后没有更多结果。`));
    else if (result.total <= SEARCH_PAGE_SIZE) parts.push(status(`找到 ${result.total} 篇文章。`));
    else parts.push(status(`找到 ${result.total} 篇文章；第 ${first}–${first + hits.length - 1} 篇：`));
    parts.push(`<ol id="search-results" start="${first}">${hits.map((h) => hitHtml(h, sourceName)).join('')}</ol>`);
    const last = Math.min(SEARCH_MAX_PAGE, Math.ceil(result.total / SEARCH_PAGE_SIZE));
    if (last > 1) {
      const links: string[] = [];
      if (page > 1) links.push(`<a rel="prev" href="${pageLink(q, page - 1)}">← 上一页</a>`);
      links.push(`<span>第 ${page} / ${last} 页</span>`);
      if (page < last) links.push(`<a rel="next" href="${pageLink(q, page + 1)}">下一页 →</a>`);
      parts.push(`<nav class="pager" aria-label="搜索结果分页">${links.join(' ')}</nav>`);
    }
    return done(200);
  } finally {
    index.close();
  }
}
