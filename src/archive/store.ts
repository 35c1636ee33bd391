/**
 * One source's part of the archive: its article files, their revisions, and its manifest journal
 * (see manifest.ts). Dedupe, stable placement and revision-keeping live here.
 *
 * Each item goes through two steps:
 * - `plan` (no writes): is it new, an edit of an archived article, or nothing new? For a new article it
 *   picks the file's path, so that the caller can do its network work (extract, mirror images) first;
 * - `commit` (one call): writes the revision, the article and its manifest record, and returns a change
 *   event. A commit killed at any point loses nothing, because
 *     1. the text being replaced is first saved as a revision file that is created whole and never
 *        overwritten (`writeOnce`): a retried commit cannot replace a saved text with another;
 *     2. the article file is then replaced atomically;
 *     3. the manifest record is appended and flushed last: it is the commit point.
 *   A retry after a kill between 2 and 3 finds the article file already holding the new text, finds the
 *   recorded text among the revision files by its SHA-256, and records it; a kill between 1 and 2 leaves a
 *   revision file that the retry recognises by its bytes instead of writing it again. As the item may never
 *   be committed again (gone from its feed, or back to its recorded text), the next open of a source a
 *   session left marked does the same for the files written since (`settleCutShort`).
 * A run defers its new articles (`CommitOptions.defer`): their files are written whole but flushed together,
 * and their records appended after that (`flush`); see durable.ts. The store keeps no records in memory,
 * only where each is in the manifest and its lookup keys (lookup.ts).
 */
import { closeSync, openSync, promises as fs, readSync } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../domain.ts';
import { appendDurable, inside, listDir, readText, sha256, writeAtomic, writeOnce } from '../util/index.ts';
import type { ArticleAdded, ArticleGone, ArticleRevised, ArticleUnchanged, ChangeEvent } from './events.ts';
import { isArchivableTime, joinLines, linkRefusal, normaliseLink, parseArticle, renderArticle, type ArticleFields } from './format.ts';
import { articleId, bodyHash, canonicalUrl, contentHash, identityKey } from './identity.ts';
import { MAX_DIR_ENTRIES, articleFileName, dayDir, idFromFileName } from './layout.ts';
import { syncAll, writeUnsynced } from './durable.ts';
import { Entries, lookupDb, monthOf, type LookupDb } from './entries.ts';
import { edgeOf, entryOf, type Entry, type ManifestState } from './lookup.ts';
import { manifestRecordSchema, scanManifest, serialiseRecord, type ManifestRecord, type RevisionEntry } from './manifest.ts';

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

/** Where an archive's files are and where its temporary files go. */
export interface ArchiveFiles {
  root: string;
  tmpDir: string;
  /** Where a store marks its source while it has written and not been closed (see `close`). */
  openDir?: string;
  /** The lookup database (see entries.ts); none: a store keeps its entries in memory, read from the manifest. */
  lookupFile?: string;
}

/** A source's size for the front page. */
export interface SourceStats {
  count: number;
  /** The newest publication time (0 without articles). */
  newest: number;
  /** The newest time an article was added or changed (0 without articles). */
  lastUpdate: number;
}

/** What identifies an item and what would be written for it: computed once per item. */
export interface ItemKeys {
  /** The body as given (before line joining). */
  contentHtml: string;
  /** The body with its lines joined, as the article file holds it. */
  body: string;
  guid: string | null;
  /** The link as the feed gave it (or the GUID standing in for it), before `normaliseLink`. */
  givenLink: string | null;
  /** The link as written: http(s) only, Markdown-safe; '' when the feed gave none that can be kept. */
  link: string;
  canonical: string | null;
  title: string;
  /** contentHash(title, body). */
  hash: string;
}

/**
 * A copy of `s` that holds nothing else alive. A parser's strings are often slices of the whole feed's text
 * (V8 keeps a substring as a view of its parent), so one title kept in a record or a lookup key would keep a
 * feed of megabytes in memory until the run ends: what outlives the item (identity keys, title, link) is
 * copied, code unit for code unit: the concatenation is flattened into a new string when sliced, and the
 * slice's parent is that copy. Short strings are never slices; a copy of a few hundred bytes costs nothing
 * beside the parse.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

export function itemKeys(item: FeedItem): ItemKeys {
  const contentHtml = item.content ?? item.summary ?? '';
  const body = joinLines(contentHtml);
  const id = item.id?.trim();
  const guid = id ? detached(id) : null;
  const givenLink = item.link != null ? detached(item.link) : guid && /^https?:\/\//i.test(guid) ? guid : null;
  const link = normaliseLink(givenLink);
  const title = detached(item.title.trim());
  return { contentHtml, body, guid, givenLink, link, canonical: canonicalUrl(link), title, hash: contentHash(title, body) };
}

/** How far ahead of the run a publication time may be (clocks and time zones err) before it is taken for a bad date. */
export const FUTURE_SLACK_MS = 24 * 3600 * 1000;

/** A publication time the archive believes: since 1970 (the header has no sign) and not more than a day ahead. */
export function plausibleTime(ms: number, now: number): boolean {
  return isArchivableTime(ms) && ms <= now + FUTURE_SLACK_MS;
}

function describeTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

export type MatchedBy = 'guid' | 'url' | 'content';

export interface Match {
  record: ManifestRecord;
  by: MatchedBy;
}

