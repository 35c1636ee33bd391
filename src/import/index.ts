/**
 * The import stage: an archive written by the original script (duty-machine/news and its forks) into a
 * Newsvault archive, file by file, through the storage boundary (`SourceArchive.importArticle`).
 *
 *   <from>/articles/<folder>/<id>.md  and  <from>/articles/<folder>/<id>_<title>.md
 *
 * Every folder becomes a catalog source (folders.ts: `BBC/` and `bbc/` are bbc); each source's folders are
 * walked old to new (the 2020 Chinese-named folder first, then the abbreviation; in a folder, ids count down
 * from 0xFFFFF, so the largest id first), one file at a time: nothing but the current source's manifest is
 * held in memory. A file is added byte for byte, or is a revision of the article with its link, or is
 * already there; a file that is no article (read.ts) is refused with its reason and nothing of it is
 * written. Then, as `run` does, the lists of the sources that changed and the README are published from the
 * events. Re-running an import adds nothing. See docs/import.md.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArticleAdded, ArticleRevised, ArticleUnchanged, ManifestRecord } from '../archive/index.ts';
import { ArchiveError } from '../archive/index.ts';
import type { Source } from '../domain.ts';
import { publishReadme, publishSourceLists, type SourceSummary } from '../publish/index.ts';
import { catalogSource } from '../sources/index.ts';
import { openStorage, storageFailure, type Archive, type SourceArchive } from '../storage/index.ts';
import { folderSource } from './folders.ts';
import { readOldArticle } from './read.ts';

export { LEGACY_FOLDERS, folderSource, type FolderSource } from './folders.ts';
export { emptyBodyReason, readOldArticle, type ReadResult } from './read.ts';
export { ProgressLine, formatProgress, type ProgressState } from './progress.ts';

/** The import cannot start (no such folder, no articles/ in it, the archive itself): bad usage. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
}

export type ImportEvent = ArticleAdded | ArticleRevised | ArticleUnchanged;

export interface ImportArchiveOptions {
  /** The Newsvault archive folder. */
  root: string;
  /** The original archive: the folder holding `articles/` (a clone), or that `articles/` folder itself. */
  from: string;
  /** The configured sources (for their names on the lists and README); the catalog otherwise. */
  sources?: readonly Source[];
  now?: () => number;
  /** Called after each file (and once before the first, with done = 0). */
  onProgress?: (done: number, total: number, label: string) => void;
  /** Called with each batch of events (at most `EVENT_BATCH`, all of one source) once they are committed:
   *  for the search index. */
  onEvents?: (events: readonly ImportEvent[]) => Promise<void>;
}

/** A file left out, and why. `path` is relative to the imported archive. */
export interface Refusal {
  path: string;
  reason: string;
}

export interface SourceImport {
  slug: string;
  name: string;
  /** The folders of the original archive that became this source, in the order they were walked. */
  folders: string[];
  files: number;
  imported: number;
  revised: number;
  unchanged: number;
  refused: number;
}

export interface ImportReport {
  from: string;
  archive: string;
  startedAt: number;
  durationMs: number;
  files: number;
  imported: number;
  revised: number;
  unchanged: number;
  refused: Refusal[];
  sources: SourceImport[];
  /** Unknown folders, files outside any folder, headers read leniently (see read.ts). */
  warnings: string[];
  /** Pages written (lists, README), relative to the archive. */
  written: string[];
}

export const EVENT_BATCH = 500;

/** A folder's files, old to new: the original ids count down, so the largest first; then by name. */
function compareOldFirst(a: string, b: string): number {
  const na = /^\d+/.exec(a);
  const nb = /^\d+/.exec(b);
  if (na && nb && na[0] !== nb[0]) return Number(nb[0]) - Number(na[0]);
  if (na && !nb) return -1;
  if (!na && nb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The article files of a folder, old to new, subfolders after the files; one folder listed at a time. */
async function* walkFiles(dir: string, rel: string): AsyncGenerator<{ abs: string; rel: string }> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.md')).map((e) => e.name).sort(compareOldFirst);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const name of files) yield { abs: path.join(dir, name), rel: `${rel}/${name}` };
  for (const name of dirs) yield* walkFiles(path.join(dir, name), `${rel}/${name}`);
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.md')) n++;
    else if (e.isDirectory()) n += await countFiles(path.join(dir, e.name));
  }
  return n;
}

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** The original archive's `articles/` folder. */
async function articlesDir(from: string, root: string): Promise<string> {
  const base = path.resolve(from);
  if (!(await isDir(base))) throw new ImportError(`${from}: no such folder`);
  const dir = (await isDir(path.join(base, 'articles'))) ? path.join(base, 'articles') : path.basename(base) === 'articles' ? base : null;
  if (!dir) throw new ImportError(`${from}: no articles/ folder in it (expected a copy of the original archive: articles/<folder>/<id>.md)`);
  const real = await fs.realpath(dir);
  const archive = await fs.realpath(root).catch(() => path.resolve(root));
  const rel = path.relative(archive, real);
  if (rel === '' || !(rel.startsWith('..') || path.isAbsolute(rel))) throw new ImportError(`${from}: is inside the archive ${root} itself`);
  return dir;
}

