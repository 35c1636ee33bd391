/**
 * The processor: runs every source through fetch → parse → (extract) → archive → publish,
 * concurrently, one failing source never stopping the others. Health (validators, failures,
 * backoff) is read before and saved after, in the archive's git-ignored state folder.
 */
import { promises as fs } from 'node:fs';
import { escapeAttribute } from 'entities';
import path from 'node:path';
import type { FeedItem, Source } from '../domain.ts';
import { SourceStore, acquireLock, clearTemp, prepareRoot } from '../archive/index.ts';
import type { ManifestRecord, UpsertOptions } from '../archive/index.ts';
import { mirrorImages } from '../assets/index.ts';
import { fetchAndExtract, needsFullText } from '../extract/index.ts';
import type { ExtractedArticle, SiteRule } from '../extract/index.ts';
import { FetchError, describeError, fetchResource } from '../fetch/index.ts';
import type { FetchOptions } from '../fetch/index.ts';
import { isDue, loadState, recordAttempt, rememberValidators, saveState, validatorsFor } from '../health/index.ts';
import type { HealthState } from '../health/index.ts';
import { parseFeed } from '../parse/index.ts';
import { writeReadme, writeSourceLists } from '../publish/index.ts';
import { loadAttempts, recordFailure, retryDue, saveAttempts } from './retries.ts';
import type { Attempts } from './retries.ts';
import type { SourceSummary } from '../publish/index.ts';

