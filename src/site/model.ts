/**
 * The site's read-only view of an archive: its sources and their names, every manifest record (small: the
 * bodies are read on demand, one at a time), the days they fall on (UTC+8), versions through src/history and
 * health through src/health. Nothing here writes to the archive, takes its lock or creates `.newsvault/`.
 * `refresh()` re-reads only the manifests whose size or time changed (cheap when nothing did).
 */
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { compareRecords, parseArticle, utc8Parts, type ArticleFields, type ManifestRecord } from '../archive/index.ts';
import { scanManifest } from '../archive/manifest.ts';
import type { HealthState } from '../health/state.ts';
import { statusRows, type StatusRow } from '../health/status.ts';
import { loadHistory, type History } from '../history/versions.ts';
import { FileArchive, FileState } from '../storage/index.ts';
import { plainText } from './sanitize.ts';

export interface SiteArticle {
  source: string;
  record: ManifestRecord;
  /** Where the record's line is in its manifest (byte offset, length), when read from it. */
  at?: number;
  len?: number;
}

/** A newest-first list of articles, in memory (an array) or read a slice at a time (catalog.ts). */
export interface ArticleList {
  readonly length: number;
  slice(start?: number, end?: number): SiteArticle[];
}

export interface SiteSource {
  slug: string;
  /** Display name (the configuration's, else the slug). */
  name: string;
  /** Its articles, newest first. */
  articles: SiteArticle[];
}

/** What the list pages and feeds read of the archive: the SiteModel (everything in memory) or the site
 *  catalog's view (catalog.ts: lists read from its database a page at a time). */
export interface SiteView {
  sources(): readonly { slug: string; name: string; articles: ArticleList }[];
  source(slug: string): { slug: string; name: string; articles: ArticleList } | undefined;
  nameOf(slug: string): string;
  all(): ArticleList;
  days(): ReadonlyMap<string, ArticleList>;
  bodySync(a: SiteArticle): ArticleFields | null;
}

/** The state of a manifest as read: the same file (inode), how much of it, and its last bytes' hash (an
 *  append keeps them; a rewrite does not), so that a later reader can read only what was appended since. */
export interface ManifestStamp {
  ino: number;
  size: number;
  mtimeMs: number;
  /** SHA-256 (base64url) of the bytes [size - EDGE, size). */
  edge: string;
  /** The number of the line after the last one read. */
  nextLine: number;
}

export const EDGE = 256;

export function edgeHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

interface Stamp {
  size: number;
  mtimeMs: number;
}

/** A day key in UTC+8: `YYYY-MM-DD`. */
export function dayOf(ms: number): string {
  const p = utc8Parts(ms);
  return `${p.year}-${p.month}-${p.day}`;
}

export function compareArticles(a: SiteArticle, b: SiteArticle): number {
  return compareRecords(a.record, b.record) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}

/**
 * What both views read of the archive besides the manifests: source names and whether each is enabled (from
 * newsvault.yaml), article bodies, versions, health.
 */
