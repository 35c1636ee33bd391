/**
 * RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0: the document read into an element tree (./tree.ts,
 * sax underneath, recovering like a forgiving reader), then one adapter to the shared Feed model that
 * reads the elements it needs by namespace and local name.
 *
 * Relative URLs (links, enclosures, and URLs inside HTML bodies) resolve against xml:base and a
 * document-level base, which depends on the format:
 *   - Atom: the document URL (RFC 4287 §2 defers to xml:base and RFC 3986, whose fallback is the URI the
 *     document was retrieved from); without one (a local file), the feed's own absolute link;
 *   - RSS/RDF: the channel <link> (the website the items belong to), else the document URL. RSS defines
 *     no base, and feeds served from a feed host or mirror (rss.example.com, feedburner, a copy) mean
 *     their root-relative item links relative to the site, not to the feed host.
 *
 * Text, by element (docs/feed-json.md):
 *   - titles are plain text. Atom says which: type="text" (the default) is text as it stands, "html" is
 *     HTML (its text is taken), "xhtml" the text of its XHTML. RSS leaves it open: a title is read as
 *     HTML only when it looks like HTML (looksLikeHtml: `1930ft<sup>2</sup>`, `&#163;`), so that
 *     `History of the <blink> tag` keeps `<blink>`. Markup given as elements inside a title gives its text;
 *   - bodies are HTML. Atom type="text" is escaped into HTML, "html" is taken as given, "xhtml" is the
 *     children of the wrapper <div> (RFC 4287 §3.1.1.3); base64 (Atom 0.3 mode="base64", Atom 1.0
 *     binary media types) is decoded. RSS bodies are HTML (escaped, or as elements: serialised back).
 */
import type { Enclosure, Feed, FeedFormat, FeedItem } from '../../domain.ts';
import { parseDate } from '../date/index.ts';
import { textToHtml } from '../text.ts';
import { htmlToText, isXhtmlDiv, looksLikeHtml, resolveHtmlUrls, serializeChildren } from './html.ts';
import { attr, baseOf, hasElementChildren, parseXmlTree, resolveUrl, textOf, type XElement, type XmlDocument } from './tree.ts';

export { parseXmlTree } from './tree.ts';

/** A document whose root is no RSS, RDF or Atom element. */
export class NotAFeedError extends Error {
  constructor() {
    super('not a feed: no RSS, Atom or RDF root element');
  }
}

const NS = {
  atom10: 'http://www.w3.org/2005/Atom',
  atom03: 'http://purl.org/atom/ns#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  content: 'http://purl.org/rss/1.0/modules/content/',
} as const;

/** Namespaces RSS core elements come in: none, RSS 1.0, RSS 0.90, and Userland's RSS 0.9x/2.0 ones. */
const RSS_CORE = new Set(['', 'http://purl.org/rss/1.0/', 'http://my.netscape.com/rdf/simple/0.9/', 'http://backend.userland.com/rss2', 'http://backend.userland.com/rss', 'http://purl.org/net/rss1.1#']);
const ATOM = new Set<string>([NS.atom10, NS.atom03]);

const isMedia = (uri: string) => /^https?:\/\/search\.yahoo\.com\/mrss\/?$/i.test(uri);
const isItunes = (uri: string) => /^https?:\/\/www\.itunes\.com\/dtds\/podcast-1\.0\.dtd$/i.test(uri);

type XmlType = 'rss' | 'rdf' | 'atom';

/** What the adapter needs to know of the document as a whole. */
interface Ctx {
  type: XmlType;
  /** Namespaces whose elements are the format's own (RSS core; Atom, or none for an Atom root outside its namespace). */
  core: Set<string>;
  /** The document-level base URL. */
  base: string | undefined;
  warnings: string[];
  inlineMarkup: number;
}

/** Parses a decoded document into a Feed. Throws NotAFeedError, or NestingTooDeepError (../limits.ts). */
export function parseXmlFeed(text: string, documentUrl?: string): Feed {
  return adaptXmlFeed(parseXmlTree(text), documentUrl);
}

