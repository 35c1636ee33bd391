/**
 * fetchAndExtract: the I/O edge of extraction. Fetches the page through the fetch stage (same limits,
 * errors and proxies as feeds), refuses what is not an HTML page, decodes it (HTTP charset, BOM, meta,
 * detection: GBK and Big5 pages come out right), extracts it, and follows a rule's single_page_link once.
 */
import { fileTypeFromBuffer } from 'file-type';
import { pathToFileURL } from 'node:url';
import { fetchResource, type FetchOptions, type FetchResult } from '../fetch/index.ts';
import { decodeBody } from '../parse/encoding/index.ts';
import { parseDocument, queryOne } from './dom.ts';
import { ExtractError } from './errors.ts';
import { extractArticle } from './extract.ts';
import { builtinRules, ruleFor } from './rules.ts';
import type { ExtractedArticle, SiteRule } from './types.ts';

export const HTML_ACCEPT = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5';

export interface FetchAndExtractOptions extends FetchOptions {
  /** Site rules (default: the built-in ones). */
  rules?: SiteRule[];
  /** For a local file: the URL to resolve its links against and to choose its rule by (default: the
   *  page's canonical URL, else the file's own file: URL). */
  baseUrl?: string;
  /** Follow a rule's single_page_link to the one-page version. Default true. */
  followSinglePage?: boolean;
}

/**
 * Fetches `location` and extracts the article. Local paths are read only when `allowLocalPath: true`
 * is passed (feed links are untrusted input; the `extract` command passes it for a file argument).
 * The private-network policy is the caller's (`trustLocation: false` for a feed's link, see
 * FetchOptions); a rule's single_page_link, chosen by the page, is always checked.
 * Throws FetchError (network, HTTP status, size) or ExtractError ('not-html', 'no-content', 'too-large').
 */
export async function fetchAndExtract(location: string, opts: FetchAndExtractOptions = {}): Promise<ExtractedArticle> {
  const { rules = builtinRules(), baseUrl, followSinglePage = true, ...rest } = opts;
  const fetchOptions: FetchOptions = {
    ...rest,
    allowLocalPath: rest.allowLocalPath ?? false,
    headers: { accept: HTML_ACCEPT, ...rest.headers },
  };
  const page = await fetchPage(location, fetchOptions);
  const pageUrl = /^https?:/i.test(page.url) ? page.url : baseUrl ?? pathToFileURL(page.url).href;

  if (followSinglePage) {
    const rule = ruleFor(pageUrl, rules);
    const target = rule && rule.singlePageLink.length > 0 ? singlePageTarget(page.text, pageUrl, rule) : null;
    if (target) {
      try {
        // the page chose this URL: checked like any page-chosen URL, under the policy the page was fetched with
        const allowPrivateNetworks = fetchOptions.allowPrivateNetworks ?? (fetchOptions.trustLocation !== false && page.privateAddress !== undefined);
        const full = await fetchPage(target, { ...fetchOptions, allowLocalPath: false, trustLocation: false, allowPrivateNetworks });
        const article = extractArticle(full.text, full.url, { rules });
        article.warnings.unshift(...full.warnings);
        return article;
      } catch (err) {
        const article = extractArticle(page.text, pageUrl, { rules });
        article.warnings.unshift(...page.warnings, `single-page version ${target} not used: ${err instanceof Error ? err.message : String(err)}`);
        return article;
      }
    }
  }
  const article = extractArticle(page.text, pageUrl, { rules });
  article.warnings.unshift(...page.warnings);
  return article;
}

interface Page {
  url: string;
  text: string;
  warnings: string[];
  /** The non-public address the page was reached on, if any (FetchResult.privateAddress). */
  privateAddress?: string | undefined;
}

async function fetchPage(location: string, opts: FetchOptions): Promise<Page> {
  const res = await fetchResource(location, opts);
  await assertHtml(res);
  const decoded = decodeBody(res.body, { contentType: res.contentType, kind: 'html' });
  return { url: res.url, text: decoded.text, warnings: decoded.warnings, privateAddress: res.privateAddress };
}

