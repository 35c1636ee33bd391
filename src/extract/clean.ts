/**
 * Cleaning of the extracted article (never of feed content): what is stripped, what URLs become,
 * which attributes survive. See docs/extraction.md, "What is stripped".
 */
import { contains, elementsOf, queryAll, squash, unwrap, walk } from './dom.ts';
import { flattenPictures, isPlaceholderSrc } from './images.ts';
import type { SiteRule } from './types.ts';

/** Elements removed with everything inside them. */
const REMOVE = new Set([
  'script', 'style', 'noscript', 'template', 'frame', 'frameset', 'object', 'embed', 'applet', 'param',
  'link', 'meta', 'base', 'form', 'input', 'button', 'select', 'option', 'optgroup', 'textarea', 'datalist',
  'svg', 'canvas', 'dialog', 'nav', 'portal', 'slot', 'head', 'title',
]);

/** Attributes kept, per element ('*' for all elements). Everything else goes: on* handlers, style,
 *  class, id, data-*, srcset, srcdoc, formaction, … */
const KEEP_ATTRS: Record<string, string[]> = {
  '*': ['title', 'lang', 'dir'],
  a: ['href'],
  img: ['src', 'alt', 'width', 'height'],
  td: ['colspan', 'rowspan', 'headers'],
  th: ['colspan', 'rowspan', 'headers', 'scope'],
  ol: ['start', 'reversed', 'type'],
  li: ['value'],
  time: ['datetime'],
  blockquote: ['cite'],
  q: ['cite'],
  del: ['cite', 'datetime'],
  ins: ['cite', 'datetime'],
  video: ['src', 'poster', 'controls'],
  audio: ['src', 'controls'],
  source: ['src', 'type'],
};

/** Schemes a link may keep. */
const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'tel:', 'ftp:']);

/** Elements that count as content even without text. */
const MEDIA = 'img, video, audio, iframe, table, hr';

/** Elements removed when they end up with no text and no media. */
const DROP_WHEN_EMPTY = new Set([
  'p', 'div', 'span', 'section', 'article', 'figure', 'figcaption', 'header', 'footer', 'aside', 'blockquote',
  'b', 'strong', 'i', 'em', 'u', 'small', 'a', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'main', 'font', 'center',
]);

/**
 * Removes what a rule strips (`strip:`, `strip_id_or_class:`, `strip_image_src:`), except elements
 * that are or contain one of `keep` (the body: a too-broad strip must not take the article with it).
 */
export function applyStrips(doc: Document, rule: SiteRule, keep: Element[]): number {
  const selectors = [
    ...rule.strip,
    ...rule.stripIdOrClass.map((s) => `[id*="${cssString(s)}"], [class*="${cssString(s)}"]`),
    ...rule.stripImageSrc.map((s) => `img[src*="${cssString(s)}"]`),
  ];
  let removed = 0;
  for (const selector of selectors) {
    for (const el of queryAll(doc, selector)) {
      if (!el.parentNode || el === doc.documentElement || el === doc.body || el === doc.head) continue;
      if (keep.some((k) => contains(el, k))) continue;
      el.parentNode.removeChild(el);
      removed++;
    }
  }
  return removed;
}

