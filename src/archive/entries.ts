/**
 * Where a source's store looks its articles up (by id, GUID, canonical URL, content hash) and lists them
 * (by publication time, by month): a SQLite file, `.newsvault/lookup.sqlite`, holding one row per article
 * (what lookup.ts's `Entry` says, not the record), and per source the state of the manifest the rows
 * describe. A store holds in memory only what is newer than those rows: the lines appended to the manifest
 * since (read at open), and its own commits until they are written to the database (after their manifest
 * lines, once a few thousand are held and at close; see store.ts `sync`). So opening a store reads no
 * entries, and a run's memory does not grow with the archive.
 *
 * The file is a cache, never trusted over the manifest: rows are used only when the source's saved state
 * matches the manifest (the same file, its size, and the hash of its last bytes; a manifest only appended
 * to since keeps the rows, and its new lines are read). Otherwise the manifest is read whole and the
 * source's rows rewritten at its store's next write or close. Rows are written after the manifest line they
 * describe is on disk, with the new state in the same transaction: a kill in between leaves the state
 * behind the manifest, and the next open reads the lines past it. A file that cannot be opened, is not a
 * database or has another schema is deleted and made again; if that fails, the stores keep everything in
 * memory, as they would with no file at all.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { utc8Parts } from './layout.ts';
import type { Entry, ManifestState } from './lookup.ts';

/** The month (`YYYY-MM`, UTC+8) a publication time belongs to, as the list pages group them. */
export function monthOf(ms: number): string {
  const p = utc8Parts(ms);
  return `${p.year}-${p.month}`;
}

/** Bump on any change to the tables. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE manifests (slug TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE entries (
  slug TEXT NOT NULL,
  id TEXT NOT NULL,
  at INTEGER NOT NULL,
  len INTEGER NOT NULL,
  published INTEGER NOT NULL,
  month TEXT NOT NULL,
  seen INTEGER NOT NULL,
  guid TEXT,
  canonical TEXT,
  hash TEXT NOT NULL,
  UNIQUE (slug, id)
);
CREATE INDEX entries_guid ON entries (slug, guid) WHERE guid IS NOT NULL;
CREATE INDEX entries_canonical ON entries (slug, canonical) WHERE canonical IS NOT NULL;
CREATE INDEX entries_hash ON entries (slug, hash);
CREATE INDEX entries_published ON entries (slug, published DESC, id);
CREATE INDEX entries_month ON entries (slug, month);
`;

/** A row: an entry without the record a deferred commit keeps in it. */
type Row = Omit<Entry, 'rec'>;

const COLUMNS = 'id, at, len, published, seen, guid, canonical, hash';

const toEntry = (r: Row): Entry => ({ id: r.id, at: r.at, len: r.len, published: r.published, seen: r.seen, guid: r.guid, canonical: r.canonical, hash: r.hash });

/** The driver, loaded at the first open (commands that open no store do not pay for it). */
let driver: typeof Database | undefined;
const loadDriver = (): typeof Database => (driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database);

/** Open databases, one per file and process (stores of the same archive share it). */
const opened = new Map<string, LookupDb | null>();

/** The lookup database at `file`, made when missing; null when it cannot be had (the stores keep their entries in memory). */
export function lookupDb(file: string): LookupDb | null {
  const key = path.resolve(file);
  if (opened.has(key)) return opened.get(key)!;
  let db: LookupDb | null = null;
  for (let attempt = 0; attempt < 2 && db === null; attempt++) {
    try {
      db = new LookupDb(key);
    } catch {
      // not a database, another schema, damaged: a cache, made again
      for (const f of [key, `${key}-wal`, `${key}-shm`, `${key}-journal`]) rmSync(f, { force: true });
    }
  }
  opened.set(key, db);
  return db;
}

/** Closes the open lookup databases (tests that remove their archive; a process exiting closes them anyway). */
export function closeLookupDbs(): void {
  for (const db of opened.values()) db?.close();
  opened.clear();
}

