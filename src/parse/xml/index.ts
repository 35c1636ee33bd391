/**
 * RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0, parsed by feedparser (a sax-based,
 * namespace-aware, error-tolerant parser) and adapted to the shared Feed model.
 * feedparser resolves relative links against xml:base and the feed URL.
 */
import FeedParser from 'feedparser';
import { Readable } from 'node:stream';
import type { Enclosure, Feed, FeedFormat, FeedItem } from '../../domain.ts';
import { parseDate } from '../date/index.ts';

type RawNode = { '#'?: unknown; '@'?: Record<string, unknown> } | undefined;
type RawItem = FeedParser.Item & Record<string, unknown>;
type RawMeta = FeedParser.Meta & Record<string, unknown>;

export interface RawXmlFeed {
  meta: RawMeta;
  items: RawItem[];
  errors: Error[];
}

/** Runs feedparser over a decoded document. Rejects only when nothing feed-like was found. */
export function parseXmlRaw(text: string, feedUrl?: string): Promise<RawXmlFeed> {
  return new Promise((resolve, reject) => {
    const parser = new FeedParser({ feedurl: feedUrl, addmeta: false, normalize: true, resume_saxerror: true });
    const items: RawItem[] = [];
    let failed = false;
    parser.on('readable', () => {
      let item: FeedParser.Item | null;
      while ((item = parser.read() as FeedParser.Item | null)) items.push(item as RawItem);
    });
    parser.on('error', (err: Error) => {
      if (failed) return;
      failed = true;
      reject(err);
    });
    parser.on('end', () => {
      if (failed) return;
      const errors = ((parser as unknown as { errors?: Error[] }).errors ?? []).slice();
      // sax in its forgiving mode closes what is left open without a word: say when the document was cut short
      const root = String((parser.meta as RawMeta)['#type'] ?? '') === 'atom' ? 'feed' : String((parser.meta as RawMeta)['#type'] ?? '') === 'rdf' ? 'rdf:RDF' : 'rss';
      if (!new RegExp(`</(?:[\\w-]+:)?${root.replace(':', '\\:').replace(/^rdf\\:/, '')}\\s*>\\s*$`, 'i').test(text.slice(-512))) {
        errors.push(new Error(`the document ends before its closing </${root}> tag (truncated?)`));
      }
      resolve({ meta: parser.meta as RawMeta, items, errors });
    });
    Readable.from([text]).pipe(parser);
  });
}

function text(node: unknown): string | null {
  if (node == null) return null;
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return text(node[0]);
  if (typeof node === 'object' && '#' in (node as object)) {
    const v = (node as { '#': unknown })['#'];
    return typeof v === 'string' ? v : null;
  }
  return null;
}

function firstText(item: Record<string, unknown>, keys: string[]): string | null {
  for (const key of keys) {
    const value = text(item[key] as RawNode);
    if (value != null && value.trim() !== '') return value;
  }
  return null;
}

const PUBLISHED_KEYS = ['rss:pubdate', 'dc:date', 'atom:published', 'atom:issued', 'atom:created', 'dcterms:issued', 'dcterms:created', 'atom:updated', 'atom:modified', 'dcterms:modified'];
const UPDATED_KEYS = ['atom:updated', 'atom:modified', 'dcterms:modified'];

function nonEmpty(value: string | null | undefined): string | null {
  return value != null && value.trim() !== '' ? value : null;
}

export function adaptXmlFeed(raw: RawXmlFeed): Feed {
  const warnings: string[] = [];
  for (const err of raw.errors) {
    warnings.push(`malformed XML, recovered: ${err.message.split('\n').join(' ')}`);
  }
  const type = String(raw.meta['#type'] ?? 'rss');
  const format: FeedFormat = type === 'atom' ? 'atom' : type === 'rdf' ? 'rdf' : 'rss';
  const items = raw.items.map((item, index) => adaptItem(item, index, warnings));
  return {
    format,
    title: nonEmpty(raw.meta.title),
    link: nonEmpty(raw.meta.link),
    language: nonEmpty(raw.meta.language),
    items,
    warnings,
  };
}

function adaptItem(item: RawItem, index: number, warnings: string[]): FeedItem {
  const label = `item ${index + 1}${item.title ? ` "${item.title.slice(0, 40)}"` : ''}`;
  const rawPublished = firstText(item, PUBLISHED_KEYS);
  const published = parseDate(rawPublished);
  if (published.warning) warnings.push(`${label}: ${published.warning}`);
  const rawUpdated = firstText(item, UPDATED_KEYS);
  const updated = rawUpdated ? parseDate(rawUpdated) : { ms: null, warning: null };
  if (updated.warning && rawUpdated) warnings.push(`${label}: updated: ${updated.warning}`);

  const content = nonEmpty(item.description);
  const summary = nonEmpty(item.summary);
  const enclosures: Enclosure[] = (item.enclosures ?? [])
    .filter((e) => typeof e.url === 'string' && e.url !== '')
    .map((e) => ({
      url: e.url,
      type: e.type ?? null,
      length: e.length != null && /^\d+$/.test(String(e.length)) ? Number(e.length) : null,
    }));
  return {
    id: nonEmpty(item.guid),
    title: (item.title ?? '').trim(),
    link: nonEmpty(item.link) ?? nonEmpty(item.origlink),
    published: published.ms,
    updated: updated.ms,
    author: nonEmpty(item.author),
    summary: summary !== content ? summary : null,
    content: content ?? summary,
    categories: (item.categories ?? []).filter((c) => typeof c === 'string' && c.trim() !== '').map((c) => c.trim()),
    enclosures,
  };
}
