/**
 * extractArticle: decoded HTML + its URL → the article as it would be archived. Pure: no I/O.
 *
 *   parse (linkedom, structure repaired) → flatten nesting deeper than 256 levels
 *   → page URL (a file's canonical URL stands in) and base (<base href>)
 *   → metadata (before anything is removed) → lazy/noscript images
 *   → site rule: strip, then body selectors (prune: yes runs Readability over the body as well)
 *   → otherwise the generic extractor: Mozilla Readability (with the rule's strips applied, if any),
 *     and for pages too big for it (over 40,000 elements) the container with the most paragraph text
 *   → clean (clean.ts) → contentHtml, text; no text and no image → ExtractError 'no-content'.
 */
import { Readability } from '@mozilla/readability';
import { applyStrips, finishContent } from './clean.ts';
import { limitDepth, parseDocument, queryAll, squash } from './dom.ts';
import { ExtractError } from './errors.ts';
import { fixImages } from './images.ts';
import { absoluteHttp, canonicalUrl, cleanByline, readMetadata } from './metadata.ts';
import { builtinRules, ruleFor } from './rules.ts';
import { textOf } from './text.ts';
import type { ExtractOptions, ExtractedArticle, SiteRule } from './types.ts';

/** Pages longer than this (in UTF-16 code units of decoded HTML) are refused. */
export const MAX_HTML_CHARS = 16 * 1024 * 1024;
/** Elements nested deeper are flattened to text (see dom.ts limitDepth). */
export const MAX_DEPTH = 256;
/** Readability gives up on pages with more elements than this; a cheaper heuristic takes over. */
export const MAX_READABILITY_ELEMENTS = 40_000;
/**
 * Readability retries with looser settings (re-parsing the whole page each time) while the article has
 * fewer characters than this. Its default, 500, is tuned for alphabetic text; 500 Chinese characters
 * are a long article already, so short Chinese news cost four passes for nothing.
 */
export const READABILITY_CHAR_THRESHOLD = 250;

export function extractArticle(html: string, url: string, opts: ExtractOptions = {}): ExtractedArticle {
  if (html.length > MAX_HTML_CHARS) {
    throw new ExtractError('too-large', `page too large to extract (${html.length} characters, limit ${MAX_HTML_CHARS})`, url);
  }
  const warnings: string[] = [];
  const doc = parseDocument(html);
  const flattened = limitDepth(doc.documentElement, MAX_DEPTH);
  if (flattened > 0) warnings.push(`markup nested more than ${MAX_DEPTH} levels deep was flattened to text (${flattened} element(s))`);

  const pageUrl = pageUrlOf(url, doc);
  const base = baseOf(doc, pageUrl);
  const rule = ruleFor(pageUrl, opts.rules ?? builtinRules());
  const meta = readMetadata(doc, rule, base);
  fixImages(doc, rule?.lazyImageAttrs ?? []);

  let root: Element | null = null;
  let ruleName = 'generic';
  let genericByline: string | null = null;
  if (rule) {
    const body = selectBody(doc, rule);
    applyStrips(doc, rule, body);
    const kept = body.filter((el) => el.parentNode && hasContent(el));
    if (kept.length > 0) {
      root = doc.createElement('div');
      for (const el of kept) root.appendChild(el);
      ruleName = rule.name;
      if (rule.prune) {
        const pruned = runReadability(doc, root, warnings);
        if (pruned) root = pruned.content;
      }
    } else {
      warnings.push(`rule ${rule.name}: no body selector matched; used the generic extractor`);
    }
  }
  if (!root) {
    const generic = runReadability(doc, null, warnings);
    root = generic?.content ?? densestContainer(doc);
    genericByline = generic?.byline ?? null;
  }

  finishContent(root, { base, title: meta.title });
  const contentHtml = root.innerHTML.trim();
  const text = textOf(root);
  if (text === '' && !root.querySelector('img')) {
    throw new ExtractError('no-content', 'no article text found in the page', pageUrl);
  }
  const firstImage = root.querySelector('img[src]')?.getAttribute('src');
  return {
    title: meta.title,
    byline: meta.byline ?? cleanByline(genericByline),
    published: meta.published,
    lang: meta.lang,
    contentHtml,
    text,
    leadImage: meta.image ?? absoluteHttp(firstImage, base),
    rule: ruleName,
    url: pageUrl,
    warnings,
  };
}

