/**
 * Snippets: a window of an article's original plain text around the query's matches, with the matches
 * located over the original text (folded one code point at a time, so every match maps back to the exact
 * characters typed by the source: 習近平 is highlighted in a traditional text for the query 习近平).
 */
import type { QueryTerm } from './query.ts';
import { tokensOf, type Part, type Token } from './tokens.ts';

export interface Snippet {
  /** The text of the window, white space folded to single spaces, `…` where it was cut. */
  text: string;
  /** The highlighted ranges of `text`: [start, end) in code points. */
  highlights: [number, number][];
}

interface Needle {
  term: number;
  tokens: string[];
  /** Whether token i must touch token i - 1 in the text (two characters of one CJK run). */
  touching: boolean[];
}

function needleOf(parts: readonly Part[], term: number): Needle {
  const tokens: string[] = [];
  const touching: boolean[] = [];
  for (const p of parts) {
    if (p.kind === 'word') {
      tokens.push(p.text);
      touching.push(false);
    } else {
      p.chars.forEach((c, i) => {
        tokens.push(c);
        touching.push(i > 0);
      });
    }
  }
  return { term, tokens, touching };
}

interface Match {
  term: number;
  start: number;
  end: number;
}

/** Every place in `tokens` where a term matches, in text order. */
export function findMatches(tokens: readonly Token[], terms: readonly QueryTerm[]): Match[] {
  const needles = terms.map((t, i) => needleOf(t.parts, i));
  const out: Match[] = [];
  for (let i = 0; i < tokens.length; i++) {
    for (const n of needles) {
      if (i + n.tokens.length > tokens.length) continue;
      let ok = true;
      for (let k = 0; k < n.tokens.length && ok; k++) {
        const t = tokens[i + k]!;
        ok = t.text === n.tokens[k] && (!n.touching[k] || tokens[i + k - 1]!.end === t.start);
      }
      if (ok) out.push({ term: n.term, start: tokens[i]!.start, end: tokens[i + n.tokens.length - 1]!.end });
    }
  }
  return out;
}

/**
 * The snippet of `text` for `terms`: about `width` characters around the place where the most distinct
 * terms match (the earliest such place); the text's start when nothing matches in it (a match in the title).
 */
export function makeSnippet(text: string, terms: readonly QueryTerm[], width = 100): Snippet {
  const matches = findMatches(tokensOf(text), terms);
  let from = 0;
  if (matches.length) {
    let best = -1;
    for (const m of matches) {
      const lo = Math.max(0, m.start - Math.floor(width / 4));
      const seen = new Set<number>();
      for (const o of matches) if (o.start >= lo && o.end <= lo + width) seen.add(o.term);
      if (seen.size > best) {
        best = seen.size;
        from = lo;
      }
    }
  }
  let to = Math.min(text.length, from + width);
  // never cut a surrogate pair
  if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from--;
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to++;
  // the window's text, white space folded, with a map from text offsets to code point offsets in the snippet
  let out = from > 0 ? '…' : '';
  let cps = out.length;
  const at = new Map<number, number>();
  let space = false;
  for (let i = from; i < to; i++) {
    at.set(i, cps);
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (!space && cps > 0 && !(cps === 1 && out === '…')) {
        out += ' ';
        cps++;
      }
      space = true;
      continue;
    }
    space = false;
    if (isHighSurrogate(text.charCodeAt(i)) && i + 1 < to) {
      out += text.slice(i, i + 2);
      at.set(i + 1, cps);
      i++;
    } else out += c;
    cps++;
  }
  at.set(to, cps);
  out = out.trimEnd();
  const cut = to < text.length;
  const highlights: [number, number][] = [];
  for (const m of matches) {
    if (m.start < from || m.end > to) continue;
    const s = at.get(m.start);
    const e = at.get(m.end);
    if (s === undefined || e === undefined || e <= s) continue;
    const last = highlights[highlights.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else highlights.push([s, e]);
  }
  return { text: cut ? `${out}…` : out, highlights };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The snippet with its highlights marked by `open` and `close` (e.g. `[` `]`, or terminal colours). */
export function markSnippet(s: Snippet, mark: (text: string) => string): string {
  const cps = [...s.text];
  let out = '';
  let pos = 0;
  for (const [a, b] of s.highlights) {
    out += cps.slice(pos, a).join('') + mark(cps.slice(a, b).join(''));
    pos = b;
  }
  return out + cps.slice(pos).join('');
}
