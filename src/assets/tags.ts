/**
 * A minimal HTML tag scanner: finds start tags (and `</picture>` end tags) with their attributes and
 * exact positions, so that a few tags can be rewritten while every other byte of the HTML stays as it
 * was. It follows the HTML tokenizer where it matters here: comments, doctype/processing instructions,
 * raw-text elements (script, style, textarea, title, …) whose content is not markup, quoted and
 * unquoted attribute values, attributes without values, `/>`.
 */
import { decodeHTMLAttribute } from 'entities';

export interface ScannedAttr {
  /** Lower-cased name. */
  name: string;
  /** Decoded value; '' for an attribute written without a value. */
  value: string;
  /** The attribute as written (name, and `=value` if any). */
  raw: string;
}

export interface ScannedTag {
  /** Lower-cased tag name; `/picture` for an end tag. */
  name: string;
  /** Offsets of the whole tag in the HTML: html.slice(start, end) is `<img …>`. */
  start: number;
  end: number;
  attrs: ScannedAttr[];
  /** Written as `<… />`. */
  selfClosing: boolean;
}

const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

/** Start tags named in `names` (lower case) and the end tags named in `endNames`, in document order. */
export function scanTags(html: string, names: Set<string>, endNames: Set<string> = new Set()): ScannedTag[] {
  const out: ScannedTag[] = [];
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    i = lt;
    if (html.startsWith('<!--', i)) {
      const close = html.indexOf('-->', i + 4);
      i = close < 0 ? n : close + 3;
      continue;
    }
    const next = html.charCodeAt(i + 1);
    if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      const close = html.indexOf('>', i + 2);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (next === 0x2f /* / */) {
      const m = /^<\/([a-zA-Z][^\s/>]*)[^>]*>?/.exec(html.slice(i, i + 256));
      if (!m) {
        i += 2;
        continue;
      }
      const name = m[1]!.toLowerCase();
      const close = html.indexOf('>', i);
      const end = close < 0 ? n : close + 1;
      if (endNames.has(name)) out.push({ name: `/${name}`, start: i, end, attrs: [], selfClosing: false });
      i = end;
      continue;
    }
    if (!isAsciiLetter(next)) {
      i++;
      continue;
    }
    const tag = readStartTag(html, i);
    if (names.has(tag.name)) out.push(tag);
    i = tag.end;
    if (RAW_TEXT.has(tag.name) && !tag.selfClosing) {
      const closeRe = new RegExp(`</${tag.name}[\\s/>]`, 'ig');
      closeRe.lastIndex = i;
      const m = closeRe.exec(html);
      i = m ? m.index : n;
    }
  }
  return out;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
}

function readStartTag(html: string, start: number): ScannedTag {
  const n = html.length;
  let i = start + 1;
  while (i < n && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>') i++;
  const name = html.slice(start + 1, i).toLowerCase();
  const attrs: ScannedAttr[] = [];
  let selfClosing = false;
  while (i < n) {
    while (i < n && (isSpace(html[i]) || html[i] === '/')) {
      selfClosing = html[i] === '/';
      i++;
    }
    if (i >= n) break;
    if (html[i] === '>') {
      i++;
      return { name, start, end: i, attrs, selfClosing };
    }
    selfClosing = false;
    const attrStart = i;
    i++; // the first character may be anything, even '='
    while (i < n && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>' && html[i] !== '=') i++;
    const attrName = html.slice(attrStart, i).toLowerCase();
    let j = i;
    while (j < n && isSpace(html[j])) j++;
    let value = '';
    if (html[j] === '=') {
      j++;
      while (j < n && isSpace(html[j])) j++;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, j + 1);
        const endValue = close < 0 ? n : close;
        value = html.slice(j + 1, endValue);
        i = close < 0 ? n : close + 1;
      } else {
        let k = j;
        while (k < n && !isSpace(html[k]) && html[k] !== '>') k++;
        value = html.slice(j, k);
        i = k;
      }
    }
    attrs.push({ name: attrName, value: decodeHTMLAttribute(value), raw: html.slice(attrStart, i) });
  }
  return { name, start, end: n, attrs, selfClosing };
}
