/**
 * A feed document as a small element tree, read with sax in strict, namespace-aware mode and recovered
 * the way a forgiving reader would. The format adapters (./index.ts) read this tree; nothing here knows
 * about RSS or Atom.
 *
 * Recovery (each one counted, so that the adapter can warn):
 *   - a bare `&` that starts no character or entity reference is a literal `&` (`Q&A`, `AT&T`,
 *     `?a=1&b=2&c`). sax would swallow the `<` of a closing tag that follows one (`Q&A</title>`),
 *     so such ampersands are escaped before sax reads the text (outside CDATA sections and comments);
 *   - a closing tag that matches no open element (`en-us</langauge>`) is dropped: it closes the
 *     current element when that element holds text only, and is never kept as text;
 *   - an element left open closes with its parent (sax's own rule), and a document cut short keeps
 *     what was read, with `truncated` set.
 * The open elements are bounded by MAX_NESTING_DEPTH (../limits.ts): deeper is refused as sax reaches it.
 */
import sax from 'sax';
import { MAX_NESTING_DEPTH, NestingTooDeepError } from '../limits.ts';

export interface XAttr {
  /** As written, e.g. `xml:base`, `isPermaLink`. */
  name: string;
  /** Local name, lower-cased (XML is case-sensitive; real feeds are not). */
  local: string;
  uri: string;
  value: string;
}

export interface XElement {
  /** As written, e.g. `media:content`, `pubDate`. */
  name: string;
  /** Local name as written. */
  rawLocal: string;
  /** Local name, lower-cased. */
  local: string;
  /** Namespace URI, '' when none. */
  uri: string;
  attrs: XAttr[];
  children: XNode[];
  parent: XElement | null;
}

/** Text (CDATA included, adjacent pieces merged) or an element. */
export type XNode = XElement | string;

export interface XmlDocument {
  root: XElement | null;
  /** sax's complaints, first line each, with the line they were found at. */
  errors: string[];
  /** Bare `&` characters read as literal `&`. */
  bareAmpersands: number;
  /** Closing tags that matched no open element, dropped. */
  strayCloseTags: number;
  /** The root element was never closed. */
  truncated: boolean;
}

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const BARE_AMPERSAND = /<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<!--[\s\S]*?(?:-->|$)|&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][\w.-]{0,40};)/g;

/** `text` with every bare `&` (outside CDATA sections and comments) written `&amp;`, and how many there were. */
export function escapeBareAmpersands(text: string): { text: string; count: number } {
  let count = 0;
  const out = text.replace(BARE_AMPERSAND, (m) => {
    if (m !== '&') return m;
    count++;
    return '&amp;';
  });
  return { text: count === 0 ? text : out, count };
}

