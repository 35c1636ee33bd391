/**
 * The parse stage: bytes (with what HTTP said of them) → one Feed, whatever the format.
 * Sniffs the format, decodes the text, dispatches to the format's parser + adapter.
 */
import type { Feed } from '../domain.ts';
import { decodeBody } from './encoding/index.ts';
import { adaptJsonFeed, parseJsonRaw } from './json/index.ts';
import { NotAFeedError, parseXmlFeed } from './xml/index.ts';
import { NestingTooDeepError } from './limits.ts';
import { wellFormedFeed } from './unicode.ts';

export { parseDate } from './date/index.ts';
export { decodeBody } from './encoding/index.ts';

export class FeedParseError extends Error {}

export interface ParseOptions {
  /** The feed's URL (or file path): the base for relative links. */
  url?: string;
  contentType?: string | null;
}

/** Sniffs JSON vs XML from the first significant character and the Content-Type. */
export function sniffKind(body: Buffer, contentType?: string | null): 'json' | 'xml' {
  if (contentType && /json/i.test(contentType)) return 'json';
  let i = 0;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) i = 3;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  return body[i] === 0x7b /* { */ ? 'json' : 'xml';
}

/** parseFeedSync as a promise (rejected with FeedParseError): the shape every caller awaits. */
export function parseFeed(body: Buffer, opts: ParseOptions = {}): Promise<Feed> {
  try {
    return Promise.resolve(parseFeedSync(body, opts));
  } catch (err) {
    return Promise.reject(err);
  }
}

export function parseFeedSync(body: Buffer, opts: ParseOptions = {}): Feed {
  if (body.length === 0) throw new FeedParseError('empty document');
  const kind = sniffKind(body, opts.contentType);
  const decoded = decodeBody(body, { contentType: opts.contentType ?? null, kind });
  const baseUrl = opts.url && /^https?:/i.test(opts.url) ? opts.url : undefined;
  let feed: Feed;
  if (kind === 'json') {
    try {
      feed = adaptJsonFeed(parseJsonRaw(decoded.text), baseUrl);
    } catch (err) {
      throw new FeedParseError((err as Error).message);
    }
  } else {
    const head = decoded.text.slice(0, 1024).toLowerCase();
    if (/<html[\s>]/.test(head) && !/<(rss|feed|rdf:rdf)[\s>]/.test(head)) {
      throw new FeedParseError('not a feed: the document is an HTML page');
    }
    try {
      feed = parseXmlFeed(decoded.text, baseUrl);
    } catch (err) {
      if (err instanceof NestingTooDeepError || err instanceof NotAFeedError) throw new FeedParseError(err.message);
      throw err;
    }
  }
  feed.warnings.unshift(...decoded.warnings);
  const { feed: repaired, repaired: count } = wellFormedFeed(feed);
  if (count > 0) repaired.warnings.push(`${count} text field(s) held lone surrogates (broken UTF-16); each became U+FFFD`);
  return repaired;
}
