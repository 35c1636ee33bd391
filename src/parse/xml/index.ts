/**
 * RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0, parsed by feedparser (a sax-based,
 * namespace-aware, error-tolerant parser) and adapted to the shared Feed model.
 *
 * feedparser resolves relative links (and URLs inside HTML bodies) against xml:base and the base
 * we give it. Which base that is depends on the format (see parseXmlFeed):
 *   - Atom: the document URL (RFC 4287 §2 defers to xml:base and RFC 3986, whose fallback is the
 *     URI the document was retrieved from);
 *   - RSS/RDF: the channel <link> (the website the items belong to), else the document URL. RSS
 *     defines no base, and feeds served from a feed host or mirror (rss.example.com, feedburner, a
 *     copy) mean their root-relative item links relative to the site, not to the feed host.
 *
 * Where feedparser's normalised fields are wrong for us, the adapter reads the raw elements
 * feedparser also keeps (`rss:guid`, `atom:link`, `dc:creator`, …) instead — see adaptItem.
 */
import FeedParser from 'feedparser';
import { decodeHTMLStrict } from 'entities';
import { Readable } from 'node:stream';
import type { Enclosure, Feed, FeedFormat, FeedItem } from '../../domain.ts';
import { parseDate } from '../date/index.ts';
import { MAX_NESTING_DEPTH, NestingTooDeepError } from '../limits.ts';
import { textToHtml } from '../text.ts';

type RawNode = { '#'?: unknown; '@'?: Record<string, unknown> } & Record<string, unknown>;
type RawItem = FeedParser.Item & Record<string, unknown>;
type RawMeta = FeedParser.Meta & Record<string, unknown>;

export interface RawXmlFeed {
  meta: RawMeta;
  items: RawItem[];
  errors: Error[];
  /** Item bodies (RSS description / content:encoded) that held unescaped markup, read as HTML. */
  inlineMarkup: number;
  /** The document-level base feedparser resolved against (the URL given, else the feed's own absolute link). */
  base?: string;
}

const CONTENT_NS = 'http://purl.org/rss/1.0/modules/content/';

/** feedparser's internal parse-tree node (what it keeps on its stack while parsing). */
interface StackNode {
  '#name'?: string;
  '#local'?: string;
  '#prefix'?: string;
  '#uri'?: string;
}

/**
 * feedparser, with one repair: RSS item bodies that hold raw (unescaped, un-CDATA'd) HTML elements.
 * RSS says to escape HTML in <description>; some feeds put the markup in as XML elements instead,
 * and feedparser then keeps only the text before the first element. When an element opens directly
 * inside an item's <description> or <content:encoded>, we switch feedparser into the mode it uses for
 * Atom type="xhtml" content, which serialises the elements back into the body.
 */
class BodyMarkupFeedParser extends FeedParser {
  inlineMarkup = 0;
}

/** The parts of feedparser's internals (untyped, see node_modules/feedparser/lib) the repair uses. */
interface FeedParserInternals {
  stack: StackNode[];
  meta: Record<string, unknown>;
  in_xhtml: boolean;
  xhtml: { '#name'?: string; '#'?: string };
  xmlbase?: { '#name'?: string; '#'?: string }[];
  inlineMarkup: number;
  errors?: Error[];
  /** sax's stream and parser (line is 0-based). */
  stream: { _parser?: { line: number } };
  handleOpenTag(node: unknown): void;
}

const internals = (p: FeedParser) => p as unknown as FeedParserInternals;
const baseOpenTag = internals(FeedParser.prototype).handleOpenTag;
// feedparser binds this.handleOpenTag when it is constructed, so the override must be on the prototype.
// The stack holds the open elements, so its length is the depth (see ../limits.ts): refusing here, as the
// element opens, stops sax at once (the error reaches the 'error' event through feedparser's _transform).
internals(BodyMarkupFeedParser.prototype).handleOpenTag = function handleOpenTag(this: FeedParserInternals, node: unknown) {
  if (this.stack.length >= MAX_NESTING_DEPTH) throw new NestingTooDeepError('elements', (this.stream._parser?.line ?? 0) + 1);
  const [body, parent] = this.stack;
  const type = this.meta['#type'];
  if (!this.in_xhtml && body && parent && (type === 'rss' || type === 'rdf') && parent['#local'] === 'item' && isBodyElement(body)) {
    this.in_xhtml = true;
    this.xhtml = { '#name': body['#name'], '#': '' };
    this.inlineMarkup++;
  }
  baseOpenTag.call(this, node);
};

