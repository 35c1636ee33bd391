/**
 * Search queries: parsed here, turned into an FTS5 MATCH expression built only from tokens the tokenizer
 * made (letters, digits, CJK characters), each quoted, so user input never reaches SQL or FTS5's own
 * query syntax as it was typed.
 *
 * Syntax: terms separated by white space are AND-ed (`普京 步枪`); quotes make a phrase (`"太空计划"`,
 * “太空计划”, 「太空计划」), inside which white space between Chinese characters is ignored. A term that
 * mixes scripts is a phrase of its parts (`G20峰会` is g20 followed by 峰会). Punctuation only separates.
 */
import { partsOf, termTokens, type Part } from './tokens.ts';

/** A query that cannot be searched for; the message is one line, for the user. */
export class QueryError extends Error {}

export interface QueryTerm {
  /** As typed (without its quotes). */
  raw: string;
  phrase: boolean;
  parts: Part[];
}

export interface ParsedQuery {
  terms: QueryTerm[];
  /** The FTS5 MATCH expression. */
  match: string;
}

export const MAX_QUERY_LENGTH = 1000;
export const MAX_TERMS = 32;

const OPEN_QUOTES: Record<string, string> = { '"': '"', '“': '”', '「': '」', '『': '』', '＂': '＂' };

/** Splits the query into terms and phrases; throws QueryError for what cannot be parsed. */
export function parseQuery(query: string): ParsedQuery {
  if (query.length > MAX_QUERY_LENGTH) throw new QueryError(`the query is too long (${query.length} characters; at most ${MAX_QUERY_LENGTH})`);
  const raw: { text: string; phrase: boolean }[] = [];
  let i = 0;
  let word = '';
  const endWord = () => {
    if (word) raw.push({ text: word, phrase: false });
    word = '';
  };
  while (i < query.length) {
    const c = query[i]!;
    const close = OPEN_QUOTES[c];
    if (close !== undefined) {
      endWord();
      const end = query.indexOf(close, i + 1);
      if (end < 0) throw new QueryError(`unclosed quote (${c}) in the query ${oneLine(query)} — close the phrase with ${close}`);
      raw.push({ text: query.slice(i + 1, end), phrase: true });
      i = end + 1;
      continue;
    }
    if (c === '”' || c === '」' || c === '』') throw new QueryError(`a closing quote (${c}) without its opening quote in the query ${oneLine(query)}`);
    if (/\s/u.test(c)) endWord();
    else word += c;
    i++;
  }
  endWord();
  const terms: QueryTerm[] = [];
  for (const r of raw) {
    const parts = partsOf(r.text, r.phrase);
    if (parts.length === 0) {
      if (r.phrase) throw new QueryError(`the phrase ${oneLine(r.text) || '(empty)'} has no letters, digits or Chinese characters to search for`);
      continue; // punctuation between terms
    }
    terms.push({ raw: r.text, phrase: r.phrase, parts });
  }
  if (terms.length === 0) throw new QueryError(query.trim() === '' ? 'the query is empty' : `nothing to search for in the query ${oneLine(query)}: no letters, digits or Chinese characters`);
  if (terms.length > MAX_TERMS) throw new QueryError(`the query has ${terms.length} terms; at most ${MAX_TERMS}`);
  return { terms, match: terms.map(matchOf).join(' AND ') };
}

/** One term's FTS5 expression: the phrase of its tokens, each quoted (`"金正" + "正恩"`, `"俄" *`). */
function matchOf(term: QueryTerm): string {
  return `(${termTokens(term.parts)
    .map((t) => `"${t.text.replace(/"/g, '""')}"${t.prefix ? ' *' : ''}`)
    .join(' + ')})`;
}

function oneLine(s: string, max = 60): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