export interface SourceReport {
  slug: string;
  name: string;
  /** ok: every feed read; failed: no feed could be read; partial: some feeds or items failed;
   *  backoff: not polled this time, because it kept failing (see `newsvault status`). */
  status: 'ok' | 'failed' | 'partial' | 'backoff';
  seen: number;
  new: number;
  changed: number;
  unchanged: number;
  failed: number;
  /** Feeds answered 304 Not Modified (nothing parsed or written). */
  notModified: number;
  /** Articles whose text was extracted from their web page. */
  fullText: number;
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
  /** Fetch options shared by every request of the run (one Politeness instance belongs here). */
  fetch?: FetchOptions;
  /** Per-source additions to `fetch` (proxy, politeness delay). */
  fetchFor?: (source: Source) => FetchOptions;
  /** Poll sources even while they are backing off after failures. */
  force?: boolean;
  /** Download the images of new and changed articles into assets/. */
  assets?: boolean;
  /** Site rules for full-text extraction (default: none beyond the generic extractor). */
  rules?: SiteRule[];
  now?: () => number;
  /** Called as each source finishes. */
  onSource?: (report: SourceReport) => void;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping their order in the result. */
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

function emptyReport(source: Source): SourceReport {
  return {
    slug: source.slug,
    name: source.name,
    status: 'ok',
    seen: 0,
    new: 0,
    changed: 0,
    unchanged: 0,
    failed: 0,
    notModified: 0,
    fullText: 0,
    errors: [],
    warnings: [],
    durationMs: 0,
  };
}

/** The feed item with the page's article in it: the page's text (led by the page's lead image when the text
 *  has no picture of its own); title, date and author only where the feed lacks them. */
export function withPage(item: FeedItem, page: ExtractedArticle): FeedItem {
  const lead = page.leadImage && !/<img\b/i.test(page.contentHtml) ? `<img src="${escapeAttribute(page.leadImage)}">` : '';
  return {
    ...item,
    content: lead + page.contentHtml,
    title: item.title.trim() ? item.title : (page.title ?? ''),
    published: item.published ?? page.published,
    author: item.author ?? page.byline,
  };
}

interface SourceContext {
  root: string;
  source: Source;
  store: SourceStore;
  fetch: FetchOptions;
  opts: RunOptions;
  report: SourceReport;
  now: number;
  /** Failed extractions, shared by the run (see retries.ts). */
  attempts: Attempts;
}

/** One item through extract → archive. */
async function archiveItem(ctx: SourceContext, item: FeedItem): Promise<void> {
  const { store, report, source } = ctx;
  const upsert: UpsertOptions = {};
  let toArchive = item;
  const mode = source.fullText ?? 'auto';
  if (needsFullText(item, mode)) {
    const known: ManifestRecord | undefined = store.lookup(item);
    const attemptKey = known ? `${source.slug}/${known.id}` : null;
    const retry = known && known.textSource !== 'page' && retryDue(ctx.attempts[attemptKey!], known.firstSeen, ctx.now);
    if (known && !retry) {
      // archived before (from its page, or extraction kept failing): the feed's summary must not replace it
      report.unchanged++;
      return;
    }
    try {
      const page = await fetchAndExtract(item.link!, { ...ctx.fetch, rules: ctx.opts.rules });
      toArchive = withPage(item, page);
      upsert.textSource = 'page';
      report.fullText++;
      report.warnings.push(...page.warnings.map((w) => `${item.link}: ${w}`));
    } catch (err) {
      report.warnings.push(`full text of "${item.title.slice(0, 40)}" not extracted, the feed's text is kept: ${describeError(err)}`);
      if (known) {
        recordFailure(ctx.attempts, attemptKey!, ctx.now);
        report.unchanged++;
        return;
      }
      const result = await store.upsert(toArchive, ctx.now, withAssets(ctx, toArchive, upsert));
      recordFailure(ctx.attempts, `${source.slug}/${result.record.id}`, ctx.now);
      report[result.status]++;
      report.warnings.push(...result.warnings);
      return;
    }
  }
  const result = await store.upsert(toArchive, ctx.now, withAssets(ctx, toArchive, upsert));
  report[result.status]++;
  report.warnings.push(...result.warnings);
}

/** With --assets, the body's images are mirrored as the article is written. */
function withAssets(ctx: SourceContext, item: FeedItem, upsert: UpsertOptions): UpsertOptions {
  if (!ctx.opts.assets) return upsert;
  const { report } = ctx;
  return {
    ...upsert,
    prepareBody: async (html, articlePath) => {
      const mirrored = await mirrorImages(html, { archiveRoot: ctx.root, articlePath, baseUrl: item.link ?? undefined, fetch: ctx.fetch });
      for (const f of mirrored.failed) report.warnings.push(`image ${f.url} not kept: ${f.reason}`);
      return mirrored.html;
    },
  };
}

export async function archiveSource(
  root: string,
  source: Source,
  opts: RunOptions,
  written: string[],
  state?: HealthState,
  attempts: Attempts = {},
): Promise<{ report: SourceReport; state?: HealthState }> {
  const started = Date.now();
  const now = opts.now ?? Date.now;
  const report = emptyReport(source);
  const fetchOptions: FetchOptions = { ...opts.fetch, ...opts.fetchFor?.(source) };
  let feedsRead = 0;
  let httpStatus: number | null = null;
  let retryAfterMs: number | undefined;
  // validators of feeds whose items were all archived; kept only once the manifest is saved, so that a
  // later 304 can never hide items whose record was lost
  const pending: { location: string; validators: { notModified: boolean; etag?: string; lastModified?: string } }[] = [];
  try {
    const store = await SourceStore.open(root, source.slug);
    if (source.feeds.length === 0) report.errors.push('no feed configured');
    for (const location of source.feeds) {
      let items: FeedItem[];
      let validators: { notModified: boolean; etag?: string; lastModified?: string } | undefined;
      try {
        const resource = await fetchResource(location, { ...fetchOptions, validators: state ? validatorsFor(state, location) : undefined });
        httpStatus = resource.status;
        feedsRead++;
        validators = { notModified: resource.notModified, etag: resource.etag, lastModified: resource.lastModified };
        if (resource.notModified) {
          report.notModified++;
          if (state) state = rememberValidators(state, location, validators);
          continue;
        }
        const feed = await parseFeed(resource.body, { url: resource.url, contentType: resource.contentType });
        items = feed.items;
        report.warnings.push(...feed.warnings);
      } catch (err) {
        if (err instanceof FetchError) {
          httpStatus = err.status ?? httpStatus;
          retryAfterMs = err.retryAfterMs ?? retryAfterMs;
        } else {
          feedsRead = Math.max(0, feedsRead - 1);
        }
        // fetch errors name their URL already; parse errors do not
        report.errors.push(err instanceof FetchError ? describeError(err) : `${location}: ${describeError(err)}`);
        continue;
      }
      const ctx: SourceContext = { root, source, store, fetch: fetchOptions, opts, report, now: now(), attempts };
      let itemFailures = 0;
      for (const item of items) {
        report.seen++;
        try {
          await archiveItem(ctx, item);
        } catch (err) {
          report.failed++;
          itemFailures++;
          report.errors.push(`item "${item.title.slice(0, 40)}": ${describeError(err)}`);
        }
      }
      if (validators && itemFailures === 0) pending.push({ location, validators });
    }
    if (await store.save()) written.push(store.manifestPath);
    if (state) for (const p of pending) state = rememberValidators(state, p.location, p.validators);
    if (store.size > 0) written.push(...(await writeSourceLists(root, source, store.all())));
  } catch (err) {
    report.errors.push(describeError(err));
    feedsRead = 0;
  }
  if (feedsRead === 0) report.status = 'failed';
  else if (report.errors.length > 0) report.status = 'partial';
  report.durationMs = Date.now() - started;
  if (state) {
    state = recordAttempt(
      state,
      source.slug,
      { ok: report.status !== 'failed', httpStatus, error: report.errors[0] ?? null, newArticles: report.new, ...(retryAfterMs ? { retryAfterMs } : {}) },
      now(),
    );
  }
  return { report, state };
}

/** Sources that have articles in the archive but are not configured any more: still on the front page. */
async function archivedSlugs(root: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, 'articles'), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && /^[a-z0-9][a-z0-9-]*$/.test(e.name)).map((e) => e.name);
}

