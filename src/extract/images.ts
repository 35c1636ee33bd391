/**
 * Lazy-loading images, as pages ship them before JavaScript runs:
 *
 * - `<noscript><img …></noscript>`: when the element before the noscript is a placeholder image (or a
 *   lazy image, or an empty lazy-load wrapper), the noscript image takes its place; otherwise the
 *   noscript is unwrapped; a noscript without an image is removed.
 * - `<img>` whose src is missing or a placeholder (a small data: URI, blank/spacer/placeholder.gif …)
 *   takes its URL from data-src, data-original, data-lazy-src, data-lazy, data-url, data-hi-res-src,
 *   data-full-src, data-echo, data-actualsrc (and a rule's `lazy_image_attr:`), else from srcset /
 *   data-srcset (the largest candidate up to 1280 px wide).
 * - Any other element carrying a rule's lazy attribute (FT 中文网: `<figure data-url>`) and no image
 *   gets an `<img>` with that URL.
 * - `<picture>` becomes its `<img>` (the `<source>`s would keep pointing at the remote server).
 *
 * URLs are made absolute later (clean.ts); srcset is dropped there, once a src is chosen.
 */
import { queryAll, squash, unwrap, ELEMENT_NODE, TEXT_NODE } from './dom.ts';

const LAZY_ATTRS = [
  'data-src',
  'data-original',
  'data-lazy-src',
  'data-lazy',
  'data-url',
  'data-hi-res-src',
  'data-full-src',
  'data-echo',
  'data-actualsrc',
  'data-lazyload',
];
const LAZY_SRCSET_ATTRS = ['data-srcset', 'data-lazy-srcset', 'data-original-set'];
const PLACEHOLDER_FILE = /(^|[/_.-])(blank|spacer|placeholder|grey-placeholder|transparent|pixel|lazy|loading|loader|1x1)[^/]*\.(gif|png|svg|jpe?g|webp)(\?.*)?$/i;
const MAX_WIDTH = 1280;

/** Whether an img src is a stand-in for the real image. */
export function isPlaceholderSrc(src: string | null | undefined): boolean {
  const s = (src ?? '').trim();
  if (s === '' || s === '#' || s === 'about:blank') return true;
  if (/^data:/i.test(s)) return s.length < 2048 || /^data:image\/svg\+xml/i.test(s);
  return PLACEHOLDER_FILE.test(s);
}

export function fixImages(doc: Document, extraLazyAttrs: string[] = []): void {
  const lazyAttrs = [...extraLazyAttrs, ...LAZY_ATTRS];
  unwrapNoscripts(doc, lazyAttrs);
  for (const img of queryAll(doc, 'img')) fixLazyImage(img, lazyAttrs);
  for (const source of queryAll(doc, 'source')) {
    if (!source.getAttribute('srcset')) {
      const lazy = firstAttr(source, LAZY_SRCSET_ATTRS);
      if (lazy) source.setAttribute('srcset', lazy);
    }
  }
  flattenPictures(doc);
  for (const attr of extraLazyAttrs) {
    for (const el of queryAll(doc, `[${cssAttr(attr)}]`)) {
      if (el.localName === 'img' || el.querySelector('img')) continue;
      const url = el.getAttribute(attr)?.trim();
      if (!url || isPlaceholderSrc(url)) continue;
      const img = doc.createElement('img');
      img.setAttribute('src', url);
      const alt = el.getAttribute('alt') ?? el.getAttribute('title');
      if (alt) img.setAttribute('alt', alt);
      el.insertBefore(img, el.firstChild);
    }
  }
}

function cssAttr(name: string): string {
  return name.replace(/([^a-zA-Z0-9_-])/g, '\\$1');
}

function firstAttr(el: Element, names: string[]): string | null {
  for (const name of names) {
    const v = el.getAttribute(name)?.trim();
    if (v && !isPlaceholderSrc(v)) return v;
  }
  return null;
}

function isLazy(img: Element, lazyAttrs: string[]): boolean {
  return isPlaceholderSrc(img.getAttribute('src')) || firstAttr(img, lazyAttrs) !== null || firstAttr(img, LAZY_SRCSET_ATTRS) !== null;
}

function fixLazyImage(img: Element, lazyAttrs: string[]): void {
  if (!isPlaceholderSrc(img.getAttribute('src'))) return;
  const lazy = firstAttr(img, lazyAttrs);
  if (lazy) {
    img.setAttribute('src', lazy);
    return;
  }
  const srcset = firstAttr(img, ['srcset', ...LAZY_SRCSET_ATTRS]);
  const best = srcset ? bestFromSrcset(srcset) : null;
  if (best) img.setAttribute('src', best);
}

