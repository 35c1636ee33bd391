/**
 * Writing the index: a full build from the archive (`reindex`), and incremental updates from change events
 * (`applyEvents`, `updateIndex`). Both read the archive through the storage boundary (`Archive`: the
 * manifests' records, the article files by their recorded paths), never by a scan of their own, and turn
 * a record and its file into the same row: so an index kept up to date by events equals a rebuilt one.
 *
 * Every write to the index happens under the archive's lock (the lock of `run`, `import`, `recheck`), so
 * a rebuild can swap the new file in while nobody writes the old one. An update that cannot take the lock,
 * or fails, marks the index incomplete: the next search or update rebuilds it.
 */
import { promises as fs } from 'node:fs';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeHTML } from 'entities';
import { isChange, parseArticle, type ChangeEvent, type ManifestRecord } from '../archive/index.ts';
import { LockedError, openStorage, type Archive } from '../storage/index.ts';
import { SLOTS, createDb, finishDb, indexFile, markIncomplete, openDb, type Db } from './db.ts';
import { htmlToText } from './text.ts';
import { indexTokens } from './tokens.ts';

/** One article as the index keeps it. */
export interface ArticleRow {
  source: string;
  id: string;
  path: string;
  title: string;
  link: string;
  published: number;
  firstSeen: number;
  textSource: 'feed' | 'page';
  revisions: number;
  /** When it was noticed removed at its source (ms), or null. */
  gone: number | null;
  goneReason: string | null;
  hash: string;
  /** The plain text of the article's body. */
  text: string;
}

/** The row of an article from its manifest record and its file's text; null when the file is no article. */
export function rowOf(source: string, record: ManifestRecord, fileText: string): ArticleRow | null {
  const fields = parseArticle(fileText);
  if (!fields) return null;
  return {
    source,
    id: record.id,
    path: record.path,
    title: decodeHTML(record.title),
    link: record.link,
    published: record.published,
    firstSeen: record.firstSeen,
    textSource: record.textSource ?? 'feed',
    revisions: record.revisions?.length ?? 0,
    gone: record.gone?.at ?? null,
    goneReason: record.gone?.reason ?? null,
    hash: record.hash,
    text: htmlToText(fields.contentHtml),
  };
}

