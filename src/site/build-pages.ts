/**
 * The site build's work, on the page thread (build.ts starts it through build-thread.ts): the static site written
 * into an output folder, incrementally.
 *
 * - Pages are written only when their bytes change: the catalog `<out>/.newsvault-site.sqlite` (catalog.ts)
 *   keeps a hash of every page written, and for each article page a key of its inputs (its manifest record,
 *   its source's name, the site's code), so an article whose inputs did not change is not even read. Over an
 *   earlier build a page is replaced atomically (a temporary file beside it, then rename); a first build
 *   writes in place.
 * - A rebuild reads only what the manifests gained since the catalog was made (and the articles a run's
 *   events name): the touched articles, their history, the list pages from the oldest one a touched article
 *   was or is on (pages are fixed chunks counted from the oldest, so older pages never move), their days,
 *   the days index, their sources' feeds and the combined ones, the sources page. The lists are read from
 *   the catalog a page at a time; nothing is read of the untouched articles.
 * - A complete build (the first, --full, a new version of this code, or a catalog that cannot be trusted)
 *   reads every manifest, compares every article's key, and writes the catalog anew.
 * - A full build streams: one article body at a time (the records are in memory, the bodies never are),
 *   the search index fed as it goes to its own thread.
 * - The archive is only read; nothing is written outside the output folder, and only files this build
 *   state names are ever removed from it.
 */
