/**
 * The index stage: a SQLite full-text index of the archive (`.newsvault/index.sqlite`), derived from the
 * archive's files alone, for `newsvault search`. See docs/search.md.
 *
 * For commands that change the archive: after committing, call
 *     const r = await updateIndex(root, events);          // or { locked: true } while holding the lock
 *     if (r.warning) io.err(`newsvault: warning: ${r.warning}`);
 * It never throws: the archive is the source of truth, and an index that could not be updated is rebuilt
 * by the next search.
 */
import type { ChangeEvent } from '../archive/index.ts';
import type { Archive } from '../storage/index.ts';
import { applyEvents as applyTo, type ApplyReport } from './build.ts';
import type { Db } from './db.ts';
import { openDb } from './db.ts';
import { search as searchIn, type SearchOptions, type SearchResult } from './search.ts';

export { reindex, rowOf, updateIndex } from './build.ts';
export type { ApplyReport, ArticleRow, ReindexOptions, ReindexReport, UpdateOptions, UpdateResult } from './build.ts';
export { SCHEMA_VERSION, indexFile, isReady, type Db } from './db.ts';
export { QueryError, parseQuery, type ParsedQuery, type QueryTerm } from './query.ts';
export type { SearchHit, SearchOptions, SearchResult } from './search.ts';
export { markSnippet, makeSnippet, type Snippet } from './snippet.ts';
export { htmlToText } from './text.ts';
export { indexTokens, partsOf, termTokens, tokensOf } from './tokens.ts';
export { fold } from './fold.ts';

/** The archive's index, open; close it when done. */
export interface SearchIndex {
  readonly db: Db;
  close(): void;
}

/**
 * Opens the index of the archive at `root`; null when it must be (re)built first with `reindex(root)`:
 * missing, of another schema version, left unfinished, or no database.
 */
export function openIndex(root: string, opts: { readonly?: boolean } = {}): SearchIndex | null {
  const db = openDb(root, opts);
  return db ? { db, close: () => db.close() } : null;
}

/** Applies change events to an open index (call it under the archive's lock; `updateIndex` does both). */
export function applyEvents(index: SearchIndex, archive: Archive, events: readonly ChangeEvent[]): Promise<ApplyReport> {
  return applyTo(index.db, archive, events);
}

/** Searches the index: the best `limit` hits by BM25, newer first among equals. Throws QueryError for a
 *  query that cannot be parsed (its message is one line, for the user). */
export function search(index: SearchIndex, query: string, opts: SearchOptions = {}): SearchResult {
  return searchIn(index.db, query, opts);
}
