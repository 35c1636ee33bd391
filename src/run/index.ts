/**
 * The processor: runs every source through fetch → parse → archive → publish,
 * concurrently, one failing source never stopping the others.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedItem, Source } from '../domain.ts';
import { SourceStore, acquireLock, clearTemp, prepareRoot } from '../archive/index.ts';
import { FetchError, describeError, fetchResource } from '../fetch/index.ts';
import type { FetchOptions } from '../fetch/index.ts';
import { parseFeed } from '../parse/index.ts';
import { writeReadme, writeSourceLists } from '../publish/index.ts';
import type { SourceSummary } from '../publish/index.ts';

export interface SourceReport {
  slug: string;
  name: string;
  /** ok: every feed read; failed: no feed could be read; partial: some feeds or items failed. */
  status: 'ok' | 'failed' | 'partial';
  seen: number;
  new: number;
  changed: number;
  unchanged: number;
  failed: number;
  errors: string[];
  warnings: string[];
  durationMs: number;
}

export interface RunReport {
  archive: string;
  startedAt: number;
  durationMs: number;
  sources: SourceReport[];
  written: string[];
  ok: boolean;
}

export interface RunOptions {
  root: string;
  /** The sources to run (the enabled ones are run). */
  sources: Source[];
  /** Other sources the archive knows (for names on the front page), e.g. the configured ones during a `--feed` run. */
  known?: Source[];
  concurrency?: number;
  fetch?: FetchOptions;
  now?: () => number;
  /** Called as each source finishes. */
  onSource?: (report: SourceReport) => void;
}

/** Runs `tasks` with at most `limit` in flight, keeping their order in the result. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

async function readFeed(location: string, fetchOptions: FetchOptions | undefined): Promise<{ items: FeedItem[]; warnings: string[] }> {
  const resource = await fetchResource(location, fetchOptions);
  const feed = await parseFeed(resource.body, { url: resource.url, contentType: resource.contentType });
  return { items: feed.items, warnings: feed.warnings };
}

export async function archiveSource(root: string, source: Source, opts: RunOptions, written: string[]): Promise<SourceReport> {
  const started = Date.now();
  const now = opts.now ?? Date.now;
  const report: SourceReport = {
    slug: source.slug,
    name: source.name,
    status: 'ok',
    seen: 0,
    new: 0,
    changed: 0,
    unchanged: 0,
    failed: 0,
    errors: [],
    warnings: [],
    durationMs: 0,
  };
  let feedsRead = 0;
  try {
    const store = await SourceStore.open(root, source.slug);
    if (source.feeds.length === 0) report.errors.push('no feed configured');
    for (const location of source.feeds) {
      let items: FeedItem[];
      try {
        const feed = await readFeed(location, opts.fetch);
        items = feed.items;
        report.warnings.push(...feed.warnings);
        feedsRead++;
      } catch (err) {
        // fetch errors name their URL already; parse errors do not
        report.errors.push(err instanceof FetchError ? describeError(err) : `${location}: ${describeError(err)}`);
        continue;
      }
      const runTime = now();
      for (const item of items) {
        report.seen++;
        try {
          const result = await store.upsert(item, runTime);
          report[result.status]++;
          report.warnings.push(...result.warnings);
        } catch (err) {
          report.failed++;
          report.errors.push(`item "${item.title.slice(0, 40)}": ${describeError(err)}`);
        }
      }
    }
    if (await store.save()) written.push(store.manifestPath);
    if (store.size > 0) written.push(...(await writeSourceLists(root, source, store.all())));
  } catch (err) {
    report.errors.push(describeError(err));
    feedsRead = 0;
  }
  report.status = feedsRead === 0 && source.feeds.length > 0 ? 'failed' : report.errors.length > 0 ? 'partial' : 'ok';
  if (source.feeds.length === 0) report.status = 'failed';
  report.durationMs = Date.now() - started;
  return report;
}

/** Sources that have articles in the archive but are not configured any more: still on the front page. */
async function archivedSlugs(root: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, 'articles'), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && /^[a-z0-9][a-z0-9-]*$/.test(e.name)).map((e) => e.name);
}

export async function runArchive(opts: RunOptions): Promise<RunReport> {
  const root = path.resolve(opts.root);
  const startedAt = Date.now();
  await fs.mkdir(root, { recursive: true });
  const release = await acquireLock(root);
  const written: string[] = [];
  try {
    await clearTemp(root);
    await prepareRoot(root);
    const sources = opts.sources.filter((s) => s.enabled);
    const reports = await mapLimit(sources, opts.concurrency ?? 4, async (source) => {
      const report = await archiveSource(root, source, opts, written);
      opts.onSource?.(report);
      return report;
    });
    const summaries: SourceSummary[] = [];
    const known = new Set<string>();
    for (const source of [...opts.sources, ...(opts.known ?? [])]) {
      if (known.has(source.slug)) continue;
      known.add(source.slug);
      summaries.push({ source, records: (await SourceStore.open(root, source.slug)).all() });
    }
    for (const slug of await archivedSlugs(root)) {
      if (known.has(slug)) continue;
      summaries.push({ source: { slug, name: slug, feeds: [], enabled: false }, records: (await SourceStore.open(root, slug)).all() });
    }
    if (await writeReadme(root, summaries)) written.push('README.md');
    return {
      archive: root,
      startedAt,
      durationMs: Date.now() - startedAt,
      sources: reports,
      written: written.sort(),
      ok: reports.every((r) => r.status === 'ok'),
    };
  } finally {
    await release();
  }
}
