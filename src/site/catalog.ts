/**
 * The site build's catalog, `<out>/.newsvault-site.sqlite`: what a build needs to know of the site it wrote,
 * so that the next one reads only what changed.
 *
 * - `pages`: every page written and a hash of its bytes; `inputs`: each article page's key (its record, its
 *   source's name); `feeds`: each feed's key — as the JSON build state of earlier versions held.
 * - `articles`: one row per article (source, id, publication time, day, where its record's line is in its
 *   manifest), indexed in the lists' orders, so a list page is a range of an index and its records are read
 *   from the manifest by offset.
 * - `sources`: per source its display name and the state of its manifest when the rows were made (inode,
 *   size, a hash of its last bytes, the next line's number), so a rebuild reads only the lines appended since.
 *
 * The archive is the source of truth: the catalog is trusted only when every manifest is the one it read,
 * only appended to since (same inode, not shorter, the same last bytes where it ended), with the same
 * sources and names; otherwise the build reads every manifest (a complete build) and writes the catalog
 * anew. A complete build writes it whole into a temporary file renamed into place; a rebuild updates it in
 * one transaction after its pages are written, so a build stopped midway leaves the catalog as it was and the
 * next one does the same work again.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ArticleFields, ManifestRecord } from '../archive/index.ts';
import { manifestRecordSchema, scanManifest } from '../archive/manifest.ts';
import type { StatusRow } from '../health/index.ts';
import { STATE_FILE } from './build.ts';
import { ArchiveReader, EDGE, edgeHash, wholeLines, type ArticleList, type ManifestStamp, type SiteArticle, type SiteView } from './model.ts';

export const CATALOG_FILE = STATE_FILE;

/** Bump on any change to the tables. */
const SCHEMA_VERSION = 3;

