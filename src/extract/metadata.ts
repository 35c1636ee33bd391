/**
 * Page metadata: title, byline, publication date, language, lead image, canonical URL.
 *
 * Sources, first that gives a usable value wins:
 *   title      rule `title:` → JSON-LD headline → og:title / twitter:title → <h1> → <title>
 *              (og:title and <title> lose a trailing " - Site name" part)
 *   byline     rule `author:` → JSON-LD author (people) → meta author/byline/article:author (not URLs)
 *              → JSON-LD author (organisations); the generic extractor's byline comes after (extract.ts)
 *   published  rule `date:` → JSON-LD datePublished → article:published_time and similar meta
 *              → the first <time datetime> → JSON-LD dateCreated
 *   lang       <html lang> / xml:lang → meta content-language → JSON-LD inLanguage → og:locale
 *   image      rule `image:` → JSON-LD image / thumbnailUrl → og:image → twitter:image → link rel=image_src
 *
 * JSON-LD: every `<script type="application/ld+json">`, arrays and `@graph` flattened, `@id`
 * references (Yoast's `"author": {"@id": …}`) resolved; the first object whose @type is an article
 * type (NewsArticle, ReportageNewsArticle, BlogPosting, …) is used.
 */
import { parseDate } from '../parse/date/index.ts';
import { queryAll, squash } from './dom.ts';
import type { SiteRule } from './types.ts';

export interface PageMetadata {
  title: string | null;
  byline: string | null;
  published: number | null;
  lang: string | null;
  image: string | null;
  siteName: string | null;
}

type Json = Record<string, unknown>;

