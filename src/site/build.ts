/**
 * `newsvault build`: the static site of an archive, written into an output folder, incrementally (docs/reader.md).
 *
 * This module is what a caller loads: the options, the report, the checks of the output folder, and
 * `buildSite`, which runs the build (build-pages.ts) on a thread of its own with a capped heap, the search
 * indexing on another (search-worker.ts). The page rendering's modules (sanitiser, templates, feeds) load on
 * that thread only.
 *
 * The archive is only read. The output folder may not be the archive itself, nor inside its articles/,
 * revisions/, assets/, lists/ or .newsvault/ folders.
 */
import { realpathSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ChangeEvent } from '../archive/index.ts';
import type { SearchIndexReport } from './search/index.ts';
import { isOutOfMemory, SEARCH_HEAP_MB } from './thread.ts';

/** The build's catalog in the output folder (catalog.ts): what it wrote, and the articles' rows. */
export const STATE_FILE = '.newsvault-site.sqlite';

export interface BuildOptions {
  /** The output folder. */
  out: string;
  /** The site's public address: feeds link to its pages. */
  baseUrl?: string;
  /** The run's change events: only the pages they touch are considered. */
  events?: readonly ChangeEvent[];
  /** Ignore the build state: render and compare every page. */
  full?: boolean;
  /** The threads' heap caps in MiB, instead of those the archive's size gives (pageHeapMb, SEARCH_HEAP_MB). */
  heapCaps?: Partial<HeapCaps>;
  /** Articles indexed per update of the search index when a rebuild makes articles again (default 2,000). */
  upsertBatch?: number;
  /** Told as articles are considered (every 50 and at the end): how many of how many. */
  onProgress?: (done: number, total: number) => void;
}

export interface BuildReport {
  out: string;
  /** Whether every page was considered (no state, --full, or no events given). */
  complete: boolean;
  full: boolean;
  pages: { written: number; unchanged: number; removed: number };
  articles: { rendered: number; skipped: number };
  assets: { copied: number };
  search: SearchIndexReport | null;
  ms: number;
  warnings: string[];
}

export class BuildRefusal extends Error {
  override readonly name = 'BuildRefusal';
}

/** Refuses an output folder that is the archive or inside its own folders (see the header). */
export function checkOut(root: string, out: string): void {
  checkPaths(path.resolve(root), path.resolve(out));
  // and with symbolic links resolved (a link to the archive's articles/ is its articles/)
  checkPaths(realPath(root), realPath(out));
}

/** The real path of `p`: its nearest existing ancestor's, links resolved, with the rest appended. */
function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

function checkPaths(archive: string, target: string): void {
  const rel = path.relative(archive, target);
  if (rel === '') throw new BuildRefusal(`the output folder ${target} is the archive itself: choose another (e.g. --out ${path.join(archive, 'site')})`);
  const top = rel.split(path.sep)[0]!;
  if (!rel.startsWith('..') && !path.isAbsolute(rel) && ['articles', 'revisions', 'assets', 'lists', '.newsvault', '.git'].includes(top)) {
    throw new BuildRefusal(`the output folder ${target} is inside the archive's ${top}/ folder: choose another`);
  }
  const back = path.relative(target, archive);
  if (back === '' || (!back.startsWith('..') && !path.isAbsolute(back))) throw new BuildRefusal(`the output folder ${target} holds the archive: choose a folder of its own`);
}

/** The heap caps of a build's threads (MiB; null: V8's default). */
export interface HeapCaps {
  pages: number | null;
  search: number | null;
}

/**
 * The page thread's heap cap for the archive at `root`: what it holds grows with the archive (every manifest
 * record, parsed, and the build state's maps), so the cap is a base plus a multiple of the manifests' and the
 * state's bytes on disk. Without a cap V8 lets a heap grow to several times what it holds before collecting.
 */
export function pageHeapMb(root: string, out: string): number {
  let bytes = 0;
  const size = (file: string) => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  const articles = path.join(root, 'articles');
  let slugs: string[];
  try {
    slugs = readdirSync(articles);
  } catch {
    slugs = [];
  }
  for (const slug of slugs) bytes += size(path.join(articles, slug, 'index.jsonl'));
  bytes += size(path.join(out, STATE_FILE));
  return Math.ceil(PAGE_HEAP_BASE_MB + (PAGE_HEAP_FACTOR * bytes) / 2 ** 20);
}

const PAGE_HEAP_BASE_MB = 128;

const PAGE_HEAP_FACTOR = 4;

/**
 * Builds (or updates) the static site of the archive at `root` in `opts.out`: on a thread of its own, its heap
 * capped by the archive's size (pageHeapMb), the search indexing on a third (SEARCH_HEAP_MB). A thread that
 * reaches its cap ends the attempt; the build is then made again without caps (a page is only rewritten when
 * its bytes differ, so the second attempt redoes no harm), and the report says so.
 */
export async function buildSite(root: string, opts: BuildOptions): Promise<BuildReport> {
  const t0 = performance.now();
  const out = path.resolve(opts.out);
  checkOut(root, out);
  const { buildOnThread } = await import('./build-thread.ts');
  const caps: HeapCaps = { pages: opts.heapCaps?.pages ?? pageHeapMb(root, out), search: opts.heapCaps?.search ?? SEARCH_HEAP_MB };
  let report: BuildReport;
  try {
    report = await buildOnThread(root, opts, caps);
  } catch (err) {
    if (!isOutOfMemory(err)) throw err;
    report = await buildOnThread(root, opts, { pages: null, search: null });
    report.warnings.push(`the build reached its memory cap (${caps.pages} MiB for pages, ${caps.search} MiB for search) and was made again without one`);
  }
  // the whole call: the thread's start and its modules' loading too
  report.ms = performance.now() - t0;
  return report;
}
