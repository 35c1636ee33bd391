/**
 * JSON Feed 1.0 / 1.1 (https://www.jsonfeed.org/version/1.1/): a raw type checked field by field,
 * and an adapter to the shared Feed model.
 */
import type { Feed, FeedItem } from '../../domain.ts';
import { parseDate } from '../date/index.ts';
import { checkJsonDepth } from '../limits.ts';
import { escapeHtml, textToHtml } from '../text.ts';

export interface RawJsonFeed {
  version?: unknown;
  title?: unknown;
  home_page_url?: unknown;
  feed_url?: unknown;
  language?: unknown;
  author?: unknown;
  authors?: unknown;
  items?: unknown;
}

interface RawJsonItem {
  id?: unknown;
  url?: unknown;
  external_url?: unknown;
  title?: unknown;
  content_html?: unknown;
  content_text?: unknown;
  summary?: unknown;
  date_published?: unknown;
  date_modified?: unknown;
  author?: unknown;
  authors?: unknown;
  tags?: unknown;
  attachments?: unknown;
}

export class JsonFeedError extends Error {}

/** `"version": "1.0"` (or "1", "1.1"): not the spec's URL, but what some real feeds write; read with a warning. */
const BARE_VERSION = /^\s*v?1(?:\.[01])?\s*$/i;

export function parseJsonRaw(text: string): RawJsonFeed {
  checkJsonDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new JsonFeedError(`invalid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new JsonFeedError('not a JSON Feed: the document is not an object');
  }
  const feed = value as RawJsonFeed;
  if (typeof feed.version !== 'string' || !(feed.version.includes('jsonfeed.org') || BARE_VERSION.test(feed.version))) {
    throw new JsonFeedError('not a JSON Feed: missing "version": "https://jsonfeed.org/version/1.1"');
  }
  return feed;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

function absolute(url: string | null, base: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url, base ?? undefined).href;
  } catch {
    return url;
  }
}

/** Names (else URLs) of `authors` (1.1) or `author` (1.0), joined with ", "; null when there are none. */
function authorNames(holder: { author?: unknown; authors?: unknown }): string | null {
  const list = Array.isArray(holder.authors) ? holder.authors : holder.author ? [holder.author] : [];
  const names = list
    .map((a) => (a && typeof a === 'object' ? (str((a as { name?: unknown }).name) ?? str((a as { url?: unknown }).url)) : null))
    .filter((n): n is string => n !== null)
    .map((n) => n.trim());
  return names.length ? [...new Set(names)].join(', ') : null;
}

export function adaptJsonFeed(raw: RawJsonFeed, feedUrl?: string): Feed {
  const warnings: string[] = [];
  if (typeof raw.version === 'string' && BARE_VERSION.test(raw.version)) {
    warnings.push(`JSON Feed "version" is ${JSON.stringify(raw.version)}, not the spec's URL (https://jsonfeed.org/version/1.1); read as JSON Feed`);
  }
  const base = str(raw.feed_url) && feedUrl == null ? str(raw.feed_url) : feedUrl ?? null;
  const rawItems = Array.isArray(raw.items) ? raw.items : [];
  if (!Array.isArray(raw.items)) warnings.push('JSON Feed has no "items" array');
  // "If not specified in an item, then the top-level authors, if present, are the authors of the item." (1.0 and 1.1)
  const feedAuthors = authorNames(raw);
  const items: FeedItem[] = [];
  rawItems.forEach((value, index) => {
    if (!value || typeof value !== 'object') {
      warnings.push(`item ${index + 1}: not an object, skipped`);
      return;
    }
    const item = value as RawJsonItem;
    const title = (str(item.title) ?? '').trim();
    const label = `item ${index + 1}${title ? ` "${title.slice(0, 40)}"` : ''}`;
    const published = parseDate(str(item.date_published) ?? str(item.date_modified));
    if (published.warning) warnings.push(`${label}: ${published.warning}`);
    const modified = str(item.date_modified) ? parseDate(str(item.date_modified)) : { ms: null, warning: null };
    if (modified.warning) warnings.push(`${label}: updated: ${modified.warning}`);
    const contentHtml = str(item.content_html) ?? (str(item.content_text) ? textToHtml(item.content_text as string) : null);
    const summary = str(item.summary);
    // JSON Feed ids are strings; numbers are common too. Anything else (an object) is no usable id.
    const id = typeof item.id === 'string' || typeof item.id === 'number' ? String(item.id).trim() || null : null;
    items.push({
      id,
      title,
      link: absolute(str(item.url) ?? str(item.external_url), base),
      published: published.ms,
      updated: modified.ms,
      author: authorNames(item) ?? feedAuthors,
      summary: summary && summary !== contentHtml ? summary : null,
      content: contentHtml ?? (summary ? `<p>${escapeHtml(summary)}</p>` : null),
      categories: Array.isArray(item.tags) ? [...new Set(item.tags.map(str).filter((t): t is string => t !== null).map((t) => t.trim()))] : [],
      enclosures: (Array.isArray(item.attachments) ? item.attachments : [])
        .filter((a) => a && typeof a === 'object' && str((a as { url?: unknown }).url))
        .map((a) => {
          const att = a as { url: string; mime_type?: unknown; size_in_bytes?: unknown };
          return {
            url: absolute(att.url, base) ?? att.url,
            type: str(att.mime_type),
            length: typeof att.size_in_bytes === 'number' ? att.size_in_bytes : null,
          };
        }),
    });
  });
  return {
    format: 'json',
    title: str(raw.title),
    link: str(raw.home_page_url),
    language: str(raw.language),
    items,
    warnings,
  };
}
