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

/** WHATWG URL serialisation (non-ASCII percent-encoded, host lower-cased); the input unchanged if it is no URL. */
export function normaliseLink(link: string | null | undefined): string {
  if (!link) return '';
  const trimmed = link.trim();
  try {
    return new URL(trimmed).href;
  } catch {
    return trimmed.replace(/\s/g, '%20');
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

export function renderArticle(a: ArticleFields): string {
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