export class ArchiveReader {
  readonly root: string;
  readonly archive: FileArchive;
  protected readonly state: FileState;
  protected names = new Map<string, string>();
  protected enabled = new Map<string, boolean>();
  private configStamp: string | null = null;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.archive = new FileArchive(this.root);
    this.state = new FileState(this.root);
  }

  /** The configuration as last read: its file's stamp (size and time; 'none' when missing), and per source
   *  its name and whether it is enabled. */
  configured(): { stamp: string | null; names: ReadonlyMap<string, string>; enabled: ReadonlyMap<string, boolean> } {
    return { stamp: this.configStamp, names: this.names, enabled: this.enabled };
  }

  /** The configuration's stamp now (see configured). */
  async configStampNow(): Promise<string> {
    const st = await fs.stat(path.join(this.root, 'newsvault.yaml')).catch(() => null);
    return st ? `${st.size}:${st.mtimeMs}` : 'none';
  }

  /** Takes names read earlier from the configuration whose stamp is `stamp` (instead of reading it again). */
  useConfigured(stamp: string, names: Iterable<[string, string]>, enabled: Iterable<[string, boolean]>): void {
    this.configStamp = stamp;
    this.names = new Map(names);
    this.enabled = new Map(enabled);
  }

  /** The article file's fields (title, link, published, HTML as stored), or null when missing or unreadable. */
  async body(a: SiteArticle): Promise<ArticleFields | null> {
    const text = await this.archive.readPage(a.record.path).catch(() => null);
    return text === null ? null : parseArticle(text);
  }

  /** body(), synchronously (the build reads one article after another). */
  bodySync(a: SiteArticle): ArticleFields | null {
    let text: string;
    try {
      text = readFileSync(path.join(this.root, a.record.path), 'utf8');
    } catch {
      return null;
    }
    return parseArticle(text);
  }

  history(a: SiteArticle): Promise<History> {
    return loadHistory(this.archive, { source: a.source, record: a.record });
  }

  /** Health rows of these sources (slug, display name). */
  protected async healthOf(sources: readonly { slug: string; name: string }[], now: number): Promise<StatusRow[]> {
    const { value } = await this.state.loadHealth().catch((): { value: HealthState } => ({ value: { version: 1, feeds: {}, sources: {} } }));
    return statusRows(
      value,
      [...sources].sort((a, b) => (a.slug < b.slug ? -1 : 1)).map(({ slug, name }) => ({ slug, name, ...(this.enabled.has(slug) ? { enabled: this.enabled.get(slug)! } : {}) })),
      now,
    );
  }

  /** Source names from newsvault.yaml (and the catalog); a configuration that cannot be read leaves slugs. */
  async loadNames(): Promise<void> {
    // read again only when newsvault.yaml changed (refresh() is called per request by `newsvault serve`)
    const stamp = await this.configStampNow();
    if (stamp === this.configStamp) return;
    this.configStamp = stamp;
    try {
      const { loadConfig, resolveSources } = await import('../sources/index.ts');
      for (const s of resolveSources(await loadConfig(this.root))) {
        this.names.set(s.slug, plainText(s.name) || s.slug);
        this.enabled.set(s.slug, s.enabled);
      }
    } catch {
      // a broken configuration: the site still shows every source, by slug
    }
  }
}

export class SiteModel extends ArchiveReader implements SiteView {
  private sourceMap = new Map<string, SiteSource>();
  private stamps = new Map<string, Stamp>();
  private allCache: SiteArticle[] | null = null;
  private daysCache: Map<string, SiteArticle[]> | null = null;
  private byKey = new Map<string, SiteArticle>();
  /** Each manifest's state as read (whole lines only), by slug. */
  readonly manifestStamps = new Map<string, ManifestStamp>();
  /** Each manifest's damaged lines, by slug. */
  readonly damaged = new Map<string, string[]>();
  /** Manifest problems (damaged lines), one message each. */
  warnings: string[] = [];

  /** Sources with at least one article folder, by slug. */
  sources(): SiteSource[] {
    return [...this.sourceMap.values()].sort((a, b) => (a.slug < b.slug ? -1 : 1));
  }

  source(slug: string): SiteSource | undefined {
    return this.sourceMap.get(slug);
  }

  nameOf(slug: string): string {
    return this.sourceMap.get(slug)?.name ?? this.names.get(slug) ?? slug;
  }

  /** Every article, newest first, across sources. */
  all(): SiteArticle[] {
    if (!this.allCache) {
      const all: SiteArticle[] = [];
      for (const s of this.sourceMap.values()) for (const a of s.articles) all.push(a);
      this.allCache = all.sort(compareArticles);
    }
    return this.allCache;
  }

  /** The days that have articles (UTC+8), newest first, each with its articles newest first. */
  days(): Map<string, SiteArticle[]> {
    if (!this.daysCache) {
      const days = new Map<string, SiteArticle[]>();
      for (const a of this.all()) {
        const key = dayOf(a.record.published);
        let list = days.get(key);
        if (!list) days.set(key, (list = []));
        list.push(a);
      }
      this.daysCache = days;
    }
    return this.daysCache;
  }

  article(slug: string, id: string): SiteArticle | undefined {
    return this.byKey.get(`${slug}/${id}`);
  }

  /** Health rows of the sources that have articles or are configured. */
  health(now = Date.now()): Promise<StatusRow[]> {
    return this.healthOf(this.sources(), now);
  }

