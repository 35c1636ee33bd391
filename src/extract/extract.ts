/**
 * extractArticle: decoded HTML + its URL → the article as it would be archived. Pure: no I/O.
 *
 *   parse (linkedom, structure repaired) → flatten nesting deeper than 256 levels
 *   → page URL (a file's canonical URL stands in) and base (<base href>)
 *   → metadata (before anything is removed) → lazy/noscript images
 *   → site rule: strip, then body selectors (prune: yes runs Readability over the body as well)
 *   → otherwise the generic extractor: Mozilla Readability (with the rule's strips applied, if any),
 *     and for pages too big for it (over 40,000 elements) the container with the most paragraph text;
 *     when Readability's choice reads like boilerplate (a disclaimer, a paywall notice) or is much shorter
 *     than the page's main paragraph block, that block instead (betterCandidate)
 *   → clean (clean.ts) → contentHtml, text
 *   → too little text left (a rule's body that cleaning emptied): the generic extractor; still too little:
 *     Readability with its default settings; no text and no image at all → ExtractError 'no-content'.
 */
import { createRequire } from 'node:module';
import type { Readability as ReadabilityClass } from '@mozilla/readability';
import { applyStrips, finishContent } from './clean.ts';
import { limitDepth, parseDocument, queryAll, squash } from './dom.ts';
import { ExtractError } from './errors.ts';
import { fixImages } from './images.ts';
import { absoluteHttp, canonicalUrl, cleanByline, readMetadata } from './metadata.ts';
import { builtinRules, ruleFor } from './rules.ts';
import { textOf } from './text.ts';
import type { ExtractOptions, ExtractedArticle, SiteRule } from './types.ts';

const requireCjs = createRequire(import.meta.url);
let readability: typeof ReadabilityClass | undefined;
/** Mozilla Readability, loaded the first time a page is extracted (as linkedom, see dom.ts). */
function loadReadability(): typeof ReadabilityClass {
  return (readability ??= (requireCjs('@mozilla/readability') as { Readability: typeof ReadabilityClass }).Readability);
}

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

/**
 * A cleaned article with no text and no image, or with less text than this where cleaning removed at least
 * three quarters of what was selected (a form's controls, a box of player placeholders), counts as empty: the
 * next extractor is tried. A short article that was short before cleaning is kept as it is.
 */
export const MIN_ARTICLE_CHARS = 40;

export function extractArticle(html: string, url: string, opts: ExtractOptions = {}): ExtractedArticle {
  if (html.length > MAX_HTML_CHARS) {
    throw new ExtractError('too-large', `page too large to extract (${html.length} characters, limit ${MAX_HTML_CHARS})`, url);
  }
  const first = extractOnce(html, url, opts, 'rule');
  if (!isTiny(first)) return first.article;
  const warnings = [...first.article.warnings];
  let best = first;
  if (first.article.rule !== 'generic') {
    // the rule's body came out empty once cleaned: the generic extractor, the rule's strips still applied
    const generic = extractOnce(html, url, opts, 'generic');
    warnings.push(`rule ${first.article.rule}: too little text left after cleaning; used the generic extractor`);
    best = generic;
  }
  if (isTiny(best)) {
    // Readability's own result, with its default settings, on a fresh copy of the page
    const plain = extractOnce(html, url, opts, 'readability-defaults');
    if (plain.article.text.length > best.article.text.length) {
      warnings.push('the cleaned article was empty or tiny; used Readability with its default settings');
      best = plain;
    }
  }
  const article = best.article;
  if (article.text === '' && !/<img\b/i.test(article.contentHtml)) {
    throw new ExtractError('no-content', 'no article text found in the page', article.url);
  }
  return { ...article, warnings: [...new Set([...warnings, ...article.warnings])] };
}

interface Attempt {
  article: ExtractedArticle;
  /** Characters of text (white space not counted) selected, before cleaning. */
  selectedChars: number;
}

function isTiny({ article, selectedChars }: Attempt): boolean {
  if (/<img\b/i.test(article.contentHtml)) return false;
  const chars = article.text.replace(/\s/g, '').length;
  return chars === 0 || (chars < MIN_ARTICLE_CHARS && selectedChars >= 4 * chars);
}

type Mode = 'rule' | 'generic' | 'readability-defaults';

