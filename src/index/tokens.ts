/**
 * The tokenizer, pure, used for indexing and for queries alike (see docs/search.md).
 *
 * Text is folded first (fold.ts), then cut into:
 *   - words: runs of letters, digits and marks of scripts written with spaces (Latin, Cyrillic, Greek,
 *     Hangul, …), e.g. `iphone`, `g20`, `2023`;
 *   - CJK runs: runs of Han characters (and kana, bopomofo), with no word boundaries to trust.
 * Everything else (spaces, punctuation, symbols) only separates.
 *
 * Each text gives one token stream (an FTS5 column each for the title and the body): every word, and every
 * CJK run as its overlapping bigrams followed by its last character on its own (普京与金正恩 → 普京 京与 与金
 * 金正 正恩 恩; a run of one character is that character). So every occurrence of a character is exactly one
 * token that starts with it: a one-character query is the prefix query `俄*` (tf exact for BM25), and a
 * longer CJK term is the phrase of its bigrams (金正恩 → "金正 正恩": consecutive overlapping bigrams can only
 * be the consecutive characters 金正恩; the last character between two runs keeps a phrase from spanning
 * punctuation). This finds one- and two-character words, which a trigram index cannot, with about one token
 * per character and no dictionary that would have to know every name in the news.
 */
import { fold, foldWithOrigin } from './fold.ts';

const SEP = 0;
const WORD = 1;
const CJK = 2;

const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u;
const WORD_RE = /[\p{L}\p{N}\p{M}]/u;
const classes = new Uint8Array(0x10000);
let classesReady = false;

function classifyCp(cp: number): number {
  const c = String.fromCodePoint(cp);
  // the iteration marks 々 〆 and 〇 are Han; the ideographic full stop and the like are not letters
  return CJK_RE.test(c) && WORD_RE.test(c) ? CJK : WORD_RE.test(c) ? WORD : SEP;
}

function prepareClasses(): void {
  for (let cp = 0; cp < 0x10000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (cp < 0x80) classes[cp] = (cp >= 0x30 && cp <= 0x39) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) ? WORD : SEP;
    else classes[cp] = classifyCp(cp);
  }
  classesReady = true;
}

function classOf(cp: number): number {
  if (!classesReady) prepareClasses();
  return cp < 0x10000 ? classes[cp]! : classifyCp(cp);
}

/** One token of folded text with where it came from in the original: [start, end) in UTF-16 units. */
export interface Token {
  text: string;
  cjk: boolean;
  start: number;
  end: number;
}

/**
 * Scans folded text into words and CJK characters. `origin` maps the folded offsets back to the original
 * text (identity when absent).
 */
function scan(folded: string, origin?: number[]): Token[] {
  const tokens: Token[] = [];
  const at = (i: number) => (origin ? origin[i]! : i);
  let wordStart = -1;
  const endWord = (i: number) => {
    if (wordStart >= 0) tokens.push({ text: folded.slice(wordStart, i), cjk: false, start: at(wordStart), end: at(i) });
    wordStart = -1;
  };
  for (let i = 0; i < folded.length; i++) {
    let cp = folded.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < folded.length) {
      const lo = folded.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    const k = classOf(cp);
    if (k === WORD) {
      if (wordStart < 0) wordStart = i;
    } else {
      endWord(i);
      if (k === CJK) tokens.push({ text: folded.slice(i, i + width), cjk: true, start: at(i), end: at(i + width) });
    }
    i += width - 1;
  }
  endWord(folded.length);
  return tokens;
}

/** The tokens of `text` (folded), with offsets into `text` itself: for highlighting. */
export function tokensOf(text: string): Token[] {
  const { folded, origin } = foldWithOrigin(text);
  return scan(folded, origin);
}

let buf = new Uint16Array(1 << 16);
const utf16 = new TextDecoder('utf-16le');
const SPACE = 0x20;

/** What to store in the index for `text`: space-separated tokens for FTS5's ascii tokenizer. Written into a
 *  reused UTF-16 buffer (no string per token: this is the indexer's inner loop). */
