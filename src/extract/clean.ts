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
  'link', 'meta', 'base', 'svg', 'canvas', 'dialog', 'nav', 'portal', 'slot', 'head', 'title',
]);

/** Form controls: removed. The `<form>` (and `<fieldset>`) around them is unwrapped, not removed: some pages wrap
 *  the whole article in a form. A box left with only a short label once its controls are gone goes too. */
const CONTROLS = new Set(['input', 'button', 'select', 'option', 'optgroup', 'textarea', 'datalist', 'label', 'output', 'progress', 'meter']);
const UNWRAP = new Set(['form', 'fieldset']);

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
 * Makes `root`'s content archive-ready: pictures flattened, dangerous elements and form controls removed
 * (forms unwrapped), players kept as links and ad frames dropped, ad labels, player placeholders and
 * "read more" link lists dropped, URLs absolute (javascript:/data:/vbscript: gone), attributes whitelisted,
 * tracking pixels and empty boxes dropped, a leading heading equal to the title removed.
 */
export function finishContent(root: Element, opts: FinishOptions): void {
  const doc = root.ownerDocument;
  lowerCaseTags(root, doc);
  flattenPictures(root);
  const controlBoxes = new Set<Element>();
  for (const el of elementsOf(root)) {
    if (!el.parentNode || !contains(root, el)) continue;
    const name = el.localName;
    if (REMOVE.has(name)) {
      el.parentNode.removeChild(el);
      continue;
    }
    if (CONTROLS.has(name)) {
      const box = el.parentElement;
      el.parentNode.removeChild(el);
      if (box && box !== root && !UNWRAP.has(box.localName)) controlBoxes.add(box);
      continue;
    }
    if (UNWRAP.has(name)) {
      unwrap(el);
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
  for (const box of controlBoxes) {
    if (box.parentNode && contains(root, box) && squash(box.textContent).length <= 12 && !box.querySelector(MEDIA)) box.parentNode.removeChild(box);
  }
  removeComments(root);
  dropBoilerplate(root);
  dropEmpty(root);
  dropLeadingTitle(root, opts.title);
}

/** A block that is only an ad label ("Advertisement", "广告"), once its ad is gone. */
const AD_LABEL = /^(advertisement|advertising|ads?|sponsored( content)?|anzeige|werbung|publicité|publicidad|pubblicità|реклама|广告|廣告|推广|推廣|赞助内容|贊助內容|広告)$/i;

/** Whole blocks of player placeholders and outlet promos, known by their text. */
const BOILERPLATE_TEXT = [
  /^media playback is (unsupported|not supported) on your device\.?$/i,
  /^您的(设备|設備)不(支持|支援)(多媒体|多媒體)播放。?$/,
  /^your (browser|device) does not support (the )?(video|audio|media)( tag| element| playback)?\.?$/i,
  /^(this|the) (video|audio|media) (is not|isn't|cannot be) (available|played).{0,40}$/i,
  /^DW中文有(Instagram|脸书|臉書|Facebook|YouTube)[！!]/i,
  /^(请|請)?下载BBC中文(app|应用|應用)/i,
];

/** "阅读更多：", "Read more:", "相关报道" and the like: a label followed by nothing but links. */
const READ_MORE_LABEL =
  /^(阅读更多|閱讀更多|延伸阅读|延伸閱讀|相关阅读|相關閱讀|更多相关报道|更多相關報道|相关报道|相關報道|相关新闻|相關新聞|相关内容|相關內容|更多内容|更多內容|更多报道|更多報道|推荐阅读|推薦閱讀|read more|related( stories| articles| coverage| content)?|see also|more on this( story)?|more from [\w ]+|lire aussi|à lire aussi|mehr zum thema|lesen sie auch)\s*[:：»>›]?/i;

const BLOCKS_TO_CHECK = 'p, div, section, aside, ul, ol, li, figure, blockquote, h2, h3, h4, small, span';

function dropBoilerplate(root: Element): void {
  for (const el of queryAll(root, BLOCKS_TO_CHECK)) {
    if (!el.parentNode || !contains(root, el) || el.querySelector('img, video, audio')) continue;
    const text = squash(el.textContent);
    if (text === '' || text.length > 300) continue;
    if (AD_LABEL.test(text) || BOILERPLATE_TEXT.some((re) => re.test(text))) {
      el.parentNode.removeChild(el);
      continue;
    }
    const label = READ_MORE_LABEL.exec(text);
    if (!label || el.localName === 'span') continue;
    // everything after the label is link text (a list of stories), and there is at least one link
    const links = queryAll(el, 'a[href]');
    if (links.length === 0) continue;
    const linkText = links.reduce((n, a) => n + squash(a.textContent).replace(/\s/g, '').length, 0);
    const rest = text.slice(label[0].length).replace(/\s/g, '').length;
    if (linkText >= rest * 0.8) el.parentNode.removeChild(el);
  }
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

/** Hosts of ad exchanges, ad servers, trackers and recommendation widgets: their frames are dropped. */
const AD_FRAME =
  /(^|\.)(doubleclick\.net|googlesyndication\.com|googleadservices\.com|adnxs\.com|amazon-adsystem\.com|adsrvr\.org|criteo\.(com|net)|pubmatic\.com|rubiconproject\.com|openx\.net|taboola\.com|outbrain\.com|teads\.tv|smartadserver\.com|moatads\.com|scorecardresearch\.com|quantserve\.com|yieldmo\.com|casalemedia\.com|sharethrough\.com|adform\.net|serving-sys\.com)$|(^|[.-])(ads?|adserver|adservice|pixel|tracker|tracking|analytics|beacon|outbrain|taboola)([.-]|$)/i;

/** Players and embeds worth keeping as a link (video, audio, posts, maps, charts). */
const MEDIA_FRAME =
  /(^|\.)(youtube\.com|youtube-nocookie\.com|youtu\.be|vimeo\.com|dailymotion\.com|bilibili\.com|v\.qq\.com|youku\.com|ixigua\.com|iqiyi\.com|facebook\.com|twitter\.com|x\.com|instagram\.com|tiktok\.com|soundcloud\.com|spotify\.com|podcasts\.apple\.com|flourish\.studio|datawrapper\.de|infogram\.com|google\.com|brightcove\.net|jwplayer\.com|jwplatform\.com|kaltura\.com|bbc\.co\.uk|bbc\.com|dw\.com|voanews\.com|voachinese\.com|rfa\.org|rfi\.fr|archive\.org|scribd\.com|documentcloud\.org|ted\.com|twitch\.tv|weibo\.com|douyin\.com)$|^(player|video|embed|media|audio)\./i;

const GENERIC_FRAME_TITLE = /^(3rd party ad content|advertisement|ad|iframe|embed(ded)? content|blank|null)$/i;

/**
 * An iframe: an ad, tracker or invisible frame is dropped; a player or embedded post becomes a paragraph with a
 * link named by its title (else "▶ host"); any other frame is kept only when it has a title.
 */
function replaceIframe(el: Element, doc: Document, base: string): void {
  const url = absolute(el.getAttribute('src') ?? el.getAttribute('data-src'), base);
  let host = '';
  try {
    host = url ? new URL(url).hostname : '';
  } catch {
    host = '';
  }
  const title = squash(el.getAttribute('title') ?? el.getAttribute('aria-label'));
  const tiny = ['width', 'height'].some((a) => /^[0-2](px)?$/.test((el.getAttribute(a) ?? '').trim()));
  const hidden = el.hasAttribute('hidden') || /display\s*:\s*none|visibility\s*:\s*hidden/i.test(el.getAttribute('style') ?? '');
  const media = MEDIA_FRAME.test(host);
  const ad = AD_FRAME.test(host) && !media;
  const named = title !== '' && !GENERIC_FRAME_TITLE.test(title);
  if (!url || !/^https?:/i.test(url) || tiny || hidden || ad || !(media || named)) {
    el.parentNode!.removeChild(el);
    return;
  }
  const p = doc.createElement('p');
  const a = doc.createElement('a');
  a.setAttribute('href', url);
  a.textContent = named ? title : `▶ ${host.replace(/^www\./, '')}`;
  p.appendChild(a);
  el.parentNode!.replaceChild(p, el);
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
