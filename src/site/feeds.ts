/**
 * Feeds of the archive, per source and combined, with `feed`: RSS 2.0, Atom 1.0 and JSON Feed 1.1 (feed
 * writes JSON Feed 1; the version is raised to 1.1 and `language` added, which is all 1.1 asks of it). The
 * newest FEED_ITEMS articles, content sanitised as on the pages; links point at the site's article pages when
 * a base URL is given, else at the original articles.
 */
import { hash } from 'node:crypto';
import { Feed } from 'feed';
import type { ArticleFields } from '../archive/index.ts';
import type { SiteArticle, SiteModel, SiteView } from './model.ts';
import { feedPath, pathOf, type FeedFormat } from './routes.ts';
import { sanitizeArticle } from './sanitize.ts';
import { titleOf, type Names } from './pages.ts';

export const FEED_ITEMS = 50;

export interface FeedOptions {
  /** A source's slug; none: all sources. */
  source?: string;
  format: FeedFormat;
  /** The site's public address (e.g. https://user.github.io/archive/): links go to its pages. */
  baseUrl?: string;
}

/** The base URL with exactly one trailing slash, or null when it is no http(s) URL. */
export function normaliseBaseUrl(baseUrl: string | undefined): string | null {
  if (!baseUrl) return null;
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.href.endsWith('/') ? u.href : `${u.href}/`;
  } catch {
    return null;
  }
}

/** The articles a feed holds: the newest FEED_ITEMS of the source (or all sources). */
export function feedArticles(model: SiteView, source?: string): SiteArticle[] | null {
  const list = source === undefined ? model.all() : model.source(source)?.articles;
  return list ? list.slice(0, FEED_ITEMS) : null;
}

/** What an article's item in a feed is made from, as a key: the article and its record (a new record, a new item). */
export function feedItemKey(article: SiteArticle): string {
  return `${article.source}/${article.record.id}/${hash('sha256', JSON.stringify(article.record), 'base64url').slice(0, 16)}`;
}

/** One feed's text from its articles and their bodies (read by the caller, in order). */
export function feedText(model: Names, opts: FeedOptions, items: { article: SiteArticle; fields: ArticleFields | null }[]): string {
  return feedTexts(model, opts, items)[opts.format];
}

/**
 * A feed in the three formats from one reading of its articles (each article's content sanitised once).
 * `cache`: sanitised contents by feedItemKey, shared by the feeds of one build (an article is in its source's
 * feed and in the combined one) and kept from one build to the next (an item's body is read and sanitised
 * only when the item is new or its record changed; `fields` may then be null).
 */
export function feedTexts(
  model: Names,
  opts: Omit<FeedOptions, 'format'>,
  items: { article: SiteArticle; fields: ArticleFields | null }[],
  cache: Map<string, string> = new Map(),
): Record<FeedFormat, string> {
  const base = normaliseBaseUrl(opts.baseUrl);
  const name = opts.source === undefined ? 'Newsvault · 全部来源' : `Newsvault · ${model.nameOf(opts.source)}`;
  const home = base ? `${base}${opts.source === undefined ? 'index.html' : pathOf({ kind: 'source', slug: opts.source, page: 0 })}` : undefined;
  const self = (format: FeedFormat) => (base ? `${base}${feedPath({ ...(opts.source !== undefined ? { source: opts.source } : {}), format })}` : undefined);
  const newest = items[0]?.article.record;
  const feed = new Feed({
    title: name,
    id: `urn:newsvault:feed:${opts.source ?? 'all'}`,
    ...(home ? { link: home } : {}),
    language: 'zh',
    description: opts.source === undefined ? 'Newsvault 存档的最新文章' : `Newsvault 存档：${model.nameOf(opts.source)}`,
    updated: new Date(newest ? Math.max(newest.firstSeen, newest.changedAt ?? 0) : 0),
    generator: 'Newsvault',
    copyright: '',
    ...(base ? { feedLinks: { rss: self('rss')!, atom: self('atom')!, json: self('json')! } } : {}),
  });
  for (const { article, fields } of items) {
    const r = article.record;
    const page = base ? `${base}${pathOf({ kind: 'article', slug: article.source, id: r.id })}` : null;
    const original = /^https?:\/\//i.test(r.link) ? r.link : null;
    const url = page ?? original ?? `urn:newsvault:${article.source}:${r.id}`;
    // images: mirrored ones only resolve on the site; without a base URL their original address is used
    const key = feedItemKey(article);
    let html = cache.get(key);
    if (html === undefined) {
      const content = fields ? sanitizeArticle(fields.contentHtml, { root: base ?? '', baseUrl: original }) : '';
      html = base ? content : content.replace(/<img [^>]*src="assets\/[^"]*"[^>]*>/g, '');
      cache.set(key, html);
    }
    feed.addItem({
      title: titleOf(r.title),
      id: page ?? r.guid ?? url,
      link: url,
      date: new Date(Math.max(r.published, r.changedAt ?? 0)),
      published: new Date(r.published),
      content: html,
    });
  }
  // each format's id is its own address (with a base URL)
  const as = (format: FeedFormat) => {
    feed.options.id = self(format) ?? `urn:newsvault:feed:${opts.source ?? 'all'}`;
    return format === 'rss' ? feed.rss2() : format === 'atom' ? feed.atom1() : feed.json1();
  };
  const rss = as('rss');
  const atom = as('atom');
  const json = JSON.parse(as('json')) as Record<string, unknown>;
  return {
    rss,
    atom,
    json: `${JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', ...Object.fromEntries(Object.entries(json).filter(([k]) => k !== 'version')), language: 'zh' }, null, 2)}\n`,
  };
}

/** A feed of the archive (see FeedOptions); throws for a source with no articles folder. */
export async function renderFeed(model: SiteModel, opts: FeedOptions): Promise<string> {
  const list = feedArticles(model, opts.source);
  if (!list) throw new Error(`no source ${JSON.stringify(opts.source)} in the archive`);
  const items = [];
  for (const article of list) items.push({ article, fields: await model.body(article) });
  return feedText(model, opts, items);
}
