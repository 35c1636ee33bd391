/**
 * The render-time sanitiser (issue 11, "Safety"). The archive keeps an article's HTML as the source gave it;
 * every page of the site shows it through `sanitizeArticle`, an allowlist on sanitize-html:
 *
 * - text-level and block elements only (paragraphs, headings, lists, quotes, tables, figures, code, links,
 *   images): no script, style, link, meta, base, form controls, iframe, object, embed, SVG or MathML — their
 *   content is dropped with them (script, style, noscript, template, svg, math, …) or kept as text (others);
 * - attributes per element, none of them `style`, `class`, `id` (ids could clobber the page's own) or `on…`;
 * - links: http(s) and mailto only, relative ones resolved against the article's own link, and
 *   `rel="noopener noreferrer nofollow"`; no `target`;
 * - images: a mirrored image (`src` relative to the article file, `../../../../assets/…`, with
 *   `data-original-src`) points at the site's copy under `assets/`; any other image keeps its original
 *   http(s) URL with `referrerpolicy="no-referrer"` and `loading="lazy"`; `data:` and every other scheme go;
 *   the alt text is kept (an empty one added when missing).
 *
 * Titles and every other feed string are plain text: `plainText` decodes the entities a feed left in them
 * once, and the templates escape them once (`escapeHtml`), so a reader never sees `&quot;`.
 */
import { decodeHTML, escapeAttribute, escapeText } from 'entities';
import sanitizeHtml from 'sanitize-html';

export interface SanitizeOptions {
  /** The relative path from the page to the site root ('' or '../…'), for mirrored images under `assets/`. */
  root: string;
  /** The article's own link: relative links and images are resolved against it (else dropped). */
  baseUrl?: string | null;
}

const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'h2', 'h3', 'h4', 'h5', 'h6',
  'b', 'strong', 'i', 'em', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'mark', 'q', 'cite', 'abbr', 'dfn',
  'time', 'span', 'div', 'blockquote', 'pre', 'code', 'kbd', 'samp', 'var', 'ruby', 'rt', 'rp', 'wbr', 'bdi',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'figure', 'figcaption',
  'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
];

/** Disallowed elements whose content goes with them (the rest keep their text). */
const NON_TEXT_TAGS = [
  'script', 'style', 'textarea', 'option', 'select', 'noscript', 'noembed', 'noframes', 'template', 'title',
  'iframe', 'object', 'embed', 'applet', 'svg', 'math', 'xmp', 'plaintext', 'head', 'frameset', 'button', 'datalist',
];

/** A mirrored image's src as the archive writes it (relative to articles/<slug>/<YYYY>/<MM-DD>/). */
const MIRRORED = /^(?:\.\.\/){4}(assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.(?:jpg|jpeg|png|gif|webp|avif))$/;
const DIGITS = /^\d{1,5}$/;

/** An http(s) URL (absolute, or relative to `base`), serialised; null for anything else. */
function httpUrl(value: string | undefined, base: string | null | undefined, schemes: readonly string[] = ['http:', 'https:']): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = base ? new URL(value.trim(), base) : new URL(value.trim());
  } catch {
    return null;
  }
  return schemes.includes(url.protocol) ? url.href : null;
}

function keepDigits(attribs: Record<string, string>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (attribs[n] !== undefined && DIGITS.test(attribs[n])) out[n] = attribs[n]!;
  return out;
}

function options(opts: SanitizeOptions): sanitizeHtml.IOptions {
  const base = opts.baseUrl ? httpUrl(opts.baseUrl, null) : null;
  const text = (attribs: Record<string, string>, name: string) => (attribs[name] !== undefined ? { [name]: attribs[name] } : {});
  return {
    allowedTags: ALLOWED_TAGS,
    nonTextTags: NON_TEXT_TAGS,
    disallowedTagsMode: 'discard',
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'hreflang'],
      img: ['src', 'alt', 'title', 'width', 'height', 'loading', 'referrerpolicy', 'decoding'],
      abbr: ['title'],
      time: ['datetime'],
      q: ['cite'],
      blockquote: ['cite'],
      ol: ['start', 'reversed'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan', 'scope'],
      '*': ['lang', 'dir'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    allowedIframeHostnames: [],
    parseStyleAttributes: false,
    nestingLimit: 64,
    transformTags: {
      h1: 'h2',
      a: (tagName, attribs) => {
        const href = attribs.href !== undefined ? (httpUrl(attribs.href, base, ['http:', 'https:', 'mailto:']) ?? undefined) : undefined;
        const out: Record<string, string> = { ...text(attribs, 'title'), ...text(attribs, 'hreflang') };
        if (href) Object.assign(out, { href, rel: 'noopener noreferrer nofollow' });
        return { tagName, attribs: out };
      },
      img: (tagName, attribs) => {
        const common = { alt: attribs.alt ?? '', ...text(attribs, 'title'), ...keepDigits(attribs, ['width', 'height']) };
        const mirrored = MIRRORED.exec(attribs.src ?? '');
        if (mirrored && attribs['data-original-src']) return { tagName, attribs: { src: `${opts.root}${mirrored[1]}`, ...common, loading: 'lazy', decoding: 'async' } };
        const src = httpUrl(attribs.src, base);
        // an image with no usable source is dropped by exclusiveFilter (no src left)
        return { tagName, attribs: src ? { src, ...common, referrerpolicy: 'no-referrer', loading: 'lazy', decoding: 'async' } : {} };
      },
      blockquote: (tagName, attribs) => ({ tagName, attribs: cite(attribs, base) }),
      q: (tagName, attribs) => ({ tagName, attribs: cite(attribs, base) }),
      ol: (tagName, attribs) => ({ tagName, attribs: { ...keepDigits(attribs, ['start']), ...(attribs.reversed !== undefined ? { reversed: '' } : {}) } }),
      td: (tagName, attribs) => ({ tagName, attribs: keepDigits(attribs, ['colspan', 'rowspan']) }),
      th: (tagName, attribs) => ({ tagName, attribs: { ...keepDigits(attribs, ['colspan', 'rowspan']), ...(/^(row|col|rowgroup|colgroup)$/.test(attribs.scope ?? '') ? { scope: attribs.scope! } : {}) } }),
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  };
}

function cite(attribs: Record<string, string>, base: string | null): Record<string, string> {
  const url = httpUrl(attribs.cite, base);
  return url ? { cite: url } : {};
}

/** An article's HTML, safe to put in a page (see the allowlist above). */
export function sanitizeArticle(html: string, opts: SanitizeOptions): string {
  return sanitizeHtml(html, options(opts));
}

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const ENTITY = /&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/i;

/** A feed string (a title, a name) as plain text: the entities a feed double-encoded decoded once, bidi
 *  controls dropped, white space folded. Escape it with escapeHtml when writing it into a page. */
export function plainText(s: string): string {
  let t = s;
  if (ENTITY.test(t)) t = decodeHTML(t);
  return t.replace(BIDI_CONTROLS, '').replace(/\s+/g, ' ').trim();
}

/** Text for an element's content. */
export function escapeHtml(s: string): string {
  return escapeText(s);
}

/** Text for a double-quoted attribute value. */
export function escapeAttr(s: string): string {
  return escapeAttribute(s);
}
