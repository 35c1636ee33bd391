/**
 * Reading one file of the original archive: its header fields, or why it is left out. The bytes are never
 * changed here; the fields are only what the archive needs to place, dedupe and list the article.
 */
import type { ArticleFields } from '../archive/index.ts';
import { parseArticle } from '../archive/index.ts';

export type ReadResult =
  | { ok: true; fields: ArticleFields; /** false when the strict parser refused the header and the lenient reading below was used */ strict: boolean }
  | { ok: false; reason: string };

/** The date line the feedx feeds put first in every body (`<div><i>Tue, 13 Oct 2020 01:13:37 GMT</i></div>`). */
const DATE_DIV = /^\s*<div><i>[^<]*<\/i><\/div>/i;
/** The footer feedx appended to some items. */
const FEEDX_FOOTER = /<br><hr><div>获取更多RSS：[\s\S]*$/;
const MEDIA = /<(img|video|audio|iframe|embed|object|picture|source)\b/i;

/** Why a body holds no article (nothing, or only the feed's date line and footer), or null when it holds one. */
export function emptyBodyReason(html: string): string | null {
  if (html.trim() === '') return 'empty body';
  if (MEDIA.test(html)) return null;
  const rest = html.replace(DATE_DIV, '').replace(FEEDX_FOOTER, '');
  const text = rest
    .replace(/<[^>]*>/g, '')
    .replace(/&(nbsp|#160|#xa0);/gi, ' ')
    .replace(/[\s\u00a0\u3000]+/g, '');
  if (text !== '') return null;
  return DATE_DIV.test(html) ? 'empty body (only the date line)' : 'empty body (no text)';
}

/**
 * Reads a file's header. The strict parser (src/archive/format.ts) reads every file of the sample; the
 * lenient reading takes what it refuses but is still the format in substance: CRLF line ends, a BOM, a
 * title holding an unescaped `]` (the original script wrote titles raw), no blank line before the body.
 */
export function readOldArticle(bytes: Uint8Array): ReadResult {
  if (bytes.byteLength === 0) return { ok: false, reason: 'empty file' };
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(buffer)) return { ok: false, reason: 'not valid UTF-8' };
  const strict = parseArticle(text);
  const fields = strict ?? lenient(text);
  if (typeof fields === 'string') return { ok: false, reason: fields };
  if (!Number.isSafeInteger(fields.published)) return { ok: false, reason: `header time ${fields.published} out of range` };
  const empty = emptyBodyReason(fields.contentHtml);
  if (empty) return { ok: false, reason: empty };
  return { ok: true, fields, strict: strict !== null };
}

/** The fields of a header in a variant the strict parser refuses, or why it is no header. */
function lenient(text: string): ArticleFields | string {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const time = /^<!--(\d+)-->$/.exec(lines[0]?.trim() ?? '');
  if (!time) return 'no header (line 1 is not <!--milliseconds-->)';
  const titleLine = lines[1]?.trim() ?? '';
  const split = titleLine.lastIndexOf('](');
  if (!titleLine.startsWith('[') || !titleLine.endsWith(')') || split < 0) return 'no title line ([title](link) on line 2)';
  if (lines[2]?.trim() !== '------') return 'no "------" line under the title';
  const bodyLines = lines.slice(lines[3]?.trim() === '' ? 4 : 3);
  while (bodyLines.length > 0 && bodyLines[bodyLines.length - 1] === '') bodyLines.pop();
  return {
    published: Number(time[1]),
    title: titleLine.slice(1, split),
    link: titleLine.slice(split + 2, -1),
    contentHtml: bodyLines.join('\n'),
  };
}