export function adaptXmlFeed(doc: XmlDocument, documentUrl?: string): Feed {
  const root = doc.root;
  if (!root) throw new NotAFeedError();
  const warnings: string[] = [];
  let type: XmlType;
  let core: Set<string>;
  if (root.local === 'rss' || (root.local === 'channel' && RSS_CORE.has(root.uri))) {
    type = 'rss';
    core = RSS_CORE;
  } else if (root.local === 'rdf') {
    type = 'rdf';
    core = RSS_CORE;
  } else if (root.local === 'feed') {
    type = 'atom';
    core = ATOM;
    if (!ATOM.has(root.uri)) {
      warnings.push(`the <${root.name}> root is not in the Atom namespace (${root.uri === '' ? 'none' : root.uri}); read as Atom`);
      core = new Set([root.uri]);
    }
  } else {
    throw new NotAFeedError();
  }
  recoveryWarnings(doc, type, warnings);

  const channel = type === 'atom' ? root : (children(root, core, 'channel')[0] ?? root);
  const ctx: Ctx = { type, core, base: undefined, warnings, inlineMarkup: 0 };
  // RSS: the channel <link>, else an atom:link rel="alternate" (some feeds give only that)
  const ownLink =
    type === 'atom'
      ? (atomLink(channel, ctx, 'self') ?? atomLink(channel, ctx, 'alternate'))
      : (firstText(channel, core, 'link')?.trim() ?? atomLink(channel, ctx, 'alternate'));
  if (type === 'atom') ctx.base = documentUrl ?? (ownLink && /^https?:\/\/[^/]/i.test(ownLink) ? ownLink : undefined);
  else ctx.base = ownLink && /^https?:\/\/[^/]/i.test(ownLink) ? ownLink : documentUrl;

  const entries: XElement[] = [];
  collectEntries(root, type === 'atom' ? 'entry' : 'item', core, entries);
  // Atom entries without an author inherit the feed's (RFC 4287 §4.2.1). RSS has no such rule:
  // managingEditor and webMaster are contacts for the channel, not the writers of its items.
  const feedAuthors = type === 'atom' ? atomPersons(children(channel, core, 'author')) : [];
  const items = entries.map((entry, index) => adaptItem(entry, index, ctx, feedAuthors));
  if (ctx.inlineMarkup > 0) {
    warnings.push(`${ctx.inlineMarkup} item bod${ctx.inlineMarkup === 1 ? 'y holds' : 'ies hold'} unescaped HTML elements; read as HTML`);
  }
  const format: FeedFormat = type;
  const language =
    type === 'atom'
      ? attr(root, 'lang', 'http://www.w3.org/XML/1998/namespace')
      : nonEmpty(firstText(channel, core, 'language')) ?? nonEmpty(firstText(channel, [NS.dc], 'language'));
  const feedLink = type === 'atom' ? atomLink(channel, ctx, 'alternate') : ownLink ? resolveUrl(ownLink, ctx.base) : null;
  return {
    format,
    title: titleOf(children(channel, core, 'title')[0], ctx),
    link: nonEmpty(feedLink),
    language: language?.trim() || null,
    items,
    warnings,
  };
}

function recoveryWarnings(doc: XmlDocument, type: XmlType, warnings: string[]): void {
  if (doc.bareAmpersands > 0) {
    warnings.push(`malformed XML, recovered: ${doc.bareAmpersands} bare "&" (not a character reference) read as a literal "&"`);
  }
  if (doc.strayCloseTags > 0) {
    warnings.push(`malformed XML, recovered: ${doc.strayCloseTags} closing tag(s) matching no open element dropped`);
  }
  const other = doc.errors.filter((e) => !/^(Unmatched closing tag|Unexpected close tag)/.test(e) || doc.strayCloseTags === 0);
  for (const e of other.slice(0, 5)) warnings.push(`malformed XML, recovered: ${e}`);
  if (other.length > 5) warnings.push(`malformed XML, recovered: ${other.length - 5} more problem(s)`);
  if (doc.truncated) {
    const root = type === 'atom' ? 'feed' : type === 'rdf' ? 'rdf:RDF' : 'rss';
    warnings.push(`malformed XML, recovered: the document ends before its closing </${root}> tag (truncated?)`);
  }
}