function slotOf(source: string, id: string): number {
  let h = 0x811c9dc5;
  const key = `${source}/${id}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SLOTS;
}

/** Prepared statements over an open index. */
class Writer {
  private readonly insertArticle;
  private readonly insertFts;
  private readonly deleteFts;
  private readonly findRow;
  private readonly setGone;

  private readonly rowidTaken;
  private readonly deleteArticle;

  constructor(db: Db) {
    this.insertArticle = db.prepare(
      `INSERT INTO articles (rowid, source, id, path, title, link, published, first_seen, text_source, revisions, gone, gone_reason, hash, text)
       VALUES (@rowid, @source, @id, @path, @title, @link, @published, @firstSeen, @textSource, @revisions, @gone, @goneReason, @hash, @text)`,
    );
    this.insertFts = db.prepare('INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)');
    this.deleteFts = db.prepare("INSERT INTO fts (fts, rowid, title, body) VALUES ('delete', ?, ?, ?)");
    this.deleteArticle = db.prepare('DELETE FROM articles WHERE rowid = ?');
    this.findRow = db.prepare('SELECT rowid, title, text FROM articles WHERE source = ? AND id = ?');
    this.rowidTaken = db.prepare('SELECT 1 FROM articles WHERE rowid = ?').pluck();
    this.setGone = db.prepare('UPDATE articles SET gone = ?, gone_reason = ? WHERE source = ? AND id = ?');
  }

  /** The row number of an article: see SLOTS. */
  private rowidFor(row: ArticleRow, taken: (rowid: number) => boolean): number {
    const base = Math.max(0, Math.floor(row.published)) * SLOTS;
    const slot = slotOf(row.source, row.id);
    for (let k = 0; k < SLOTS; k++) {
      const rowid = base + ((slot + k) % SLOTS);
      if (!taken(rowid)) return rowid;
    }
    throw new Error(`more than ${SLOTS} articles published in the same millisecond`);
  }

  /** Rowids given by this writer in a build (no lookups needed). */
  private readonly given = new Set<number>();

  private write(row: ArticleRow, taken: (rowid: number) => boolean): void {
    const rowid = this.rowidFor(row, taken);
    this.insertArticle.run({ ...row, rowid });
    this.insertFts.run(rowid, indexTokens(row.title), indexTokens(row.text));
    this.given.add(rowid);
  }

  /** Adds a row to an index known not to hold it (a build). */
  insert(row: ArticleRow): void {
    this.write(row, (rowid) => this.given.has(rowid));
  }

  /** Adds or replaces the row of an article. */
  upsert(row: ArticleRow): void {
    const old = this.findRow.get(row.source, row.id) as { rowid: number; title: string; text: string } | undefined;
    if (old !== undefined) {
      // the tokens it was indexed with: the tokenizer is part of the schema version
      this.deleteFts.run(old.rowid, indexTokens(old.title), indexTokens(old.text));
      this.deleteArticle.run(old.rowid);
    }
    this.write(row, (rowid) => this.rowidTaken.get(rowid) !== undefined);
  }

  /** Marks an article gone; false when the index has no row for it. */
  gone(source: string, id: string, at: number, reason: string | null): boolean {
    return this.setGone.run(at, reason, source, id).changes > 0;
  }
}

/** What an update did. */
export interface ApplyReport {
  /** Articles added or replaced. */
  upserted: number;
  /** Articles marked gone. */
  gone: number;
  /** Problems: an article file that could not be read or is no article (its row is left as it was). */
  warnings: string[];
}

const BATCH = 256;

/**
 * A full collection every 8,192 articles while building. Indexing allocates fast (each article's file, text and
 * tokens) and V8, on a machine with memory to spare, lets that garbage pile up for a long while: the peak
 * RSS of a 100,000-article build went from 220–290 MiB to about 180 MiB with this (docs/benchmarks.md). The collector is
 * reached through `--expose-gc` set at run time, in a context of its own; where that fails, nothing is done.
 */
const GC_EVERY = 8192;
let gc: (() => void) | null | undefined;
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

/** An article file's text through the storage boundary; null when it cannot be read. */
function readArticle(archive: Archive, rel: string): Promise<string | null> {
  return Promise.resolve()
    .then(() => archive.readPage(rel))
    .catch(() => null);
}

/**
 * Applies change events to an open index: `added` and `revised` read the article's file and add or replace
 * its row, `gone` marks it; `unchanged` and `failed` change nothing. The writes of each batch are one
 * transaction. Call it under the archive's lock (see `updateIndex`, which takes it).
 */
export async function applyEvents(db: Db, archive: Archive, events: readonly ChangeEvent[]): Promise<ApplyReport> {
  const report: ApplyReport = { upserted: 0, gone: 0, warnings: [] };
  const writer = new Writer(db);
  const changes = events.filter(isChange);
  for (let i = 0; i < changes.length; i += BATCH) {
    const batch = changes.slice(i, i + BATCH);
    // read every file first (async), then write the batch in one transaction (sync)
    const texts = await Promise.all(batch.map((e) => (e.record ? readArticle(archive, e.record.path) : Promise.resolve(null))));
    db.transaction(() => {
      batch.forEach((e, k) => {
        const record = e.record;
        if (e.type === 'gone') {
          const at = record?.gone?.at ?? e.at;
          if (writer.gone(e.source, e.id, at, record?.gone?.reason ?? e.reason ?? null)) {
            report.gone++;
            return;
          }
          // an article the index does not have yet: add it whole, when the event carries its record
          if (!record) return;
        }
        const text = texts[k];
        // a gone event's record carries the mark (recheck sets it); else the event's own time and reason
        const marked = e.type === 'gone' && record && !record.gone ? { ...record, gone: { at: e.at, reason: e.reason ?? 'gone' } } : record;
        const row = marked && typeof text === 'string' ? rowOf(e.source, marked, text) : null;
        if (!row) {
          report.warnings.push(`${record?.path ?? e.source}: not indexed (the article file is missing or not in the archive's format)`);
          return;
        }
        writer.upsert(row);
        if (e.type === 'gone') report.gone++;
        else report.upserted++;
      });
    })();
  }
  return report;
}

/** What a full build did. */
export interface ReindexReport {
  sources: number;
  articles: number;
  /** Problems met: damaged manifest lines, article files missing or unreadable. */
  warnings: string[];
  ms: number;
}

export interface ReindexOptions {
  /** The caller holds the archive's lock already. */
  locked?: boolean;
  /** Called after each batch with the articles indexed so far and the source being indexed. */
  onProgress?: (done: number, source: string) => void;
}

/**
 * Builds the index from nothing: every record of every source's manifest (through `Archive`), each
 * article's file, into a new file that then replaces the index at once (a failed build leaves the old one).
 * Takes the archive's lock unless the caller holds it (throws LockedError when another process does).
 */