function cssString(s: string): string {
  return s.replace(/["\\]/g, '\\$&').replace(/\n/g, '\\a ');
}

export interface FinishOptions {
  /** Base URL for relative links. */
  base: string;
  /** The article title, to drop a heading that repeats it at the top of the body. */
  title: string | null;
}

/**
 * Makes `root`'s content archive-ready: pictures flattened, dangerous and interactive elements removed,
 * iframes turned into links, URLs absolute (javascript:/data:/vbscript: gone), attributes whitelisted,
 * tracking pixels and empty boxes dropped, a leading heading equal to the title removed.
 */
export function finishContent(root: Element, opts: FinishOptions): void {
  const doc = root.ownerDocument;
  lowerCaseTags(root, doc);
  flattenPictures(root);
  for (const el of elementsOf(root)) {
    if (!el.parentNode || !contains(root, el)) continue;
    const name = el.localName;
    if (REMOVE.has(name)) {
      el.parentNode.removeChild(el);
      continue;
    }
    if (name === 'iframe') {
      replaceIframe(el, doc, opts.base);
      continue;
    }
    cleanAttributes(el, opts.base);
    if (name === 'img' && !keepImage(el)) {
      el.parentNode.removeChild(el);
    } else if (name === 'a' && !el.hasAttribute('href') && !el.querySelector(MEDIA)) {
      unwrap(el);
    }
  }
  removeComments(root);
  dropEmpty(root);
  dropLeadingTitle(root, opts.title);
}

/** HTML comments go too: commented-out markup, and IE conditional comments that old browsers run. */
function removeComments(root: Element): void {
  const comments: Node[] = [];
  walk(root, (node) => {
    if (node.nodeType === COMMENT_NODE) comments.push(node);
  });
  for (const c of comments) c.parentNode?.removeChild(c);
}

const COMMENT_NODE = 8;

/** Readability creates elements as "DIV", "P"; linkedom keeps that case, which would dodge every check below. */
function lowerCaseTags(root: Element, doc: Document): void {
  for (const el of elementsOf(root)) {
    const name = el.localName;
    if (name === name.toLowerCase() || !el.parentNode) continue;
    const copy = doc.createElement(name.toLowerCase());
    for (const attr of Array.from(el.attributes)) copy.setAttribute(attr.name, attr.value);
    while (el.firstChild) copy.appendChild(el.firstChild);
    el.parentNode.replaceChild(copy, el);
  }
}

function replaceIframe(el: Element, doc: Document, base: string): void {
  const url = absolute(el.getAttribute('src'), base);
  if (url && /^https?:/i.test(url)) {
    const p = doc.createElement('p');
    const a = doc.createElement('a');
    a.setAttribute('href', url);
    a.textContent = squash(el.getAttribute('title')) || url;
    p.appendChild(a);
    el.parentNode!.replaceChild(p, el);
  } else {
    el.parentNode!.removeChild(el);
  }
}

function cleanAttributes(el: Element, base: string): void {
  const keep = KEEP_ATTRS[el.localName] ?? [];
  for (const attr of Array.from(el.attributes)) {
    const name = attr.name.toLowerCase();
    if (!keep.includes(name) && !KEEP_ATTRS['*']!.includes(name)) {
      el.removeAttribute(attr.name);
      continue;
    }
    if (name === 'href') {
      const value = attr.value.trim();
      if (value.startsWith('#')) continue; // in-page anchor: stays relative
      const url = absolute(value, base);
      if (url && LINK_SCHEMES.has(new URL(url).protocol)) el.setAttribute('href', url);
      else el.removeAttribute('href');
    } else if (name === 'src' || name === 'poster' || name === 'cite') {
      const url = absolute(attr.value, base);
      const ok = url && (/^https?:/i.test(url) || (name === 'src' && /^data:image\/(png|jpe?g|gif|webp|avif);/i.test(url)));
      if (ok) el.setAttribute(attr.name, url);
      else el.removeAttribute(attr.name);
    }
  }
}

function absolute(value: string | null, base: string): string | null {
  const v = (value ?? '').trim();
  if (!v) return null;
  try {
    return new URL(v, base).href;
  } catch {
    return null;
  }
}

/** No src (or a placeholder left over), or a 1×1 / 0×0 tracking pixel: not an image worth keeping. */
function keepImage(img: Element): boolean {
  const src = img.getAttribute('src');
  if (!src || isPlaceholderSrc(src)) return false;
  const w = img.getAttribute('width');
  const h = img.getAttribute('height');
  if ((w === '1' || w === '0') && (h === '1' || h === '0')) return false;
  return true;
}

/** Removes boxes with no text and no media, innermost first (so a box of empty boxes goes too). */
function dropEmpty(root: Element): void {
  const all = elementsOf(root);
  for (let i = all.length - 1; i >= 0; i--) {
    const el = all[i]!;
    if (!DROP_WHEN_EMPTY.has(el.localName) || !el.parentNode) continue;
    if (el.localName === 'a' && el.hasAttribute('href') && squash(el.textContent) !== '') continue;
    if (squash(el.textContent) !== '') continue;
    if (el.querySelector(MEDIA)) continue;
    el.parentNode.removeChild(el);
  }
}

function normaliseForCompare(s: string): string {
  return s.replace(/[^\p{L}\p{N}]+/gu, '').toLowerCase();
}

function dropLeadingTitle(root: Element, title: string | null): void {
  if (!title) return;
  const wanted = normaliseForCompare(title);
  if (!wanted) return;
  for (const el of queryAll(root, 'h1, h2, h3, p, div')) {
    const text = squash(el.textContent);
    if (text === '') continue;
    if (/^h[1-3]$/.test(el.localName) && normaliseForCompare(text) === wanted) el.parentNode?.removeChild(el);
    if (/^h[1-3]$/.test(el.localName) || el.localName === 'p') return;
  }
}
