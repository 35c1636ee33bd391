/**
 * The archive's article file format, fixed by the golden files (test/fixtures/golden):
 *
 *   <!--{published ms}-->
 *   [{title}]({link as WHATWG URL href})
 *   ------
 *
 *   {content: every line trimmed, lines joined}
 *
 * and one final newline. Pure functions only.
 */

const LATIN_END = /[\p{Script=Latin}\p{Nd},.;:!?)'"’”]$/u;
const LATIN_START = /^[\p{Script=Latin}\p{Nd}]/u;

/** Trims each line and joins the lines. A break between two Latin words becomes one space
 *  (so "in\nBeijing" does not glue into "inBeijing"); everything else joins with nothing,
 *  which is what the golden files hold. `<pre>` blocks are kept verbatim, breaks included. */
export function joinLines(html: string): string {
  let out = '';
  const pre = /<pre[\s>][\s\S]*?<\/pre\s*>/gi;
  let last = 0;
  for (const match of html.matchAll(pre)) {
    out = appendText(out, html.slice(last, match.index));
    out += match[0];
    last = match.index + match[0].length;
  }
  return appendText(out, html.slice(last));
}

function appendText(out: string, segment: string): string {
  for (const raw of segment.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (out !== '' && LATIN_END.test(out) && LATIN_START.test(line)) out += ' ';
    out += line;
  }
  return out;
}

/** Characters WHATWG leaves in a URL that would end or bend the Markdown link `[title](link)`: parentheses,
 *  angle brackets, spaces and backslashes (which Markdown reads as escapes). Percent-encoded, they mean
 *  the same to every web server and cannot close the link. */
const MARKDOWN_UNSAFE = /[()<>\s\\]/g;

/**
 * An item's link as the archive writes it: WHATWG URL serialisation (non-ASCII percent-encoded, host
 * lower-cased) with `(`, `)`, `<`, `>`, whitespace and `\` percent-encoded, so that it can never end the
 * Markdown link it stands in. Only http(s) links are kept: anything else (javascript:, data:, file:, no
 * URL at all) gives '' — no link — and the caller says so.
 */
export function normaliseLink(link: string | null | undefined): string {
  if (!link) return '';
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    return '';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return '';
  return url.href.replace(MARKDOWN_UNSAFE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Why `normaliseLink` gave no link for a link a feed did give, or null when it kept one (or none was given). */
export function linkRefusal(link: string | null | undefined): string | null {
  if (!link || normaliseLink(link) !== '') return null;
  const shown = JSON.stringify(link.length > 80 ? `${link.slice(0, 80)}…` : link);
  try {
    return `the link ${shown} is a ${new URL(link.trim()).protocol} URL, not http(s)`;
  } catch {
    return `the link ${shown} is no absolute URL`;
  }
}

/** The title as it stands in the file: trimmed, inner line breaks folded, brackets escaped so the Markdown link holds. */
export function titleForFile(title: string): string {
  return title
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim()
    .replace(/\\/g, '\\\\')
    .replace(/([[\]])/g, '\\$1');
}

export interface ArticleFields {
  published: number;
  title: string;
  link: string;
  contentHtml: string;
}

/** Whether a publication time fits the header: `<!--digits-->` holds whole ms since 1970, with no sign. */
export function isArchivableTime(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= 0;
}

export function renderArticle(a: ArticleFields): string {
  if (!isArchivableTime(a.published)) throw new RangeError(`publication time ${a.published} cannot be written (not a whole number of ms since 1970)`);
  return `<!--${a.published}-->\n[${titleForFile(a.title)}](${normaliseLink(a.link)})\n------\n\n${joinLines(a.contentHtml)}\n`;
}

/** Reads back a file written by renderArticle (or by the original archive). Null when the file is not in the format. */
export function parseArticle(text: string): ArticleFields | null {
  const m = /^<!--(\d+)-->\n\[((?:\\.|[^\]\\])*)\]\(([^\n]*)\)\n------\n\n([\s\S]*?)\n?$/.exec(text);
  if (!m) return null;
  return {
    published: Number(m[1]),
    title: m[2]!.replace(/\\(.)/g, '$1'),
    link: m[3]!,
    contentHtml: m[4]!,
  };
}
