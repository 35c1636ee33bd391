/**
 * Folding: what makes two spellings one for search. Applied to the indexed text and to the query alike,
 * one code point at a time, so that every folded character can be traced back to the original text (the
 * snippets highlight the original, never the folded copy).
 *
 * For each code point: NFKC (full-width Ｇ２０ → g20, compatibility forms), lowercase, diacritics removed
 * (é → e; the combining marks of Latin, Greek and Cyrillic), ß → ss, then traditional → simplified
 * Chinese character by character with OpenCC's tables (opencc-js): the Hong Kong and Taiwan variant
 * characters to OpenCC's standard traditional ones, then traditional to simplified (習 → 习, 宮 → 宫,
 * 臺 → 台). Character by character, not by phrase: the same character always folds the same way whatever
 * stands around it, so a query and a text can never be folded differently (乾隆 and 乾 both fold 乾 → 干).
 */
import { Locale } from 'opencc-js/t2cn';

/** Characters of one OpenCC dictionary ("key value|key value|…") whose key and value are single code points. */
function singleChars(dict: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof dict !== 'string') return out;
  for (const entry of dict.split('|')) {
    const space = entry.indexOf(' ');
    if (space < 0) continue;
    const key = entry.slice(0, space);
    const value = entry.slice(space + 1).split(' ')[0] ?? '';
    if ([...key].length === 1 && [...value].length === 1) out.set(key, value);
  }
  return out;
}

/** traditional (any variant) → simplified, one character to one. */
function buildHanTable(): Map<string, string> {
  const ts = new Map<string, string>();
  for (const group of Locale.to.cn ?? []) for (const dict of group) for (const [k, v] of singleChars(dict)) ts.set(k, v);
  const variants = new Map<string, string>();
  for (const locale of ['hk', 'tw'] as const) {
    for (const group of Locale.from[locale] ?? []) for (const dict of group) for (const [k, v] of singleChars(dict)) if (!variants.has(k)) variants.set(k, v);
  }
  const table = new Map<string, string>();
  const once = (c: string) => {
    const v = variants.get(c) ?? c;
    return ts.get(v) ?? v;
  };
  for (const c of new Set([...ts.keys(), ...variants.keys()])) {
    // to a fixed point, so that folding is idempotent (才 → 纔 → 才)
    let f = once(c);
    for (let i = 0; i < 4; i++) {
      const g = once(f);
      if (g === f) break;
      f = g;
    }
    if (f !== c) table.set(c, f);
  }
  return table;
}

let han: Map<string, string> | null = null;
/** Combining marks removed after NFD: the diacritics of Latin, Greek and Cyrillic (and their supplements). */
const isDiacritic = (c: number) =>
  (c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe20 && c <= 0xfe2f);
function stripDiacritics(s: string): string {
  const d = s.normalize('NFD');
  let out = '';
  let stripped = false;
  for (let i = 0; i < d.length; i++) {
    if (isDiacritic(d.charCodeAt(i))) stripped = true;
    else out += d[i];
  }
  return stripped ? out.normalize('NFC') : s;
}
/** Folded BMP code points, filled as they are met. */
const bmp: (string | undefined)[] = new Array<string | undefined>(0x10000);
const astral = new Map<number, string>();

function computeFold(cp: number): string {
  const c = String.fromCodePoint(cp);
  let s = stripDiacritics(c.normalize('NFKC').toLowerCase());
  if (s.includes('ß')) s = s.replace(/ß/g, 'ss');
  han ??= buildHanTable();
  let out = '';
  for (const ch of s) out += han.get(ch) ?? ch;
  return out;
}

/** The folded form of one code point (possibly empty, for a lone combining mark; possibly longer: ㈱ → (株)). */
export function foldCodePoint(cp: number): string {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : String.fromCharCode(cp);
  if (cp < 0x10000) {
    let f = bmp[cp];
    if (f === undefined) bmp[cp] = f = computeFold(cp);
    return f;
  }
  let f = astral.get(cp);
  if (f === undefined) astral.set(cp, (f = computeFold(cp)));
  return f;
}

/** 1: the BMP code point folds to itself; 2: it does not; 0: not computed yet. */
const same = new Uint8Array(0x10000);

/** The folded text. Copies the runs of characters that fold to themselves in slices (most of a text). */
export function fold(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0xd800 || cp > 0xdbff) {
      let k = same[cp]!;
      if (k === 0) {
        const f = foldCodePoint(cp);
        same[cp] = k = f.length === 1 && f.charCodeAt(0) === cp ? 1 : 2;
      }
      if (k === 1) continue;
      out += text.slice(from, i) + foldCodePoint(cp);
      from = i + 1;
      continue;
    }
    const start = i;
    if (i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
        i++;
      }
    }
    const f = foldCodePoint(cp);
    if (f === text.slice(start, i + 1)) continue;
    out += text.slice(from, start) + f;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** The folded text and, for each of its UTF-16 units, the offset in `text` of the code point it came from
 *  (`origin[folded.length]` is `text.length`). */
export function foldWithOrigin(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const start = i;
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
        i++;
      }
    }
    const f = foldCodePoint(cp);
    folded += f;
    for (let k = 0; k < f.length; k++) origin.push(start);
  }
  origin.push(text.length);
  return { folded, origin };
}