const SCHEMA = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE pages (path TEXT PRIMARY KEY, hash TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE inputs (path TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE feeds (name TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE feed_items (name TEXT PRIMARY KEY, items TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sources (slug TEXT PRIMARY KEY, name TEXT NOT NULL, stamp TEXT NOT NULL, damaged TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE articles (
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  published INTEGER NOT NULL,
  day TEXT NOT NULL,
  at INTEGER NOT NULL,
  len INTEGER NOT NULL,
  PRIMARY KEY (source, id)
) WITHOUT ROWID;
CREATE TABLE days (day TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Made after a complete build's rows are in (faster than keeping them sorted row by row). */
const INDEXES = `
CREATE INDEX articles_all ON articles (published DESC, id, source);
CREATE INDEX articles_source ON articles (source, published DESC, id);
CREATE INDEX articles_day ON articles (day, published DESC, id, source);
`;

let driver: typeof Database | undefined;
const loadDriver = (): typeof Database => (driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database);

export interface CatalogSource {
  slug: string;
  name: string;
  /** null: the source's folder has no manifest. */
  stamp: ManifestStamp | null;
  damaged: string[];
}

/** An article's row. */
export interface CatalogArticle {
  source: string;
  id: string;
  published: number;
  day: string;
  at: number;
  len: number;
}

/** The configuration as read (ArchiveReader.configured). */
export interface ConfigRecord {
  stamp: string | null;
  names: ReadonlyMap<string, string>;
  enabled: ReadonlyMap<string, boolean>;
}

function configJson(c: ConfigRecord): string {
  return JSON.stringify({ stamp: c.stamp, names: [...c.names], enabled: [...c.enabled] });
}

/** What a complete build leaves for the next one. */
export interface CatalogData {
  generator: string;
  config: ConfigRecord;
  sources: readonly CatalogSource[];
  articles: Iterable<CatalogArticle>;
  pages: ReadonlyMap<string, string>;
  inputs: ReadonlyMap<string, string>;
  feeds: ReadonlyMap<string, string>;
  feedItems: ReadonlyMap<string, FeedItems>;
}

/** A feed's items as last written: their sanitised contents by feedItemKey (feeds.ts). */
export type FeedItems = Record<string, string>;

/** Removes the catalog and its journal (a first build's start: a build stopped midway leaves none). */
export function removeCatalog(out: string): void {
  const file = path.join(out, CATALOG_FILE);
  for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

/** Writes a complete build's catalog: into a temporary file, then renamed over the old one. */
export function writeCatalog(out: string, data: CatalogData): void {
  const file = path.join(out, CATALOG_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const Driver = loadDriver();
  const db = new Driver(tmp);
  try {
    // a new file renamed into place when done: no journal needed while it is filled
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(SCHEMA);
    db.transaction(() => {
      const meta = db.prepare('INSERT INTO meta (k, v) VALUES (?, ?)');
      meta.run('generator', data.generator);
      meta.run('config', configJson(data.config));
      const source = db.prepare('INSERT INTO sources (slug, name, stamp, damaged) VALUES (?, ?, ?, ?)');
      for (const s of data.sources) source.run(s.slug, s.name, JSON.stringify(s.stamp), JSON.stringify(s.damaged));
      const article = db.prepare('INSERT INTO articles (source, id, published, day, at, len) VALUES (?, ?, ?, ?, ?, ?)');
      for (const a of data.articles) article.run(a.source, a.id, a.published, a.day, a.at, a.len);
      const page = db.prepare('INSERT INTO pages (path, hash) VALUES (?, ?)');
      for (const [rel, h] of data.pages) page.run(rel, h);
      const input = db.prepare('INSERT INTO inputs (path, key) VALUES (?, ?)');
      for (const [rel, key] of data.inputs) input.run(rel, key);
      const feed = db.prepare('INSERT INTO feeds (name, key) VALUES (?, ?)');
      for (const [name, key] of data.feeds) feed.run(name, key);
      const items = db.prepare('INSERT INTO feed_items (name, items) VALUES (?, ?)');
      for (const [name, of] of data.feedItems) if (data.feeds.has(name)) items.run(name, JSON.stringify(of));
    })();
    db.exec(INDEXES);
    db.exec('INSERT INTO days (day, n) SELECT day, count(*) FROM articles GROUP BY day');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.close();
  } catch (err) {
    if (db.open) db.close();
    rmSync(tmp, { force: true });
    throw err;
  }
  // a journal left by an update of the old file must not be applied to the new one
  for (const f of [`${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  renameSync(tmp, file);
}

/** An open catalog (see the header). */
export class SiteCatalog {
  private readonly getPage: Database.Statement<[string], { hash: string }>;
  private readonly getInput: Database.Statement<[string], { key: string }>;

  private constructor(readonly db: Database.Database) {
    this.getPage = db.prepare('SELECT hash FROM pages WHERE path = ?');
    this.getInput = db.prepare('SELECT key FROM inputs WHERE path = ?');
  }

  /** The catalog in `out`, or null when there is none or it cannot be read (another schema, damaged). */
  static open(out: string): SiteCatalog | null {
    const file = path.join(out, CATALOG_FILE);
    let db: Database.Database | null = null;
    try {
      db = new (loadDriver())(file, { fileMustExist: true });
      if (db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) throw new Error('another schema');
      const catalog = new SiteCatalog(db);
      catalog.generator();
      return catalog;
    } catch {
      db?.close();
      return null;
    }
  }

  close(): void {
    this.db.close();
  }

  /** The configuration the catalog was made with (see ArchiveReader.configured). */
  config(): { stamp: string; names: [string, string][]; enabled: [string, boolean][] } | null {
    const v = (this.db.prepare('SELECT v FROM meta WHERE k = ?').get('config') as { v: string } | undefined)?.v;
    return v ? (JSON.parse(v) as { stamp: string; names: [string, string][]; enabled: [string, boolean][] }) : null;
  }

  setConfig(config: ConfigRecord): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)').run('config', configJson(config));
  }

  generator(): string {
    return (this.db.prepare('SELECT v FROM meta WHERE k = ?').get('generator') as { v: string } | undefined)?.v ?? '';
  }

  sources(): Map<string, CatalogSource> {
    const rows = this.db.prepare('SELECT slug, name, stamp, damaged FROM sources').all() as { slug: string; name: string; stamp: string; damaged: string }[];
    return new Map(rows.map((r) => [r.slug, { slug: r.slug, name: r.name, stamp: JSON.parse(r.stamp) as ManifestStamp | null, damaged: JSON.parse(r.damaged) as string[] }]));
  }

  pageHash(rel: string): string | undefined {
    return this.getPage.get(rel)?.hash;
  }

  inputKey(rel: string): string | undefined {
    return this.getInput.get(rel)?.key;
  }

  /** A whole table as a map (a complete build compares every page). */
  pages(): Map<string, string> {
    return new Map((this.db.prepare('SELECT path, hash FROM pages').raw().all() as [string, string][]));
  }

  inputs(): Map<string, string> {
    return new Map((this.db.prepare('SELECT path, key FROM inputs').raw().all() as [string, string][]));
  }

  feeds(): Map<string, string> {
    return new Map((this.db.prepare('SELECT name, key FROM feeds').raw().all() as [string, string][]));
  }

  /** A feed's items as last written (see FeedItems), or undefined. */
  feedItems(name: string): FeedItems | undefined {
    const v = (this.db.prepare('SELECT items FROM feed_items WHERE name = ?').get(name) as { items: string } | undefined)?.items;
    try {
      return v === undefined ? undefined : (JSON.parse(v) as FeedItems);
    } catch {
      return undefined;
    }
  }

  /** An article's row, or undefined. */
  article(source: string, id: string): CatalogArticle | undefined {
    return this.db.prepare('SELECT source, id, published, day, at, len FROM articles WHERE source = ? AND id = ?').get(source, id) as CatalogArticle | undefined;
  }

  /** How many articles come before (newer than) this one in a list: all of them, a source's, or a day's. */
  newerThan(a: { source: string; id: string; published: number }, within: { source?: string } = {}): number {
    if (within.source !== undefined) {
      return (this.db.prepare('SELECT count(*) AS n FROM articles WHERE source = ? AND published >= ? AND NOT (published = ? AND id >= ?)').get(within.source, a.published, a.published, a.id) as { n: number }).n;
    }
    return (
      this.db
        .prepare('SELECT count(*) AS n FROM articles WHERE published >= ? AND NOT (published = ? AND (id > ? OR (id = ? AND source >= ?)))')
        .get(a.published, a.published, a.id, a.id, a.source) as { n: number }
    ).n;
  }

  /** One transaction of a rebuild: rows and states changed, pages, inputs and feeds written. */
  update(change: {
    articles: readonly CatalogArticle[];
    sources: readonly CatalogSource[];
    pages: ReadonlyMap<string, string | null>;
    inputs: ReadonlyMap<string, string>;
    feeds: ReadonlyMap<string, string>;
    feedItems?: ReadonlyMap<string, FeedItems>;
  }): void {
    const db = this.db;
    db.transaction(() => {
      const article = db.prepare('INSERT OR REPLACE INTO articles (source, id, published, day, at, len) VALUES (?, ?, ?, ?, ?, ?)');
      const dayOfRow = db.prepare('SELECT day FROM articles WHERE source = ? AND id = ?');
      const count = db.prepare('INSERT INTO days (day, n) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET n = n + excluded.n');
      for (const a of change.articles) {
        // the days' counts follow the rows
        const was = (dayOfRow.get(a.source, a.id) as { day: string } | undefined)?.day;
        if (was !== a.day) {
          if (was !== undefined) count.run(was, -1);
          count.run(a.day, 1);
        }
        article.run(a.source, a.id, a.published, a.day, a.at, a.len);
      }
      db.prepare('DELETE FROM days WHERE n <= 0').run();
      const source = db.prepare('INSERT OR REPLACE INTO sources (slug, name, stamp, damaged) VALUES (?, ?, ?, ?)');
      for (const s of change.sources) source.run(s.slug, s.name, JSON.stringify(s.stamp), JSON.stringify(s.damaged));
      const page = db.prepare('INSERT OR REPLACE INTO pages (path, hash) VALUES (?, ?)');
      const unpage = db.prepare('DELETE FROM pages WHERE path = ?');
      for (const [rel, h] of change.pages) {
        if (h === null) unpage.run(rel);
        else page.run(rel, h);
      }
      const input = db.prepare('INSERT OR REPLACE INTO inputs (path, key) VALUES (?, ?)');
      for (const [rel, key] of change.inputs) input.run(rel, key);
      const feed = db.prepare('INSERT OR REPLACE INTO feeds (name, key) VALUES (?, ?)');
      for (const [name, key] of change.feeds) feed.run(name, key);
      const items = db.prepare('INSERT OR REPLACE INTO feed_items (name, items) VALUES (?, ?)');
      for (const [name, of] of change.feedItems ?? []) items.run(name, JSON.stringify(of));
    })();
  }
}

/** The pages' hashes of a rebuild: the catalog's, with this build's writes on top (stored by `update`). */
export class PageHashes {
  readonly changed = new Map<string, string | null>();

  constructor(private readonly catalog: SiteCatalog) {}

  get(rel: string): string | undefined {
    const h = this.changed.get(rel);
    return h === undefined ? this.catalog.pageHash(rel) : (h ?? undefined);
  }

  has(rel: string): boolean {
    return this.get(rel) !== undefined;
  }

  set(rel: string, h: string): void {
    this.changed.set(rel, h);
  }

  delete(rel: string): void {
    this.changed.set(rel, null);
  }
}

/** What the manifests gained since the catalog was made. */
export interface Appended {
  /** Each changed article's new record and where its line is (the last line for an id wins). */
  records: SiteArticle[];
  /** The sources' new states (all of them; new sources included). */
  sources: CatalogSource[];
}

/**
 * The records appended to the manifests since the catalog was made, or a reason why the catalog cannot be
 * trusted (a manifest rewritten or gone, a source gone, a name changed): then the build is a complete one.
 * `names` are the configured display names.
 */
export function readAppended(root: string, catalog: SiteCatalog, slugs: readonly string[], names: ReadonlyMap<string, string>): Appended | { fallback: string } {
  const known = catalog.sources();
  const present = new Set(slugs);
  for (const slug of known.keys()) if (!present.has(slug)) return { fallback: `source ${slug} is gone` };
  const records: SiteArticle[] = [];
  const sources: CatalogSource[] = [];
  for (const slug of slugs) {
    const name = names.get(slug) ?? slug;
    const before = known.get(slug);
    if (before && before.name !== name) return { fallback: `source ${slug} is now named ${name}` };
    const file = path.join(root, 'articles', slug, 'index.jsonl');
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      if (before && before.stamp !== null) return { fallback: `articles/${slug}/index.jsonl is gone` };
      sources.push({ slug, name, stamp: null, damaged: [] });
      continue;
    }
    try {
      const st = fstatSync(fd);
      const was = before?.stamp ?? null;
      if (before && (was === null || was.ino !== st.ino || st.size < was.size || edgeHash(readAt(fd, Math.max(0, was.size - EDGE), Math.min(EDGE, was.size))) !== was.edge)) {
        return { fallback: `articles/${slug}/index.jsonl was rewritten` };
      }
      const from = was?.size ?? 0;
      const tail = readAt(fd, from, st.size - from);
      // whole lines only: a line being appended is read by the next build
      const end = wholeLines(tail);
      if (end === 0) {
        sources.push(before ?? { slug, name, stamp: { ino: st.ino, size: 0, mtimeMs: st.mtimeMs, edge: edgeHash(new Uint8Array(0)), nextLine: 1 }, damaged: [] });
        continue;
      }
      const scanned = scanManifest(tail.subarray(0, end), from, `articles/${slug}/index.jsonl`, was?.nextLine ?? 1);
      const latest = new Map<string, SiteArticle>();
      for (const line of scanned.lines) {
        if (!line.rec.path.startsWith(`articles/${slug}/`)) continue;
        latest.set(line.rec.id, { source: slug, record: line.rec, at: line.at, len: line.len });
      }
      records.push(...latest.values());
      const size = from + end;
      sources.push({
        slug,
        name,
        stamp: { ino: st.ino, size, mtimeMs: st.mtimeMs, edge: edgeHash(readAt(fd, Math.max(0, size - EDGE), Math.min(EDGE, size))), nextLine: scanned.nextLine },
        damaged: [...(before?.damaged ?? []), ...scanned.damaged],
      });
    } finally {
      closeSync(fd);
    }
  }
  return { records, sources };
}

function readAt(fd: number, at: number, len: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let n = 0;
  while (n < len) {
    const got = readSync(fd, buf, n, len - n, at + n);
    if (got === 0) break;
    n += got;
  }
  return n === len ? buf : buf.subarray(0, n);
}

/** Article bodies a rebuild keeps (a few MB at most). */
const BODIES = 1_000;

type Where = { kind: 'all' } | { kind: 'source'; slug: string } | { kind: 'day'; day: string };

/**
 * The lists as the catalog has them (a rebuild's view of the archive, SiteView): their lengths from counts,
 * a slice read from an index and its records from the manifests by offset (each checked as a manifest line
 * is when read whole). Call `close()` when done.
 */
export class CatalogModel extends ArchiveReader implements SiteView {
  private readonly fds = new Map<string, number>();
  private readonly records = new Map<string, ManifestRecord | null>();
  private readonly bodies = new Map<string, ArticleFields | null>();
  private list: { slug: string; name: string; articles: ArticleList }[] = [];
  private daysCache: Map<string, ArticleList> | null = null;
  private total = 0;

  constructor(
    root: string,
    private readonly catalog: SiteCatalog,
  ) {
    super(root);
  }

  /** What the manifests gained since the catalog was made (see readAppended), the names read first (from the
   *  catalog when the configuration file is the one it was made with). */
  async load(): Promise<Appended | { fallback: string }> {
    const config = this.catalog.config();
    const stamp = await this.configStampNow();
    if (config && config.stamp === stamp) this.useConfigured(stamp, config.names, config.enabled);
    else await this.loadNames();
    return readAppended(this.root, this.catalog, await this.archive.slugs(), this.names);
  }

  /** The sources, once the catalog's rows are up to date: the lists' lengths are counted then. */
  setSources(sources: readonly CatalogSource[]): void {
    const counts = new Map(this.catalog.db.prepare('SELECT source, count(*) FROM articles GROUP BY source').raw().all() as [string, number][]);
    this.list = [...sources]
      .sort((a, b) => (a.slug < b.slug ? -1 : 1))
      .map((s) => ({ slug: s.slug, name: s.name, articles: this.query({ kind: 'source', slug: s.slug }, counts.get(s.slug) ?? 0) }));
    this.total = [...counts.values()].reduce((n, c) => n + c, 0);
    this.daysCache = null;
  }

  sources(): readonly { slug: string; name: string; articles: ArticleList }[] {
    return this.list;
  }

  source(slug: string): { slug: string; name: string; articles: ArticleList } | undefined {
    return this.list.find((s) => s.slug === slug);
  }

  nameOf(slug: string): string {
    return this.source(slug)?.name ?? this.names.get(slug) ?? slug;
  }

  all(): ArticleList {
    return this.query({ kind: 'all' }, this.total);
  }

  days(): ReadonlyMap<string, ArticleList> {
    if (!this.daysCache) {
      const rows = this.catalog.db.prepare('SELECT day, n FROM days ORDER BY day DESC').raw().all() as [string, number][];
      this.daysCache = new Map(rows.map(([day, n]) => [day, this.query({ kind: 'day', day }, n)]));
    }
    return this.daysCache;
  }

  health(now = Date.now()): Promise<StatusRow[]> {
    return this.healthOf(this.list, now);
  }

  /** bodySync, kept for the build up to BODIES articles (the articles rendered are in the feeds too). */
  override bodySync(a: SiteArticle): ArticleFields | null {
    const key = `${a.source}/${a.record.id}`;
    if (this.bodies.has(key)) return this.bodies.get(key)!;
    const fields = super.bodySync(a);
    if (this.bodies.size < BODIES) this.bodies.set(key, fields);
    return fields;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  /** The record of a row, read from its manifest line (null when the line is no longer a valid record of it);
   *  kept for the build (an article is on its source's list, the home list and the feeds). */
  recordOf(row: { source: string; id: string; at: number; len: number }): ManifestRecord | null {
    const key = `${row.source}/${row.id}@${row.at}`;
    let record = this.records.get(key);
    if (record === undefined) this.records.set(key, (record = this.readRecord(row)));
    return record;
  }

  private readRecord(row: { source: string; id: string; at: number; len: number }): ManifestRecord | null {
    let fd = this.fds.get(row.source);
    if (fd === undefined) {
      fd = openSync(path.join(this.root, 'articles', row.source, 'index.jsonl'), 'r');
      this.fds.set(row.source, fd);
    }
    try {
      const parsed = manifestRecordSchema.safeParse(JSON.parse(readAt(fd, row.at, row.len).toString('utf8')));
      // the record of that article, under its source's folder (as when the manifest is read whole)
      return parsed.success && parsed.data.id === row.id && parsed.data.path.startsWith(`articles/${row.source}/`) ? parsed.data : null;
    } catch {
      return null;
    }
  }

  private query(where: Where, length: number): ArticleList {
    const sql =
      where.kind === 'all'
        ? 'SELECT source, id, at, len FROM articles ORDER BY published DESC, id, source LIMIT ? OFFSET ?'
        : where.kind === 'source'
          ? 'SELECT source, id, at, len FROM articles WHERE source = ? ORDER BY published DESC, id LIMIT ? OFFSET ?'
          : 'SELECT source, id, at, len FROM articles WHERE day = ? ORDER BY published DESC, id, source LIMIT ? OFFSET ?';
    const key = where.kind === 'source' ? where.slug : where.kind === 'day' ? where.day : null;
    const slice = (start = 0, end = length): SiteArticle[] => {
      const s = Math.max(0, Math.min(length, start < 0 ? length + start : start));
      const e = Math.max(s, Math.min(length, end < 0 ? length + end : end));
      if (e === s) return [];
      const stmt = this.catalog.db.prepare(sql);
      const rows = (key === null ? stmt.all(e - s, s) : stmt.all(key, e - s, s)) as { source: string; id: string; at: number; len: number }[];
      const out: SiteArticle[] = [];
      for (const row of rows) {
        const record = this.recordOf(row);
        if (record) out.push({ source: row.source, record, at: row.at, len: row.len });
      }
      return out;
    };
    return { length, slice };
  }
}