/** Imports the original archive at `opts.from` into the archive at `opts.root`, holding its lock. */
export async function importArchive(opts: ImportArchiveOptions): Promise<ImportReport> {
  const root = path.resolve(opts.root);
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const dir = await articlesDir(opts.from, root);
  const report: ImportReport = {
    from: path.resolve(opts.from),
    archive: root,
    startedAt,
    durationMs: 0,
    files: 0,
    imported: 0,
    revised: 0,
    unchanged: 0,
    refused: [],
    sources: [],
    warnings: [],
    written: [],
  };

  // the folders, grouped by the source they become
  const groups = new Map<string, { folder: string; era: number }[]>();
  for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory()) {
      if (entry.name.endsWith('.md')) report.warnings.push(`articles/${entry.name}: not in a source folder; left out`);
      continue;
    }
    const mapped = folderSource(entry.name);
    if (!mapped.known) report.warnings.push(`articles/${entry.name}/: unknown folder; imported as the source "${mapped.slug}"`);
    const list = groups.get(mapped.slug) ?? [];
    list.push({ folder: entry.name, era: mapped.era });
    groups.set(mapped.slug, list);
  }
  let total = 0;
  for (const list of groups.values()) for (const { folder } of list) total += await countFiles(path.join(dir, folder));

  await fs.mkdir(root, { recursive: true });
  const { archive, state } = openStorage(root);
  const lock = await state.lock('newsvault import');
  try {
    await state.clearTemp();
    const stores = new Map<string, SourceArchive>();
    const imported: Source[] = [];
    let anyChange = false;
    let lenient = 0;
    opts.onProgress?.(0, total, '');
    for (const slug of [...groups.keys()].sort()) {
      const folders = groups.get(slug)!.sort((a, b) => a.era - b.era || (a.folder < b.folder ? -1 : 1));
      const source = opts.sources?.find((s) => s.slug === slug) ?? catalogSource(slug) ?? { slug, name: folders[0]!.folder, feeds: [], enabled: false };
      imported.push(source);
      const store = await archive.source(slug);
      stores.set(slug, store);
      for (const w of store.warnings) report.warnings.push(w);
      const counts: SourceImport = { slug, name: source.name, folders: folders.map((f) => f.folder), files: 0, imported: 0, revised: 0, unchanged: 0, refused: 0 };
      report.sources.push(counts);
      let batch: ImportEvent[] = [];
      const flush = async () => {
        if (batch.length && opts.onEvents) await opts.onEvents(batch);
        batch = [];
      };
      for (const { folder } of folders) {
        for await (const file of walkFiles(path.join(dir, folder), `articles/${folder}`)) {
          counts.files++;
          report.files++;
          const bytes = await fs.readFile(file.abs);
          const read = readOldArticle(bytes);
          if (!read.ok) {
            report.refused.push({ path: file.rel, reason: read.reason });
            counts.refused++;
          } else {
            if (!read.strict) lenient++;
            let event: ImportEvent;
            try {
              event = await store.importArticle(bytes, { originalPath: file.rel, now: now(), ...(read.strict ? {} : { fields: read.fields }) });
            } catch (err) {
              const stored = storageFailure(err, root);
              if (stored) throw stored;
              if (!(err instanceof ArchiveError)) throw err;
              report.refused.push({ path: file.rel, reason: err.message.replace(`${file.rel}: `, '') });
              counts.refused++;
              opts.onProgress?.(report.files, total, `articles/${folder}`);
              continue;
            }
            if (event.type === 'added') counts.imported++;
            else if (event.type === 'revised') counts.revised++;
            else counts.unchanged++;
            if (event.type !== 'unchanged') anyChange = true;
            batch.push(event);
            if (batch.length >= EVENT_BATCH) await flush();
          }
          opts.onProgress?.(report.files, total, `articles/${folder}`);
        }
      }
      await flush();
      report.imported += counts.imported;
      report.revised += counts.revised;
      report.unchanged += counts.unchanged;
      try {
        if (await store.close()) report.written.push(`articles/${slug}/index.jsonl`);
        const changed = counts.imported + counts.revised > 0;
        report.written.push(...(await publishSourceLists(archive, source, [], () => store.all(), { force: changed || store.unclean })));
      } catch (err) {
        throw storageFailure(err, root) ?? err;
      }
    }
    if (lenient > 0) report.warnings.push(`${lenient} file(s) had a header variant the strict parser refuses (CRLF, a BOM, an unescaped "]" in the title…); read leniently and imported byte for byte`);
    const unclean = [...stores.values()].some((s) => s.unclean);
    try {
      if (await publishReadme(archive, [], () => summaries(archive, [...(opts.sources ?? []), ...imported], stores), { force: anyChange || unclean })) report.written.push('README.md');
    } catch (err) {
      throw storageFailure(err, root) ?? err;
    }
    for (const store of stores.values()) await store.finish();
    report.durationMs = now() - startedAt;
    return report;
  } finally {
    await lock.release();
  }
}

/** Every source on the front page: the configured ones, then any other with articles. */
async function summaries(archive: Archive, configured: readonly Source[], stores: Map<string, SourceArchive>): Promise<SourceSummary[]> {
  const out: SourceSummary[] = [];
  const seen = new Set<string>();
  const records = async (slug: string): Promise<ManifestRecord[]> => (stores.get(slug) ?? (await archive.source(slug))).all();
  for (const source of configured) {
    if (seen.has(source.slug)) continue;
    seen.add(source.slug);
    out.push({ source, records: await records(source.slug) });
  }
  for (const slug of await archive.slugs()) {
    if (seen.has(slug)) continue;
    const source = catalogSource(slug) ?? { slug, name: slug, feeds: [], enabled: false };
    out.push({ source, records: await records(slug) });
  }
  return out;
}