  /** Re-reads what changed on disk: manifests whose size or time changed, new or removed sources, names.
   *  Returns whether anything did. */
  async refresh(): Promise<boolean> {
    let changed = false;
    await this.loadNames();
    const slugs = await this.archive.slugs();
    const seen = new Set(slugs);
    for (const slug of [...this.sourceMap.keys()]) {
      if (!seen.has(slug)) {
        this.dropSource(slug);
        changed = true;
      }
    }
    for (const slug of slugs) {
      const file = path.join(this.root, 'articles', slug, 'index.jsonl');
      const st = await fs.stat(file).catch(() => null);
      const stamp = st ? { size: st.size, mtimeMs: st.mtimeMs } : { size: -1, mtimeMs: 0 };
      const before = this.stamps.get(slug);
      const name = this.names.get(slug) ?? slug;
      const existing = this.sourceMap.get(slug);
      if (existing && before && before.size === stamp.size && before.mtimeMs === stamp.mtimeMs) {
        if (existing.name !== name) {
          existing.name = name;
          changed = true;
        }
        continue;
      }
      // read whole (its whole lines: a line being appended is left for the next read), with where each line is
      const read = st ? await readManifest(file) : null;
      const scanned = read ? scanManifest(read.buf, 0, `articles/${slug}/index.jsonl`) : null;
      this.warnings = this.warnings.filter((w) => !w.startsWith(`articles/${slug}/`));
      if (scanned) this.warnings.push(...scanned.damaged);
      this.dropSource(slug);
      const source: SiteSource = { slug, name, articles: [] };
      const latest = new Map<string, SiteArticle>();
      for (const line of scanned ? scanned.lines : []) {
        if (!line.rec.path.startsWith(`articles/${slug}/`)) continue;
        latest.set(line.rec.id, { source: slug, record: line.rec, at: line.at, len: line.len });
      }
      for (const a of latest.values()) {
        source.articles.push(a);
        this.byKey.set(`${slug}/${a.record.id}`, a);
      }
      source.articles.sort(compareArticles);
      if (read && scanned) {
        this.manifestStamps.set(slug, { ino: read.ino, size: read.buf.length, mtimeMs: read.mtimeMs, edge: edgeHash(read.buf.subarray(Math.max(0, read.buf.length - EDGE))), nextLine: scanned.nextLine });
        this.damaged.set(slug, scanned.damaged);
      } else {
        this.manifestStamps.delete(slug);
        this.damaged.delete(slug);
      }
      this.sourceMap.set(slug, source);
      this.stamps.set(slug, stamp);
      changed = true;
    }
    if (changed) {
      this.allCache = null;
      this.daysCache = null;
    }
    return changed;
  }

  private dropSource(slug: string): void {
    const s = this.sourceMap.get(slug);
    if (s) for (const a of s.articles) this.byKey.delete(`${slug}/${a.record.id}`);
    this.sourceMap.delete(slug);
    this.stamps.delete(slug);
  }
}

/**
 * How many bytes of `buf` (manifest bytes) are whole lines: up to the last line break, and a last line
 * without one when it is whole JSON (a manifest made by hand may end so; a store's next append starts a new
 * line after it). A line still being appended is not whole JSON, and is left for the next read.
 */
export function wholeLines(buf: Buffer): number {
  const end = buf.lastIndexOf(10) + 1;
  if (end === buf.length) return end;
  try {
    JSON.parse(buf.toString('utf8', end));
    return buf.length;
  } catch {
    return end;
  }
}

/**
 * A manifest's whole lines (see wholeLines: a line still being appended is left out), with the
 * file's inode and time; null when it cannot be read.
 */
export async function readManifest(file: string): Promise<{ buf: Buffer; ino: number; mtimeMs: number } | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return null;
  }
  try {
    const st = await handle.stat();
    // read whole, then decoded line by line (readFile with an encoding decodes chunk by chunk: several times slower)
    const all = await handle.readFile();
    const end = wholeLines(all);
    return { buf: end === all.length ? all : all.subarray(0, end), ino: st.ino, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** A read-only view of the archive at `root` (see SiteModel). */
export async function openSiteModel(root: string): Promise<SiteModel> {
  const model = new SiteModel(root);
  await model.refresh();
  return model;
}