/** Parses `text` into a tree. Throws NestingTooDeepError past MAX_NESTING_DEPTH; never throws for malformed XML. */
export function parseXmlTree(input: string): XmlDocument {
  const { text, count: bareAmpersands } = input.includes('&') ? escapeBareAmpersands(input) : { text: input, count: 0 };
  // strict: sax then reports what it recovers from (a mismatched closing tag above all); each report is
  // cleared so that it reads on. unquotedAttributeValues is sax's own forgiving reading of `a=b`.
  const parser = sax.parser(true, { xmlns: true, position: true, trim: false, normalize: false, unquotedAttributeValues: true } as sax.SAXOptions);
  const doc: XmlDocument = { root: null, errors: [], bareAmpersands, strayCloseTags: 0, truncated: false };
  /** The open elements, as sax sees them. */
  const stack: XElement[] = [];
  /** Elements closed early by a stray closing tag: sax still thinks them open. */
  const closedEarly = new Set<XElement>();
  let strayText: string | null = null;
  // sax builds names and attribute values a character at a time, as chains of string pieces (some 50 bytes
  // a character) that V8 keeps until something reads them whole: names (few, repeated) are pooled, values
  // flattened, or the tree of a 1.5 MiB feed (giantbomb-podcast.rss) costs 17 MiB of heap instead of 6.
  const pool = new Map<string, string>();
  const intern = (name: string): string => {
    const known = pool.get(name);
    if (known !== undefined) return known;
    pool.set(name, name);
    return name;
  };
  let rootClosed = false;

  /** sax reports some problems once per character (text outside the root): one line per kind of problem. */
  const seen = new Map<string, number>();
  const noteError = (message: string, line: number) => {
    const index = seen.get(message);
    if (index === undefined) {
      seen.set(message, doc.errors.length);
      doc.errors.push(`${message} (line ${line})`);
    } else {
      const m = /^(.*) \(line (\d+)(?:, (\d+) times)?\)$/.exec(doc.errors[index]!);
      if (m) doc.errors[index] = `${m[1]} (line ${m[2]}, ${Number(m[3] ?? 1) + 1} times)`;
    }
  };
  const current = (): XElement | undefined => {
    for (let i = stack.length - 1; i >= 0; i--) if (!closedEarly.has(stack[i]!)) return stack[i];
    return undefined;
  };
  const addText = (t: string) => {
    const el = current();
    if (!el || t === '') return;
    const last = el.children.length - 1;
    const prev = el.children[last];
    if (typeof prev === 'string') el.children[last] = prev + t;
    else el.children.push(t);
  };

  parser.onerror = (err: Error) => {
    const message = err.message.split('\n')[0] ?? 'error';
    const stray = /^Unmatched closing tag: (.*)$/.exec(message);
    if (stray) {
      // sax goes on to add `</name>` to the text that follows: drop it there (see ontext)
      strayText = `</${stray[1]}>`;
      doc.strayCloseTags++;
      const el = current();
      // `<language>en-us</langauge>`: the stray tag closes the element it was meant for
      if (el && stack.length > 1 && el.children.every((c) => typeof c === 'string')) closedEarly.add(el);
    }
    if (!/^(Unclosed root tag|Unexpected end)$/.test(message)) noteError(message, parser.line + 1);
    (parser as unknown as { error: Error | null }).error = null;
  };
  parser.ondoctype = (doctype: string) => {
    // Entities the document declares itself (`<!DOCTYPE rss [<!ENTITY rsquo "&#8217;">]>`), which sax does
    // not read: short values only, with character references decoded, never expanded further (no
    // amplification beyond one short value per reference).
    const entities = parser.ENTITIES;
    let n = 0;
    for (const m of doctype.matchAll(/<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(["'])((?:&#[0-9]+;|&#x[0-9a-fA-F]+;|[^"'%&<])*)\2\s*>/g)) {
      if (++n > 100 || m[3]!.length > 256) break;
      entities[m[1]!] = m[3]!.replace(/&#([0-9]+);|&#x([0-9a-fA-F]+);/g, (ref, dec?: string, hex?: string) => {
        const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
        return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : ref;
      });
    }
  };
  parser.ontext = (t: string) => {
    if (strayText !== null) {
      if (t.startsWith(strayText)) t = t.slice(strayText.length);
      strayText = null;
    }
    addText(t);
  };
  parser.oncdata = (t: string) => addText(t);
  parser.onopentag = (tag) => {
    strayText = null;
    if (stack.length >= MAX_NESTING_DEPTH) throw new NestingTooDeepError('elements', parser.line + 1);
    const q = tag as sax.QualifiedTag;
    const attrs: XAttr[] = [];
    for (const a of Object.values(q.attributes)) attrs.push({ name: intern(a.name), local: intern(a.local.toLowerCase()), uri: intern(a.uri ?? ''), value: flat(a.value) });
    const parent = current() ?? null;
    const el: XElement = { name: intern(q.name), rawLocal: intern(q.local), local: intern(q.local.toLowerCase()), uri: intern(q.uri ?? ''), attrs, children: [], parent };
    if (parent) parent.children.push(el);
    else if (!doc.root && !rootClosed) doc.root = el;
    stack.push(el);
  };
  parser.onclosetag = () => {
    strayText = null;
    const el = stack.pop();
    if (el) closedEarly.delete(el);
    if (stack.length === 0 && el === doc.root) rootClosed = true;
  };

  parser.write(text).close();
  doc.truncated = doc.root !== null && !rootClosed;
  return doc;
}

/** `s`, flattened by V8 (reading a character does it): see the pool in parseXmlTree. */
function flat(s: string): string {
  if (s.length > 1) void s.charCodeAt(0);
  return s;
}

/** The value of the attribute with this local name (lower-case) and namespace ('' = none), trimmed; null when absent or empty. */
export function attr(el: XElement | undefined, local: string, uri = ''): string | null {
  if (!el) return null;
  for (const a of el.attrs) {
    if (a.local === local && a.uri === uri) {
      const v = a.value.trim();
      return v === '' ? null : v;
    }
  }
  return null;
}

/** All the text inside the element, its descendants' included (markup dropped). */
export function textOf(el: XElement): string {
  let out = '';
  for (const c of el.children) out += typeof c === 'string' ? c : textOf(c);
  return out;
}

export function hasElementChildren(el: XElement): boolean {
  return el.children.some((c) => typeof c !== 'string');
}

/** The element's effective base URL: xml:base attributes from the root down, resolved against `documentBase`. */
export function baseOf(el: XElement | null, documentBase: string | undefined): string | undefined {
  const chain: string[] = [];
  for (let e = el; e; e = e.parent) {
    const b = attr(e, 'base', XML_NS);
    if (b !== null && !b.startsWith('#')) chain.push(b);
  }
  let base = documentBase;
  for (let i = chain.length - 1; i >= 0; i--) base = resolveUrl(chain[i]!, base);
  return base;
}

/** xml:base applied to a base: a same-document reference (`#…`) changes nothing (RFC 3986 §4.4). */
export function childBase(el: XElement, base: string | undefined): string | undefined {
  const b = attr(el, 'base', XML_NS);
  return b === null || b.startsWith('#') ? base : resolveUrl(b, base);
}

/** `url` against `base`, WHATWG-serialised; as given when there is no base or it does not parse. */
export function resolveUrl(url: string, base: string | undefined): string {
  if (!base) return url;
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}