/** An http(s) URL as given; for anything else (a local file) the page's canonical URL, if it has one. */
function pageUrlOf(url: string, doc: Document): string {
  if (/^https?:\/\//i.test(url)) return url;
  return canonicalUrl(doc) ?? url;
}

function baseOf(doc: Document, pageUrl: string): string {
  const href = doc.querySelector('base[href]')?.getAttribute('href');
  if (href) {
    try {
      const u = new URL(href, pageUrl);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
    } catch {
      // ignore a broken <base>
    }
  }
  return pageUrl;
}

/** The matches of the first body selector that matches something with content, outermost only, in page order. */
function selectBody(doc: Document, rule: SiteRule): Element[] {
  for (const selector of rule.body) {
    const matches = queryAll(doc, selector);
    const set = new Set<Node>(matches);
    const outer = matches.filter((el) => !hasAncestorIn(el, set));
    if (outer.some(hasContent)) return outer;
  }
  return [];
}

function hasAncestorIn(el: Element, set: Set<Node>): boolean {
  for (let n = el.parentNode; n; n = n.parentNode) if (set.has(n)) return true;
  return false;
}

function hasContent(el: Element): boolean {
  return squash(el.textContent) !== '' || el.querySelector('img') !== null;
}

interface ReadabilityResult {
  content: Element;
  byline: string | null;
}

/**
 * Mozilla Readability over the whole document (`scope` null) or over one element (prune: yes). Null when
 * it finds nothing, refuses a page with too many elements, or fails.
 */
function runReadability(doc: Document, scope: Element | null, warnings: string[]): ReadabilityResult | null {
  let target = doc;
  if (scope) {
    // a fresh document holding just the selected body
    target = parseDocument(`<!DOCTYPE html><html><head></head><body>${scope.outerHTML}</body></html>`);
  }
  // Readability's own maxElemsToParse counts getElementsByTagName('*'), which linkedom answers with 0
  const elements = target.querySelectorAll('*').length;
  if (elements > MAX_READABILITY_ELEMENTS) {
    warnings.push(`page has ${elements} elements, more than ${MAX_READABILITY_ELEMENTS}; used the densest text block instead of Readability`);
    return null;
  }
  try {
    const reader = new Readability<Element>(target, {
      disableJSONLD: true,
      charThreshold: READABILITY_CHAR_THRESHOLD,
      serializer: (node: Node) => node as Element,
    });
    shortCircuitBylineCheck(reader);
    const result = reader.parse();
    if (!result?.content) return null;
    return { content: result.content, byline: result.byline ?? null };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    warnings.push(`the generic extractor failed (${message.split('\n')[0]}); used the densest text block`);
    return null;
  }
}

/**
 * Readability 0.6 tests every node for a byline by computing its textContent *before* looking at its
 * rel/itemprop/class. linkedom computes textContent by walking the subtree, so on a page of a few
 * thousand elements that one check costs more than the rest of the extraction. Same test, cheap part first.
 */
function shortCircuitBylineCheck(reader: object): void {
  const r = reader as { _isValidByline?: unknown; REGEXPS?: { byline?: RegExp } };
  const byline = r.REGEXPS?.byline;
  if (typeof r._isValidByline !== 'function' || !(byline instanceof RegExp)) return;
  r._isValidByline = (node: Element, matchString: string): boolean => {
    const itemprop = node.getAttribute('itemprop');
    if (!(node.getAttribute('rel') === 'author' || (itemprop && itemprop.includes('author')) || byline.test(matchString))) return false;
    const length = (node.textContent ?? '').trim().length;
    return length > 0 && length < 100;
  };
}

/**
 * The fallback when Readability cannot run: the element whose direct <p> children hold the most text
 * (else <body>), with scripts, styles, navigation, headers, footers and forms removed. O(elements).
 */
function densestContainer(doc: Document): Element {
  for (const el of queryAll(doc.body, 'script, style, noscript, nav, header, footer, aside, form, template')) el.parentNode?.removeChild(el);
  const score = new Map<Element, number>();
  for (const p of queryAll(doc.body, 'p')) {
    const parent = p.parentElement;
    if (!parent) continue;
    score.set(parent, (score.get(parent) ?? 0) + squash(p.textContent).length);
  }
  let best: Element = doc.body;
  let bestScore = 0;
  for (const [el, s] of score) {
    if (s > bestScore) {
      best = el;
      bestScore = s;
    }
  }
  const root = doc.createElement('div');
  root.appendChild(best === doc.body ? moveChildren(doc, doc.body) : best);
  return root;
}

function moveChildren(doc: Document, from: Element): Element {
  const holder = doc.createElement('div');
  while (from.firstChild) holder.appendChild(from.firstChild);
  return holder;
}