function extractOnce(html: string, url: string, opts: ExtractOptions, mode: Mode): Attempt {
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
  if (rule && mode === 'rule') {
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
  } else if (rule && mode === 'generic') {
    applyStrips(doc, rule, []);
  }
  if (!root) {
    const candidates = mode === 'readability-defaults' ? [] : mainTextCandidates(doc, MAX_READABILITY_ELEMENTS);
    const generic = runReadability(doc, null, warnings, mode === 'readability-defaults');
    root = generic?.content ?? densestContainer(doc);
    genericByline = generic?.byline ?? null;
    if (generic) {
      const better = betterCandidate(generic.content, candidates);
      if (better) {
        const pruned = runReadability(better.doc, better.element, warnings);
        const prunedLength = pruned ? squash(pruned.content.textContent).length : 0;
        root = pruned && prunedLength * 2 >= better.length ? pruned.content : wrap(better.doc, better.element);
        warnings.push(`the generic extractor chose ${better.why}; used the page's main text block instead`);
      }
    }
  }

  const selectedChars = (root.textContent ?? '').replace(/\s/g, '').length;
  finishContent(root, { base, title: meta.title });
  const contentHtml = root.innerHTML.trim();
  const text = textOf(root);
  const firstImage = root.querySelector('img[src]')?.getAttribute('src');
  const article = {
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
  return { article, selectedChars };
}

function wrap(doc: Document, el: Element): Element {
  const root = doc.createElement('div');
  root.appendChild(el);
  return root;
}

// ---------------------------------------------------------------------------------------------
// choosing the article: more than length

/** Words of site furniture: legal notices, subscription and login prompts, cookie banners. */
const BOILERPLATE_WORDS =
  /版权所有|版權所有|不得转载|不得轉載|免责|免責|投资意见|投資意見|概不负责|概不負責|copyright|all rights reserved|订阅|訂閱|subscribe|cookie|隐私|隱私|privacy|登录|登入|log in|sign in|会员|會員|服务条款|服務條款|terms of (use|service)|disclaimer/gi;

/** Ids and classes of boxes that are not the article. */
const BOILERPLATE_BOX = /footer|copyright|disclaimer|legal|paywall|subscribe|promo|newsletter|comment|sidebar|related|cookie|consent|notice|share|breadcrumb|masthead/i;

function looksLikeBoilerplate(text: string): boolean {
  if (text.length > 2000) return false;
  const found = new Set((text.match(BOILERPLATE_WORDS) ?? []).map((w) => w.toLowerCase()));
  return found.size >= 2;
}

function inBoilerplateBox(el: Element): boolean {
  for (let n: Element | null = el; n && n.localName !== 'body' && n.localName !== 'html'; n = n.parentElement) {
    if (n.localName === 'footer' || n.localName === 'aside' || n.localName === 'nav') return true;
    if (BOILERPLATE_BOX.test(`${n.getAttribute('id') ?? ''} ${n.getAttribute('class') ?? ''}`)) return true;
  }
  return false;
}

interface Candidate {
  /** The block's markup, copied before Readability changes the page (only for the first non-boilerplate block). */
  html: string;
  /** Characters of paragraph text outside links. */
  length: number;
  /** The start of its first paragraph, to tell whether Readability's pick holds it. */
  opening: string;
  boilerplate: boolean;
}

/**
 * The blocks holding the most paragraph text outside links (at most five), read before Readability runs,
 * each marked as boilerplate when it sits in a footer, aside, nav or a box named like one, or reads like a
 * legal notice or a subscription prompt. O(elements).
 */
function mainTextCandidates(doc: Document, maxElements: number): Candidate[] {
  // pages too big for Readability go to the densest block anyway; nothing to compare against
  if (!doc.body || doc.body.querySelectorAll('*').length > maxElements) return [];
  const score = new Map<Element, number>();
  const openings = new Map<Element, string>();
  for (const p of queryAll(doc.body, 'p, pre, blockquote')) {
    const parent = p.parentElement;
    if (!parent) continue;
    const linkText = queryAll(p, 'a').reduce((n, a) => n + squash(a.textContent).length, 0);
    const length = squash(p.textContent).length - linkText;
    if (length < 8) continue;
    score.set(parent, (score.get(parent) ?? 0) + length);
    if (!openings.has(parent)) openings.set(parent, squash(p.textContent).slice(0, 40));
  }
  // the five blocks with the most text; only the first that is not boilerplate is copied (the only one used)
  const candidates: Candidate[] = [];
  let copied = false;
  for (const [el, length] of [...score].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
    const boilerplate = inBoilerplateBox(el) || (length < 2000 && looksLikeBoilerplate(squash(el.textContent)));
    candidates.push({ html: !boilerplate && !copied ? el.outerHTML : '', length, opening: openings.get(el) ?? '', boilerplate });
    if (!boilerplate) copied = true;
  }
  return candidates;
}

/**
 * When Readability's choice reads like boilerplate (a disclaimer, a paywall notice) or is much shorter than the
 * page's main text block, that block, parsed into a document of its own; else null.
 */
function betterCandidate(chosen: Element, candidates: Candidate[]): { doc: Document; element: Element; length: number; why: string } | null {
  const best = candidates.find((c) => !c.boilerplate);
  if (!best) return null;
  const chosenText = squash(chosen.textContent);
  // Readability's pick already holds the main block: keep it (it may hold more of the article)
  if (best.opening && chosenText.includes(best.opening)) return null;
  let why: string | null = null;
  if (looksLikeBoilerplate(chosenText) && best.length >= 80) why = 'a block that reads like a notice or a prompt';
  else if (best.length >= 2 * chosenText.length + 100) why = `a block much shorter (${chosenText.length} characters) than the page's main text (${best.length})`;
  if (!why) return null;
  const doc = parseDocument(`<!DOCTYPE html><html><head></head><body>${best.html}</body></html>`);
  const element = doc.body.firstElementChild;
  return element ? { doc, element, length: best.length, why } : null;
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
function runReadability(doc: Document, scope: Element | null, warnings: string[], defaults = false): ReadabilityResult | null {
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
    const reader = new (loadReadability())<Element>(target, {
      disableJSONLD: true,
      ...(defaults ? {} : { charThreshold: READABILITY_CHAR_THRESHOLD }),
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
 * (else <body>), with scripts, styles, navigation, headers and footers removed. O(elements).
 */
function densestContainer(doc: Document): Element {
  for (const el of queryAll(doc.body, 'script, style, noscript, nav, header, footer, aside, template')) el.parentNode?.removeChild(el);
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