export class LookupDb {
  private readonly db: Database.Database;
  private readonly stmts: {
    state: Database.Statement<[string], { state: string }>;
    count: Database.Statement<[string], { n: number }>;
    get: Database.Statement<[string, string], Row>;
    byGuid: Database.Statement<[string, string], Row>;
    byUrl: Database.Statement<[string, string], Row>;
    byHash: Database.Statement<[string, string], Row>;
    stats: Database.Statement<[string], { n: number; newest: number | null; last: number | null }>;
    months: Database.Statement<[string], { month: string; n: number }>;
    newest: Database.Statement<[string, number], Row>;
    inMonth: Database.Statement<[string, string], Row>;
    all: Database.Statement<[string], Row>;
    put: Database.Statement<[string, string, number, number, number, string, number, string | null, string | null, string]>;
    setState: Database.Statement<[string, string]>;
    dropRows: Database.Statement<[string]>;
    dropState: Database.Statement<[string]>;
  };

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    const Driver = loadDriver();
    const db = new Driver(file, { timeout: 10_000 });
    try {
      db.pragma('journal_mode = WAL');
      // a cache: a power cut may lose its last transactions (the state falls behind the manifest, which is
      // read past it), never its consistency
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0) {
        const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
        if (tables.n > 0) throw new Error('not a lookup database');
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      } else if (version !== SCHEMA_VERSION) throw new Error(`lookup database of schema ${version}`);
      const q = (sql: string) => db.prepare(sql);
      this.stmts = {
        state: q('SELECT state FROM manifests WHERE slug = ?'),
        count: q('SELECT count(*) AS n FROM entries WHERE slug = ?'),
        get: q(`SELECT ${COLUMNS} FROM entries WHERE slug = ? AND id = ?`),
        byGuid: q(`SELECT ${COLUMNS} FROM entries WHERE slug = ? AND guid = ? ORDER BY rowid DESC`),
        byUrl: q(`SELECT ${COLUMNS} FROM entries WHERE slug = ? AND canonical = ? ORDER BY rowid DESC`),
        byHash: q(`SELECT ${COLUMNS} FROM entries WHERE slug = ? AND hash = ? ORDER BY rowid DESC`),
        stats: q('SELECT count(*) AS n, max(published) AS newest, max(seen) AS last FROM entries WHERE slug = ?'),
        months: q('SELECT month, count(*) AS n FROM entries WHERE slug = ? GROUP BY month'),
        newest: q(`SELECT ${COLUMNS} FROM entries WHERE slug = ? ORDER BY published DESC, id LIMIT ?`),
        inMonth: q(`SELECT ${COLUMNS} FROM entries WHERE slug = ? AND month = ?`),
        all: q(`SELECT ${COLUMNS} FROM entries WHERE slug = ?`),
        // a replaced row gets a new rowid: the newest row for a key is the one written last
        put: q('INSERT OR REPLACE INTO entries (slug, id, at, len, published, month, seen, guid, canonical, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
        setState: q('INSERT OR REPLACE INTO manifests (slug, state) VALUES (?, ?)'),
        dropRows: q('DELETE FROM entries WHERE slug = ?'),
        dropState: q('DELETE FROM manifests WHERE slug = ?'),
      } as LookupDb['stmts'];
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
  }

  close(): void {
    this.db.close();
  }

  /** The manifest state the source's rows describe, or null. */
  state(slug: string): ManifestState | null {
    const row = this.stmts.state.get(slug);
    if (!row) return null;
    try {
      const s = JSON.parse(row.state) as ManifestState;
      return typeof s.size === 'number' && typeof s.edge === 'string' ? s : null;
    } catch {
      return null;
    }
  }

  count(slug: string): number {
    return this.stmts.count.get(slug)!.n;
  }

  get(slug: string, id: string): Entry | undefined {
    const r = this.stmts.get.get(slug, id);
    return r ? toEntry(r) : undefined;
  }

  /** The rows with that key, the one written last first. */
  find(slug: string, by: 'guid' | 'canonical' | 'hash', value: string): Entry[] {
    const stmt = by === 'guid' ? this.stmts.byGuid : by === 'canonical' ? this.stmts.byUrl : this.stmts.byHash;
    return stmt.all(slug, value).map(toEntry);
  }

  stats(slug: string): { count: number; newest: number; lastUpdate: number } {
    const r = this.stmts.stats.get(slug)!;
    return { count: r.n, newest: r.newest ?? 0, lastUpdate: r.last ?? 0 };
  }

  monthCounts(slug: string): Map<string, number> {
    return new Map(this.stmts.months.all(slug).map((r) => [r.month, r.n]));
  }

  newest(slug: string, n: number): Entry[] {
    return this.stmts.newest.all(slug, n).map(toEntry);
  }

  inMonths(slug: string, months: Iterable<string>): Entry[] {
    const out: Entry[] = [];
    for (const m of months) for (const r of this.stmts.inMonth.iterate(slug, m)) out.push(toEntry(r));
    return out;
  }

  *all(slug: string): Generator<Entry> {
    for (const r of this.stmts.all.iterate(slug)) yield toEntry(r);
  }

  /** Writes rows and the state they bring the source to, in one transaction; `whole`: they are all of the
   *  source's rows (the others are removed). */
  write(slug: string, entries: Iterable<Entry>, state: ManifestState, whole: boolean): void {
    this.db.transaction(() => {
      if (whole) this.stmts.dropRows.run(slug);
      for (const e of entries) this.stmts.put.run(slug, e.id, e.at, e.len, e.published, monthOf(e.published), e.seen, e.guid, e.canonical, e.hash);
      this.stmts.setState.run(slug, JSON.stringify(state));
    })();
  }

  /** Forgets the source's state (its rows are not used until rewritten whole). */
  forget(slug: string): void {
    this.stmts.dropState.run(slug);
  }
}

/**
 * A store's entries: the database's rows of its source (when they describe the manifest) and, in memory,
 * the entries newer than them. An entry in memory supersedes the row of the same id; a key (GUID, URL,
 * hash) finds the entry put last with it, then the newest row with it, and from either the article's
 * latest entry.
 */
