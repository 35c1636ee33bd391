/**
 * One source's part of the archive: its article files and its manifest
 * (`articles/<slug>/index.jsonl`, one JSON record per article, the only place the GUID is kept).
 * Dedupe, stable placement and revision-keeping live here.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem } from '../domain.ts';
import { joinLines, normaliseLink, parseArticle, renderArticle } from './format.ts';
import { ArchiveError, inside, listDir, prepareRoot, readText, writeAtomic } from './fsutil.ts';
import { articleId, bodyHash, canonicalUrl, contentHash, identityKey } from './identity.ts';
import { MAX_DIR_ENTRIES, articleFileName, dayDir } from './layout.ts';

export interface ManifestRecord {
  id: string;
  /** Path of the article file, relative to the archive root, with forward slashes. */
  path: string;
  guid: string | null;
  link: string;
  canonical: string | null;
  published: number;
  /** True when the feed gave no usable date and the first-seen time stands in. */
  dateGuessed?: boolean;
  title: string;
  /** contentHash of the current text. */
  hash: string;
  bodyHash: string;
  firstSeen: number;
  /** When the text last changed (a revision was kept). */
  changedAt?: number;
  /** 'page' when the text was extracted from the article's web page rather than taken from the feed. */
  textSource?: 'page';
  /** Earlier versions, oldest first: their hashes and the files that keep them. */
  revisions?: { hash: string; path: string; savedAt: number }[];
}

export type UpsertStatus = 'new' | 'changed' | 'unchanged';

export interface UpsertOptions {
  /** Where the text came from: 'page' when extracted from the article's page. */
  textSource?: 'feed' | 'page';
  /** Turns the body into what is written (e.g. images mirrored) once the article's path is known.
   *  Change detection uses the body before this step, so an unchanged item is never rewritten. */
  prepareBody?: (contentHtml: string, articlePath: string) => Promise<string>;
}

/** What identifies an item and what would be written for it. */
interface ItemKeys {
  contentHtml: string;
  body: string;
  guid: string | null;
  link: string;
  canonical: string | null;
  title: string;
  hash: string;
}