export function indexTokens(text: string): string {
  const folded = fold(text);
  const n = folded.length;
  // at most: a bigram (4 units) and a space per unit, and a final character
  if (buf.length < 5 * n + 8) buf = new Uint16Array(5 * n + 8);
  const bb = buf;
  let b = 0;
  // the current CJK run: its length and its previous character (one or two UTF-16 units)
  let run = 0;
  let p0 = 0;
  let p1 = -1;
  let wordStart = -1;
  const endWord = (end: number) => {
    for (let j = wordStart; j < end; j++) bb[b++] = folded.charCodeAt(j);
    bb[b++] = SPACE;
    wordStart = -1;
  };
  // the run's last character, on its own
  const endRun = () => {
    bb[b++] = p0;
    if (p1 >= 0) bb[b++] = p1;
    bb[b++] = SPACE;
    run = 0;
  };
  for (let i = 0; i < n; i++) {
    const c0 = folded.charCodeAt(i);
    let cp = c0;
    let c1 = -1;
    if (c0 >= 0xd800 && c0 <= 0xdbff && i + 1 < n) {
      const lo = folded.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = (c0 - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
        c1 = lo;
      }
    }
    const k = cp < 0x80 ? ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x61 && cp <= 0x7a) ? WORD : SEP) : classOf(cp);
    if (k === WORD) {
      if (run) endRun();
      if (wordStart < 0) wordStart = i;
    } else {
      if (wordStart >= 0) endWord(i);
      if (k === CJK) {
        if (run) {
          bb[b++] = p0;
          if (p1 >= 0) bb[b++] = p1;
          bb[b++] = c0;
          if (c1 >= 0) bb[b++] = c1;
          bb[b++] = SPACE;
        }
        p0 = c0;
        p1 = c1;
        run++;
      } else if (run) endRun();
    }
    if (c1 >= 0) i++;
  }
  if (wordStart >= 0) endWord(n);
  if (run) endRun();
  return utf16.decode(bb.subarray(0, Math.max(0, b - 1)));
}

/** A query term's tokens: words and CJK runs, in order. */
export type Part = { kind: 'word'; text: string } | { kind: 'cjk'; chars: string[] };

/**
 * The parts of a query term. In a quoted phrase (`joinSpaces`), white space between two CJK characters does
 * not end their run: `"普京 与 金正恩"` is 普京与金正恩 (Chinese is written without spaces).
 */
export function partsOf(term: string, joinSpaces = false): Part[] {
  const folded = fold(term);
  const tokens = scan(folded);
  const parts: Part[] = [];
  let last: Token | null = null;
  for (const t of tokens) {
    const prev = parts[parts.length - 1];
    if (t.cjk && prev?.kind === 'cjk' && last?.cjk && (last.end === t.start || (joinSpaces && /^\s+$/u.test(folded.slice(last.end, t.start))))) {
      prev.chars.push(t.text);
    } else if (t.cjk) parts.push({ kind: 'cjk', chars: [t.text] });
    else parts.push({ kind: 'word', text: t.text });
    last = t;
  }
  return parts;
}

/** One token of a query phrase; `prefix`: any token starting with it (a single CJK character). */
export interface QueryToken {
  text: string;
  prefix: boolean;
}

/** A term's tokens, a phrase when more than one: words as words; a one-character CJK run as the prefix of
 *  the token that starts with it; a longer run as its bigrams, then (when more follows) its last character. */
export function termTokens(parts: readonly Part[]): QueryToken[] {
  const tokens: QueryToken[] = [];
  parts.forEach((p, i) => {
    if (p.kind === 'word') tokens.push({ text: p.text, prefix: false });
    else if (p.chars.length === 1) tokens.push({ text: p.chars[0]!, prefix: true });
    else {
      for (let k = 1; k < p.chars.length; k++) tokens.push({ text: p.chars[k - 1]! + p.chars[k]!, prefix: false });
      if (i < parts.length - 1) tokens.push({ text: p.chars[p.chars.length - 1]!, prefix: false });
    }
  });
  return tokens;
}