function isBodyElement(node: StackNode): boolean {
  return (node['#local'] === 'description' && !node['#prefix']) || (node['#local'] === 'encoded' && node['#uri'] === CONTENT_NS);
}

/** Runs feedparser over a decoded document. Rejects only when nothing feed-like was found. */
export function parseXmlRaw(text: string, feedUrl?: string): Promise<RawXmlFeed> {
  return new Promise((resolve, reject) => {
    const parser = new BodyMarkupFeedParser({ feedurl: feedUrl, addmeta: false, normalize: true, resume_saxerror: true });
    const items: RawItem[] = [];
    let failed = false;
    parser.on('readable', () => {
      let item: FeedParser.Item | null;
      while ((item = parser.read())) items.push(item);
    });
    parser.on('error', (err: Error) => {
      if (failed) return;
      failed = true;
      reject(err);
    });
    parser.on('end', () => {
      if (failed) return;
      const errors = (internals(parser).errors ?? []).slice();
      // sax in its forgiving mode closes what is left open without a word: say when the document was cut short
      const root = String((parser.meta as RawMeta)['#type'] ?? '') === 'atom' ? 'feed' : String((parser.meta as RawMeta)['#type'] ?? '') === 'rdf' ? 'rdf:RDF' : 'rss';
      if (!new RegExp(`</(?:[\\w-]+:)?${root.replace(':', '\\:').replace(/^rdf\\:/, '')}\\s*>\\s*$`, 'i').test(text.slice(-512))) {
        errors.push(new Error(`the document ends before its closing </${root}> tag (truncated?)`));
      }
      // xml:base entries are dropped as their elements close; the document-level one (named "xml") stays
      const base = internals(parser).xmlbase?.find((b) => b['#name'] === 'xml')?.['#'];
      resolve({ meta: parser.meta, items, errors, inlineMarkup: parser.inlineMarkup, base });
    });
    Readable.from([text]).pipe(parser);
  });
}

/**
 * Parses with the right base for relative links (see the module comment): the document URL first;
 * then, for RSS/RDF whose channel <link> is an absolute http(s) URL other than the document URL,
 * once more with the channel link as the base.
 */
export async function parseXmlFeed(text: string, documentUrl?: string): Promise<RawXmlFeed> {
  const first = await parseXmlRaw(text, documentUrl);
  const type = String(first.meta['#type'] ?? '');
  const channelLink = typeof first.meta.link === 'string' ? first.meta.link.trim() : '';
  if ((type === 'rss' || type === 'rdf') && /^https?:\/\/[^/]/i.test(channelLink) && channelLink !== documentUrl && mayHoldRelativeUrls(text)) {
    return parseXmlRaw(text, channelLink);
  }
  return first;
}

/** Whether a document may hold a relative URL (in a link element, an enclosure, or an href/src attribute,
 *  escaped or not). Feeds with absolute URLs only — most of them — are then parsed once. */
export function mayHoldRelativeUrls(text: string): boolean {
  const quote = `(?:"|'|&quot;|&#34;|&#x22;|&apos;|&#39;)`;
  const relative = `(?![a-z][a-z0-9+.-]*:|#|${quote})`;
  return (
    new RegExp(`(?:href|src|url)\\s*=\\s*${quote}${relative}`, 'i').test(text) ||
    new RegExp(`<(?:[\\w-]+:)?(?:link|comments|docs)>\\s*(?:<!\\[CDATA\\[)?\\s*${relative}[^<\\s]`, 'i').test(text)
  );
}

/** Raw values as a list of nodes: feedparser keeps one child as a node, repeated children as an array. */
function nodes(value: unknown): RawNode[] {
  const list = Array.isArray(value) ? value : value == null ? [] : [value];
  return list
    .map((v) => (typeof v === 'string' ? ({ '#': v } as RawNode) : v))
    .filter((v): v is RawNode => v !== null && typeof v === 'object');
}

function text(node: unknown): string | null {
  if (node == null) return null;
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return text(node[0]);
  if (typeof node === 'object' && '#' in node) {
    const v = node['#'];
    return typeof v === 'string' ? v : null;
  }
  return null;
}

