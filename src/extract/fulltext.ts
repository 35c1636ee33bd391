/**
 * When to fetch the article page: the full-text rule.
 *
 *   never   → never.
 *   always  → whenever the item has an http(s) link.
 *   auto    → when the item has an http(s) link and its body (content, else summary) is
 *             1. empty (no text once tags are removed), or
 *             2. shorter than FULL_TEXT_MIN_CHARS (400) characters of text — a Chinese news article
 *                is rarely shorter, a feed summary rarely longer; or
 *             3. the same text as the summary (Atom/JSON feeds that only carry a summary), while under
 *                FULL_TEXT_MAX_TRUNCATED_CHARS (3,000) characters; or
 *             4. ends with a truncation mark — "…", "...", "[…]", "阅读全文", "查看全文", "继续阅读",
 *                "阅读更多", "更多", "Read more", "Continue reading" (and traditional forms) — while
 *                under FULL_TEXT_MAX_TRUNCATED_CHARS characters.
 *
 * Characters are counted without whitespace, so 400 means about 400 Chinese characters.
 */
import { FULL_TEXT_MODES, type FeedItem, type FullTextMode } from '../domain.ts';
import { decodeHTML } from 'entities';

export { FULL_TEXT_MODES, type FullTextMode };
export const FULL_TEXT_MIN_CHARS = 400;
export const FULL_TEXT_MAX_TRUNCATED_CHARS = 3000;

const TRUNCATION_MARK =
  /(…|\.{3}|⋯|\[(?:…|\.{3})\]|［…］|阅读全文|閱讀全文|查看全文|继续阅读|繼續閱讀|阅读更多|閱讀更多|点击阅读|點擊閱讀|更多内容|更多內容|更多|read more|continue reading|read the full (?:story|article))\s*[>»›→)）\]】.。!！]*$/iu;

/** Whether the run should fetch the page of `item` and archive the extracted article instead of the feed body. */
export function needsFullText(item: FeedItem, mode: FullTextMode = 'auto'): boolean {
  return fullTextReason(item, mode) !== null;
}

/** Why the page should be fetched (for logs and reports), or null when it should not. */
export function fullTextReason(item: FeedItem, mode: FullTextMode = 'auto'): string | null {
  if (mode === 'never' || !hasHttpLink(item)) return null;
  if (mode === 'always') return 'fullText: always';
  const body = item.content ?? item.summary ?? '';
  const text = quickText(body);
  const chars = countChars(text);
  if (chars === 0) return 'the feed gives no body';
  if (chars < FULL_TEXT_MIN_CHARS) return `the feed body has ${chars} characters (fewer than ${FULL_TEXT_MIN_CHARS})`;
  if (chars < FULL_TEXT_MAX_TRUNCATED_CHARS) {
    if (item.summary && item.content && compact(quickText(item.summary)) === compact(text)) return 'the feed body is the summary';
    const mark = TRUNCATION_MARK.exec(text.trim());
    if (mark) return `the feed body ends with "${mark[1]}"`;
  }
  return null;
}

function hasHttpLink(item: FeedItem): boolean {
  return typeof item.link === 'string' && /^https?:\/\/[^\s/]/i.test(item.link.trim());
}

/** The text of an HTML fragment, good enough to measure and compare: scripts, styles and comments
 *  dropped, tags removed, entities decoded. No DOM: this runs on every item of every feed. */
export function quickText(html: string): string {
  const stripped = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<\/?(?:p|div|br|li|h[1-6]|blockquote|section|article|tr|figure|figcaption)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeHTML(stripped).replace(/[ \t\u00a0]+/g, ' ').trim();
}

function countChars(text: string): number {
  return text.replace(/\s+/g, '').length;
}

function compact(text: string): string {
  return text.replace(/\s+/g, '');
}
