/** Types of the extraction stage. */

/**
 * One site's extraction rules, read from a rule file (see rules.ts and docs/extraction.md).
 * Every selector is a CSS selector; lists are tried in order.
 */
export interface SiteRule {
  /** The rule's name as reported in `ExtractedArticle.rule`: the host of its file name, e.g. "rfi.fr". */
  name: string;
  /** Hosts it applies to (with their subdomains), lower-case, without "www.": the file's host plus `host:` lines. */
  hosts: string[];
  /** The file it was read from, for messages. */
  source: string;
  /** `body:` — the first selector that matches content wins; all its matches, in page order, form the body. */
  body: string[];
  title: string[];
  author: string[];
  date: string[];
  /** `image:` — the lead image (an element's content/src/href). */
  image: string[];
  /** `strip:` — elements removed from the page before the body is taken. */
  strip: string[];
  /** `strip_id_or_class:` — elements whose id or class attribute contains one of these strings are removed. */
  stripIdOrClass: string[];
  /** `strip_image_src:` — images whose src contains one of these strings are removed. */
  stripImageSrc: string[];
  /** `lazy_image_attr:` — extra attributes holding the real URL of a lazily loaded image. */
  lazyImageAttrs: string[];
  /** `single_page_link:` — a link to the whole article on one page; fetchAndExtract follows it (one hop). */
  singlePageLink: string[];
  /** `prune: yes` — run the generic extractor (Readability) over the selected body as well. Default no. */
  prune: boolean;
  /** `test_url:` with its `test_contains:` lines, for documentation and tests. */
  tests: { url: string; contains: string[] }[];
}

/** What `extractArticle` returns: what would be archived for one page. */
export interface ExtractedArticle {
  title: string | null;
  byline: string | null;
  /** ms since epoch, or null. */
  published: number | null;
  /** BCP 47 tag as the page declares it (e.g. "zh-CN", "zh-Hans"), or null. */
  lang: string | null;
  /** The article body: cleaned HTML, absolute URLs, no scripts/styles/event handlers. */
  contentHtml: string;
  /** The body as plain text, paragraphs separated by blank lines. */
  text: string;
  /** Absolute http(s) URL of the lead image, or null. */
  leadImage: string | null;
  /** The site rule used (its name, e.g. "rfi.fr") or "generic". */
  rule: string;
  /** The URL links were resolved against. */
  url: string;
  /** What was guessed or worked around (no body selector matched, deep nesting flattened, …). */
  warnings: string[];
}

export interface ExtractOptions {
  /** Site rules to choose from. Default: the built-in rules (src/extract/rules/). */
  rules?: SiteRule[];
}
