/**
 * The index database: `.newsvault/index.sqlite` (better-sqlite3), derived from the archive's files alone.
 *
 * `articles` holds one row per article (what the manifest record says, plus the plain text); `fts` is a
 * contentless FTS5 table (the text is in `articles`) over the token streams of tokens.ts, one column for
 * the title and one for the body, tokenized by FTS5's `ascii` tokenizer, which only splits at the spaces
 * the tokenizer put between tokens. A row is removed from `fts` with FTS5's 'delete' command
 * and the tokens it was indexed with (made again from the title and text in `articles`): an exact removal,
 * so the BM25 statistics of an updated index equal those of a rebuilt one (`contentless_delete` leaves them
 * counting removed rows until segments merge).
 *
 * The schema (and the tokenizer's output, which it stores) has a version in `PRAGMA user_version`; an
 * index of any other version, one whose last build did not finish (`meta.complete`), or a file that is no
 * SQLite database is never read: it is rebuilt from the archive.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { INDEX_FILE } from '../storage/paths.ts';

/** Bump on any change to the tables or to what the tokenizer or folding produce. */
export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
  rowid INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  path TEXT NOT NULL,
  title TEXT NOT NULL,
  link TEXT NOT NULL,
  published INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  text_source TEXT NOT NULL,
  revisions INTEGER NOT NULL,
  gone INTEGER,
  gone_reason TEXT,
  hash TEXT NOT NULL,
  text TEXT NOT NULL,
  UNIQUE (source, id)
);
CREATE INDEX articles_published ON articles (published);
CREATE VIRTUAL TABLE fts USING fts5(
  title, body,
  content = '', tokenize = 'ascii', detail = full
);
`;

export type Db = Database.Database;

/** Rows are numbered by publication time: `published × SLOTS + slot`, the slot from a hash of the source and
 *  id (the next free one when taken), so that ordering by rowid is ordering by date: a search ranks, breaks
 *  ties and filters by date without reading the articles table. Exact in JavaScript (below 2^53) until 2248. */
export const SLOTS = 1024;

/** The index file of the archive at `root`. */
export function indexFile(root: string): string {
  return path.join(root, INDEX_FILE);
}

/** Whether `db` holds a complete index of this schema. */
export function isReady(db: Db): boolean {
  try {
    if (db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) return false;
    const row = db.prepare("SELECT value FROM meta WHERE key = 'complete'").get() as { value: string } | undefined;
    return row?.value === '1';
  } catch {
    return false; // not a database, no meta table: never misread
  }
}

/**
 * Opens the index for reading and writing; null when there is no usable index (missing, another schema,
 * an unfinished build, not a database): then it must be rebuilt (`reindex`).
 */
export function openDb(root: string, opts: { readonly?: boolean } = {}): Db | null {
  const file = indexFile(root);
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: true, readonly: opts.readonly ?? false });
  } catch {
    return null;
  }
  db.pragma('busy_timeout = 10000');
  if (!isReady(db)) {
    db.close();
    return null;
  }
  return db;
}

/** Marks the index as not to be trusted: the next open rebuilds it. Never throws. */
export function markIncomplete(root: string): void {
  try {
    const db = new Database(indexFile(root), { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      db.prepare("UPDATE meta SET value = '0' WHERE key = 'complete'").run();
    } finally {
      db.close();
    }
  } catch {
    // no index, or not a database: it is rebuilt anyway
  }
}

/** A new, empty index at `file` (removed first), set up for a fast build: no journal until it is done. */
export async function createDb(file: string): Promise<Db> {
  await fs.rm(file, { force: true });
  await fs.rm(`${file}-journal`, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -16000'); // 16 MB
  db.exec(SCHEMA);
  // no merging of segments while building: one 'optimize' at the end costs far less
  db.exec("INSERT INTO fts (fts, rank) VALUES ('automerge', 0)");
  // larger in-memory batches of terms before each segment is written (FTS5's default is 1 MB); 8 MB
  db.exec("INSERT INTO fts (fts, rank) VALUES ('hashsize', 8388608)");
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  db.prepare("INSERT INTO meta (key, value) VALUES ('complete', '0'), ('tokenizer', 'cjk-bigrams-last+opencc-t2s-chars+nfkc-lower-nodiacritics')").run();
  return db;
}

/** Ends a build: marks it complete, optimizes the FTS index, restores a normal journal. */
export function finishDb(db: Db): void {
  db.prepare("INSERT INTO fts (fts) VALUES ('optimize')").run();
  // FTS5's defaults, for the updates to come
  db.exec("INSERT INTO fts (fts, rank) VALUES ('automerge', 4)");
  db.exec("INSERT INTO fts (fts, rank) VALUES ('hashsize', 1048576)");
  db.prepare("UPDATE meta SET value = '1' WHERE key = 'complete'").run();
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('built', ?)").run(String(Date.now()));
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = FULL');
}
