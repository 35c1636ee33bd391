/**
 * Well-formed Unicode at the parse boundary. JSON Feed's `\ud800` escapes and XML character references
 * can carry lone surrogates, which no file, URL or UTF-8 encoder takes back unchanged (`encodeURI` throws
 * "URI malformed"). Every string of a parsed feed is made well-formed here, once, for every format.
 */
import type { Feed, FeedItem } from '../domain.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` with each lone surrogate replaced by U+FFFD (String.prototype.toWellFormed, which Node 20's types lack). */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

/** The feed with every text field well-formed, and how many fields had to be repaired. */
export function wellFormedFeed(feed: Feed): { feed: Feed; repaired: number } {
  let repaired = 0;
  const fix = <T extends string | null>(s: T): T => {
    if (s === null) return s;
    const out = wellFormed(s);
    if (out !== s) repaired++;
    return out as T;
  };
  const items = feed.items.map(
    (item): FeedItem => ({
      ...item,
      id: fix(item.id),
      title: fix(item.title),
      link: fix(item.link),
      author: fix(item.author),
      summary: fix(item.summary),
      content: fix(item.content),
      categories: item.categories.map(fix),
      enclosures: item.enclosures.map((e) => ({ ...e, url: fix(e.url), type: fix(e.type) })),
    }),
  );
  // warnings quote the feed's text: repaired too, not counted
  const warnings = feed.warnings.map(wellFormed);
  const out: Feed = { ...feed, title: fix(feed.title), link: fix(feed.link), language: fix(feed.language), items, warnings };
  return { feed: out, repaired };
}
