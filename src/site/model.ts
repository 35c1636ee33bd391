/**
 * The site's read-only view of an archive: its sources and their names, every manifest record (small: the
 * bodies are read on demand, one at a time), the days they fall on (UTC+8), versions through src/history and
 * health through src/health. Nothing here writes to the archive, takes its lock or creates `.newsvault/`.
 * `refresh()` re-reads only the manifests whose size or time changed (cheap when nothing did).
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { compareRecords, parseArticle, parseManifest, utc8Parts, type ArticleFields, type ManifestRecord } from '../archive/index.ts';
import { statusRows, type HealthState, type StatusRow } from '../health/index.ts';
import { loadHistory, type History } from '../history/index.ts';
import { FileArchive, FileState } from '../storage/index.ts';
import { plainText } from './sanitize.ts';

export interface SiteArticle {
  source: string;
  record: ManifestRecord;
}

export interface SiteSource {
  slug: string;
  /** Display name (the configuration's, else the slug). */
  name: string;
  /** Its articles, newest first. */
  articles: SiteArticle[];
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

function compareArticles(a: SiteArticle, b: SiteArticle): number {
  return compareRecords(a.record, b.record) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}

export class SiteModel {
  readonly root: string;
  readonly archive: FileArchive;
  private readonly state: FileState;
  private sourceMap = new Map<string, SiteSource>();
  private stamps = new Map<string, Stamp>();
  private names = new Map<string, string>();
  private enabled = new Map<string, boolean>();
  private configStamp: string | null = null;
  private allCache: SiteArticle[] | null = null;
  private daysCache: Map<string, SiteArticle[]> | null = null;
  private byKey = new Map<string, SiteArticle>();
  /** Manifest problems (damaged lines), one message each. */
  warnings: string[] = [];

  constructor(root: string) {
    this.root = path.resolve(root);
    this.archive = new FileArchive(this.root);
    this.state = new FileState(this.root);
  }

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

  /** Health rows of the sources that have articles or are configured. */
  async health(now = Date.now()): Promise<StatusRow[]> {
    const { value } = await this.state.loadHealth().catch((): { value: HealthState } => ({ value: { version: 1, feeds: {}, sources: {} } }));
    const slugs = new Set([...this.sourceMap.keys()]);
    return statusRows(
      value,
      [...slugs].sort().map((slug) => ({ slug, name: this.nameOf(slug), ...(this.enabled.has(slug) ? { enabled: this.enabled.get(slug)! } : {}) })),
      now,
    );
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
      // read whole, then decoded at once (readFile with an encoding decodes chunk by chunk: several times slower)
      const text = st ? await fs.readFile(file).then((b) => b.toString('utf8')).catch(() => null) : null;
      const parsed = text === null ? null : parseManifest(text, `articles/${slug}/index.jsonl`);
      this.warnings = this.warnings.filter((w) => !w.startsWith(`articles/${slug}/`));
      if (parsed) this.warnings.push(...parsed.damaged);
      this.dropSource(slug);
      const source: SiteSource = { slug, name, articles: [] };
      for (const record of parsed ? parsed.records.values() : []) {
        if (!record.path.startsWith(`articles/${slug}/`)) continue;
        const a = { source: slug, record };
        source.articles.push(a);
        this.byKey.set(`${slug}/${record.id}`, a);
      }
      source.articles.sort(compareArticles);
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

  /** Source names from newsvault.yaml (and the catalog); a configuration that cannot be read leaves slugs. */
  private async loadNames(): Promise<void> {
    // read again only when newsvault.yaml changed (refresh() is called per request by `newsvault serve`)
    const st = await fs.stat(path.join(this.root, 'newsvault.yaml')).catch(() => null);
    const stamp = st ? `${st.size}:${st.mtimeMs}` : 'none';
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

/** A read-only view of the archive at `root` (see SiteModel). */
export async function openSiteModel(root: string): Promise<SiteModel> {
  const model = new SiteModel(root);
  await model.refresh();
  return model;
}