export async function reindex(root: string, opts: ReindexOptions = {}): Promise<ReindexReport> {
  const start = Date.now();
  const { archive, state } = openStorage(root);
  const lock = opts.locked ? null : await state.lock('newsvault reindex');
  try {
    const file = indexFile(root);
    const tmp = `${file}.build`;
    const report: ReindexReport = { sources: 0, articles: 0, warnings: [], ms: 0 };
    const slugs = await archive.slugs();
    const db = await createDb(tmp);
    try {
      const writer = new Writer(db);
      // one source at a time, so that only one manifest is in memory
      for (const slug of slugs) {
        let records: ManifestRecord[];
        {
          const store = await archive.source(slug);
          report.warnings.push(...store.warnings);
          records = store.all();
        }
        report.sources++;
        // in rowid order, that is by publication time: FTS5 writes a segment whenever a rowid is lower than the last
        records.sort((a, b) => a.published - b.published || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const read = (from: number) => Promise.all(records.slice(from, from + BATCH).map((record) => readArticle(archive, record.path)));
        // the next batch's files are read while this one is indexed; one transaction per source (FTS5 writes a
        // segment at every commit; a build that fails is thrown away whole anyway)
        let next = read(0);
        db.exec('BEGIN');
        for (let i = 0; i < records.length; i += BATCH) {
          const texts = await next;
          if (i + BATCH < records.length) next = read(i + BATCH);
          texts.forEach((text, k) => {
            const record = records[i + k]!;
            const row = text === null ? null : rowOf(slug, record, text);
            if (!row) {
              report.warnings.push(`${record.path}: not indexed (the article file is missing or not in the archive's format)`);
              return;
            }
            writer.insert(row);
            report.articles++;
          });
          opts.onProgress?.(report.articles, slug);
          if (report.articles % GC_EVERY < BATCH) collectGarbage();
        }
        db.exec('COMMIT');
      }
      finishDb(db);
    } catch (err) {
      db.close();
      await fs.rm(tmp, { force: true });
      throw err;
    }
    db.close();
    // the old index's journal (left by a killed writer) must not be applied to the new file
    await fs.rm(`${file}-journal`, { force: true });
    await fs.rename(tmp, file);
    report.ms = Date.now() - start;
    return report;
  } finally {
    await lock?.release();
  }
}

/** What `updateIndex` did: */
export interface UpdateResult {
  /** `updated` from the events; `rebuilt` (the index was outdated or incomplete); `absent`: there is no index
   *  yet (the first search builds it); `failed`: see `warning` (the index is marked for a rebuild). */
  status: 'updated' | 'rebuilt' | 'absent' | 'failed';
  upserted: number;
  gone: number;
  warnings: string[];
  /** Why the index could not be updated, one line, for the user; the archive itself is not affected. */
  warning?: string;
}

export interface UpdateOptions {
  /** The caller holds the archive's lock already (else it is taken for the update). */
  locked?: boolean;
}

/**
 * Brings the index of the archive at `root` up to date after a command committed `events` (what `run`,
 * `import` and `recheck` call). Never throws: the archive is the source of truth, so a failure is a warning
 * and the index is marked to be rebuilt by the next search.
 */
export async function updateIndex(root: string, events: readonly ChangeEvent[], opts: UpdateOptions = {}): Promise<UpdateResult> {
  const result: UpdateResult = { status: 'updated', upserted: 0, gone: 0, warnings: [] };
  const exists = await fs.stat(indexFile(root)).then(() => true, () => false);
  if (!exists) return { ...result, status: 'absent' };
  if (!events.some(isChange)) {
    // nothing to apply; an unusable index is left for the next search to rebuild
    return result;
  }
  const { archive, state } = openStorage(root);
  let lock: Awaited<ReturnType<typeof state.lock>> | null = null;
  try {
    if (!opts.locked) lock = await state.lock('newsvault index');
    const db = openDb(root);
    if (!db) {
      const r = await reindex(root, { locked: true });
      return { ...result, status: 'rebuilt', upserted: r.articles, warnings: r.warnings };
    }
    try {
      const r = await applyEvents(db, archive, events);
      return { ...result, upserted: r.upserted, gone: r.gone, warnings: r.warnings };
    } finally {
      db.close();
    }
  } catch (err) {
    markIncomplete(root);
    const why = err instanceof LockedError ? err.message : err instanceof Error ? err.message : String(err);
    return { ...result, status: 'failed', warning: `the search index was not updated (${why.split('\n')[0]}); the next \`newsvault search\` rebuilds it` };
  } finally {
    await lock?.release().catch(() => undefined);
  }
}