export async function runArchive(opts: RunOptions): Promise<RunReport> {
  const root = path.resolve(opts.root);
  const startedAt = Date.now();
  const now = opts.now ?? Date.now;
  await fs.mkdir(root, { recursive: true });
  const release = await acquireLock(root);
  const written: string[] = [];
  try {
    await clearTemp(root);
    await prepareRoot(root);
    const loaded = await loadState(root);
    let state = loaded.state;
    const attempts = await loadAttempts(root);
    const sources = opts.sources.filter((s) => s.enabled);
    const reports = await mapLimit(sources, opts.concurrency ?? 4, async (source) => {
      if (!isDue(state, source.slug, now(), { force: opts.force })) {
        const report: SourceReport = { ...emptyReport(source), status: 'backoff' };
        const until = state.sources[source.slug]?.nextAttemptAfter;
        report.errors.push(`backing off after ${state.sources[source.slug]?.consecutiveFailures ?? 0} failures${until ? ` until ${new Date(until).toISOString()}` : ''}; --force polls it now`);
        opts.onSource?.(report);
        return report;
      }
      // each source works on the state it started with and merges its own entries back
      const result = await archiveSource(root, source, opts, written, state, attempts);
      if (result.state) state = mergeState(state, result.state, source);
      opts.onSource?.(result.report);
      return result.report;
    });
    if (loaded.warning) reports[0]?.warnings.push(loaded.warning);
    await saveState(root, state);
    await saveAttempts(root, attempts, now());
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

/** Takes one source's entries (its health, its feeds' validators) from `theirs` into `ours`. */
function mergeState(ours: HealthState, theirs: HealthState, source: Source): HealthState {
  const feeds = { ...ours.feeds };
  for (const feed of source.feeds) {
    if (theirs.feeds[feed]) feeds[feed] = theirs.feeds[feed]!;
  }
  const sources = { ...ours.sources };
  if (theirs.sources[source.slug]) sources[source.slug] = theirs.sources[source.slug]!;
  return { ...ours, feeds, sources };
}