/** Items (or entries) anywhere under `el`, but not inside another item. */
function collectEntries(el: XElement, local: string, core: Set<string>, out: XElement[]): void {
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    if (c.local === local && core.has(c.uri)) out.push(c);
    else collectEntries(c, local, core, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading elements
// ---------------------------------------------------------------------------------------------

type Namespaces = Set<string> | readonly string[];
const inNs = (uri: string, ns: Namespaces) => (Array.isArray(ns) ? (ns as readonly string[]).includes(uri) : (ns as Set<string>).has(uri));

/** The child elements with this local name (lower-case) in one of these namespaces. */
function children(el: XElement | undefined, ns: Namespaces, local: string): XElement[] {
  if (!el) return [];
  const out: XElement[] = [];
  for (const c of el.children) if (typeof c !== 'string' && c.local === local && inNs(c.uri, ns)) out.push(c);
  return out;
}

function childrenWhere(el: XElement, test: (uri: string) => boolean, local: string): XElement[] {
  const out: XElement[] = [];
  for (const c of el.children) if (typeof c !== 'string' && c.local === local && test(c.uri)) out.push(c);
  return out;
}

/** The trimmed texts of these children, empty ones left out. */
function texts(els: XElement[]): string[] {
  return els.map((e) => textOf(e).trim()).filter((t) => t !== '');
}

/** The text of the first such child with any (untrimmed). */
function firstText(el: XElement, ns: Namespaces, local: string): string | null {
  for (const c of children(el, ns, local)) {
    const t = textOf(c);
    if (t.trim() !== '') return t;
  }
  return null;
}

const hasContent = (el: XElement) => hasElementChildren(el) || textOf(el).trim() !== '';

function nonEmpty(value: string | null | undefined): string | null {
  return value != null && value.trim() !== '' ? value : null;
}

// ---------------------------------------------------------------------------------------------
// Text constructs
// ---------------------------------------------------------------------------------------------

/** What an Atom text construct (or Atom 0.3 content) declares it holds. */
function atomKind(el: XElement, type: XmlType): 'text' | 'html' | 'xhtml' | 'base64' {
  const t = (attr(el, 'type') ?? 'text').toLowerCase();
  if (type === 'atom' && attr(el, 'mode')?.toLowerCase() === 'base64') return 'base64';
  if (t === 'html' || t === 'text/html') return 'html';
  if (t === 'xhtml') return 'xhtml';
  if (t === 'application/xhtml+xml') return hasElementChildren(el) ? 'xhtml' : 'html';
  if (t === 'text' || t === 'text/plain' || t.startsWith('text/') || t.endsWith('+xml') || t.endsWith('/xml')) return 'text';
  // Atom 1.0: any other media type is base64 (RFC 4287 §4.1.3.3)
  return t.includes('/') ? 'base64' : 'text';
}

/** The media type a base64 body decodes to (Atom 0.3 gives it in type, with mode="base64"). */
function decodedKind(el: XElement): 'text' | 'html' {
  const t = (attr(el, 'type') ?? '').toLowerCase();
  return t === 'html' || t === 'text/html' || t === 'application/xhtml+xml' ? 'html' : 'text';
}

function decodeBase64(s: string): string {
  return Buffer.from(s.replace(/\s+/g, ''), 'base64').toString('utf8');
}

/** ASCII white space runs (spaces, tabs, line breaks) → one space, trimmed. No-break and ideographic spaces are kept. */
function oneLineTitle(s: string): string | null {
  return s.replace(/[ \t\n\r\f]+/g, ' ').replace(/^ | $/g, '') || null;
}

/** A title element as plain text (see the module comment). */
function titleOf(el: XElement | undefined, ctx: Ctx): string | null {
  if (!el) return null;
  if (hasElementChildren(el)) return oneLineTitle(textOf(el));
  const raw = textOf(el);
  if (raw.trim() === '') return null;
  let text: string;
  if (ctx.type === 'atom' && ctx.core.has(el.uri)) {
    const kind = atomKind(el, ctx.type);
    if (kind === 'html') text = htmlToText(raw);
    else if (kind === 'base64') text = decodedKind(el) === 'html' ? htmlToText(decodeBase64(raw)) : decodeBase64(raw);
    else text = raw;
  } else {
    text = looksLikeHtml(raw) ? htmlToText(raw) : raw;
  }
  return oneLineTitle(text);
}

/** A body element as HTML (see the module comment); null when empty. */
function bodyOf(el: XElement | undefined, ctx: Ctx, atomic: boolean): string | null {
  if (!el) return null;
  if (atomic && attr(el, 'src') !== null && textOf(el).trim() === '') return null; // out-of-line content
  const base = baseOf(el, ctx.base);
  if (hasElementChildren(el)) {
    const kind = atomic ? atomKind(el, ctx.type) : 'html';
    if (!atomic) ctx.inlineMarkup++;
    // RFC 4287 §3.1.1.3: the XHTML <div> wraps the content and is not part of it
    const only = el.children.filter((c) => typeof c !== 'string' || c.trim() !== '');
    const wrapper = kind === 'xhtml' && attr(el, 'type')?.toLowerCase() === 'xhtml' && only.length === 1 && typeof only[0] !== 'string' && isXhtmlDiv(only[0]!) ? only[0] : null;
    const html = wrapper ? serializeChildren(wrapper, baseOf(wrapper, ctx.base)) : serializeChildren(el, base);
    return nonEmpty(html.trim());
  }
  const raw = textOf(el).trim();
  if (raw === '') return null;
  if (!atomic) return resolveHtmlUrls(raw, base);
  const kind = atomKind(el, ctx.type);
  if (kind === 'html' || kind === 'xhtml') return resolveHtmlUrls(raw, base);
  if (kind === 'base64') {
    const decoded = decodeBase64(raw).trim();
    return nonEmpty(decodedKind(el) === 'html' ? resolveHtmlUrls(decoded, base) : textToHtml(decoded));
  }
  return nonEmpty(textToHtml(raw));
}

// ---------------------------------------------------------------------------------------------
// Links, people, categories, enclosures
// ---------------------------------------------------------------------------------------------

/**
 * An Atom link's resolved href: rel="alternate" (or no rel) preferring one typed as HTML, then an
 * untyped one, then any; or rel="self".
 */
function atomLink(el: XElement, ctx: Ctx, rel: 'alternate' | 'self' | 'canonical'): string | null {
  const links = childrenWhere(el, (uri) => ATOM.has(uri) || ctx.core.has(uri), 'link').filter((l) => attr(l, 'href') !== null && relOf(l) === rel);
  const html = links.find((l) => /^(text\/html|application\/xhtml\+xml)\s*(;|$)/i.test(attr(l, 'type') ?? ''));
  const untyped = links.find((l) => attr(l, 'type') === null);
  const chosen = html ?? untyped ?? links[0];
  return chosen ? resolveUrl(attr(chosen, 'href')!, baseOf(chosen, ctx.base)) : null;
}

/** An Atom link's relation: absent is "alternate"; the IANA registry's IRI form is its short name (RFC 4287 §4.2.7.2). */
function relOf(link: XElement): string {
  return (attr(link, 'rel') ?? 'alternate').replace(/^http:\/\/www\.iana\.org\/assignments\/relation\//i, '').toLowerCase();
}

/** Names (else emails, else URIs) of Atom person constructs. */
function atomPersons(persons: XElement[]): string[] {
  const out: string[] = [];
  for (const p of persons) {
    const name = ['name', 'email', 'uri', 'url'].map((k) => nonEmpty(childText(p, k))).find((v) => v !== null && v !== undefined);
    if (name) out.push(name.trim());
  }
  return out;
}

/** The text of the first child element with this local name, whatever its namespace. */
function childText(el: XElement, local: string): string | null {
  for (const c of el.children) if (typeof c !== 'string' && c.local === local) return textOf(c);
  return null;
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
function itemAuthor(item: XElement, ctx: Ctx, feedAuthors: string[]): string | null {
  let names: string[];
  if (ctx.type === 'atom') {
    names = atomPersons(children(item, ctx.core, 'author'));
    if (names.length === 0) names = feedAuthors;
  } else {
    const authors = texts(children(item, ctx.core, 'author')).map(contactName);
    const creators = texts(children(item, [NS.dc], 'creator')).map(contactName);
    names = authors.length && !(creators.length && authors.every((a) => BARE_ADDRESS.test(a))) ? authors : creators;
    if (names.length === 0) names = texts(childrenWhere(item, isItunes, 'author')).map(contactName);
  }
  const unique = [...new Set(names.filter((n) => n !== ''))];
  return unique.length ? unique.join(', ') : null;
}

function itemCategories(item: XElement, ctx: Ctx): string[] {
  const out: string[] = [];
  for (const node of children(item, ctx.core, 'category')) {
    out.push((ctx.type === 'atom' ? attr(node, 'term') : textOf(node)) ?? '');
  }
  // One dc:subject is one subject, spaces and all ("Health & wellbeing").
  out.push(...texts(children(item, [NS.dc], 'subject')), ...texts(childrenWhere(item, isMedia, 'category')));
  for (const node of childrenWhere(item, isItunes, 'category')) {
    const top = attr(node, 'text');
    const subs = childrenWhere(node, isItunes, 'category')
      .map((s) => attr(s, 'text'))
      .filter((s): s is string => s !== null);
    if (top) out.push(...(subs.length ? subs.map((s) => `${top}/${s}`) : [top]));
  }
  return [...new Set(out.map((c) => c.replace(/\s+/g, ' ').trim()).filter((c) => c !== ''))];
}

/** feedburner:origLink / pheedo:origLink: the publisher's own URL of an item a proxy rewrote. */
function origLink(item: XElement, ctx: Ctx): string | null {
  const t = nonEmpty(childText(item, 'origlink'))?.trim();
  return t ? resolveUrl(t, ctx.base) : null;
}

function itemLink(item: XElement, ctx: Ctx): string | null {
  if (ctx.type === 'atom') {
    // Not rel="self" (the entry's own Atom document) and not the atom:id, which Atom processors
    // "MUST NOT assume can be dereferenced" (RFC 4287 §4.2.6).
    return atomLink(item, ctx, 'alternate') ?? atomLink(item, ctx, 'canonical') ?? origLink(item, ctx);
  }
  // The first non-empty <link>
  for (const l of children(item, ctx.core, 'link')) {
    const t = textOf(l).trim();
    if (t !== '') return resolveUrl(t, baseOf(l, ctx.base));
  }
  // No <link>: a GUID is the item's permalink unless isPermaLink="false" (RSS 2.0, <guid>).
  const guid = children(item, ctx.core, 'guid')[0];
  const guidText = guid ? textOf(guid).trim() : '';
  if (guid && /^https?:\/\//i.test(guidText) && !/^false$/i.test(attr(guid, 'ispermalink') ?? '')) return guidText;
  return origLink(item, ctx);
}

/** An enclosure's byte length: a whole number; anything else is unknown. */
function lengthOf(value: string | null): number | null {
  const s = value?.trim() ?? '';
  return /^\d+$/.test(s) ? Number(s) : null;
}

function itemEnclosures(item: XElement, ctx: Ctx): Enclosure[] {
  const found: { el: XElement; url: string | null; type: string | null; length: string | null }[] = [];
  for (const c of item.children) {
    if (typeof c === 'string') continue;
    if (c.local === 'enclosure' && ctx.core.has(c.uri)) found.push({ el: c, url: attr(c, 'url'), type: attr(c, 'type'), length: attr(c, 'length') });
    else if (c.local === 'content' && isMedia(c.uri)) found.push({ el: c, url: attr(c, 'url'), type: attr(c, 'type'), length: attr(c, 'filesize') });
    else if (c.local === 'link' && (ATOM.has(c.uri) || (ctx.type === 'atom' && ctx.core.has(c.uri))) && relOf(c) === 'enclosure') {
      found.push({ el: c, url: attr(c, 'href'), type: attr(c, 'type'), length: attr(c, 'length') });
    }
  }
  // Media RSS content grouped in <media:group> (YouTube, slideshows)
  for (const group of childrenWhere(item, isMedia, 'group')) {
    for (const c of childrenWhere(group, isMedia, 'content')) found.push({ el: c, url: attr(c, 'url'), type: attr(c, 'type'), length: attr(c, 'filesize') });
  }
  const seen = new Set<string>();
  const out: Enclosure[] = [];
  for (const e of found) {
    if (!e.url) continue;
    const url = resolveUrl(e.url, baseOf(e.el, ctx.base));
    if (seen.has(url)) continue;
    seen.add(url);
    const mime = e.type ?? '';
    out.push({ url, type: mime.includes('/') ? mime : null, length: lengthOf(e.length) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------------------------

/** Where the published date is read from, first found first (each: namespaces, local name). */
function dateSources(ctx: Ctx): [Namespaces, string][] {
  const atom = ctx.type === 'atom' ? new Set([...ATOM, ...ctx.core]) : ATOM;
  return [
    [ctx.type === 'atom' ? [] : ctx.core, 'pubdate'],
    [[NS.dc], 'date'],
    [atom, 'published'],
    [atom, 'issued'],
    [atom, 'created'],
    [[NS.dcterms], 'issued'],
    [[NS.dcterms], 'created'],
    [atom, 'updated'],
    [atom, 'modified'],
    [[NS.dcterms], 'modified'],
  ];
}

function firstDate(item: XElement, sources: [Namespaces, string][]): string | null {
  for (const [ns, local] of sources) {
    const t = firstText(item, ns, local);
    if (t !== null) return t.trim();
  }
  return null;
}

function adaptItem(item: XElement, index: number, ctx: Ctx, feedAuthors: string[]): FeedItem {
  // An item without <title> (podcast feeds with only <itunes:title>, plain text) still has a name.
  const title =
    titleOf(children(item, ctx.core, 'title')[0], ctx) ??
    oneLineTitle(texts(childrenWhere(item, isItunes, 'title'))[0] ?? '') ??
    oneLineTitle(texts(children(item, [NS.dc], 'title'))[0] ?? '') ??
    '';
  const label = `item ${index + 1}${title ? ` "${title.slice(0, 40)}"` : ''}`;
  const sources = dateSources(ctx);
  const rawPublished = firstDate(item, sources);
  const published = parseDate(rawPublished);
  if (published.warning) ctx.warnings.push(`${label}: ${published.warning}`);
  const rawUpdated = firstDate(item, sources.slice(7));
  const updated = rawUpdated ? parseDate(rawUpdated) : { ms: null, warning: null };
  if (updated.warning && rawUpdated) ctx.warnings.push(`${label}: updated: ${updated.warning}`);

  let content: string | null;
  let summary: string | null;
  if (ctx.type === 'atom') {
    summary = bodyOf(children(item, ctx.core, 'summary')[0], ctx, true);
    content = bodyOf(children(item, ctx.core, 'content').find(hasContent), ctx, true) ?? summary;
  } else {
    // RSS 1.0 feeds with the Dublin Core module may describe items with dc:description only.
    const dcDescription = bodyOf(children(item, [NS.dc], 'description')[0], ctx, false);
    const description = bodyOf(children(item, ctx.core, 'description').find(hasContent), ctx, false);
    const encoded = bodyOf(children(item, [NS.content], 'encoded').find(hasContent), ctx, false);
    const itunesSummary = bodyOf(childrenWhere(item, isItunes, 'summary').find(hasContent), ctx, false);
    content = encoded ?? description ?? itunesSummary ?? dcDescription;
    summary = description ?? encoded ?? itunesSummary ?? dcDescription;
  }
  // Only what the item itself calls its id.
  const id = texts(children(item, ctx.core, ctx.type === 'atom' ? 'id' : 'guid'))[0] ?? null;
  return {
    id,
    title,
    link: itemLink(item, ctx),
    published: published.ms,
    updated: updated.ms,
    author: itemAuthor(item, ctx, feedAuthors),
    summary: summary !== content ? summary : null,
    content: content ?? summary,
    categories: itemCategories(item, ctx),
    enclosures: itemEnclosures(item, ctx),
  };
}