/** The one-page URL a rule's single_page_link points to: same site, http(s), not the page itself. */
function singlePageTarget(html: string, pageUrl: string, rule: SiteRule): string | null {
  const doc = parseDocument(html);
  for (const selector of rule.singlePageLink) {
    const href = queryOne(doc, selector)?.getAttribute('href');
    if (!href) continue;
    try {
      const target = new URL(href, pageUrl);
      const here = new URL(pageUrl);
      if (!/^https?:$/.test(target.protocol) || target.hostname !== here.hostname) continue;
      target.hash = '';
      if (target.href !== new URL(pageUrl).href.replace(/#.*$/, '')) return target.href;
    } catch {
      continue;
    }
  }
  return null;
}

const NAMES: Record<string, string> = {
  'application/pdf': 'a PDF document',
  'application/zip': 'a ZIP archive',
  'application/gzip': 'a gzip archive',
  'application/x-rar-compressed': 'a RAR archive',
  'application/x-7z-compressed': 'a 7-Zip archive',
  'application/msword': 'a Word document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'a Word document',
  'application/epub+zip': 'an EPUB book',
  'application/x-msdownload': 'a Windows program',
  'application/x-elf': 'a program',
};

function describeType(mime: string): string {
  if (NAMES[mime]) return NAMES[mime];
  if (mime.startsWith('image/')) return 'an image';
  if (mime.startsWith('video/')) return 'a video';
  if (mime.startsWith('audio/')) return 'an audio file';
  if (/[/+](rss|atom)\+?xml$|\/(rss|atom)$/.test(mime)) return 'a feed';
  if (/json/.test(mime)) return 'JSON data';
  return 'not an HTML page';
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml', '']);
const FEED_START = /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<(rss|feed|rdf:RDF)[\s>]/i;
const LOOKS_LIKE_HTML = /<(!doctype\s+html|html|head|body|article|main|div|p|h1|title|meta)[\s>/]/i;

/**
 * Refuses what is not an HTML page, with a one-line reason: PDFs, images and other binary files
 * (recognised from their bytes, whatever the Content-Type says), feeds, JSON, and text that has no HTML in it.
 */
async function assertHtml(res: FetchResult): Promise<void> {
  const mime = (res.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const sniffed = await fileTypeFromBuffer(res.body.subarray(0, 4100)).catch(() => undefined);
  const where = res.url;
  if (sniffed && sniffed.mime !== 'application/xml') {
    throw new ExtractError('not-html', `this is ${describeType(sniffed.mime)} (${sniffed.mime}), not an HTML page`, where);
  }
  const head = res.body.subarray(0, 4096);
  if (head.includes(0) && !isUtf16Html(head)) {
    throw new ExtractError('not-html', `this is binary data${mime ? ` (${mime})` : ''}, not an HTML page`, where);
  }
  if (mime.startsWith('image/') || mime.startsWith('audio/') || mime.startsWith('video/') || mime === 'application/pdf') {
    throw new ExtractError('not-html', `this is ${describeType(mime)} (${mime}), not an HTML page`, where);
  }
  const text = head.toString('latin1').replace(/^\xEF\xBB\xBF/, '');
  const isFeed = FEED_START.test(text);
  if (HTML_TYPES.has(mime)) {
    if (isFeed) throw new ExtractError('not-html', 'this is a feed, not an article page', where);
    return;
  }
  // text/plain, text/xml, application/octet-stream…: only if the bytes are HTML after all
  if (isFeed || /[/+](rss|atom)/.test(mime)) {
    throw new ExtractError('not-html', `this is a feed (${mime || 'XML'}), not an article page`, where);
  }
  if (!LOOKS_LIKE_HTML.test(text)) {
    const what = describeType(mime);
    throw new ExtractError('not-html', what === 'not an HTML page' ? `this ${mime} response is not an HTML page` : `this is ${what} (${mime}), not an HTML page`, where);
  }
}

/** UTF-16 HTML has zero bytes everywhere; recognise it by its BOM. */
function isUtf16Html(head: Buffer): boolean {
  return (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
}