/** What committing an item would do. */
export type Plan =
  | { kind: 'unchanged'; keys: ItemKeys; record: ManifestRecord }
  | { kind: 'new'; keys: ItemKeys; id: string; path: string; published: number; dateGuessed: boolean; warnings: string[] }
  | { kind: 'revise'; keys: ItemKeys; record: ManifestRecord };

export interface CommitOptions {
  now: number;
  /** Where the text came from: 'page' when extracted from the article's web page. */
  textSource?: 'feed' | 'page';
  /** The body to write instead of `plan.keys.contentHtml` (e.g. with images mirrored). Change detection
   *  always uses the planned body, so an unchanged item is never rewritten. */
  contentHtml?: string;
  /** Why an edit is committed, when not by a run over the feed ('recheck', 'reextract'): kept on the revision entry. */
  reason?: string;
  /** The site rule that extracted the new text: kept on the revision entry with `reason`. */
  rule?: string;
  /** A new article's file is written whole but not flushed on its own, and its record waits (the store
   *  answers for it at once): the batch's files and folders are flushed together and the records appended
   *  by `flush`, which runs every `BATCH_SIZE` deferred commits, before any record that is not deferred,
   *  and in `close`. An edit is never deferred. */
  defer?: boolean;
}

/** How `markGone` marks an article removed at its source (see docs/history.md). */
export interface GoneOptions {
  now: number;
  /** Why, e.g. "HTTP 404" or "redirected to https://host/". */
  reason: string;
  /** The HTTP status that said so (404, 410, or the final status of a redirect). */
  status?: number;
  /** Where the page redirected to. */
  url?: string;
}

/** How `importArticle` commits a file of another archive in this format (see docs/import.md). */
export interface ImportOptions {
  /** The file's path in the archive it comes from: kept in the record as `importedFrom`. */
  originalPath: string;
  now: number;
  /** The header's fields, for a file whose header `parseArticle` refuses but the importer could read. */
  fields?: ArticleFields;
}

export interface UpsertResult {
  status: 'new' | 'changed' | 'unchanged';
  /** The article's record after the commit. */
  record: ManifestRecord;
  warnings: string[];
  event: ArticleAdded | ArticleRevised | ArticleUnchanged;
}

const MIN_BODY_FOR_HASH_DEDUPE = 200;
/** How long before its source was marked a file counts as written by a session that stopped (clock steps, coarse time stamps). */
const CUT_SHORT_SLACK_MS = 60_000;
/** The manifest is compacted when it holds this many more lines than articles, and twice as many. */
const COMPACT_SLACK = 64;
/** Deferred commits (new articles) made durable and recorded together. */
export const BATCH_SIZE = 256;
/** Entries held in memory (on disk in the manifest) before they are written to the lookup database. */
export const SYNC_ENTRIES = 4096;

export { monthOf };

