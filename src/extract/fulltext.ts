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
import { textOfHtml } from './text.ts';

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
  const text = textOfHtml(body);
  const chars = countChars(text);
  if (chars === 0) return 'the feed gives no body';
  if (chars < FULL_TEXT_MIN_CHARS) return `the feed body has ${chars} characters (fewer than ${FULL_TEXT_MIN_CHARS})`;
  if (chars < FULL_TEXT_MAX_TRUNCATED_CHARS) {
    if (item.summary && item.content && compact(textOfHtml(item.summary)) === compact(text)) return 'the feed body is the summary';
    const mark = TRUNCATION_MARK.exec(text.trim());
    if (mark) return `the feed body ends with "${mark[1]}"`;
  }
  return null;
}

function hasHttpLink(item: FeedItem): boolean {
  return typeof item.link === 'string' && /^https?:\/\/[^\s/]/i.test(item.link.trim());
}

function countChars(text: string): number {
  let n = 0;
  for (const ch of text) if (!/\s/.test(ch)) n++;
  return n;
}

function compact(text: string): string {
  return text.replace(/\s+/g, '');
}
