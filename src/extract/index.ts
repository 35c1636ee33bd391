/**
 * The extraction stage: the full article from its web page when the feed gives only a summary.
 *
 *   needsFullText(item, mode)          whether to fetch the page (the documented full-text rule)
 *   fetchAndExtract(url, opts)         fetch stage → HTML check → decodeBody → extractArticle
 *   extractArticle(html, url, opts)    pure: decoded HTML → { title, byline, published, lang,
 *                                      contentHtml, text, leadImage, rule, url, warnings }
 *   loadRules(dirs) / builtinRules()   FiveFilters-style site rules with CSS selectors
 *
 * See docs/extraction.md.
 */
export { extractArticle, MAX_DEPTH, MAX_HTML_CHARS, MAX_READABILITY_ELEMENTS } from './extract.ts';
export { fetchAndExtract, HTML_ACCEPT, type FetchAndExtractOptions } from './fetch.ts';
export {
  needsFullText,
  fullTextReason,
  FULL_TEXT_MODES,
  FULL_TEXT_MIN_CHARS,
  FULL_TEXT_MAX_TRUNCATED_CHARS,
  type FullTextMode,
} from './fulltext.ts';
export {
  BUILTIN_RULES_DIR,
  builtinRules,
  loadArchiveRules,
  loadRules,
  parseRules,
  ruleFor,
  type LoadedRules,
  type ParsedRule,
} from './rules.ts';
export { ExtractError, type ExtractErrorCode } from './errors.ts';
export { extractCommand, type ExtractCommandOptions } from './cli.ts';
export type { ExtractedArticle, ExtractOptions, SiteRule } from './types.ts';
