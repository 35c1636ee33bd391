/**
 * Where an article lives in the archive:
 *
 *   articles/<source-slug>/<YYYY>/<MM-DD>/<HHMM>_<title>_<id>.md
 *
 * Date and time are the publication time in UTC+8 (the archive's readers' clock; the lists use it too),
 * so GitHub's alphabetical listing is chronological. A year folder holds at most 366 day folders; a day
 * folder that reaches 1,000 entries spills into <MM-DD>-2, -3 … (GitHub lists no more than 1,000).
 * The title part is informative only: the article is found by its id (the last part of the name).
 */

export const MAX_DIR_ENTRIES = 1000;
const UTC8 = 8 * 3600 * 1000;
const TITLE_CHARS = 40;

export interface Utc8Parts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
}

export function utc8Parts(ms: number): Utc8Parts {
  const d = new Date(ms + UTC8);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return {
    year: String(d.getUTCFullYear()).padStart(4, '0'),
    month: p2(d.getUTCMonth() + 1),
    day: p2(d.getUTCDate()),
    hour: p2(d.getUTCHours()),
    minute: p2(d.getUTCMinutes()),
  };
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * Characters that never enter a file name: controls (C0, DEL, C1), format characters — bidi embeddings,
 * overrides and isolates (U+202A–202E, U+2066–2069), marks (U+200E/F, U+061C), zero-width characters, the
 * BOM, soft hyphens, tags — lone surrogates, and line/paragraph separators. A right-to-left override would
 * make `…gpj.exe` show as `…exe.jpg`.
 */
const NOT_IN_NAMES = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** A file-name fragment safe on Linux, macOS and Windows: no path separators, no reserved, control or
 *  format (bidi) characters, no leading/trailing dots or spaces, at most 40 characters (about 120 bytes of UTF-8). */
export function safeTitle(title: string): string {
  let s = title
    .normalize('NFC')
    .replace(NOT_IN_NAMES, '')
    .replace(/[<>:"/\\|?*#%&{}$!'`=+^~[\]]/g, ' ')
    .replace(/\s+/g, '-')
    .replace(/-{2,}/g, '-');
  s = [...s].slice(0, TITLE_CHARS).join('');
  s = s.replace(/^[-.\s_]+|[-.\s_]+$/g, '');
  if (WINDOWS_RESERVED.test(s)) s = `_${s}`;
  return s;
}

export function dayDir(sourceSlug: string, published: number, spill = 1): string {
  const p = utc8Parts(published);
  return `articles/${sourceSlug}/${p.year}/${p.month}-${p.day}${spill > 1 ? `-${spill}` : ''}`;
}

export function articleFileName(published: number, title: string, id: string): string {
  const p = utc8Parts(published);
  const t = safeTitle(title);
  return `${p.hour}${p.minute}_${t ? `${t}_` : ''}${id}.md`;
}

/** The id an article file name ends with. */
export function idFromFileName(name: string): string | null {
  const m = /(?:^|_)([a-z2-7]{10,16})\.md$/.exec(name);
  return m ? m[1]! : null;
}