function unwrapNoscripts(doc: Document, lazyAttrs: string[]): void {
  for (const noscript of queryAll(doc, 'noscript')) {
    if (!noscript.parentNode) continue;
    let images = queryAll(noscript, 'img');
    if (images.length === 0 && /<img\b/i.test(noscript.textContent ?? '')) {
      // a parser that kept the noscript as raw text: parse it
      const holder = doc.createElement('div');
      holder.innerHTML = noscript.textContent ?? '';
      noscript.textContent = '';
      while (holder.firstChild) noscript.appendChild(holder.firstChild);
      images = queryAll(noscript, 'img');
    }
    if (images.length === 0) {
      noscript.parentNode.removeChild(noscript);
      continue;
    }
    const prev = previousElement(noscript);
    if (prev && prev.localName === 'img' && isLazy(prev, lazyAttrs)) {
      prev.parentNode!.removeChild(prev);
    } else if (prev && prev.localName === 'img' && sameImage(prev, images[0]!)) {
      noscript.parentNode.removeChild(noscript);
      continue;
    } else if (prev && isEmptyWrapper(prev)) {
      prev.parentNode!.removeChild(prev);
    }
    unwrap(noscript);
  }
}

/** The element before `node`, skipping whitespace-only text. */
function previousElement(node: Node): Element | null {
  for (let n = node.previousSibling; n; n = n.previousSibling) {
    if (n.nodeType === ELEMENT_NODE) return n as Element;
    if (n.nodeType === TEXT_NODE && squash(n.textContent) !== '') return null;
  }
  return null;
}

function sameImage(a: Element, b: Element): boolean {
  const x = a.getAttribute('src')?.trim();
  return !!x && x === b.getAttribute('src')?.trim();
}

/** A lazy-load placeholder box: no text, no real image (BBC: `<div class="lazyload-wrapper">`). */
function isEmptyWrapper(el: Element): boolean {
  if (squash(el.textContent) !== '') return false;
  if (!/lazy|placeholder/i.test(`${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`)) return false;
  return queryAll(el, 'img').every((img) => isPlaceholderSrc(img.getAttribute('src')));
}

/** `<picture>` → its `<img>`, with a src taken from the first `<source>` if the img has none. */
export function flattenPictures(root: ParentNode): void {
  for (const picture of queryAll(root, 'picture')) {
    if (!picture.parentNode) continue;
    const img = picture.querySelector('img');
    if (img && isPlaceholderSrc(img.getAttribute('src'))) {
      for (const source of queryAll(picture, 'source')) {
        const best = bestFromSrcset(source.getAttribute('srcset') ?? '');
        if (best) {
          img.setAttribute('src', best);
          break;
        }
      }
    }
    for (const source of queryAll(picture, 'source')) source.parentNode?.removeChild(source);
    unwrap(picture);
  }
}

interface Candidate {
  url: string;
  width: number | null;
  density: number | null;
}

/** Candidates of a srcset attribute (WHATWG's algorithm, simplified: URLs with commas are rare). */
export function parseSrcset(srcset: string): Candidate[] {
  const out: Candidate[] = [];
  const re = /\s*([^\s,][^\s]*?)(?:,(?=\s)|,$|\s+([^,]*?)\s*(?:,|$)|$)/g;
  let guard = 0;
  for (let m = re.exec(srcset); m && m[0] !== '' && guard < 200; m = re.exec(srcset), guard++) {
    const url = m[1]!.replace(/,+$/, '');
    if (!url) continue;
    const descriptor = (m[2] ?? '').trim();
    const w = /^(\d+)w$/i.exec(descriptor);
    const x = /^(\d*\.?\d+)x$/i.exec(descriptor);
    out.push({ url, width: w ? Number(w[1]) : null, density: x ? Number(x[1]) : null });
  }
  return out;
}

/** The candidate to keep: the widest up to 1280 px (else the narrowest above), the densest up to 2x, or the first. */
export function bestFromSrcset(srcset: string): string | null {
  const candidates = parseSrcset(srcset);
  if (candidates.length === 0) return null;
  const widths = candidates.filter((c) => c.width !== null);
  if (widths.length > 0) {
    const fitting = widths.filter((c) => c.width! <= MAX_WIDTH).sort((a, b) => b.width! - a.width!);
    if (fitting[0]) return fitting[0].url;
    return widths.sort((a, b) => a.width! - b.width!)[0]!.url;
  }
  const densities = candidates.filter((c) => c.density !== null && c.density <= 2).sort((a, b) => b.density! - a.density!);
  return densities[0]?.url ?? candidates[0]!.url;
}