const ARTICLE_TYPE = /(^|[/#:])(\w*Article|BlogPosting|LiveBlogPosting|Report|SocialMediaPosting)$/;
const MAX_LD_CHARS = 2_000_000;
const MAX_LD_OBJECTS = 2_000;

export function readMetadata(doc: Document, rule: SiteRule | null, base: string): PageMetadata {
  const metas = metaMap(doc);
  const ld = readJsonLd(doc);
  const article = ld.objects.find((o) => typesOf(o).some((t) => ARTICLE_TYPE.test(t))) ?? null;
  const siteName = metas.get('og:site_name') ?? (article ? nameOf(resolve(article['publisher'], ld.ids)) : null) ?? null;
  return {
    title: readTitle(doc, rule, article, metas, siteName),
    byline: readByline(doc, rule, article, ld.ids, metas),
    published: readPublished(doc, rule, article, metas),
    lang: readLang(doc, article, metas),
    image: readImage(doc, rule, article, ld.ids, metas, base),
    siteName,
  };
}

/** `<link rel=canonical>` or og:url, when it is an absolute http(s) URL. */
export function canonicalUrl(doc: Document): string | null {
  for (const link of queryAll(doc, 'link[rel][href]')) {
    if (!/(^|\s)canonical(\s|$)/i.test(link.getAttribute('rel') ?? '')) continue;
    const url = absoluteHttp(link.getAttribute('href'), undefined);
    if (url) return url;
  }
  return absoluteHttp(metaMap(doc).get('og:url'), undefined);
}

// ---------------------------------------------------------------------------------------------
// meta tags

/** meta property/name/itemprop (lower-cased) → first non-empty content. */
function metaMap(doc: Document): Map<string, string> {
  const map = new Map<string, string>();
  for (const meta of queryAll(doc, 'meta')) {
    const content = squash(meta.getAttribute('content'));
    if (!content) continue;
    for (const attr of ['property', 'name', 'itemprop', 'http-equiv']) {
      const key = meta.getAttribute(attr)?.trim().toLowerCase();
      if (key && !map.has(key)) map.set(key, content);
    }
  }
  return map;
}

function firstMeta(metas: Map<string, string>, keys: string[]): string | null {
  for (const key of keys) {
    const value = metas.get(key);
    if (value) return value;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// JSON-LD

interface JsonLd {
  objects: Json[];
  ids: Map<string, Json>;
}

function readJsonLd(doc: Document): JsonLd {
  const objects: Json[] = [];
  const ids = new Map<string, Json>();
  for (const script of queryAll(doc, 'script[type]')) {
    if (!/ld\+json/i.test(script.getAttribute('type') ?? '')) continue;
    const text = (script.textContent ?? '').trim();
    if (text === '' || text.length > MAX_LD_CHARS) continue;
    const data = parseJsonLenient(text);
    if (data === undefined) continue;
    const queue: unknown[] = [data];
    while (queue.length > 0 && objects.length < MAX_LD_OBJECTS) {
      const item = queue.shift();
      if (Array.isArray(item)) {
        queue.push(...item);
      } else if (isObject(item)) {
        objects.push(item);
        if (typeof item['@id'] === 'string' && !ids.has(item['@id'])) ids.set(item['@id'], item);
        if (Array.isArray(item['@graph'])) queue.push(...item['@graph']);
      }
    }
  }
  return { objects, ids };
}

function parseJsonLenient(text: string): unknown {
  // HTML comments and CDATA sections around the JSON, with or without `//` or `/* */` in front of the markers
  const stripped = text
    .replace(/^\s*<!--/, '')
    .replace(/-->\s*$/, '')
    .replace(/^\s*(?:\/\/|\/\*)?\s*<!\[CDATA\[\s*(?:\*\/)?/, '')
    .replace(/(?:\/\/|\/\*)?\s*\]\]>\s*(?:\*\/)?\s*$/, '');
  try {
    return JSON.parse(stripped);
  } catch {
    try {
      // raw line breaks and tabs inside strings are common in hand-written JSON-LD
      return JSON.parse(stripped.replace(/[\u0000-\u001f]+/g, ' '));
    } catch {
      return undefined;
    }
  }
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typesOf(o: Json): string[] {
  const t = o['@type'];
  if (typeof t === 'string') return [t];
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** An `{"@id": …}` reference replaced by the object it names. */
function resolve(value: unknown, ids: Map<string, Json>): unknown {
  if (isObject(value) && typeof value['@id'] === 'string' && Object.keys(value).length <= 2 && ids.has(value['@id'])) {
    return ids.get(value['@id']);
  }
  return value;
}

function nameOf(value: unknown): string | null {
  if (typeof value === 'string') return squash(value) || null;
  if (isObject(value)) {
    const name = value['name'];
    if (typeof name === 'string') return squash(name) || null;
    if (Array.isArray(name) && typeof name[0] === 'string') return squash(name[0]) || null;
  }
  return null;
}

function stringOf(value: unknown): string | null {
  if (typeof value === 'string') return squash(value) || null;
  if (Array.isArray(value)) return stringOf(value[0]);
  if (isObject(value) && typeof value['@value'] === 'string') return squash(value['@value']) || null;
  return null;
}

// ---------------------------------------------------------------------------------------------
// the fields

/** The first rule selector with a value: a meta's content, a time's datetime, else the element's text. */
function ruleValues(doc: Document, selectors: string[], all: boolean): string[] {
  for (const selector of selectors) {
    const values: string[] = [];
    for (const el of queryAll(doc, selector)) {
      const value = squash(el.getAttribute('content') ?? el.getAttribute('datetime') ?? el.textContent);
      if (value && !values.includes(value)) values.push(value);
      if (values.length > 0 && !all) break;
    }
    if (values.length > 0) return values;
  }
  return [];
}

/**
 * The title, reconciled as Readability does and by agreement: the sources are JSON-LD's headline, og:title /
 * twitter:title and <title> (both without a " - Site" part), and the page's <h1>s (else <h2>s). A heading that is
 * the site's name (og:site_name, the part cut from <title>, a link to the home page) is not a source. The
 * candidate most other sources agree with wins (same text once spaces and punctuation are removed, or one
 * containing the other and at least 60 % of its length); among equals: JSON-LD, og:title, a single <h1>, <title>.
 * So a lone site-name <h1> no longer beats the real title, nor does a JSON-LD "headline" that is a description.
 */
function readTitle(doc: Document, rule: SiteRule | null, article: Json | null, metas: Map<string, string>, siteName: string | null): string | null {
  const fromRule = rule ? ruleValues(doc, rule.title, false)[0] : undefined;
  if (fromRule) return fromRule;
  const headline = article ? stringOf(article['headline']) ?? stringOf(article['name']) : null;
  const rawTitle = squash(doc.querySelector('title')?.textContent) || null;
  const siteNames = new Set<string>();
  if (siteName) siteNames.add(normTitle(siteName));
  const h1s = queryAll(doc, 'h1').filter((h) => !isHomeLink(h));
  const h1Texts = h1s.map((h) => squash(h.textContent)).filter((t) => t.length > 0);
  if (rawTitle) {
    const cut = cleanTitle(rawTitle, siteName, []);
    const rest = normTitle(rawTitle.slice(cut.length));
    if (rest && cut !== rawTitle) siteNames.add(rest);
    for (const part of rawTitle.slice(cut.length).split(TITLE_SEPARATORS)) if (normTitle(part)) siteNames.add(normTitle(part));
  }
  const notSite = (t: string) => !siteNames.has(normTitle(t));
  let headings = h1Texts.filter(notSite);
  if (headings.length === 0) headings = queryAll(doc, 'h2').slice(0, 20).map((h) => squash(h.textContent)).filter((t) => t.length > 0 && notSite(t));
  const ogRaw = firstMeta(metas, ['og:title', 'twitter:title']);
  const og = ogRaw ? cleanTitle(ogRaw, siteName, headings) : null;
  const docTitle = rawTitle ? cleanTitle(rawTitle, siteName, headings) : null;

  // candidates in order of preference; each source votes for the candidates it agrees with
  const candidates: string[] = [];
  for (const c of [headline, og, headings.length === 1 ? headings[0] : null, docTitle, ...headings]) if (c && !candidates.includes(c)) candidates.push(c);
  if (candidates.length === 0) return null;
  const sources: string[] = [headline, og, docTitle, ...headings.slice(0, 20)].filter((x): x is string => !!x);
  let best = candidates[0]!;
  let bestVotes = -1;
  for (const c of candidates) {
    let votes = 0;
    let self = false;
    for (const src of sources) {
      if (src === c && !self) {
        self = true; // a candidate does not vote for itself
        continue;
      }
      if (titlesAgree(c, src)) votes++;
    }
    if (votes > bestVotes) {
      best = c;
      bestVotes = votes;
    }
  }
  return best;
}

function normTitle(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function titlesAgree(a: string, b: string): boolean {
  const x = normTitle(a);
  const y = normTitle(b);
  if (!x || !y) return false;
  if (x === y) return true;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return long.includes(short) && short.length * 10 >= long.length * 6;
}

/** A heading that is just a link to the site's home page (a logo). */
function isHomeLink(h: Element): boolean {
  const a = h.querySelector('a[href]');
  if (!a || squash(a.textContent) !== squash(h.textContent)) return false;
  const href = (a.getAttribute('href') ?? '').trim();
  return href === '/' || href === './' || /^https?:\/\/[^/]+\/?$/i.test(href) || /^\/(index\.\w+)?$/.test(href);
}

const TITLE_SEPARATORS = /\s+[-–—|:：·•»]\s+|\s*[｜|]\s*|_|\s+--\s+/;

/**
 * `标题 - 纽约时报中文网` → `标题`. A heading of the page that the title contains wins; otherwise
 * trailing parts (after " - ", " | ", "｜", "_", " – ") are dropped while they are short (a site name,
 * a section, a date) and what is left is not.
 */
export function cleanTitle(raw: string, siteName: string | null, headings: string[] = []): string {
  const title = squash(raw);
  for (const h of headings) if (h.length >= 4 && h !== title && title.includes(h) && h.length * 10 >= title.length * 3) return h;
  const parts = title.split(TITLE_SEPARATORS);
  if (parts.length < 2) return title;
  // find where the separators are, so the kept part is the original text (not re-joined)
  let end = title.length;
  let kept = parts.length;
  const positions: number[] = [];
  const re = new RegExp(TITLE_SEPARATORS.source, 'g');
  for (let m = re.exec(title); m; m = re.exec(title)) positions.push(m.index);
  while (kept > 1) {
    const last = parts[kept - 1]!.trim();
    const first = parts.slice(0, kept - 1).join(' ').trim();
    const isSite = siteName !== null && (last.includes(siteName) || siteName.includes(last));
    if (!(isSite || (last.length <= 20 && first.length >= 4 && last.length * 2 <= first.length + 8))) break;
    kept--;
    end = positions[kept - 1] ?? end;
  }
  return title.slice(0, end).trim() || title;
}

function readByline(doc: Document, rule: SiteRule | null, article: Json | null, ids: Map<string, Json>, metas: Map<string, string>): string | null {
  if (rule) {
    const names = ruleValues(doc, rule.author, true).map(cleanByline).filter((n): n is string => n !== null);
    if (names.length > 0) return joinNames(names);
  }
  const people: string[] = [];
  const orgs: string[] = [];
  if (article) {
    const raw = article['author'] ?? article['creator'];
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      const who = resolve(item, ids);
      const name = nameOf(who);
      if (!name) continue;
      const cleaned = cleanByline(name);
      if (!cleaned) continue;
      if (isObject(who) && typesOf(who).some((t) => /Organization/i.test(t))) orgs.push(cleaned);
      else people.push(cleaned);
    }
  }
  if (people.length > 0) return joinNames(people);
  for (const key of ['author', 'byline', 'byl', 'article:author', 'dc.creator', 'parsely-author', 'sailthru.author']) {
    const value = metas.get(key);
    const cleaned = value ? cleanByline(value) : null;
    if (cleaned) return cleaned;
  }
  return orgs.length > 0 ? joinNames(orgs) : null;
}

function joinNames(names: string[]): string {
  return [...new Set(names)].join(', ');
}

/** "By Jane Doe" / "Par Claire Dubois" / "作者：张三" / "【记者 张三】" / "记者：张三　责编：李四" → the name;
 *  URLs, e-mail addresses, dates and paragraphs → null. */
export function cleanByline(raw: string | null | undefined): string | null {
  let s = squash(raw);
  if (!s || /^https?:\/\//i.test(s) || /^[\w.+-]+@[\w.-]+$/.test(s)) return null;
  s = s.replace(/^[【[（(]\s*(.*?)\s*[】\]）)]$/, '$1');
  s = s.replace(/^(by|par|von|por|door|di|da|af|av)\b\s*[:：]?\s*/i, '');
  s = s.replace(/^(作者|记者|記者|撰稿|撰文|文字|编辑|編輯|责编|責編|文|图|圖|本台记者|本台記者|特约记者|特約記者|通讯员|通訊員)(\s*[:：|｜/／,，]\s*|\s+)/, '');
  // "张三 责编：李四 网编：王五" → "张三"
  s = s.split(/\s+(?=[^\s:：]{1,4}[:：])/)[0] ?? s;
  s = s.replace(/[,，;；]\s*$/, '').trim();
  if (s === '' || s.length > 120 || isDateLike(s)) return null;
  return s;
}

const DATE_WORDS =
  /年|月|日|时|時|分|秒|星期[一二三四五六日天]?|周[一二三四五六日天]|今日|今天|昨日|昨天|更新于|更新於|更新|发布于|發佈於|发布|發佈|发表|發表|时间|時間|published|updated|posted|on|at|am|pm|gmt|utc|hkt|cst|jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?|mon(day)?|tue(sday)?|wed(nesday)?|thu(rsday)?|fri(day)?|sat(urday)?|sun(day)?|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre/gi;

/** A date or time, with nothing like a name left once the numbers and date words are taken out. */
function isDateLike(s: string): boolean {
  if (!/\d/.test(s) && !/^(今日|今天|昨日|昨天|today|yesterday)$/i.test(s)) return false;
  const rest = s.replace(DATE_WORDS, '').replace(/[^\p{L}]+/gu, '');
  return rest.length < 2;
}

function readPublished(doc: Document, rule: SiteRule | null, article: Json | null, metas: Map<string, string>): number | null {
  const candidates: (string | null | undefined)[] = [];
  if (rule) candidates.push(...ruleValues(doc, rule.date, false));
  if (article) candidates.push(stringOf(article['datePublished']));
  candidates.push(
    firstMeta(metas, [
      'article:published_time',
      'og:article:published_time',
      'datepublished',
      'pubdate',
      'publishdate',
      'publish-date',
      'date',
      'dc.date.issued',
      'dc.date',
      'dcterms.created',
      'parsely-pub-date',
      'sailthru.date',
    ]),
  );
  // a <time> of the article; elsewhere on the page only when it is the only one (else it may be a sidebar's)
  const times = queryAll(doc, 'time[datetime]');
  const time = doc.querySelector('article time[datetime], main time[datetime]') ?? (times.length === 1 ? times[0] : null);
  candidates.push(time?.getAttribute('datetime'));
  if (article) candidates.push(stringOf(article['dateCreated']));
  // a date with a time beats a bare day (BBC's visible <time> says "2024-04-11", its JSON-LD has the minute)
  let dayOnly: number | null = null;
  for (const c of candidates) {
    const ms = parseLooseDate(c);
    if (ms === null) continue;
    if (hasTimeOfDay(c!)) return ms;
    dayOnly ??= ms;
  }
  return dayOnly;
}

function hasTimeOfDay(text: string): boolean {
  return /\d{1,2}\s*[:：时時]\s*\d{2}/.test(text);
}

/** A date anywhere in a short text: the whole text, else its first ISO or Chinese date. */
export function parseLooseDate(text: string | null | undefined): number | null {
  const s = squash(text);
  if (!s || s.length > 200) return null;
  const whole = parseDate(s).ms;
  if (whole !== null) return whole;
  const iso = /\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?/.exec(s);
  if (iso) {
    const ms = parseDate(iso[0]).ms;
    if (ms !== null) return ms;
  }
  const zh = /\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日(?:\s*\d{1,2}\s*[:：时時]\s*\d{2}\s*分?)?/.exec(s);
  if (zh) return parseDate(zh[0]).ms;
  return null;
}

function readLang(doc: Document, article: Json | null, metas: Map<string, string>): string | null {
  const html = doc.documentElement;
  const candidates = [
    html?.getAttribute('lang'),
    html?.getAttribute('xml:lang'),
    metas.get('content-language'),
    article ? stringOf(article['inLanguage']) : null,
    metas.get('og:locale'),
  ];
  for (const c of candidates) {
    const tag = (c ?? '').split(',')[0]!.trim().replace(/_/g, '-');
    if (/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(tag)) return tag;
  }
  return null;
}

function readImage(
  doc: Document,
  rule: SiteRule | null,
  article: Json | null,
  ids: Map<string, Json>,
  metas: Map<string, string>,
  base: string,
): string | null {
  const candidates: (string | null | undefined)[] = [];
  if (rule) {
    for (const selector of rule.image) {
      for (const el of queryAll(doc, selector)) {
        candidates.push(el.getAttribute('content') ?? el.getAttribute('src') ?? el.getAttribute('href'));
      }
    }
  }
  if (article) {
    const image = article['image'];
    for (const item of (Array.isArray(image) ? image : [image]).slice(0, 5)) {
      const v = resolve(item, ids);
      if (typeof v === 'string') candidates.push(v);
      else if (isObject(v)) candidates.push(stringOf(v['url']) ?? stringOf(v['contentUrl']));
    }
    candidates.push(stringOf(article['thumbnailUrl']));
  }
  candidates.push(firstMeta(metas, ['og:image:secure_url', 'og:image', 'og:image:url', 'twitter:image', 'twitter:image:src']));
  candidates.push(doc.querySelector('link[rel="image_src"]')?.getAttribute('href'));
  for (const c of candidates) {
    const url = absoluteHttp(c, base);
    if (url) return url;
  }
  return null;
}

/** `value` resolved against `base`, if the result is an http(s) URL. */
export function absoluteHttp(value: string | null | undefined, base: string | undefined): string | null {
  const v = (value ?? '').trim();
  if (!v) return null;
  try {
    const u = new URL(v, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
