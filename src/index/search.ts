/**
 * Searching the index: FTS5's BM25 over the token columns (the title weighs three times the body),
 * newer first among equal scores (rowid order: see build.ts).
 */
import type { ArticleRow } from './build.ts';
import { SLOTS, type Db } from './db.ts';
import { parseQuery, type ParsedQuery } from './query.ts';
import { makeSnippet, type Snippet } from './snippet.ts';

export interface SearchOptions {
  /** Only these sources (slugs). */
  sources?: readonly string[];
  /** Only articles published at or after this time (ms). */
  since?: number;
  /** Only articles published before this time (ms). */
  until?: number;
  /** At most this many hits (default 20). */
  limit?: number;
  /** Characters of context in a snippet (default 100). */
  snippetWidth?: number;
}

/** An article found: its index row (without the text's hash) with its score and snippet. */
export interface SearchHit extends Omit<ArticleRow, 'goneReason' | 'hash' | 'text'> {
  /** BM25 as FTS5 gives it: lower is better. */
  score: number;
  snippet: Snippet;
}

export interface SearchResult {
  query: ParsedQuery;
  /** How many articles match (with the filters), of which `hits` are the best `limit`. */
  total: number;
  hits: SearchHit[];
}

// title, body
const WEIGHTS = '3.0, 1.0';

interface RankedRow {
  rowid: number;
  score: number;
}

interface ArticleRecordRow {
  source: string;
  id: string;
  path: string;
  title: string;
  link: string;
  published: number;
  first_seen: number;
  text_source: string;
  revisions: number;
  gone: number | null;
  text: string;
}

/** Searches the index; throws QueryError for a query that cannot be parsed. */
export function search(db: Db, query: string, opts: SearchOptions = {}): SearchResult {
  const parsed = parseQuery(query);
  const limit = opts.limit ?? 20;
  const params: Record<string, unknown> = { match: parsed.match, limit };
  // rowids are ordered by publication time (build.ts): the date filters are rowid ranges of the FTS query
  const range: string[] = [];
  if (opts.since !== undefined) {
    range.push('rowid >= @lo');
    params.lo = Math.max(0, Math.ceil(opts.since)) * SLOTS;
  }
  if (opts.until !== undefined) {
    range.push('rowid < @hi');
    params.hi = Math.max(0, Math.ceil(opts.until)) * SLOTS;
  }
  const fts = `SELECT rowid, bm25(fts, ${WEIGHTS}) AS score FROM fts WHERE fts MATCH @match${range.map((r) => ` AND ${r}`).join('')}`;
  let ranked: RankedRow[];
  let total: number;
  if (opts.sources?.length) {
    const inList = opts.sources.map((_, i) => `@s${i}`).join(', ');
    opts.sources.forEach((s, i) => (params[`s${i}`] = s));
    // bm25() must be computed in the FTS5 query itself, hence the materialized subquery
    ranked = db
      .prepare(`WITH m AS MATERIALIZED (${fts}) SELECT m.rowid AS rowid, m.score AS score FROM m JOIN articles a ON a.rowid = m.rowid WHERE a.source IN (${inList}) ORDER BY m.score, m.rowid DESC LIMIT @limit`)
      .all(params) as RankedRow[];
    const { limit: _limit, ...countParams } = params;
    total = db
      .prepare(`SELECT count(*) FROM fts JOIN articles a ON a.rowid = fts.rowid WHERE fts MATCH @match${range.map((r) => ` AND fts.${r}`).join('')} AND a.source IN (${inList})`)
      .pluck()
      .get(countParams) as number;
  } else {
    // ranking needs no other table: newer first among equal scores is rowid order
    ranked = db.prepare(`${fts} ORDER BY score, rowid DESC LIMIT @limit`).all(params) as RankedRow[];
    const { limit: _limit, ...countParams } = params;
    total = db.prepare(`SELECT count(*) FROM fts WHERE fts MATCH @match${range.map((r) => ` AND ${r}`).join('')}`).pluck().get(countParams) as number;
  }
  const get = db.prepare('SELECT source, id, path, title, link, published, first_seen, text_source, revisions, gone, text FROM articles WHERE rowid = ?');
  const hits = ranked.map((r): SearchHit => {
    const a = get.get(r.rowid) as ArticleRecordRow;
    return {
      source: a.source,
      id: a.id,
      path: a.path,
      title: a.title,
      link: a.link,
      published: a.published,
      firstSeen: a.first_seen,
      textSource: a.text_source === 'page' ? 'page' : 'feed',
      revisions: a.revisions,
      gone: a.gone,
      score: r.score,
      snippet: makeSnippet(a.text, parsed.terms, opts.snippetWidth),
    };
  });
  return { query: parsed, total, hits };
}
