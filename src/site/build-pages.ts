/**
 * The site build's work, on the page thread (build.ts starts it through build-thread.ts): the static site written
 * into an output folder, incrementally.
 *
 * - Pages are written only when their bytes change: the build state `<out>/.newsvault-site.json` keeps a hash
 *   of every page it wrote, and for each article page a key of its inputs (its manifest record, its source's
 *   name, the site's code), so an article whose inputs did not change is not even read. Over an earlier build
 *   a page is replaced atomically (a temporary file beside it, then rename); a first build writes in place.
 * - With `events` (a run's ChangeEvents) only the pages they touch are considered: the articles, their
 *   history, the newest pages of home and of their sources (pages are fixed chunks counted from the oldest,
 *   so older pages never move), their days, the days index, the feeds, the sources page. Without events
 *   every article's key is compared, and the articles whose key changed narrow the list pages the same way.
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
import { feedArticles, feedText, normaliseBaseUrl } from './feeds.ts';
import { STATIC_DIR, packageStatic } from './layout.ts';
import { openSiteModel, type SiteArticle, type SiteModel } from './model.ts';
import { PAGE_SIZE, pageCount, renderArticle, renderDay, renderDays, renderDiff, renderHistory, renderHome, renderSearch, renderSource, renderSources, titleOf } from './pages.ts';
import { feedPath, pathOf, type FeedFormat } from './routes.ts';
import { isSearchIndexReady, updateSearchIndex, type SearchDoc, type SearchIndexReport } from './search/index.ts';
import { startSearchIndexer, type HtmlDoc, type SearchIndexer } from './search-worker.ts';
import { checkOut, STATE_FILE, type BuildOptions, type BuildReport } from './build.ts';
import { SEARCH_HEAP_MB } from './thread.ts';

const STATE_VERSION = 1;




interface State {
  v: number;
  /** The hash of the site's code and options when the state was written. */
  generator: string;
  /** Page path → hash of its bytes. */
  pages: Record<string, string>;
  /** Article page path → key of its inputs. */
  inputs: Record<string, string>;
  /** Feed name → key of its inputs. */
  feeds: Record<string, string>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.extname(fileURLToPath(import.meta.url));