/** The trimmed texts of every element under `key`, empty ones left out. */
function texts(item: Record<string, unknown>, key: string): string[] {
  return nodes(item[key])
    .map((n) => text(n)?.trim() ?? '')
    .filter((t) => t !== '');
}

function attr(node: RawNode | undefined, name: string): string | null {
  const v = node?.['@']?.[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function firstText(item: Record<string, unknown>, keys: string[]): string | null {
  for (const key of keys) {
    const value = text(item[key]);
    if (value != null && value.trim() !== '') return value;
  }
  return null;
}

const PUBLISHED_KEYS = ['rss:pubdate', 'dc:date', 'atom:published', 'atom:issued', 'atom:created', 'dcterms:issued', 'dcterms:created', 'atom:updated', 'atom:modified', 'dcterms:modified'];
const UPDATED_KEYS = ['atom:updated', 'atom:modified', 'dcterms:modified'];

function nonEmpty(value: string | null | undefined): string | null {
  return value != null && value.trim() !== '' ? value : null;
}

type XmlType = 'rss' | 'rdf' | 'atom';

export function adaptXmlFeed(raw: RawXmlFeed): Feed {
  const warnings: string[] = [];
  for (const err of raw.errors) {
    warnings.push(`malformed XML, recovered: ${err.message.split('\n').join(' ')}`);
  }
  if (raw.inlineMarkup > 0) {
    warnings.push(`${raw.inlineMarkup} item bod${raw.inlineMarkup === 1 ? 'y holds' : 'ies hold'} unescaped HTML elements; read as HTML`);
  }
  const type: XmlType = raw.meta['#type'] === 'atom' ? 'atom' : raw.meta['#type'] === 'rdf' ? 'rdf' : 'rss';
  const format: FeedFormat = type;
  // Atom entries without an author inherit the feed's (RFC 4287 §4.2.1). RSS has no such rule:
  // managingEditor and webMaster are contacts for the channel, not the writers of its items.
  const feedAuthors = type === 'atom' ? atomPersons(raw.meta['atom:author']) : [];
  const items = raw.items.map((item, index) => adaptItem(item, index, type, feedAuthors, raw.base, warnings));
  return {
    format,
    title: plainTitle(raw.meta.title, titleIsHtml(type, raw.meta[`${type}:title`])),
    link: type === 'atom' ? atomAlternate(raw.meta['atom:link']) : nonEmpty(raw.meta.link),
    language: nonEmpty(raw.meta.language),
    items,
    warnings,
  };
}

/**
 * Titles are plain text. feedparser already strips tags, reading RSS titles as HTML, as most feeds
 * mean them; character references left in that HTML (`&amp;#163;` in the XML, i.e. `&#163;`) are
 * then decoded too. Atom says which: type="text" (the default) is already plain text.
 */
function plainTitle(value: string | null | undefined, html: boolean): string | null {
  const title = nonEmpty(value);
  if (title === null) return null;
  return (html ? decodeHTMLStrict(title) : title).replace(/\s+/g, ' ').trim() || null;
}

/** Whether a title element holds HTML: always in RSS/RDF; in Atom when its type says so. */
function titleIsHtml(type: XmlType, node: unknown): boolean {
  const atomType = (attr(nodes(node)[0], 'type') ?? 'text').toLowerCase();
  return type !== 'atom' || atomType === 'html' || atomType === 'xhtml' || atomType === 'text/html';
}

/** Names (else emails, else URIs) of Atom person constructs. */
function atomPersons(value: unknown): string[] {
  return nodes(value)
    .map((p) => nonEmpty(text(p.name)) ?? nonEmpty(text(p.email)) ?? nonEmpty(text(p.uri)))
    .filter((n): n is string => n !== null)
    .map((n) => n.trim());
}

/**
 * The entry's (or feed's) web page: an alternate link (rel absent or "alternate"), preferring one
 * typed as HTML, then an untyped one, then any.
 */
function atomAlternate(value: unknown): string | null {
  const alternates = nodes(value).filter((l) => attr(l, 'href') && (attr(l, 'rel') ?? 'alternate') === 'alternate');
  const html = alternates.find((l) => /^(text\/html|application\/xhtml\+xml)$/i.test(attr(l, 'type') ?? ''));
  const untyped = alternates.find((l) => attr(l, 'type') === null);
  return attr(html ?? untyped ?? alternates[0], 'href');
}

/**
 * A contact as RSS writes it (`lawyer@boyer.net (Lawyer Boyer)`, `Name <mail@x>`,
 * `Simon St.Laurent (mailto:simonstl@simonstl.com)`) → the name, else the address; anything else as is.
 */
export function contactName(value: string): string {
  const s = value.trim().replace(/\s+/g, ' ');
  const angle = /^(.*?)\s*<([^<>]+)>$/.exec(s);
  if (angle) return angle[1]!.replace(/^"(.*)"$/, '$1').trim() || angle[2]!.trim();
  const paren = /^(.*?)\s*\(([^()]+)\)$/.exec(s);
  if (paren) {
    const [outer, inner] = [paren[1]!.trim(), paren[2]!.trim()];
    const isAddress = (t: string) => /^(?:mailto:)?[^\s@()]+@[^\s@()]+$/i.test(t) || /^https?:\/\/\S+$/i.test(t);
    if (outer && isAddress(outer) && !isAddress(inner)) return inner;
    if (outer && isAddress(inner)) return outer;
  }
  return s;
}

const BARE_ADDRESS = /^(?:mailto:)?[^\s@()<>]+@[^\s@()<>]+$/i;

/**
 * Item-level authors only, joined with ", ". RSS: <author> (RSS 2.0 asks for an address, often with
 * the name in parentheses), else dc:creator (a name; Dublin Core, also in RSS 1.0), else
 * itunes:author. A bare address in <author> gives way to a dc:creator name. Atom: the entry's
 * atom:author names, else the feed's.
 */
function itemAuthor(item: RawItem, type: XmlType, feedAuthors: string[]): string | null {
  let names: string[];
  if (type === 'atom') {
    names = atomPersons(item['atom:author']);
    if (names.length === 0) names = feedAuthors;
  } else {
    const authors = texts(item, `${type}:author`).map(contactName);
    const creators = texts(item, 'dc:creator').map(contactName);
    names = authors.length && !(creators.length && authors.every((a) => BARE_ADDRESS.test(a))) ? authors : creators;
    if (names.length === 0) names = texts(item, 'itunes:author').map(contactName);
  }
  const unique = [...new Set(names.filter((n) => n !== ''))];
  return unique.length ? unique.join(', ') : null;
}

function itemCategories(item: RawItem, type: XmlType): string[] {
  const out: string[] = [];
  for (const node of nodes(item[`${type}:category`])) {
    out.push((type === 'atom' ? attr(node, 'term') : text(node)) ?? '');
  }
  // One dc:subject is one subject, spaces and all ("Health & wellbeing"); feedparser splits it at spaces.
  out.push(...texts(item, 'dc:subject'), ...texts(item, 'media:category'));
  for (const node of nodes(item['itunes:category'])) {
    const top = attr(node, 'text');
    const subs = nodes(node['itunes:category']).map((s) => attr(s, 'text')).filter((s): s is string => s !== null);
    if (top) out.push(...(subs.length ? subs.map((s) => `${top}/${s}`) : [top]));
  }
  return [...new Set(out.map((c) => c.replace(/\s+/g, ' ').trim()).filter((c) => c !== ''))];
}

function itemLink(item: RawItem, type: XmlType): string | null {
  if (type === 'atom') {
    // Not rel="self" (the entry's own Atom document) and not the atom:id, which Atom processors
    // "MUST NOT assume can be dereferenced" (RFC 4287 §4.2.6); feedparser falls back to both.
    return atomAlternate(item['atom:link']) ?? nonEmpty(item.origlink);
  }
  // The first non-empty <link> (feedparser has resolved it; its own item.link may be the GUID instead)
  const link = texts(item, `${type}:link`)[0];
  if (link) return link;
  // No <link>: a GUID is the item's permalink unless isPermaLink="false" (RSS 2.0, <guid>).
  const guid = nodes(item[`${type}:guid`])[0];
  const guidText = text(guid)?.trim() ?? '';
  if (guid && /^https?:\/\//i.test(guidText) && !/^false$/i.test(attr(guid, 'ispermalink') ?? '')) return guidText;
  return nonEmpty(item.origlink);
}

/** feedparser resolves href/src attributes, not enclosure and media:content `url`: we do, against the document-level base. */
function absolute(url: string, base: string | undefined): string {
  if (!base) return url;
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

/** An enclosure's byte length: a whole number, as a number or a string of digits; anything else is unknown. */
function lengthOf(value: unknown): number | null {
  const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  return /^\d+$/.test(s) ? Number(s) : null;
}

function itemEnclosures(item: RawItem, base: string | undefined): Enclosure[] {
  const found: { url?: unknown; type?: unknown; length?: unknown }[] = [...(item.enclosures ?? [])];
  // Media RSS content grouped in <media:group> (YouTube, slideshows), which feedparser does not read.
  for (const group of nodes(item['media:group'])) {
    for (const content of nodes(group['media:content'])) {
      found.push({ url: attr(content, 'url'), type: attr(content, 'type'), length: attr(content, 'filesize') });
    }
  }
  const seen = new Set<string>();
  const out: Enclosure[] = [];
  for (const e of found) {
    const url = typeof e.url === 'string' && e.url.trim() !== '' ? absolute(e.url.trim(), base) : '';
    if (url === '' || seen.has(url)) continue;
    seen.add(url);
    const mime = typeof e.type === 'string' ? e.type.trim() : '';
    out.push({
      url,
      // A MIME type or nothing: feedparser puts media:content's `medium` ("image") here when there is no type.
      type: mime.includes('/') ? mime : null,
      length: lengthOf(e.length),
    });
  }
  return out;
}

/**
 * Atom text constructs (RFC 4287 §3.1) say what they hold: type="html" / "xhtml" (Atom 0.3: a
 * text/html or application/xhtml+xml type) is HTML; "text", the default, is plain text, which we
 * turn into HTML so that `content` and `summary` are always HTML.
 */
function atomBody(value: string, node: RawNode | undefined): string {
  const t = (attr(node, 'type') ?? 'text').toLowerCase();
  return t === 'html' || t === 'xhtml' || t === 'text/html' || t === 'application/xhtml+xml' ? value : textToHtml(value);
}

function adaptItem(item: RawItem, index: number, type: XmlType, feedAuthors: string[], base: string | undefined, warnings: string[]): FeedItem {
  // An item without <title> (podcast feeds with only <itunes:title>, plain text) still has a name.
  const title =
    plainTitle(item.title, titleIsHtml(type, item[`${type}:title`])) ??
    plainTitle(texts(item, 'itunes:title')[0], false) ??
    plainTitle(texts(item, 'dc:title')[0], false) ??
    '';
  const label = `item ${index + 1}${title ? ` "${title.slice(0, 40)}"` : ''}`;
  const rawPublished = firstText(item, PUBLISHED_KEYS);
  const published = parseDate(rawPublished);
  if (published.warning) warnings.push(`${label}: ${published.warning}`);
  const rawUpdated = firstText(item, UPDATED_KEYS);
  const updated = rawUpdated ? parseDate(rawUpdated) : { ms: null, warning: null };
  if (updated.warning && rawUpdated) warnings.push(`${label}: updated: ${updated.warning}`);

  // RSS 1.0 feeds with the Dublin Core module may describe items with dc:description only.
  const dcDescription = texts(item, 'dc:description')[0] ?? null;
  let content = nonEmpty(item.description) ?? dcDescription;
  let summary = nonEmpty(item.summary) ?? dcDescription;
  if (type === 'atom') {
    // feedparser's description is the Atom content, else the summary
    const contentNode = nodes(item['atom:content'])[0];
    const summaryNode = nodes(item['atom:summary'])[0];
    if (content !== null) content = atomBody(content, nonEmpty(text(contentNode)) !== null ? contentNode : summaryNode);
    if (summary !== null) summary = atomBody(summary, summaryNode);
  }
  // Only what the item itself calls its id: feedparser copies the link into `guid` when there is none.
  const id = texts(item, type === 'atom' ? 'atom:id' : `${type}:guid`)[0] ?? null;
  return {
    id,
    title,
    link: itemLink(item, type),
    published: published.ms,
    updated: updated.ms,
    author: itemAuthor(item, type, feedAuthors),
    summary: summary !== content ? summary : null,
    content: content ?? summary,
    categories: itemCategories(item, type),
    enclosures: itemEnclosures(item, base),
  };
}
