/**
 * JSON Feed 1.0 / 1.1 (https://www.jsonfeed.org/version/1.1/): a raw type checked field by field,
 * and an adapter to the shared Feed model.
 */
import type { Feed, FeedItem } from '../../domain.ts';
import { parseDate } from '../date/index.ts';

export interface RawJsonFeed {
  version?: unknown;
  title?: unknown;
  home_page_url?: unknown;
  feed_url?: unknown;
  language?: unknown;
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

export function parseJsonRaw(text: string): RawJsonFeed {
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
  if (typeof feed.version !== 'string' || !feed.version.includes('jsonfeed.org')) {
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

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** content_text becomes paragraphs of escaped text, so that the archive always holds HTML. */
function textToHtml(s: string): string {
  return s
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

function authorName(item: RawJsonItem): string | null {
  const list = Array.isArray(item.authors) ? item.authors : item.author ? [item.author] : [];
  const names = list
    .map((a) => (a && typeof a === 'object' ? str((a as { name?: unknown }).name) : null))
    .filter((n): n is string => n !== null);
  return names.length ? names.join(', ') : null;
}

export function adaptJsonFeed(raw: RawJsonFeed, feedUrl?: string): Feed {
  const warnings: string[] = [];
  const base = str(raw.feed_url) && feedUrl == null ? str(raw.feed_url) : feedUrl ?? null;
  const rawItems = Array.isArray(raw.items) ? raw.items : [];
  if (!Array.isArray(raw.items)) warnings.push('JSON Feed has no "items" array');
  const items: FeedItem[] = [];
  rawItems.forEach((value, index) => {
    if (!value || typeof value !== 'object') {
      warnings.push(`item ${index + 1}: not an object, skipped`);
      return;
    }
    const item = value as RawJsonItem;
    const title = str(item.title) ?? '';
    const label = `item ${index + 1}${title ? ` "${title.slice(0, 40)}"` : ''}`;
    const published = parseDate(str(item.date_published) ?? str(item.date_modified));
    if (published.warning) warnings.push(`${label}: ${published.warning}`);
    const modified = str(item.date_modified) ? parseDate(str(item.date_modified)) : { ms: null, warning: null };
    const contentHtml = str(item.content_html) ?? (str(item.content_text) ? textToHtml(item.content_text as string) : null);
    const summary = str(item.summary);
    const id = item.id == null ? null : String(item.id).trim() || null;
    items.push({
      id,
      title: title.trim(),
      link: absolute(str(item.url) ?? str(item.external_url), base),
      published: published.ms,
      updated: modified.ms,
      author: authorName(item),
      summary: summary && summary !== contentHtml ? summary : null,
      content: contentHtml ?? (summary ? `<p>${escapeHtml(summary)}</p>` : null),
      categories: Array.isArray(item.tags) ? item.tags.filter((t): t is string => typeof t === 'string') : [],
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