export class Entries {
  private readonly mem = new Map<string, Entry>();
  private readonly memGuid = new Map<string, string>();
  private readonly memUrl = new Map<string, string>();
  private readonly memHash = new Map<string, string>();
  /** Rows in the database, and entries in memory whose id has none. */
  private rows = 0;
  private extra = 0;

  constructor(
    private readonly slug: string,
    /** The rows to answer from; null: none (all in memory). */
    private db: LookupDb | null,
  ) {
    this.rows = db ? db.count(slug) : 0;
  }

  /** Whether rows answer (else everything is in memory). */
  get usesRows(): boolean {
    return this.db !== null;
  }

  get size(): number {
    return this.rows + this.extra;
  }

  /** Entries held in memory. */
  get inMemory(): number {
    return this.mem.size;
  }

  get(id: string): Entry | undefined {
    return this.mem.get(id) ?? this.db?.get(this.slug, id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  put(e: Entry): void {
    const known = this.mem.has(e.id) || (this.db?.get(this.slug, e.id) !== undefined);
    if (!known) this.extra++;
    this.mem.set(e.id, e);
    if (e.guid) this.memGuid.set(e.guid, e.id);
    if (e.canonical) this.memUrl.set(e.canonical, e.id);
    if (e.hash) this.memHash.set(e.hash, e.id);
  }

  private by(map: Map<string, string>, col: 'guid' | 'canonical' | 'hash', value: string): Entry | undefined {
    const id = map.get(value);
    if (id !== undefined) return this.mem.get(id);
    const rows = this.db?.find(this.slug, col, value);
    if (!rows?.length) return undefined;
    return this.mem.get(rows[0]!.id) ?? rows[0];
  }

  byGuid(guid: string): Entry | undefined {
    return this.by(this.memGuid, 'guid', guid);
  }

  byUrl(url: string): Entry | undefined {
    return this.by(this.memUrl, 'canonical', url);
  }

  byHash(hash: string): Entry | undefined {
    return this.by(this.memHash, 'hash', hash);
  }

  /** Every entry (rows superseded by memory as such). */
  *values(): Generator<Entry> {
    if (this.db) for (const e of this.db.all(this.slug)) yield this.mem.get(e.id) ?? e;
    for (const e of this.mem.values()) if (!this.db || this.db.get(this.slug, e.id) === undefined) yield e;
  }

  /** Entries in memory whose id has no row. */
  private *memOnly(): Generator<Entry> {
    for (const e of this.mem.values()) if (!this.db || this.db.get(this.slug, e.id) === undefined) yield e;
  }

  stats(): { count: number; newest: number; lastUpdate: number } {
    // an article's publication time never changes and its last update only grows: the maxima of rows and memory
    const s = this.db ? this.db.stats(this.slug) : { count: 0, newest: 0, lastUpdate: 0 };
    let { newest, lastUpdate } = s;
    for (const e of this.mem.values()) {
      if (e.published > newest) newest = e.published;
      if (e.seen > lastUpdate) lastUpdate = e.seen;
    }
    return { count: this.size, newest, lastUpdate };
  }

  monthCounts(): Map<string, number> {
    const counts = this.db ? this.db.monthCounts(this.slug) : new Map<string, number>();
    for (const e of this.memOnly()) {
      const k = monthOf(e.published);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  }

  /** The newest `n` entries (publication time, then id). */
  newest(n: number): Entry[] {
    const order = (a: Entry, b: Entry) => b.published - a.published || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const rows = this.db ? this.db.newest(this.slug, n).map((e) => this.mem.get(e.id) ?? e) : [];
    return [...rows, ...this.memOnly()].sort(order).slice(0, n);
  }

  inMonths(months: ReadonlySet<string>): Entry[] {
    const rows = this.db ? this.db.inMonths(this.slug, months).map((e) => this.mem.get(e.id) ?? e) : [];
    return [...rows, ...[...this.memOnly()].filter((e) => months.has(monthOf(e.published)))];
  }

  /**
   * Writes the entries in memory that are on disk (not those of deferred commits, `rec`) to the database,
   * with the manifest state they bring the source to, and drops them from memory. `whole`: the rows are
   * replaced by every entry (the database had none that described the manifest, or the manifest was rewritten).
   */
  writeTo(db: LookupDb, state: ManifestState, whole: boolean): void {
    const written = whole ? [...this.values()] : [...this.mem.values()].filter((e) => !e.rec);
    if (written.some((e) => e.rec)) throw new Error('entries of deferred commits cannot be written');
    db.write(this.slug, written, state, whole);
    this.db = db;
    for (const e of written) this.mem.delete(e.id);
    for (const map of [this.memGuid, this.memUrl, this.memHash]) for (const [k, id] of map) if (!this.mem.has(id)) map.delete(k);
    this.rows = db.count(this.slug);
    this.extra = [...this.memOnly()].length;
  }
}