/** A hash of the code that renders pages, so that a new version of it re-renders every page. */
function generatorHash(baseUrl: string | null): string {
  const h = createHash('sha256');
  for (const name of ['pages', 'layout', 'sanitize', 'feeds', 'routes', 'model']) {
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




function readState(out: string): State | null {
  try {
    const s = JSON.parse(readFileSync(path.join(out, STATE_FILE), 'utf8')) as Partial<State>;
    if (s.v !== STATE_VERSION || typeof s.pages !== 'object' || typeof s.inputs !== 'object' || typeof s.feeds !== 'object' || typeof s.generator !== 'string') return null;
    return s as State;
  } catch {
    return null;
  }
}

/**
 * Writes pages into the output folder, only when their bytes differ from what the state records: atomically
 * (a temporary file, then rename) when the folder holds an earlier build (a reader or a server may be looking
 * at it), straight into the file when it holds none (`direct`: a first or damaged build, the state file
 * removed first, so that a build stopped midway leaves no state and the next one rewrites every page).
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
    readonly pages: Map<string, string>,
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
  const model = await openSiteModel(root);
  const warnings = [...model.warnings];
  const base = normaliseBaseUrl(opts.baseUrl);
  if (opts.baseUrl && !base) warnings.push(`--base-url ${opts.baseUrl} is no http(s) URL; feeds link to the original articles`);
  const generator = generatorHash(base);
  let old = readState(out);
  let prev = opts.full ? null : old;
  const sameCode = prev?.generator === generator;
  // the pages an earlier build wrote (with --full too: those no longer produced are removed)
  const pages = new Map(Object.entries(old?.pages ?? {}));
  const inputs = new Map(sameCode ? Object.entries(prev!.inputs) : []);
  const feeds = new Map(sameCode ? Object.entries(prev!.feeds) : []);
  mkdirSync(out, { recursive: true });
  // no earlier build here (or its state is damaged): pages are written in place, and the state file, if any,
  // goes first (see SiteWriter)
  const direct = pages.size === 0;
  if (direct) rmSync(path.join(out, STATE_FILE), { force: true });
  const writer = new SiteWriter(out, pages, opts.full ?? false, direct);

  const hadState = prev !== null;
  // the parsed state is in the maps now: let it go (at 100,000 articles it is tens of MB)
  old = prev = null;
  // the search index is built again whole (streamed to its thread) after a first build, a change of this code
  // (every page is made again), or damage; else it is updated with the articles made again
  const searchFull = !hadState || !sameCode || !isSearchIndexReady(out);
  // events only narrow the work when everything before them was built by this code
  const events = opts.events && hadState && sameCode && !searchFull ? opts.events : null;
  const complete = events === null;

  copyStatic(writer);

  // articles
  const all = model.all();
  const touched = new Set<string>();
  if (events) {
    for (const e of events) {
      if (e.type === 'added' || e.type === 'revised') touched.add(`${e.source}/${e.record.id}`);
      else if (e.type === 'gone') touched.add(`${e.source}/${e.id}`);
    }
  }
  const assets = new Set<string>();
  let rendered = 0;
  let skipped = 0;
  const upserts: SearchDoc[] = [];
  const updates: SearchIndexReport[] = [];
  const history: SiteArticle[] = [];
  let assetsCopied = 0;
  const renderOne = (a: SiteArticle): HtmlDoc | null => {
    const rel = pathOf({ kind: 'article', slug: a.source, id: a.record.id });
    const name = model.nameOf(a.source);
    const key = articleKey(a, name);
    if (!searchFull && inputs.get(rel) === key) {
      skipped++;
      writer.produced.add(rel);
      const versions = a.record.revisions?.length ?? 0;
      if (versions > 0) {
        writer.produced.add(pathOf({ kind: 'history', slug: a.source, id: a.record.id }));
        for (let n = 1; n <= versions; n++) writer.produced.add(pathOf({ kind: 'diff', slug: a.source, id: a.record.id, n }));
      }
      return null;
    }
    const fields = model.bodySync(a);
    const html = renderArticle(model, a, fields, 'static');
    writer.write(rel, html);
    for (const m of html.matchAll(ASSET)) assets.add(m[1]!);
    inputs.set(rel, key);
    rendered++;
    if (a.record.revisions?.length) history.push(a);
    return {
      key: `${a.source}/${a.record.id}`,
      url: rel,
      title: titleOf(fields?.title ?? a.record.title),
      source: a.source,
      sourceName: name,
      published: a.record.published,
      html: fields?.contentHtml ?? '',
    };
  };
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
        const doc = renderOne(a);
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
    const candidates = events ? all.filter((a) => touched.has(`${a.source}/${a.record.id}`) || !inputs.has(pathOf({ kind: 'article', slug: a.source, id: a.record.id }))) : all;
    let done = 0;
    for (const a of candidates) {
      const doc = renderOne(a);
      if (doc) {
        const { html, ...rest } = doc;
        upserts.push({ ...rest, text: htmlToText(html) });
        // from the manifests: the articles whose inputs changed are the touched ones (as a run's events would say)
        if (!events) touched.add(rest.key);
        // the index updated in batches: a rebuild that makes many articles again holds only a batch's text
        if (upserts.length >= (opts.upsertBatch ?? UPSERT_BATCH)) updates.push(await updateSearchIndex(out, { upsert: upserts.splice(0), remove: [] }));
      }
      if (++done % 50 === 0 || done === candidates.length) opts.onProgress?.(done, candidates.length);
    }
  }
  try {
    search = (await writeRest()) ?? search;
  } catch (err) {
    await indexer?.abort();
    throw err;
  }
  if (indexed) search = await indexed;

  const state: State = { v: STATE_VERSION, generator, pages: Object.fromEntries(pages), inputs: Object.fromEntries(inputs), feeds: Object.fromEntries(feeds) };
  const stateFile = path.join(out, STATE_FILE);
  const tmp = `${stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, stateFile);

  return {
    out,
    complete,
    full: opts.full ?? false,
    pages: { written: writer.written, unchanged: writer.unchanged + skipped, removed: writer.removed },
    articles: { rendered, skipped },
    assets: { copied: assetsCopied },
    search,
    ms: performance.now() - t0,
    warnings,
  };

  /** History and diff pages, removals, assets, lists and feeds; the search index's update when not a full build. */
  async function writeRest(): Promise<SearchIndexReport | null> {
    let updated: SearchIndexReport | null = null;
    for (const a of history) await writeHistory(model, writer, a);

    // pages no longer produced (a complete build knows every page): removed, with their search documents
    const removedKeys: string[] = [];
    if (complete) {
      for (const rel of [...inputs.keys()]) {
        if (writer.produced.has(rel)) continue;
        inputs.delete(rel);
        const m = /^a\/([^/]+)\/([^/.]+)\.html$/.exec(rel);
        if (m) removedKeys.push(`${m[1]}/${m[2]}`);
      }
    }
    if (!searchFull && (upserts.length || removedKeys.length)) updates.push(await updateSearchIndex(out, { upsert: upserts, remove: removedKeys }));
    if (updates.length) updated = sumReports(updates);

    assetsCopied = copyAssets(root, out, assets);

    // lists
    // the list pages the touched articles are on; all of them after a first build or when an article went away
    // (pages count from the oldest: a removal moves every later one)
    writeLists(model, writer, events || (!searchFull && removedKeys.length === 0) ? touched : null);
    writer.write(pathOf({ kind: 'sources' }), renderSources(model, await model.health()));
    writer.write(pathOf({ kind: 'search' }), renderSearch('static'));

    // feeds
    for (const source of [undefined, ...model.sources().map((s) => s.slug)]) {
      const items = feedArticles(model, source) ?? [];
      const name = source ?? '';
      const key = hash(`${generator}\0${source === undefined ? '' : model.nameOf(source)}\0${items.map((a) => `${a.source}/${JSON.stringify(a.record)}`).join('\n')}`);
      const paths = FORMATS.map((format) => feedPath(source === undefined ? { format } : { source, format }));
      if (!writer.force && feeds.get(name) === key && paths.every((p) => pages.has(p))) {
        for (const p of paths) writer.produced.add(p);
        continue;
      }
      const withBodies = items.map((article) => ({ article, fields: model.bodySync(article) }));
      FORMATS.forEach((format, i) => writer.write(paths[i]!, feedText(model, { ...(source === undefined ? {} : { source }), format, ...(base ? { baseUrl: base } : {}) }, withBodies)));
      feeds.set(name, key);
    }

    if (complete) {
      for (const rel of [...pages.keys()]) if (!writer.produced.has(rel) && !isStaticPath(rel)) writer.remove(rel);
      for (const name of [...feeds.keys()]) if (name !== '' && !model.source(name)) feeds.delete(name);
    }
    return updated;
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

async function writeHistory(model: SiteModel, writer: SiteWriter, a: SiteArticle): Promise<void> {
  const h = await model.history(a);
  const page = renderHistory(model, h);
  if (page) writer.write(pathOf({ kind: 'history', slug: a.source, id: a.record.id }), page);
  for (let n = 1; n < h.versions.length; n++) {
    const diff = renderDiff(model, h, n);
    if (diff) writer.write(pathOf({ kind: 'diff', slug: a.source, id: a.record.id, n }), diff);
  }
  // the history pages of an article are produced only with it; mark those of the previous build as kept
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

/** The list pages: all of them, or (with the keys of the touched articles) those the touched articles are on. */
function writeLists(model: SiteModel, writer: SiteWriter, touched: Set<string> | null): void {
  const all = model.all();
  // the oldest page (counted from the oldest) a touched article sits on; pages after it may have moved
  const firstPage = (list: readonly SiteArticle[]): number => {
    if (!touched) return 1;
    let first = Infinity;
    list.forEach((a, i) => {
      if (touched.has(`${a.source}/${a.record.id}`)) first = Math.min(first, Math.floor((list.length - 1 - i) / PAGE_SIZE) + 1);
    });
    return first;
  };
  const lists = (list: readonly SiteArticle[], render: (p: number) => string | null, rel: (p: number) => string) => {
    const from = firstPage(list);
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
  lists(all, (p) => renderHome(model, p), (p) => pathOf({ kind: 'home', page: p }));
  if (all.length === 0) writer.write(pathOf({ kind: 'home', page: 0 }), renderHome(model, 0)!);
  for (const s of model.sources()) lists(s.articles, (p) => renderSource(model, s.slug, p), (p) => pathOf({ kind: 'source', slug: s.slug, page: p }));
  const days = model.days();
  const keys = [...days.keys()];
  const wanted = new Set<string>();
  if (touched) {
    keys.forEach((day, i) => {
      if (days.get(day)!.some((a) => touched.has(`${a.source}/${a.record.id}`))) {
        wanted.add(day);
        if (i > 0) wanted.add(keys[i - 1]!);
        if (i < keys.length - 1) wanted.add(keys[i + 1]!);
      }
    });
  }
  for (const day of keys) {
    const rel = pathOf({ kind: 'day', day });
    if (touched && !wanted.has(day) && writer.pages.has(rel)) writer.produced.add(rel);
    else if (!touched || wanted.has(day) || !writer.pages.has(rel)) writer.write(rel, renderDay(model, day)!);
  }
  writer.write(pathOf({ kind: 'days' }), renderDays(model));
}

