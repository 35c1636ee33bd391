/**
 * HTML inside feeds: markup carried as XML elements serialised back to HTML, URLs in HTML resolved
 * against the base, and the test for whether an RSS title's text is HTML at all.
 */
import { decodeHTMLStrict } from '../lazy.ts';
import { attr, childBase, resolveUrl, type XElement, XML_NS } from './tree.ts';

export const XHTML_NS = 'http://www.w3.org/1999/xhtml';

/** Attributes that hold URLs (feedparser's list, which the archive's bodies were made with). */
const URL_ATTRS = new Set(['href', 'src', 'uri', 'srcset', 'cite', 'longdesc', 'action', 'background', 'data', 'poster']);
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/** A URL attribute's value resolved against `base` (srcset: each candidate's URL). */
function resolveAttr(name: string, value: string, base: string | undefined): string {
  if (!base) return value;
  if (name === 'srcset') {
    return value
      .split(',')
      .map((candidate) => candidate.replace(/^(\s*)(\S+)/, (_, space: string, url: string) => space + resolveUrl(url, base)))
      .join(',');
  }
  return resolveUrl(value.trim(), base);
}

/**
 * The children of `el` as HTML: elements with their attributes (namespace declarations and xml:base
 * left out, URLs resolved against the base in force at each element), text escaped.
 */
export function serializeChildren(el: XElement, base: string | undefined): string {
  let out = '';
  for (const child of el.children) {
    if (typeof child === 'string') {
      out += escapeText(child);
      continue;
    }
    const b = childBase(child, base);
    const name = child.uri === '' || child.uri === XHTML_NS ? child.rawLocal : child.name;
    out += `<${name}`;
    for (const a of child.attrs) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:') || (a.uri === XML_NS && a.local === 'base')) continue;
      const value = a.uri === '' && URL_ATTRS.has(a.local) ? resolveAttr(a.local, a.value, b) : a.value;
      out += ` ${a.name}="${escapeAttr(value)}"`;
    }
    out += '>';
    // a void element has no end tag; what a feed put inside one (`x<br>y</p>`: never closed) follows it
    if (VOID.has(child.local)) out += serializeChildren(child, b);
    else out += `${serializeChildren(child, b)}</${name}>`;
  }
  return out;
}

// No `<` in names or unquoted values: a tag that never ends then fails at the next `<`, so the scan stays
// linear (with them, `<a <a <a …` cost quadratic time: 15 s for 100 KiB).
const TAG = /<[A-Za-z][^\s/<>]*(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s<>]+))?)*\s*\/?>/g;
const URL_ATTR_IN_TAG = /(\s)(href|src|uri|srcset|cite|longdesc|action|background|data|poster)(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s<>]+))/gi;
const MAY_HOLD_URL = /(?:href|src|uri|srcset|cite|longdesc|action|background|data|poster)\s*=/i;

/** The URLs in an HTML string's tags resolved against `base`. */
export function resolveHtmlUrls(html: string, base: string | undefined): string {
  if (!base || !MAY_HOLD_URL.test(html)) return html;
  return html.replace(TAG, (tag) =>
    tag.replace(URL_ATTR_IN_TAG, (_m, space: string, name: string, eq: string, dq?: string, sq?: string, bare?: string) => {
      const value = resolveAttr(name.toLowerCase(), dq ?? sq ?? bare ?? '', base);
      return dq !== undefined ? `${space}${name}${eq}"${value}"` : sq !== undefined ? `${space}${name}${eq}'${value}'` : `${space}${name}${eq}${value}`;
    }),
  );
}

/** HTML elements a title may hold and still be read as HTML (Python feedparser's acceptable elements). */
const HTML_ELEMENTS = new Set(
  (
    'a abbr acronym address area article aside audio b big blockquote br button canvas caption center cite code col colgroup ' +
    'command datalist dd del details dfn dialog dir div dl dt em fieldset figcaption figure footer font form header h1 h2 h3 ' +
    'h4 h5 h6 hr i img input ins kbd label legend li map mark menu meter nav noscript ol optgroup option output p pre progress q ' +
    's samp section select small source span strike strong sub summary sup table tbody td textarea tfoot th thead time tr tt u ul var video wbr'
  ).split(' '),
);

/**
 * Whether a text is meant as HTML (Python feedparser's test, for RSS titles, which RSS leaves open): it
 * holds an end tag or a character/entity reference, every tag names a known HTML element, and every
 * entity is an HTML entity. `History of the <blink> tag` is text; `1930ft<sup>2</sup>` and `&#163;300m` are HTML.
 */
export function looksLikeHtml(s: string): boolean {
  if (!/<\/[A-Za-z][\w-]*\s*>/.test(s) && !/&#?\w+;/.test(s)) return false;
  for (const m of s.matchAll(/<\/?([A-Za-z][\w-]*)/g)) if (!HTML_ELEMENTS.has(m[1]!.toLowerCase())) return false;
  for (const m of s.matchAll(/&(\w+);/g)) if (decodeHTMLStrict(m[0]) === m[0]) return false;
  return true;
}

/** The text of an HTML string: tags and comments dropped, character references decoded. */
export function htmlToText(html: string): string {
  // an unterminated comment runs to the end (else each `<!--` would scan to the end: quadratic)
  return decodeHTMLStrict(html.replace(/<!--[\s\S]*?(?:-->|$)|<\/?[A-Za-z][^<>]*>/g, ''));
}

/** Whether an element is the XHTML wrapper `<div>` of Atom type="xhtml" content. */
export function isXhtmlDiv(el: XElement): boolean {
  return el.local === 'div' && (el.uri === XHTML_NS || attr(el, 'xmlns') !== null || el.uri === '');
}