import { createHash, hash as digest, randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, openSync, existsSync, linkSync, lstatSync, mkdirSync, realpathSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { htmlToText } from '../index/text.ts';
import { inside } from '../util/index.ts';
import { feedArticles, feedItemKey, feedTexts, normaliseBaseUrl } from './feeds.ts';
import { STATIC_DIR, packageStatic } from './layout.ts';
import { CatalogModel, PageHashes, SiteCatalog, removeCatalog, writeCatalog, type CatalogArticle, type FeedItems } from './catalog.ts';
import { compareArticles, dayOf, openSiteModel, type ArchiveReader, type ArticleList, type SiteArticle, type SiteModel, type SiteView } from './model.ts';
import { PAGE_SIZE, pageCount, renderArticle, renderDay, renderDays, renderDiff, renderHistory, renderHome, renderSearch, renderSource, renderSources, titleOf, type Names } from './pages.ts';
import { feedPath, pathOf, type FeedFormat } from './routes.ts';
import { isSearchIndexReady, updateSearchIndex, type SearchDoc, type SearchIndexReport } from './search/index.ts';
import { startSearchIndexer, type SearchIndexer } from './search-worker.ts';
import { checkOut, type BuildOptions, type BuildReport } from './build.ts';
import { SEARCH_HEAP_MB } from './thread.ts';

/** Raised when what a page is made of changes in a way the code's hash does not show. */
const STATE_VERSION = 2;

/** The build state of earlier versions (the catalog replaces it). */
const LEGACY_STATE = '.newsvault-site.json';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.extname(fileURLToPath(import.meta.url));

/** A hash of the code that renders pages, so that a new version of it re-renders every page. */
function generatorHash(baseUrl: string | null): string {
  const h = createHash('sha256');
  for (const name of ['pages', 'layout', 'sanitize', 'feeds', 'routes', 'model', 'catalog']) {
    try {
      h.update(readFileSync(path.join(here, `${name}${ext}`)));
    } catch {
      h.update(name);
    }
  }
  h.update(`\0${baseUrl ?? ''}\0${STATE_VERSION}`);
  return h.digest('hex').slice(0, 16);
}

function hash(s: string | Uint8Array): string {
  return digest('sha256', s, 'base64url').slice(0, 22);
}

/** Page path → hash of its bytes: a Map (a complete build), or the catalog's with this build's on top. */
interface PageStore {
  get(rel: string): string | undefined;
  has(rel: string): boolean;
  set(rel: string, h: string): void;
  delete(rel: string): void;
}

/**
 * Writes pages into the output folder, only when their bytes differ from what the catalog records: atomically
 * (a temporary file, then rename) when the folder holds an earlier build (a reader or a server may be looking
 * at it), straight into the file when it holds none (`direct`: a first or damaged build, the catalog removed
 * first, so that a build stopped midway leaves none and the next one rewrites every page).
 * A direct write never follows a symbolic link: a page path that is one is replaced by rename.
 */

class SiteWriter {
  written = 0;
  unchanged = 0;
  removed = 0;
  readonly produced = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  private n = 0;

  constructor(
    readonly out: string,
    readonly pages: PageStore,
    readonly force: boolean,
    readonly direct = false,
  ) {}

  write(rel: string, content: string | Uint8Array): boolean {
    const h = hash(content);
    this.produced.add(rel);
    // with --full the state's inputs are not trusted, but a page whose bytes it records and that is still there is not rewritten
    if (this.pages.get(rel) === h && (!this.force || existsSync(path.join(this.out, rel)))) {
      this.unchanged++;
      return false;
    }
    const file = inside(this.out, rel);
    const dir = path.dirname(file);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    if (!this.direct || !writeDirect(file, content)) {
      const tmp = path.join(dir, `.${path.basename(file).slice(0, 40)}.${this.tag}.${this.n++}.tmp`);
      try {
        writeFileSync(tmp, content);
        renameSync(tmp, file);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
    }
    this.pages.set(rel, h);
    this.written++;
    return true;
  }

  remove(rel: string): void {
    rmSync(inside(this.out, rel), { force: true });
    this.pages.delete(rel);
    this.removed++;
  }
}

const DIRECT = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/** Writes `file` in place, unless it is a symbolic link (then false: the caller replaces it by rename). */
function writeDirect(file: string, content: string | Uint8Array): boolean {
  let fd: number;
  try {
    fd = openSync(file, DIRECT, 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return false;
    throw err;
  }
  try {
    writeFileSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

const ASSET = /src="(?:\.\.\/)*(assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z]{3,4})"/g;

/** The key of an article page's inputs: its record, its source's name. */
function articleKey(a: SiteArticle, name: string): string {
  return hash(`${name}\0${JSON.stringify(a.record)}`);
}

const FORMATS: FeedFormat[] = ['rss', 'atom', 'json'];

/** buildSite on the calling thread, the search indexing's heap capped at `searchHeapMb`. */
export async function buildSiteHere(root: string, opts: BuildOptions, searchHeapMb: number | null = SEARCH_HEAP_MB): Promise<BuildReport> {
  const t0 = performance.now();
  const out = path.resolve(opts.out);
  checkOut(root, out);
  const base = normaliseBaseUrl(opts.baseUrl);
  const warnings: string[] = [];
  if (opts.baseUrl && !base) warnings.push(`--base-url ${opts.baseUrl} is no http(s) URL; feeds link to the original articles`);
  const generator = generatorHash(base);
  mkdirSync(out, { recursive: true });
  const catalog = SiteCatalog.open(out);
  // a rebuild reads only what the manifests gained, when the catalog can be trusted (see catalog.ts)
  if (catalog && !opts.full && catalog.generator() === generator && isSearchIndexReady(out)) {
    const report = await rebuild(root, out, catalog, opts, base, warnings, t0);
    if (report) return report;
  }
  return completeBuild(root, out, catalog, opts, base, generator, warnings, searchHeapMb, t0);
}

/** What rendering an article page needs and keeps. */
interface ArticleRun {
  model: SiteView & Names;
  writer: SiteWriter;
  inputKey(rel: string): string | undefined;
  setInput(rel: string, key: string): void;
  assets: Set<string>;
  history: SiteArticle[];
  /** Whether an article whose inputs did not change is still made again (the search index is made whole). */
  always: boolean;
  rendered: number;
  skipped: number;
}

/** An article's page, written when its inputs changed: its search document, or null when skipped. */
function renderOne(run: ArticleRun, a: SiteArticle): SearchDoc | null {
  const rel = pathOf({ kind: 'article', slug: a.source, id: a.record.id });
  const name = run.model.nameOf(a.source);
  const key = articleKey(a, name);
  if (!run.always && run.inputKey(rel) === key) {
    run.skipped++;
    run.writer.produced.add(rel);
    const versions = a.record.revisions?.length ?? 0;
    if (versions > 0) {
      run.writer.produced.add(pathOf({ kind: 'history', slug: a.source, id: a.record.id }));
      for (let n = 1; n <= versions; n++) run.writer.produced.add(pathOf({ kind: 'diff', slug: a.source, id: a.record.id, n }));
    }
    return null;
  }
  const fields = run.model.bodySync(a);
  const html = renderArticle(run.model, a, fields, 'static');
  run.writer.write(rel, html);
  for (const m of html.matchAll(ASSET)) run.assets.add(m[1]!);
  run.setInput(rel, key);
  run.rendered++;
  if (a.record.revisions?.length) run.history.push(a);
  return {
    key: `${a.source}/${a.record.id}`,
    url: rel,
    title: titleOf(fields?.title ?? a.record.title),
    source: a.source,
    sourceName: name,
    published: a.record.published,
    // the text taken here rather than on the search thread: in a full build that thread has more to do
    text: htmlToText(fields?.contentHtml ?? ''),
  };
}

/**
 * Renders these articles (renderOne) and indexes those made again, the search index updated in batches (a
 * rebuild that makes many articles again holds only a batch's text); their keys go into `made`.
 */
async function renderIndexed(run: ArticleRun, list: readonly SiteArticle[], out: string, opts: BuildOptions, upserts: SearchDoc[], updates: SearchIndexReport[], made?: Set<string>): Promise<void> {
  let done = 0;
  for (const a of list) {
    const doc = renderOne(run, a);
    if (doc) {
      upserts.push(doc);
      made?.add(doc.key);
      if (upserts.length >= (opts.upsertBatch ?? UPSERT_BATCH)) updates.push(await updateSearchIndex(out, { upsert: upserts.splice(0), remove: [] }));
    }
    if (++done % 50 === 0 || done === list.length) opts.onProgress?.(done, list.length);
  }
}

/** The order of the lists (newest first): negative when `a` comes before `b`. */
function before(a: { source: string; id: string; published: number }, b: { source: string; id: string; published: number }): number {
  return b.published - a.published || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}

/**
 * A rebuild from the catalog: the records the manifests gained since it was made (and any the run's events
 * name) are the touched articles; their pages, the list pages from the oldest one a touched article was or is
 * on, their days (and the days beside them), the feeds of their sources and the combined ones, the sources
 * and days indexes. null: the catalog cannot be trusted (a complete build follows).
 */
async function rebuild(root: string, out: string, catalog: SiteCatalog, opts: BuildOptions, base: string | null, warnings: string[], t0: number): Promise<BuildReport | null> {
  const model = new CatalogModel(root, catalog);
  const appended = await model.load();
  if ('fallback' in appended) {
    model.close();
    return null;
  }
  const changed = new Map(appended.records.map((a) => [`${a.source}/${a.record.id}`, a]));
  for (const e of opts.events ?? []) {
    const id = e.type === 'added' || e.type === 'revised' ? e.record.id : e.type === 'gone' ? e.id : null;
    if (id === null || changed.has(`${e.source}/${id}`)) continue;
    const row = catalog.article(e.source, id);
    const record = row ? model.recordOf(row) : null;
    if (row && record) changed.set(`${e.source}/${id}`, { source: e.source, record, at: row.at, len: row.len });
  }
  const db = catalog.db;
  db.exec('BEGIN IMMEDIATE');
  try {
    // where the touched articles were (before their rows change) and are: the oldest list page each list must
    // make again (pages count from the oldest: every later page moves), the days
    const firstPage = new Map<string, number>();
    // the oldest row of each list ('': all articles, else a source's)
    const oldestOf = (rows: Iterable<{ source: string; id: string; published: number }>) => {
      const oldest = new Map<string, { source: string; id: string; published: number }>();
      for (const r of rows) for (const list of ['', r.source]) if (!oldest.has(list) || before(r, oldest.get(list)!) > 0) oldest.set(list, r);
      return oldest;
    };
    const countOf = (list: string) =>
      (list === '' ? db.prepare('SELECT count(*) AS n FROM articles').get() : db.prepare('SELECT count(*) AS n FROM articles WHERE source = ?').get(list)) as { n: number };
    const place = (oldest: Map<string, { source: string; id: string; published: number }>) => {
      for (const [list, r] of oldest) {
        const n = countOf(list).n;
        const i = catalog.newerThan(r, list === '' ? {} : { source: list });
        const page = Math.floor((n - 1 - i) / PAGE_SIZE) + 1;
        firstPage.set(list, Math.min(firstPage.get(list) ?? Infinity, page));
      }
    };
    const days = new Set<string>();
    const oldRows = [...changed.values()].map((a) => catalog.article(a.source, a.record.id)).filter((r): r is CatalogArticle => r !== undefined);
    place(oldestOf(oldRows));
    for (const r of oldRows) days.add(r.day);
    const rows: CatalogArticle[] = [...changed.values()].map((a) => ({ source: a.source, id: a.record.id, published: a.record.published, day: dayOf(a.record.published), at: a.at!, len: a.len! }));
    catalog.update({ articles: rows, sources: [], pages: new Map(), inputs: new Map(), feeds: new Map() });
    place(oldestOf(rows));
    for (const r of rows) days.add(r.day);
    model.setSources(appended.sources);
    warnings.push(...appended.sources.flatMap((s) => s.damaged));

    const hashes = new PageHashes(catalog);
    const writer = new SiteWriter(out, hashes, false, false);
    copyStatic(writer);
    const inputs = new Map<string, string>();
    const run: ArticleRun = { model, writer, inputKey: (rel) => inputs.get(rel) ?? catalog.inputKey(rel), setInput: (rel, key) => inputs.set(rel, key), assets: new Set(), history: [], always: false, rendered: 0, skipped: 0 };
    const upserts: SearchDoc[] = [];
    const updates: SearchIndexReport[] = [];
    const touched = [...changed.values()].sort(compareArticles);
    await renderIndexed(run, touched, out, opts, upserts, updates);
    for (const a of run.history) await writeHistory(model, writer, a, false);
    if (upserts.length) updates.push(await updateSearchIndex(out, { upsert: upserts, remove: [] }));
    const assetsCopied = copyAssets(root, out, run.assets);

    // the days index's order: a touched day's neighbours link to it
    const dayKeys = [...model.days().keys()];
    const wanted = new Set<string>();
    dayKeys.forEach((day, i) => {
      if (!days.has(day)) return;
      wanted.add(day);
      if (i > 0) wanted.add(dayKeys[i - 1]!);
      if (i < dayKeys.length - 1) wanted.add(dayKeys[i + 1]!);
    });
    // a day left without articles (its only one moved): its page goes, and the days beside it link past it
    for (const day of days) {
      if (model.days().has(day)) continue;
      if (writer.pages.has(pathOf({ kind: 'day', day }))) writer.remove(pathOf({ kind: 'day', day }));
      const i = dayKeys.findIndex((d) => d < day);
      if (i > 0 || (i === -1 && dayKeys.length)) wanted.add(dayKeys[(i === -1 ? dayKeys.length : i) - 1]!);
      if (i >= 0) wanted.add(dayKeys[i]!);
    }
    writeLists(model, writer, { from: (list) => firstPage.get(list) ?? Infinity, days: wanted });
    writer.write(pathOf({ kind: 'sources' }), renderSources(model, await model.health()));
    writer.write(pathOf({ kind: 'search' }), renderSearch('static'));

    const feeds = new Map<string, string>();
    const feedItems = new Map<string, FeedItems>();
    const feedKeys = catalog.feeds();
    const sourcesTouched = new Set(touched.map((a) => a.source));
    const feedSources = [undefined, ...model.sources().map((s) => s.slug).filter((slug) => sourcesTouched.has(slug) || !feedKeys.has(slug))];
    writeFeeds(model, writer, base, catalog.generator(), feedSources, feedKeys, feeds, { old: (name) => catalog.feedItems(name), made: feedItems });

    catalog.setConfig(model.configured());
    catalog.update({ articles: [], sources: appended.sources, pages: hashes.changed, inputs, feeds, feedItems });
    db.exec('COMMIT');
    return {
      out,
      complete: false,
      full: false,
      pages: { written: writer.written, unchanged: writer.unchanged + run.skipped, removed: writer.removed },
      articles: { rendered: run.rendered, skipped: run.skipped },
      assets: { copied: assetsCopied },
      search: updates.length ? sumReports(updates) : null,
      ms: performance.now() - t0,
      warnings,
    };
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  } finally {
    model.close();
    catalog.close();
  }
}

/** Every article considered, every page known: a first build, --full, a change of this code, or a catalog that cannot be trusted. */
async function completeBuild(
  root: string,
  out: string,
  catalog: SiteCatalog | null,
  opts: BuildOptions,
  base: string | null,
  generator: string,
  warnings: string[],
  searchHeapMb: number | null,
  t0: number,
): Promise<BuildReport> {
  const model = await openSiteModel(root);
  warnings.unshift(...model.warnings);
  const sameCode = !opts.full && catalog?.generator() === generator;
  // the pages an earlier build wrote (with --full too: those no longer produced are removed)
  const pages = catalog?.pages() ?? new Map<string, string>();
  const inputs = sameCode ? catalog.inputs() : new Map<string, string>();
  const feeds = sameCode ? catalog.feeds() : new Map<string, string>();
  // the feeds' items as last written (kept for the feeds not made again), and as this build writes them
  const oldItems = new Map<string, FeedItems>();
  if (sameCode) for (const name of feeds.keys()) oldItems.set(name, catalog.feedItems(name) ?? {});
  const feedItems = new Map<string, FeedItems>();
  const hadCatalog = catalog !== null;
  catalog?.close();
  // no earlier build here (or its catalog is damaged): pages are written in place, and the catalog, if any,
  // goes first (see SiteWriter); so does the build state of earlier versions
  const direct = pages.size === 0;
  if (direct) removeCatalog(out);
  rmSync(path.join(out, LEGACY_STATE), { force: true });
  const writer = new SiteWriter(out, pages, opts.full ?? false, direct);
  // the search index is built again whole (streamed to its thread) after a first build, a change of this code
  // (every page is made again), or damage; else it is updated with the articles made again
  const searchFull = !hadCatalog || !sameCode || !isSearchIndexReady(out);

  copyStatic(writer);

  const all = model.all();
  const touched = new Set<string>();
  const run: ArticleRun = { model, writer, inputKey: (rel) => inputs.get(rel), setInput: (rel, key) => inputs.set(rel, key), assets: new Set(), history: [], always: searchFull, rendered: 0, skipped: 0 };
  const upserts: SearchDoc[] = [];
  const updates: SearchIndexReport[] = [];
  let assetsCopied = 0;
  let search: SearchIndexReport | null = null;
  // a full build's indexing thread ends (its last segment, the final merge) while this one writes the rest
  let indexer: SearchIndexer | null = null;
  let indexed: Promise<SearchIndexReport> | null = null;
  if (searchFull) {
    // every article: pages compared by their bytes, the search index streamed from the same reads
    const thread = (indexer = startSearchIndexer(out, searchHeapMb));
    try {
      let done = 0;
      for (const a of all) {
        const doc = renderOne(run, a);
        if (doc) await thread.push(doc);
        if (++done % 50 === 0 || done === all.length) opts.onProgress?.(done, all.length);
      }
    } catch (err) {
      await thread.abort();
      throw err;
    }
    indexed = thread.finish();
    indexed.catch(() => {});
  } else {
    // the articles whose inputs changed are the touched ones
    await renderIndexed(run, all, out, opts, upserts, updates, touched);
  }
  try {
    search = (await writeRest()) ?? search;
    // the catalog, while the search thread ends its work
    writeCatalog(out, {
      generator,
      config: model.configured(),
      sources: model.sources().map((s) => ({ slug: s.slug, name: s.name, stamp: model.manifestStamps.get(s.slug) ?? null, damaged: model.damaged.get(s.slug) ?? [] })),
      articles: catalogRows(all),
      pages,
      inputs,
      feeds,
      feedItems,
    });
  } catch (err) {
    await indexer?.abort();
    throw err;
  }
  if (indexed) search = await indexed;

  return {
    out,
    complete: true,
    full: opts.full ?? false,
    pages: { written: writer.written, unchanged: writer.unchanged + run.skipped, removed: writer.removed },
    articles: { rendered: run.rendered, skipped: run.skipped },
    assets: { copied: assetsCopied },
    search,
    ms: performance.now() - t0,
    warnings,
  };

  /** History and diff pages, removals, assets, lists and feeds; the search index's update when not a full build. */
  async function writeRest(): Promise<SearchIndexReport | null> {
    let updated: SearchIndexReport | null = null;
    for (const a of run.history) await writeHistory(model, writer, a, true);

    // pages no longer produced (a complete build knows every page): removed, with their search documents
    const removedKeys: string[] = [];
    for (const rel of [...inputs.keys()]) {
      if (writer.produced.has(rel)) continue;
      inputs.delete(rel);
      const m = /^a\/([^/]+)\/([^/.]+)\.html$/.exec(rel);
      if (m) removedKeys.push(`${m[1]}/${m[2]}`);
    }
    if (!searchFull && (upserts.length || removedKeys.length)) updates.push(await updateSearchIndex(out, { upsert: upserts, remove: removedKeys }));
    if (updates.length) updated = sumReports(updates);

    assetsCopied = copyAssets(root, out, run.assets);

    // the list pages the touched articles are on; all of them after a first build or when an article went away
    // (pages count from the oldest: a removal moves every later one)
    writeLists(model, writer, !searchFull && removedKeys.length === 0 ? planOf(model, touched) : null);
    writer.write(pathOf({ kind: 'sources' }), renderSources(model, await model.health()));
    writer.write(pathOf({ kind: 'search' }), renderSearch('static'));
    writeFeeds(model, writer, base, generator, [undefined, ...model.sources().map((s) => s.slug)], feeds, feeds, { old: (name) => oldItems.get(name), made: feedItems });

    for (const rel of [...pages.keys()]) if (!writer.produced.has(rel) && !isStaticPath(rel)) writer.remove(rel);
    for (const name of [...feeds.keys()]) if (name !== '' && !model.source(name)) feeds.delete(name);
    return updated;
  }
}

/** The catalog's rows of the articles. */
function* catalogRows(all: readonly SiteArticle[]): Iterable<CatalogArticle> {
  for (const a of all) yield { source: a.source, id: a.record.id, published: a.record.published, day: dayOf(a.record.published), at: a.at ?? 0, len: a.len ?? 0 };
}

/**
 * Writes the feeds of `sources` (undefined: the combined one) whose key (its articles' records, the names,
 * this code) is not the one `known` holds; their keys go into `keys`. `items`: each feed's items as last
 * written (`old`, their sanitised contents: a body is read and sanitised only for an item new or changed
 * since), and as written now or kept (`made`).
 */
function writeFeeds(
  model: SiteView,
  writer: SiteWriter,
  base: string | null,
  generator: string,
  sources: readonly (string | undefined)[],
  known: ReadonlyMap<string, string>,
  keys: Map<string, string>,
  items: { old: (name: string) => FeedItems | undefined; made: Map<string, FeedItems> },
): void {
  const sanitized = new Map<string, string>();
  for (const source of sources) {
    const list = feedArticles(model, source) ?? [];
    const name = source ?? '';
    const key = hash(`${generator}\0${source === undefined ? '' : model.nameOf(source)}\0${list.map((a) => `${a.source}/${JSON.stringify(a.record)}`).join('\n')}`);
    const paths = FORMATS.map((format) => feedPath(source === undefined ? { format } : { source, format }));
    const old = items.old(name);
    if (!writer.force && known.get(name) === key && paths.every((p) => writer.pages.has(p))) {
      for (const p of paths) writer.produced.add(p);
      if (old) items.made.set(name, old);
      continue;
    }
    for (const [k, html] of Object.entries(old ?? {})) if (!sanitized.has(k)) sanitized.set(k, html);
    const itemKeys = list.map(feedItemKey);
    const withBodies = list.map((article, i) => ({ article, fields: sanitized.has(itemKeys[i]!) ? null : model.bodySync(article) }));
    const texts = feedTexts(model, { ...(source === undefined ? {} : { source }), ...(base ? { baseUrl: base } : {}) }, withBodies, sanitized);
    FORMATS.forEach((format, i) => writer.write(paths[i]!, texts[format]));
    keys.set(name, key);
    items.made.set(name, Object.fromEntries(itemKeys.map((k) => [k, sanitized.get(k) ?? ''])));
  }
}

/** Articles indexed per update of the search index in a rebuild (their text is held until then). */
const UPSERT_BATCH = 2_000;

/** The reports of successive updates of the search index, as one. */
function sumReports(reports: readonly SearchIndexReport[]): SearchIndexReport {
  const last = reports[reports.length - 1]!;
  const sum = (f: (r: SearchIndexReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return { docs: last.docs, added: sum((r) => r.added), deleted: sum((r) => r.deleted), segmentsWritten: sum((r) => r.segmentsWritten), segments: last.segments, merged: sum((r) => r.merged) };
}

function isStaticPath(rel: string): boolean {
  return rel.startsWith('static/');
}

async function writeHistory(model: Names & Pick<ArchiveReader, 'history'>, writer: SiteWriter, a: SiteArticle, complete: boolean): Promise<void> {
  const h = await model.history(a);
  const page = renderHistory(model, h);
  if (page) writer.write(pathOf({ kind: 'history', slug: a.source, id: a.record.id }), page);
  for (let n = 1; n < h.versions.length; n++) {
    const diff = renderDiff(model, h, n);
    if (diff) writer.write(pathOf({ kind: 'diff', slug: a.source, id: a.record.id, n }), diff);
  }
  // the history pages of an article are produced only with it; mark those of the previous build as kept (a
  // complete build removes the pages it did not produce)
  if (!complete || !(writer.pages instanceof Map)) return;
  const prefix = `a/${a.source}/${a.record.id}/`;
  for (const rel of writer.pages.keys()) if (rel.startsWith(prefix)) writer.produced.add(rel);
}

/** The site's static files, and opencc-js's browser converter (loaded only when traditional is chosen). */
function copyStatic(writer: SiteWriter): void {
  for (const name of readdirSync(STATIC_DIR)) {
    const file = path.join(STATIC_DIR, name);
    if (statSync(file).isFile() && !name.startsWith('.')) writer.write(`static/${name}`, readFileSync(file));
  }
  for (const [name, file] of packageStatic()) writer.write(`static/${name}`, readFileSync(file));
}

/** Whether `file`, its folders' links resolved, is still inside the archive's assets/. */
function realInside(root: string, file: string): boolean {
  try {
    const base = realpathSync(path.join(root, 'assets'));
    const rel = path.relative(base, realpathSync(file));
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  } catch {
    return false;
  }
}

function lstatSafe(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch {
    return null;
  }
}

/** Mirrored images the written pages show, hard-linked (else copied) from the archive when missing. */
function copyAssets(root: string, out: string, assets: Set<string>): number {
  let copied = 0;
  for (const rel of assets) {
    const dest = inside(out, rel);
    if (existsSync(dest)) continue;
    const src = inside(root, rel);
    // a regular file only: a symbolic link in a (cloned, untrusted) archive could point anywhere on the machine
    const st = lstatSafe(src);
    if (!st?.isFile() || !realInside(root, src)) continue;
    mkdirSync(path.dirname(dest), { recursive: true });
    try {
      linkSync(src, dest);
    } catch {
      const tmp = `${dest}.${process.pid}.tmp`;
      copyFileSync(src, tmp);
      renameSync(tmp, dest);
    }
    copied++;
  }
  return copied;
}

/** Which list pages a build makes again: from which page (counted from the oldest) of each list (`''`: all
 *  articles, else a source's slug), and which days. */
interface ListPlan {
  from(list: string): number;
  days: ReadonlySet<string>;
}

/** The plan for these touched articles (keys `source/id`), from the lists in memory. */
function planOf(model: SiteModel, touched: ReadonlySet<string>): ListPlan {
  // the oldest page (counted from the oldest) a touched article sits on; pages after it may have moved
  const firstPage = (list: readonly SiteArticle[]): number => {
    let first = Infinity;
    list.forEach((a, i) => {
      if (touched.has(`${a.source}/${a.record.id}`)) first = Math.min(first, Math.floor((list.length - 1 - i) / PAGE_SIZE) + 1);
    });
    return first;
  };
  const from = new Map<string, number>([['', firstPage(model.all())]]);
  for (const s of model.sources()) from.set(s.slug, firstPage(s.articles));
  const keys = [...model.days().keys()];
  const days = new Set<string>();
  keys.forEach((day, i) => {
    if (model.days().get(day)!.some((a) => touched.has(`${a.source}/${a.record.id}`))) {
      days.add(day);
      if (i > 0) days.add(keys[i - 1]!);
      if (i < keys.length - 1) days.add(keys[i + 1]!);
    }
  });
  return { from: (list) => from.get(list) ?? Infinity, days };
}

/** The list pages: all of them (no plan), or those the plan names and any missing. */
function writeLists(model: SiteView, writer: SiteWriter, plan: ListPlan | null): void {
  const all = model.all();
  const lists = (list: ArticleList, from: number, render: (p: number) => string | null, rel: (p: number) => string) => {
    const count = pageCount(list.length);
    if (from === Infinity) {
      // none touched: the pages are as they were (a complete build must still know them, or it would remove them)
      for (let p = 0; p <= count; p++) {
        if (writer.pages.has(rel(p))) writer.produced.add(rel(p));
        else {
          const html = render(p);
          if (html) writer.write(rel(p), html);
        }
      }
      return;
    }
    const html0 = render(0);
    if (html0) writer.write(rel(0), html0);
    for (let p = 1; p <= count; p++) {
      // pages before the first touched one are as they were, unless they are new (the list just grew past one page)
      // (the page just before is rendered too: its link to the next page may be new)
      if (p < from - 1 && writer.pages.has(rel(p))) {
        writer.produced.add(rel(p));
        continue;
      }
      const html = render(p);
      if (html) writer.write(rel(p), html);
    }
  };
  lists(all, plan ? plan.from('') : 1, (p) => renderHome(model, p), (p) => pathOf({ kind: 'home', page: p }));
  if (all.length === 0) writer.write(pathOf({ kind: 'home', page: 0 }), renderHome(model, 0)!);
  for (const s of model.sources()) lists(s.articles, plan ? plan.from(s.slug) : 1, (p) => renderSource(model, s.slug, p), (p) => pathOf({ kind: 'source', slug: s.slug, page: p }));
  for (const day of model.days().keys()) {
    const rel = pathOf({ kind: 'day', day });
    if (plan && !plan.days.has(day) && writer.pages.has(rel)) writer.produced.add(rel);
    else writer.write(rel, renderDay(model, day)!);
  }
  writer.write(pathOf({ kind: 'days' }), renderDays(model));
}
