/**
 * The `newsvault extract URL_OR_FILE [--json]` action, ready for src/cli/main.ts to wire:
 *
 *   program.command('extract')
 *     .description('fetch one article page (URL or file) and show what would be archived')
 *     .argument('<urlOrFile>')
 *     .addOption(archiveOption())
 *     .option('--json', 'print {title, byline, published, lang, contentHtml, text, leadImage, rule} as JSON')
 *     .option('--url <url>', 'for a saved page: the URL it came from (site rule, links)')
 *     .action(async (loc, o) => io.out(await extractCommand(loc, { json: o.json, archive: o.archive ?? defaultArchive() })));
 *
 * Errors (FetchError, ExtractError) are thrown with one-line messages, like `inspect`'s.
 */
import path from 'node:path';
import type { FetchOptions } from '../fetch/index.ts';
import { fetchAndExtract } from './fetch.ts';
import { builtinRules, loadArchiveRules } from './rules.ts';
import type { ExtractedArticle } from './types.ts';

export interface ExtractCommandOptions {
  json?: boolean;
  /** Archive folder whose `rules/*.txt` are used besides the built-in rules. */
  archive?: string;
  /** For a file: the URL to resolve its links against (default: its canonical URL). */
  url?: string;
  fetch?: FetchOptions;
}

/** Extracts `location` (http(s) URL or local file) and returns what to print. */
export async function extractCommand(location: string, opts: ExtractCommandOptions = {}): Promise<string> {
  const isUrl = /^https?:\/\//i.test(location);
  if (opts.url !== undefined && !/^https?:\/\/[^/\s]+/i.test(opts.url)) {
    throw new Error(`--url must be an http(s) URL (the address the saved page came from), not "${opts.url}"`);
  }
  const loaded = opts.archive ? await loadArchiveRules(path.resolve(opts.archive)) : { rules: builtinRules(), warnings: [] };
  const article = await fetchAndExtract(isUrl ? location : path.resolve(location), {
    ...opts.fetch,
    rules: loaded.rules,
    allowLocalPath: !isUrl,
    ...(opts.url ? { baseUrl: opts.url } : {}),
  });
  article.warnings.push(...loaded.warnings);
  return opts.json ? JSON.stringify(toJson(article), null, 2) : renderText(article);
}

function toJson(a: ExtractedArticle) {
  return {
    title: a.title,
    byline: a.byline,
    published: a.published,
    lang: a.lang,
    contentHtml: a.contentHtml,
    text: a.text,
    leadImage: a.leadImage,
    rule: a.rule,
    url: a.url,
    warnings: a.warnings,
  };
}

function renderText(a: ExtractedArticle): string {
  const lines = [
    `title:      ${a.title ?? '(none)'}`,
    `byline:     ${a.byline ?? '(none)'}`,
    `published:  ${a.published !== null ? new Date(a.published).toISOString() : '(none)'}`,
    `lang:       ${a.lang ?? '(none)'}`,
    `lead image: ${a.leadImage ?? '(none)'}`,
    `rule:       ${a.rule}`,
    `url:        ${a.url}`,
    `length:     ${a.text.length} characters of text, ${a.contentHtml.length} of HTML`,
    '',
    a.text,
  ];
  for (const w of a.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