function itemKeys(item: FeedItem): ItemKeys {
  const contentHtml = item.content ?? item.summary ?? '';
  const body = joinLines(contentHtml);
  const guid = item.id?.trim() || null;
  const link = normaliseLink(item.link ?? (guid && /^https?:\/\//i.test(guid) ? guid : null));
  const title = item.title.trim();
  return { contentHtml, body, guid, link, canonical: canonicalUrl(link), title, hash: contentHash(title, body) };
}

export interface UpsertResult {
  status: UpsertStatus;
  record: ManifestRecord;
  warnings: string[];
}

const MIN_BODY_FOR_HASH_DEDUPE = 200;

function serialise(r: ManifestRecord): string {
  const ordered: ManifestRecord = {
    id: r.id,
    path: r.path,
    guid: r.guid,
    link: r.link,
    canonical: r.canonical,
    published: r.published,
    ...(r.dateGuessed ? { dateGuessed: true } : {}),
    title: r.title,
    hash: r.hash,
    bodyHash: r.bodyHash,
    firstSeen: r.firstSeen,
    ...(r.changedAt ? { changedAt: r.changedAt } : {}),
    ...(r.textSource ? { textSource: r.textSource } : {}),
    ...(r.revisions?.length ? { revisions: r.revisions } : {}),
  };
  return JSON.stringify(ordered);
}

/** Newest first, then by id: the same order on every machine. */
export function compareRecords(a: ManifestRecord, b: ManifestRecord): number {
  return b.published - a.published || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class SourceStore {
  readonly root: string;
  readonly slug: string;
  private records = new Map<string, ManifestRecord>();
  private byGuid = new Map<string, ManifestRecord>();
  private byUrl = new Map<string, ManifestRecord>();
  private byContent = new Map<string, ManifestRecord>();
  private dirCounts = new Map<string, number>();
  private dirty = false;

  private constructor(root: string, slug: string) {
    this.root = root;
    this.slug = slug;
  }

  get manifestPath(): string {
    return `articles/${this.slug}/index.jsonl`;
  }

  static async open(root: string, slug: string): Promise<SourceStore> {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(slug)) throw new ArchiveError(`invalid source slug "${slug}"`);
    const store = new SourceStore(root, slug);
    await prepareRoot(root);
    const text = await readText(inside(root, store.manifestPath));
    if (text) {
      text.split('\n').forEach((line, i) => {
        if (line.trim() === '') return;
        let rec: ManifestRecord;
        try {
          rec = JSON.parse(line) as ManifestRecord;
        } catch {
          throw new ArchiveError(`${store.manifestPath}: line ${i + 1} is not valid JSON`);
        }
        store.index(rec);
      });
    }
    return store;
  }

  private index(rec: ManifestRecord): void {
    this.records.set(rec.id, rec);
    if (rec.guid) this.byGuid.set(rec.guid, rec);
    if (rec.canonical) this.byUrl.set(rec.canonical, rec);
    if (rec.hash) this.byContent.set(rec.hash, rec);
  }

  all(): ManifestRecord[] {
    return [...this.records.values()].sort(compareRecords);
  }

  get size(): number {
    return this.records.size;
  }

  /** Finds the article an item is: by GUID, else canonical URL, else (for a real body) the hash of its
   *  title and body. `by` says how: only a GUID or URL match can be an edit; a content match is a copy.
   *  The title is part of the content hash so that items sharing a boilerplate body (a show's blurb,
   *  a disclaimer) under different titles are never taken for copies of each other. */
  find(guid: string | null, canonical: string | null, title: string, body: string): { record: ManifestRecord; by: 'guid' | 'url' | 'content' } | undefined {
    const byGuid = guid ? this.byGuid.get(guid) : undefined;
    if (byGuid) return { record: byGuid, by: 'guid' };
    const byUrl = canonical ? this.byUrl.get(canonical) : undefined;
    // an article that has a different GUID is another article, even at the same URL
    if (byUrl && !(guid && byUrl.guid && byUrl.guid !== guid)) return { record: byUrl, by: 'url' };
    const byContent = body.length >= MIN_BODY_FOR_HASH_DEDUPE ? this.byContent.get(contentHash(title, body)) : undefined;
    if (byContent) return { record: byContent, by: 'content' };
    return undefined;
  }

  /** The archived article an item is, if any (by the same rules as upsert). */
  lookup(item: FeedItem): ManifestRecord | undefined {
    const k = itemKeys(item);
    return this.find(k.guid, k.canonical, k.title, k.body)?.record;
  }

  async upsert(item: FeedItem, now: number, opts: UpsertOptions = {}): Promise<UpsertResult> {
    const warnings: string[] = [];
    const { contentHtml, body, guid, link, canonical, title, hash } = itemKeys(item);
    const prepare = opts.prepareBody ?? (async (html: string) => html);
    const match = this.find(guid, canonical, title, body);

    if (match) {
      const existing = match.record;
      if (match.by === 'content' || existing.hash === hash || existing.revisions?.some((r) => r.hash === hash)) {
        return { status: 'unchanged', record: existing, warnings };
      }
      await this.keepRevision(existing, now);
      const written = await prepare(contentHtml, existing.path);
      const text = renderArticle({ published: existing.published, title, link: link || existing.link, contentHtml: written });
      await writeAtomic(inside(this.root, existing.path), text);
      existing.title = title;
      existing.link = link || existing.link;
      existing.hash = hash;
      existing.bodyHash = bodyHash(body);
      existing.changedAt = now;
      if (opts.textSource === 'page') existing.textSource = 'page';
      else delete existing.textSource;
      if (guid && !existing.guid) existing.guid = guid;
      if (canonical && !existing.canonical) existing.canonical = canonical;
      this.index(existing);
      this.dirty = true;
      return { status: 'changed', record: existing, warnings };
    }

    let published = item.published ?? item.updated;
    let dateGuessed = false;
    if (published == null) {
      published = now;
      dateGuessed = true;
      warnings.push(`"${title.slice(0, 40)}": no publication date; the time it was first seen stands in`);
    }
    const key = identityKey({ guid, canonical, body });
    let id = articleId(this.slug, key);
    if (this.records.has(id)) id = articleId(this.slug, key, 16);
    const file = await this.place(published, title, id);
    const record: ManifestRecord = {
      id,
      path: file,
      guid,
      link,
      canonical,
      published,
      ...(dateGuessed ? { dateGuessed } : {}),
      title,
      hash,
      bodyHash: bodyHash(body),
      firstSeen: now,
      ...(opts.textSource === 'page' ? { textSource: 'page' as const } : {}),
    };
    const written = await prepare(contentHtml, file);
    await writeAtomic(inside(this.root, file), renderArticle({ published, title, link, contentHtml: written }));
    this.index(record);
    this.dirty = true;
    return { status: 'new', record, warnings };
  }

  /** Copies the current text of an article to revisions/… before it is replaced. */
  private async keepRevision(rec: ManifestRecord, now: number): Promise<void> {
    const current = await readText(inside(this.root, rec.path));
    if (current == null) return;
    const n = (rec.revisions?.length ?? 0) + 1;
    const revPath = `revisions/${rec.path.replace(/^articles\//, '').replace(/\.md$/, '')}.v${n}.md`;
    await writeAtomic(inside(this.root, revPath), current);
    rec.revisions = [...(rec.revisions ?? []), { hash: rec.hash, path: revPath, savedAt: now }];
  }

  private async place(published: number, title: string, id: string): Promise<string> {
    for (let spill = 1; ; spill++) {
      const dir = dayDir(this.slug, published, spill);
      let count = this.dirCounts.get(dir);
      if (count === undefined) {
        count = (await listDir(inside(this.root, dir))).length;
      }
      if (count < MAX_DIR_ENTRIES) {
        this.dirCounts.set(dir, count + 1);
        return `${dir}/${articleFileName(published, title, id)}`;
      }
      this.dirCounts.set(dir, count);
    }
  }

  /** Writes the manifest if anything changed. */
  async save(): Promise<boolean> {
    if (!this.dirty) return false;
    const text = this.all().map(serialise).join('\n') + '\n';
    await writeAtomic(inside(this.root, this.manifestPath), text);
    this.dirty = false;
    return true;
  }

  /** Rebuilds the manifest from the article files alone (GUIDs are lost; URLs and bodies still dedupe). */
  static async rebuild(root: string, slug: string, now: number): Promise<SourceStore> {
    const store = new SourceStore(root, slug);
    const base = inside(root, `articles/${slug}`);
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name.endsWith('.md')) files.push(full);
      }
    };
    await walk(base);
    for (const file of files.sort()) {
      const fields = parseArticle((await readText(file)) ?? '');
      const m = /_([a-z2-7]{10,16})\.md$/.exec(file);
      if (!fields || !m) continue;
      const rel = path.relative(root, file).split(path.sep).join('/');
      store.index({
        id: m[1]!,
        path: rel,
        guid: null,
        link: fields.link,
        canonical: canonicalUrl(fields.link),
        published: fields.published,
        title: fields.title,
        hash: contentHash(fields.title, fields.contentHtml),
        bodyHash: bodyHash(fields.contentHtml),
        firstSeen: now,
      });
    }
    store.dirty = true;
    return store;
  }
}