/** Newest first, then by id: the same order on every machine. */
export function compareRecords(a: ManifestRecord, b: ManifestRecord): number {
  return b.published - a.published || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A copy an event can carry without seeing later changes. */
function snapshot(r: ManifestRecord): ManifestRecord {
  return { ...r, ...(r.revisions ? { revisions: r.revisions.map((v) => ({ ...v })) } : {}) };
}

function revisionPath(articlePath: string, n: number): string {
  return `revisions/${articlePath.replace(/^articles\//, '').replace(/\.md$/, '')}.v${n}.md`;
}

/** The contentHash of an article file's text, or null when it is not in the format. */
function fileContentHash(text: string): string | null {
  const fields = parseArticle(text);
  return fields ? contentHash(fields.title, fields.contentHtml) : null;
}

export class SourceStore {
  readonly root: string;
  readonly slug: string;
  /** What was wrong with the manifest when it was opened (damaged lines, a rebuild). */
  readonly warnings: string[] = [];
  private readonly tmpDir: string;
  /** The file that marks this source as being written; null without an openDir. */
  private readonly marker: string | null;
  private marked = false;
  /** The last session writing this source stopped before it finished (see `finish`). */
  unclean = false;
  /** One entry per article: where its record's current line is, and its keys (see lookup.ts): rows of the
   *  lookup database, and in memory what is newer (see entries.ts). */
  private entries: Entries;
  private dirCounts = new Map<string, number>();
  private lines = 0;
  private torn = false;
  /** The manifest's size in bytes as this store wrote or read it, and the number of its next line. */
  private fileSize = 0;
  private nextLine = 1;
  /** The lookup database, when there is one; `whole`: its rows of this source do not describe the manifest
   *  (the entries are all in memory) and are rewritten whole at the next write. */
  private readonly db: LookupDb | null;
  private whole = true;
  /** Records read by `all()`, kept for its later calls (callers that want every record usually ask again);
   *  an article's is dropped when it changes. Never filled by a run, which asks for no more than it shows. */
  private memo: Map<string, ManifestRecord> | null = null;
  /** Deferred commits: records whose files are written and not yet flushed, and the folders to flush. */
  private pending: ManifestRecord[] = [];
  private pendingDirs = new Set<string>();
  /** Folders known to exist (made by this store's deferred writes). */
  private readonly knownDirs = new Set<string>();

  private constructor(files: ArchiveFiles, slug: string) {
    this.root = path.resolve(files.root);
    this.tmpDir = files.tmpDir;
    this.slug = slug;
    this.marker = files.openDir ? path.join(files.openDir, slug) : null;
    this.db = files.lookupFile ? lookupDb(files.lookupFile) : null;
    this.entries = new Entries(slug, null);
  }

  get manifestPath(): string {
    return `articles/${this.slug}/index.jsonl`;
  }

  private abs(rel: string): string {
    return inside(this.root, rel);
  }

  /**
   * Opens a source's manifest. Damaged lines are reported in `warnings` and skipped; the article files
   * they described (and any file without a record, e.g. when the manifest is missing) are then recovered
   * from the files themselves (GUIDs are lost for those; URLs and bodies still dedupe).
   */
  static async open(files: ArchiveFiles, slug: string): Promise<SourceStore> {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(slug)) throw new ArchiveError(`invalid source slug "${slug}"`);
    const store = new SourceStore(files, slug);
    const exists = await store.load();
    const markedAt = store.marker === null ? null : await fs.stat(store.marker).then((s) => s.mtimeMs, () => null);
    const unclean = markedAt !== null;
    // the marker is this session's to remove once it has finished
    store.marked = unclean;
    store.unclean = unclean;
    if (unclean) store.warnings.push(`${store.manifestPath}: the last run writing this source stopped before it finished; looking for article files without a record`);
    if (!exists || unclean || store.warnings.length > 0) await store.recoverUnrecorded();
    if (markedAt !== null) await store.settleCutShort(markedAt - CUT_SHORT_SLACK_MS);
    // what recovery read is not kept: a run holds no more records than it shows
    store.memo = null;
    return store;
  }

  /**
   * Reads the manifest into entries: from the lookup database's rows when they describe it (then only the
   * lines appended since are read, and held in memory), else every line. Returns whether the manifest exists.
   */
  private async load(): Promise<boolean> {
    const file = this.abs(this.manifestPath);
    const st = await fs.stat(file).catch(() => null);
    if (!st) return false;
    let from = 0;
    const s = this.db?.state(this.slug) ?? null;
    if (s && this.db) {
      const same = s.ino === st.ino && (s.size < st.size || (s.size === st.size && s.mtimeMs === st.mtimeMs));
      if (same && (await edgeOf(file, s.size)) === s.edge) {
        this.entries = new Entries(this.slug, this.db);
        this.whole = false;
        from = s.size;
        this.lines = s.lines;
        this.nextLine = s.nextLine;
        this.torn = s.torn;
      }
    }
    if (from < st.size) {
      const handle = await fs.open(file, 'r');
      const buf = Buffer.alloc(st.size - from);
      try {
        await handle.read(buf, 0, buf.length, from);
      } finally {
        await handle.close();
      }
      const scanned = scanManifest(buf, from, this.manifestPath, this.nextLine);
      for (const l of scanned.lines) this.put(entryOf(l.rec, l.at, l.len));
      this.lines += scanned.count;
      this.nextLine = scanned.nextLine;
      this.torn = scanned.torn;
      this.warnings.push(...scanned.damaged);
    }
    this.fileSize = st.size;
    return true;
  }

  /** Indexes an entry: it supersedes the article's earlier one (every key that found that one finds this). */
  private put(e: Entry): void {
    this.entries.put(e);
    this.memo?.delete(e.id);
  }

  /**
   * Writes the entries in memory that are on disk to the lookup database, with the manifest's state (after
   * the manifest lines are written: rows never run ahead of them). After an append, only once `SYNC_ENTRIES`
   * are held (`force`: at close and after a compaction): a few large transactions rewrite fewer pages of
   * the database than one per batch. Without a database, the entries stay in memory.
   */
  private async sync(force = false): Promise<void> {
    if (!this.db || this.pending.length > 0) return;
    if (!this.whole && this.entries.inMemory === 0) return;
    // whole (the rows describe nothing yet: a first run, a manifest read line by line) or not, the rows are
    // written once `SYNC_ENTRIES` are held: written at a first ingest's first batch, they made every later
    // item of the source ask the database (four queries, 0.5 s of 10,000 items' CPU) what memory answers
    if (!force && this.entries.inMemory < SYNC_ENTRIES) return;
    const file = this.abs(this.manifestPath);
    const st = await fs.stat(file).catch(() => null);
    if (!st || st.size !== this.fileSize) {
      // written by someone else meanwhile: the rows are not brought to a state this store did not see
      this.db.forget(this.slug);
      return;
    }
    const state: ManifestState = { size: st.size, ino: st.ino, mtimeMs: st.mtimeMs, edge: await edgeOf(file, st.size), lines: this.lines, nextLine: this.nextLine, torn: this.torn };
    this.entries.writeTo(this.db, state, this.whole);
    this.whole = false;
  }

  /** The record of an entry: from memory (not yet on disk), else its line of the manifest (checked). */
  private read(e: Entry, fd?: number): ManifestRecord {
    if (e.rec) return e.rec;
    const own = fd === undefined ? openSync(this.abs(this.manifestPath), 'r') : fd;
    try {
      const buf = Buffer.alloc(e.len);
      readSync(own, buf, 0, e.len, e.at);
      return this.parseLine(buf.toString('utf8'), e);
    } finally {
      if (fd === undefined) closeSync(own);
    }
  }

  private parseLine(text: string, e: Entry): ManifestRecord {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    const parsed = manifestRecordSchema.safeParse(data);
    if (!parsed.success || parsed.data.id !== e.id) {
      throw new ArchiveError(`${this.manifestPath} changed while it was in use (the record of ${e.id} is not where it was); run again`);
    }
    return parsed.data;
  }

  /** The records of these entries, reading the manifest once. */
  private readMany(entries: Iterable<Entry>): ManifestRecord[] {
    const list = [...entries];
    if (list.every((e) => e.rec)) return list.map((e) => e.rec!);
    const fd = openSync(this.abs(this.manifestPath), 'r');
    try {
      return list.map((e) => this.read(e, fd));
    } finally {
      closeSync(fd);
    }
  }

  /** The current record of an article, or undefined. */
  private get(id: string): ManifestRecord | undefined {
    const e = this.entries.get(id);
    return e ? this.read(e) : undefined;
  }

  /** Every article's current record, in no particular order (kept in `memo`). */
  private currentRecords(): ManifestRecord[] {
    const memo = (this.memo ??= new Map());
    const all = [...this.entries.values()];
    const missing = all.filter((e) => !e.rec && !memo.has(e.id));
    this.readMany(missing).forEach((rec, i) => memo.set(missing[i]!.id, rec));
    return all.map((e) => e.rec ?? memo.get(e.id)!);
  }

  /**
   * Finishes the commits a stopped session cut short, among the files written since `since` (the source was
   * marked before its first write): the item may never be committed again (dropped from its feed, or back
   * to its recorded text), and nothing else would.
   * - An article file replaced without its record (killed between steps 2 and 3): the record is appended,
   *   with the revision that holds the recorded text — as the commit would have.
   * - A revision file no record lists that holds the article's current text (killed between steps 1 and 2):
   *   removed; the text is the article file's.
   */
  private async settleCutShort(since: number): Promise<void> {
    const newer = async (rel: string) => ((await fs.stat(this.abs(rel)).catch(() => null))?.mtimeMs ?? -Infinity) >= since;
    let finished = 0;
    let removed = 0;
    for (const rec of this.currentRecords()) {
      if (!rec.sha || !(await newer(rec.path))) continue;
      const text = await readText(this.abs(rec.path));
      if (text === null || sha256(text) === rec.sha) continue;
      const fields = parseArticle(text);
      if (!fields) continue;
      const { mtimeMs } = await fs.stat(this.abs(rec.path));
      const kept = await this.revisionHolding(rec, rec.sha);
      if (!kept) continue;
      const next: ManifestRecord = {
        ...rec,
        title: fields.title,
        link: fields.link || rec.link,
        canonical: rec.canonical ?? canonicalUrl(fields.link),
        hash: contentHash(fields.title, fields.contentHtml),
        bodyHash: bodyHash(fields.contentHtml),
        sha: sha256(text),
        changedAt: Math.floor(mtimeMs),
        revisions: [...(rec.revisions ?? []), { hash: rec.hash, path: kept, savedAt: Math.floor(mtimeMs) }],
      };
      delete next.gone;
      await this.record(next);
      finished++;
    }
    const current = this.currentRecords();
    const listed = new Set(current.flatMap((r) => (r.revisions ?? []).map((v) => v.path)));
    const byPath = new Map(current.map((r) => [r.path, r]));
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(this.abs(dir), { withFileTypes: true }).catch(() => [])) {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) await walk(rel);
        else if (/\.v\d+\.md$/.test(entry.name) && !listed.has(rel)) files.push(rel);
      }
    };
    await walk(`revisions/${this.slug}`);
    for (const rel of files) {
      const rec = byPath.get(`articles/${rel.slice('revisions/'.length).replace(/\.v\d+\.md$/, '.md')}`);
      if (!rec?.sha || !(await newer(rel))) continue;
      const text = await readText(this.abs(rel));
      if (text === null || sha256(text) !== rec.sha) continue;
      const current = await readText(this.abs(rec.path));
      if (current === null || sha256(current) !== rec.sha) continue;
      await fs.rm(this.abs(rel), { force: true });
      removed++;
    }
    if (finished > 0) this.warnings.push(`${this.manifestPath}: ${finished} commit(s) cut short after the article file was replaced were finished (the earlier text kept as a revision)`);
    if (removed > 0) this.warnings.push(`${this.manifestPath}: ${removed} unlisted revision file(s) holding the article's current text (a commit cut short) were removed`);
  }

  /** The path of the first revision file of `rec` after those it lists whose bytes hash to `sha`, or null. */
  private async revisionHolding(rec: ManifestRecord, sha: string): Promise<string | null> {
    for (let k = (rec.revisions?.length ?? 0) + 1; ; k++) {
      const text = await readText(this.abs(revisionPath(rec.path, k)));
      if (text === null) return null;
      if (sha256(text) === sha) return revisionPath(rec.path, k);
    }
  }

  /** Adds a record for every article file of the source that has none. */
  private async recoverUnrecorded(): Promise<void> {
    const known = new Set(this.currentRecords().map((r) => r.path));
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name.endsWith('.md')) files.push(full);
      }
    };
    await walk(this.abs(`articles/${this.slug}`));
    let recovered = 0;
    for (const file of files.sort()) {
      const rel = path.relative(this.root, file).split(path.sep).join('/');
      if (known.has(rel)) continue;
      const text = (await readText(file)) ?? '';
      // NUL bytes: a file whose size reached the disk before its data (a power cut before the batch's flush)
      const fields = text.includes('\0') ? null : parseArticle(text);
      const id = idFromFileName(path.basename(file));
      if (!fields || !id || this.entries.has(id)) continue;
      const { mtimeMs } = await fs.stat(file);
      await this.mark();
      await this.record({
        id,
        path: rel,
        guid: null,
        link: fields.link,
        canonical: canonicalUrl(fields.link),
        published: fields.published,
        title: fields.title,
        hash: contentHash(fields.title, fields.contentHtml),
        bodyHash: bodyHash(fields.contentHtml),
        sha: sha256(text),
        firstSeen: Math.floor(mtimeMs),
      });
      recovered++;
    }
    if (recovered > 0) this.warnings.push(`${this.manifestPath}: ${recovered} article file(s) had no record; recovered from the files (their GUIDs are unknown)`);
  }

  /** Every article's current record, newest first (read from the manifest: use it when all are needed). */
  all(): ManifestRecord[] {
    return this.currentRecords().sort(compareRecords);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries held in memory rather than answered by the lookup database (lines appended since its rows, commits not yet in it). */
  get entriesInMemory(): number {
    return this.entries.inMemory;
  }

  /** Count, newest publication time and last update (from the lookup database and memory). */
  stats(): SourceStats {
    return this.entries.stats();
  }

  /** How many articles each month (`YYYY-MM` in UTC+8) holds, newest month first. */
  monthCounts(): Map<string, number> {
    return new Map([...this.entries.monthCounts()].sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0)));
  }

  /** The newest `n` records, newest first. */
  newest(n: number): ManifestRecord[] {
    return this.readMany(this.entries.newest(n)).sort(compareRecords);
  }

  /** Every record of these months (`YYYY-MM` in UTC+8), newest first. */
  inMonths(months: ReadonlySet<string>): ManifestRecord[] {
    return this.readMany(this.entries.inMonths(months)).sort(compareRecords);
  }

  /** Finds the article an item is: by GUID, else canonical URL, else (for a real body) the hash of its
   *  title and body. `by` says how: only a GUID or URL match can be an edit; a content match is a copy.
   *  The title is part of the content hash so that items sharing a boilerplate body (a show's blurb,
   *  a disclaimer) under different titles are never taken for copies of each other. */
  find(keys: ItemKeys): Match | undefined {
    const byGuid = keys.guid ? this.entries.byGuid(keys.guid) : undefined;
    if (byGuid) return { record: this.read(byGuid), by: 'guid' };
    // the article file named after this GUID, whose record was recovered from the file (a run killed
    // between the file and its record): the same article, whatever its link is now
    const named = keys.guid ? this.get(articleId(this.slug, identityKey(keys))) : undefined;
    if (named && this.takesGuid(named, keys)) return { record: named, by: 'guid' };
    const byUrl = keys.canonical ? this.entries.byUrl(keys.canonical) : undefined;
    // an article that has a different GUID is another article, even at the same URL
    if (byUrl && !(keys.guid && byUrl.guid && byUrl.guid !== keys.guid)) return { record: this.read(byUrl), by: 'url' };
    // short bodies are too common to merge articles by, unless the item has nothing else to be known by
    const contentIsIdentity = !keys.guid && !keys.canonical;
    const byContent = keys.body.length >= MIN_BODY_FOR_HASH_DEDUPE || contentIsIdentity ? this.entries.byHash(keys.hash) : undefined;
    if (byContent) return { record: this.read(byContent), by: 'content' };
    return undefined;
  }

  /** Whether `rec`, a record without a GUID (recovered from its file, or imported), is the article of `keys`'
   *  item, which has one: its file is named after that GUID, or it has the item's URL. */
  private takesGuid(rec: ManifestRecord, keys: ItemKeys): boolean {
    if (rec.guid || !keys.guid || this.entries.byGuid(keys.guid)) return false;
    return rec.id === articleId(this.slug, identityKey(keys)) || (rec.canonical !== null && rec.canonical === keys.canonical);
  }

  /** Decides what committing the item would do, writing nothing. A new article's file slot is reserved. */
  async plan(keys: ItemKeys, item: Pick<FeedItem, 'published' | 'updated'>, now: number): Promise<Plan> {
    const match = this.find(keys);
    if (match) {
      const r = match.record;
      if (match.by === 'content' || r.hash === keys.hash || r.revisions?.some((v) => v.hash === keys.hash)) {
        return { kind: 'unchanged', keys, record: r };
      }
      return { kind: 'revise', keys, record: r };
    }
    const warnings: string[] = [];
    const named = `"${keys.title.slice(0, 40)}"`;
    const refused = linkRefusal(keys.givenLink);
    if (refused) warnings.push(`${named}: ${refused}; archived without a link`);
    const given = item.published ?? item.updated;
    const usable = [item.published, item.updated].find((t): t is number => t != null && plausibleTime(t, now));
    const published = usable ?? now;
    const dateGuessed = usable === undefined;
    if (dateGuessed) {
      warnings.push(
        given == null
          ? `${named}: no publication date; the time it was first seen stands in`
          : `${named}: the publication date ${describeTime(given)} is ${given < 0 ? 'before 1970' : 'in the future'}; the time it was first seen stands in`,
      );
    }
    const key = identityKey({ guid: keys.guid, canonical: keys.canonical, body: keys.body });
    let id = articleId(this.slug, key);
    if (this.entries.has(id)) id = articleId(this.slug, key, 16);
    const file = await this.place(published, keys.title, id);
    return { kind: 'new', keys, id, path: file, published, dateGuessed, warnings };
  }

  /** Writes what the plan says (see the top of this file) and returns its event. */
  async commit(plan: Plan, opts: CommitOptions): Promise<ArticleAdded | ArticleRevised | ArticleUnchanged> {
    const { keys } = plan;
    const { now } = opts;
    const html = opts.contentHtml ?? keys.contentHtml;
    if (plan.kind === 'unchanged') {
      // the same text, and the record lacks the item's GUID (it was recovered from the file): recorded with it,
      // or a later link change would make the item a second article
      const current = this.get(plan.record.id);
      if (current && this.takesGuid(current, keys)) {
        await this.mark();
        await this.record({ ...current, guid: keys.guid });
      }
      return { type: 'unchanged', source: this.slug, at: now, id: plan.record.id, path: plan.record.path };
    }
    await this.mark();
    if (plan.kind === 'new') {
      const text = renderArticle({ published: plan.published, title: keys.title, link: keys.link, contentHtml: html });
      const record: ManifestRecord = {
        id: plan.id,
        path: plan.path,
        guid: keys.guid,
        link: keys.link,
        canonical: keys.canonical,
        published: plan.published,
        ...(plan.dateGuessed ? { dateGuessed: true as const } : {}),
        title: keys.title,
        hash: keys.hash,
        bodyHash: bodyHash(keys.body),
        sha: sha256(text),
        firstSeen: now,
        ...(opts.textSource === 'page' ? { textSource: 'page' as const } : {}),
      };
      if (opts.defer) await this.deferred(record, text);
      else {
        await writeAtomic(this.abs(plan.path), text, { tmpDir: this.tmpDir });
        await this.record(record);
      }
      return { type: 'added', source: this.slug, at: now, record: snapshot(record) };
    }
    const current = plan.record;
    const link = keys.link || current.link;
    const text = renderArticle({ published: current.published, title: keys.title, link, contentHtml: html });
    const why = { ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.rule ? { rule: opts.rule } : {}) };
    const saved = (await this.keepRevisions(current, text, now)).map((entry) => ({ ...entry, ...why }));
    await writeAtomic(this.abs(current.path), text, { tmpDir: this.tmpDir });
    const next: ManifestRecord = {
      ...current,
      title: keys.title,
      link,
      hash: keys.hash,
      bodyHash: bodyHash(keys.body),
      sha: sha256(text),
      changedAt: now,
      guid: current.guid ?? keys.guid,
      canonical: current.canonical ?? keys.canonical,
      ...(saved.length ? { revisions: [...(current.revisions ?? []), ...saved] } : {}),
    };
    if (opts.textSource === 'page') next.textSource = 'page';
    else delete next.textSource;
    // the source served a new text: the article is not gone (any more)
    delete next.gone;
    await this.record(next);
    return {
      type: 'revised',
      source: this.slug,
      at: now,
      record: snapshot(next),
      previousHash: current.hash,
      hash: keys.hash,
      revisions: saved.map((s) => s.path),
    };
  }

  /**
   * Marks an archived article as removed at its source (`newsvault recheck`): appends its record with a
   * `gone` mark (the commit point, as for `commit`); nothing is deleted. An article already marked is left
   * as it is (`unchanged`).
   */
  async markGone(id: string, opts: GoneOptions): Promise<ArticleGone | ArticleUnchanged> {
    const current = this.get(id);
    if (!current) throw new ArchiveError(`${this.manifestPath}: no article ${id}`);
    if (current.gone) return { type: 'unchanged', source: this.slug, at: opts.now, id, path: current.path };
    await this.mark();
    const next: ManifestRecord = {
      ...current,
      gone: {
        at: opts.now,
        reason: opts.reason,
        ...(opts.status !== undefined ? { status: opts.status } : {}),
        ...(opts.url !== undefined ? { url: opts.url } : {}),
      },
    };
    await this.record(next);
    return { type: 'gone', source: this.slug, at: opts.now, id, path: current.path, reason: opts.reason, record: snapshot(next) };
  }

  /** plan + commit with the item's own body: for callers with no work between the two. */
  async upsert(item: FeedItem, now: number, opts: Omit<CommitOptions, 'now'> = {}): Promise<UpsertResult> {
    const plan = await this.plan(itemKeys(item), item, now);
    const event = await this.commit(plan, { ...opts, now });
    const record = event.type === 'unchanged' ? snapshot(this.get(event.id)!) : event.record;
    const status = event.type === 'added' ? 'new' : event.type === 'revised' ? 'changed' : 'unchanged';
    return { status, record, warnings: plan.kind === 'new' ? plan.warnings : [], event };
  }

  /**
   * Commits an article file of another archive in the same format (the original script's) from its exact
   * bytes: they are written unchanged, only the path is this archive's. Its identity is its header's link
   * (canonical URL; it has no GUID), else its title and body. Returns:
   * - `added`: a new article, its file written byte for byte, its record naming the original path;
   * - `unchanged`: the same title and body (or these bytes) are the article's text or one of its revisions;
   * - `revised`: the same link with another text. When the article's current text came from an import too,
   *   the imported file replaces it (the earlier kept as a revision: an import walks the old archive from
   *   old to new); when the current text came from a run (it is newer than anything the old archive holds),
   *   the imported text is kept as a revision only, and the article file is left as it is.
   * Crash-safe in the same order as `commit`: revision file, article file, then the record.
   */
  async importArticle(bytes: Uint8Array, opts: ImportOptions): Promise<ArticleAdded | ArticleRevised | ArticleUnchanged> {
    const { now, originalPath } = opts;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const text = buffer.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(buffer)) throw new ArchiveError(`${originalPath}: not valid UTF-8`);
    const fields = parseArticle(text) ?? opts.fields;
    if (!fields) throw new ArchiveError(`${originalPath}: not in the article format`);
    if (!isArchivableTime(fields.published)) throw new ArchiveError(`${originalPath}: publication time ${fields.published} cannot be placed`);
    // copies: a regular expression's match is a slice that would keep the whole file's text alive in the record
    const title = detached(fields.title.trim());
    const link = detached(fields.link);
    const canonical = canonicalUrl(link);
    const keys: ItemKeys = {
      contentHtml: fields.contentHtml,
      body: fields.contentHtml,
      guid: null,
      givenLink: link || null,
      link,
      canonical,
      title,
      hash: contentHash(title, fields.contentHtml),
    };
    const sha = sha256(text);
    const match = this.find(keys);
    if (!match) {
      const key = identityKey({ guid: null, canonical, body: keys.body });
      let id = articleId(this.slug, key);
      if (this.entries.has(id)) id = articleId(this.slug, key, 16);
      await this.mark();
      const file = await this.place(fields.published, title, id);
      const record: ManifestRecord = {
        id,
        path: file,
        guid: null,
        link,
        canonical,
        published: fields.published,
        title,
        hash: keys.hash,
        bodyHash: bodyHash(keys.body),
        sha,
        // the original archive polled hourly: its header time stands in for when an archive first had it
        firstSeen: fields.published,
        importedFrom: { path: originalPath, sha },
      };
      await writeAtomic(this.abs(file), buffer, { tmpDir: this.tmpDir });
      await this.record(record);
      return { type: 'added', source: this.slug, at: now, record: snapshot(record) };
    }
    const current = match.record;
    if (match.by === 'content' || current.hash === keys.hash || current.sha === sha || current.revisions?.some((v) => v.hash === keys.hash)) {
      return { type: 'unchanged', source: this.slug, at: now, id: current.id, path: current.path };
    }
    await this.mark();
    const currentIsImported = current.sha !== undefined && current.importedFrom?.sha === current.sha;
    if (!currentIsImported) {
      // the article's text came from a run: the old archive's text is an earlier one, kept beside it
      const entry = await this.keepImportedRevision(current, text, keys.hash, originalPath, now);
      const next: ManifestRecord = { ...current, revisions: [...(current.revisions ?? []), entry] };
      await this.record(next);
      return { type: 'revised', source: this.slug, at: now, record: snapshot(next), previousHash: current.hash, hash: current.hash, revisions: [entry.path] };
    }
    const saved = (await this.keepRevisions(current, text, now)).map((entry) =>
      entry.hash === current.hash && current.importedFrom ? { ...entry, importedFrom: current.importedFrom.path } : entry,
    );
    await writeAtomic(this.abs(current.path), buffer, { tmpDir: this.tmpDir });
    const next: ManifestRecord = {
      ...current,
      title,
      link: link || current.link,
      canonical: current.canonical ?? canonical,
      hash: keys.hash,
      bodyHash: bodyHash(keys.body),
      sha,
      changedAt: now,
      importedFrom: { path: originalPath, sha },
      ...(saved.length ? { revisions: [...(current.revisions ?? []), ...saved] } : {}),
    };
    delete next.textSource;
    await this.record(next);
    return {
      type: 'revised',
      source: this.slug,
      at: now,
      record: snapshot(next),
      previousHash: current.hash,
      hash: keys.hash,
      revisions: saved.map((s) => s.path),
    };
  }

  /** Saves an imported text as a revision file of `rec` (created whole, never replacing a file; the same
   *  bytes already saved by a cut-short import are reused). */
  private async keepImportedRevision(rec: ManifestRecord, text: string, hash: string, originalPath: string, now: number): Promise<RevisionEntry> {
    const sha = sha256(text);
    for (let k = (rec.revisions?.length ?? 0) + 1; ; k++) {
      const rel = revisionPath(rec.path, k);
      const existing = await readText(this.abs(rel));
      if (existing !== null && sha256(existing) !== sha) continue;
      if (existing === null && !(await writeOnce(this.abs(rel), text, { tmpDir: this.tmpDir }))) {
        k--; // created by someone else meanwhile: look at it again
        continue;
      }
      return { hash, path: rel, savedAt: now, importedFrom: originalPath };
    }
  }

  /**
   * Makes sure the text an article file holds now, and the text its record names, are both kept before
   * the file is replaced by `next`. Returns the revision entries to add to the record.
   */
  private async keepRevisions(rec: ManifestRecord, next: string, now: number): Promise<RevisionEntry[]> {
    const current = await readText(this.abs(rec.path));
    if (current === null) return [];
    const currentSha = sha256(current);
    const recorded = rec.sha ? currentSha === rec.sha : fileContentHash(current) === rec.hash;
    const entries: RevisionEntry[] = [];
    let n = (rec.revisions?.length ?? 0) + 1;
    if (!recorded && rec.sha) {
      // an earlier commit was cut short after it replaced the file: its revision holds the recorded text
      for (let k = n; ; k++) {
        const text = await readText(this.abs(revisionPath(rec.path, k)));
        if (text === null) break;
        if (sha256(text) === rec.sha) {
          entries.push({ hash: rec.hash, path: revisionPath(rec.path, k), savedAt: now });
          n = k + 1;
          break;
        }
      }
    }
    if (current === next) return entries;
    // the current text, under the next free number (a text already saved there by a cut-short commit is reused)
    for (let k = n; ; k++) {
      const rel = revisionPath(rec.path, k);
      const existing = await readText(this.abs(rel));
      if (existing !== null && sha256(existing) !== currentSha) continue;
      if (existing === null && !(await writeOnce(this.abs(rel), current, { tmpDir: this.tmpDir }))) {
        k--; // created by someone else meanwhile: look at it again
        continue;
      }
      entries.push({ hash: recorded ? rec.hash : (fileContentHash(current) ?? currentSha.slice(0, 32)), path: rel, savedAt: now });
      break;
    }
    return entries;
  }

  /** Marks the source as being written, before its first write since it was opened. */
  private async mark(): Promise<void> {
    if (this.marked || this.marker === null) return;
    await writeAtomic(this.marker, '', { tmpDir: this.tmpDir });
    this.marked = true;
  }

  /** Ends a session of commits: makes the deferred ones durable and records them (`flush`), then compacts
   *  the manifest if worth it, and brings the lookup database up to it. The source stays marked until `finish`. */
  async close(): Promise<boolean> {
    await this.flush();
    const compacted = await this.compact();
    await this.sync(true);
    return compacted;
  }

  /** Writes a new article's file without flushing it, and keeps its record for `flush` (see `defer`). */
  private async deferred(rec: ManifestRecord, text: string): Promise<void> {
    const file = this.abs(rec.path);
    let created: string[];
    try {
      created = writeUnsynced(file, text, this.tmpDir, this.knownDirs);
    } catch (err) {
      // the run stops on a storage failure: what this store answered for is recorded first, if it can be
      await this.flush().catch(() => {});
      throw err;
    }
    this.pendingDirs.add(path.dirname(file));
    for (const dir of created) this.pendingDirs.add(path.dirname(dir));
    this.pending.push(rec);
    this.put({ ...entryOf(rec, -1, 0), rec });
    if (this.pending.length >= BATCH_SIZE) await this.flush();
  }

  /** Deferred commits waiting for `flush`. */
  get unflushed(): number {
    return this.pending.length;
  }

  /**
   * Makes the deferred commits durable and records them: their files are flushed, then the folders that
   * name them (each once), then their records are appended to the manifest in one write and flushed. A
   * record is thus only written once its file is on disk. A stop before leaves files without records,
   * which the next open of the source (it is marked) adopts from their bytes.
   */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    await syncAll(
      batch.map((r) => this.abs(r.path)),
      this.pendingDirs,
    );
    const lines = batch.map(serialiseRecord);
    const text = `${this.torn ? '\n' : ''}${lines.map((l) => `${l}\n`).join('')}`;
    await appendDurable(this.abs(this.manifestPath), text);
    let at = this.fileSize + (this.torn ? 1 : 0);
    batch.forEach((rec, i) => {
      const len = Buffer.byteLength(lines[i]!);
      // the entry now points at its line, unless a later commit of the same article (not deferred) replaced it
      const e = this.entries.get(rec.id);
      if (e?.rec === rec) this.put(entryOf(rec, at, len));
      at += len + 1;
    });
    this.fileSize += Buffer.byteLength(text);
    this.nextLine += batch.length;
    this.pending = [];
    this.pendingDirs = new Set();
    this.torn = false;
    this.lines += batch.length;
    await this.sync();
  }

  /** Marks the source as left in order, once everything derived from this session's events (lists, the
   *  README) is written: until then, a stop leaves the source `unclean` for the next run. */
  async finish(): Promise<void> {
    if (this.marked && this.marker !== null) await fs.rm(this.marker, { force: true });
    this.marked = false;
  }

  /** Appends a record to the manifest journal (flushed), then indexes it. Deferred records go first, so
   *  that the journal keeps the order of the commits. */
  private async record(rec: ManifestRecord): Promise<void> {
    await this.flush();
    const serialised = serialiseRecord(rec);
    const line = `${this.torn ? '\n' : ''}${serialised}\n`;
    await appendDurable(this.abs(this.manifestPath), line);
    this.put(entryOf(rec, this.fileSize + (this.torn ? 1 : 0), Buffer.byteLength(serialised)));
    this.fileSize += Buffer.byteLength(line);
    this.nextLine++;
    this.torn = false;
    this.lines++;
    await this.sync();
  }

  private async place(published: number, title: string, id: string): Promise<string> {
    for (let spill = 1; ; spill++) {
      const dir = dayDir(this.slug, published, spill);
      let count = this.dirCounts.get(dir);
      if (count === undefined) {
        count = (await listDir(this.abs(dir))).length;
      }
      if (count < MAX_DIR_ENTRIES) {
        this.dirCounts.set(dir, count + 1);
        return `${dir}/${articleFileName(published, title, id)}`;
      }
      this.dirCounts.set(dir, count);
    }
  }

  /** Whether superseded lines have piled up enough to compact. */
  get needsCompaction(): boolean {
    return this.lines - this.entries.size > COMPACT_SLACK && this.lines > 2 * this.entries.size;
  }

  /** Rewrites the manifest atomically with one line per article, newest first. Returns whether it wrote. */
  async compact(force = false): Promise<boolean> {
    await this.flush();
    if (!force && !this.needsCompaction && !this.torn) return false;
    if (this.entries.size === 0 && this.lines === 0) return false;
    const records = this.all();
    const lines = records.map(serialiseRecord);
    const text = lines.join('\n') + '\n';
    await writeAtomic(this.abs(this.manifestPath), text, { tmpDir: this.tmpDir });
    let at = 0;
    records.forEach((rec, i) => {
      const len = Buffer.byteLength(lines[i]!);
      this.put(entryOf(rec, at, len));
      at += len + 1;
    });
    this.fileSize = Buffer.byteLength(text);
    this.nextLine = records.length + 1;
    this.lines = this.entries.size;
    this.torn = false;
    // every line moved: the rows are written whole
    this.whole = true;
    await this.sync(true);
    return true;
  }
}

export type { ChangeEvent };
