/**
 * Where things live in an archive folder, named in one place.
 *
 * `.newsvault/` is the archive's local, git-ignored state: the lock, temporary files of atomic writes,
 * health and validators, extraction retries. Everything else in the folder is the archive itself.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** The state folder, relative to the archive root. */
export const STATE_DIR = '.newsvault';
/** Temporary files of atomic writes: inside the archive (so a rename is atomic), outside its tracked tree. */
export const TMP_DIR = `${STATE_DIR}/tmp`;
export const LOCK_FILE = `${STATE_DIR}/lock`;
/** One empty file per source whose store has written since it was opened and not been closed yet: after a
 *  kill, the next open of that source looks for article files without a record. */
export const OPEN_DIR = `${STATE_DIR}/open`;
export const HEALTH_FILE = `${STATE_DIR}/state.json`;
/** Where each source's store looks its articles up (ids, GUIDs, URLs, hashes, where each record's line is):
 *  a SQLite file (src/archive/entries.ts), so that a store need not read its manifest or hold its entries in
 *  memory; a cache, rebuilt from the manifests when missing or stale. */
export const LOOKUP_FILE = `${STATE_DIR}/lookup.sqlite`;
export const ATTEMPTS_FILE = `${STATE_DIR}/fulltext.json`;
/** Per source, the feed bodies the last run processed in full and the manifest's state after it (processed.ts):
 *  the same bytes again are skipped as a 304 is. */
export const PROCESSED_FILE = `${STATE_DIR}/feeds.json`;
/** The search index (SQLite), derived from the archive's files alone: deleting it loses nothing (`newsvault reindex`). */
export const INDEX_FILE = `${STATE_DIR}/index.sqlite`;
/** The archive's settings file at its root. */
export const CONFIG_FILE = 'newsvault.yaml';

/** Whether `dir` is an archive root: it holds a newsvault.yaml or a `.newsvault/` state folder. */
export function isArchiveRoot(dir: string): boolean {
  if (existsSync(path.join(dir, CONFIG_FILE))) return true;
  try {
    return statSync(path.join(dir, STATE_DIR)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The archive a command run in `start` works on, found like git finds its repository: `start` or the
 * nearest folder above it that is an archive root; null when there is none (the caller picks a default).
 */
export function findArchiveRoot(start: string): string | null {
  let dir = path.resolve(start);
  for (;;) {
    if (isArchiveRoot(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
