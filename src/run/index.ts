/**
 * The processor: runs every source through fetch → parse → (extract) → archive → publish, concurrently,
 * one failing source never stopping the others.
 *
 * Each item is first **processed** (everything that can fail on the network: the article's page fetched
 * and extracted, its images mirrored; nothing written but content-addressed assets), then **committed**
 * (one call that writes the revision, the article and its manifest record, or nothing). Every commit
 * returns a change event; the run returns them all, and the lists, the README and the report are built
 * from them. Health (validators, failures, backoff) and extraction retries are local state, read before
 * and saved after.
 */
import { escapeAttribute } from 'entities';
import pLimit from 'p-limit';
import pMap, { pMapSkip } from 'p-map';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { FeedItem, Source } from '../domain.ts';
import { countEvents, detached, itemKeys } from '../archive/index.ts';
import type { ChangeEvent, ManifestRecord, Plan } from '../archive/index.ts';
import { ImageCache, mirrorImages } from '../assets/index.ts';
import { fetchAndExtract, needsFullText } from '../extract/index.ts';
import type { ExtractedArticle, SiteRule } from '../extract/index.ts';
import { FetchError, describeError, fetchResource, newsvaultVersion } from '../fetch/index.ts';
import type { FetchOptions } from '../fetch/index.ts';
import { isDue, recordAttempt, recordFailure, rememberValidators, retryDue, validatorsFor } from '../health/index.ts';
import type { Attempts, HealthState } from '../health/index.ts';
import type { Logger } from '../log/index.ts';
import { parseFeed } from '../parse/index.ts';
import { publishReadme, publishSourceLists } from '../publish/index.ts';
import type { SourceSummary } from '../publish/index.ts';
import { openStorage, storageFailure } from '../storage/index.ts';
import type { Archive, Processed as ProcessedFeeds, ProcessedFeed, ProcessedSource, SourceArchive, StorageError } from '../storage/index.ts';
import { sha256 } from '../util/index.ts';
import { FeedBudget } from './budget.ts';

export interface SourceReport {
  slug: string;
  name: string;
  /** ok: every feed read; failed: no feed could be read; partial: some feeds or items failed;
   *  backoff: not polled this time, because it kept failing (see `newsvault status`). */
  status: 'ok' | 'failed' | 'partial' | 'backoff';
  seen: number;
  /** Counts of this source's change events: added, revised, unchanged, failed. */
  new: number;
  changed: number;
  unchanged: number;
  failed: number;
  /** Feeds answered 304 Not Modified (nothing parsed or written). */
  notModified: number;
  /** Feeds served the same bytes as the last time they were processed in full, with nothing left to retry
   *  and the source's manifest as that run left it: skipped as a 304 is (nothing parsed or written). */
  sameBody: number;
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
  /** Archive-relative paths of every file the run wrote, sorted. */
  written: string[];
  /** Every commit's event, in order (per source; sources interleave). */
  events: ChangeEvent[];
  ok: boolean;
}

/** Where one source is: `done` of the `total` items of the feeds read so far (a feed read adds its items). */
export interface SourceProgress {
  source: string;
  done: number;
  total: number;
}

/** Pages of one source's items fetched at once by default (under the per-host politeness, which may allow fewer). */
export const DEFAULT_PAGE_CONCURRENCY = 4;

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
  /** Images downloaded by this run, shared by its articles and sources: each fetched once (default: one per runArchive). */
  images?: ImageCache;
  now?: () => number;
  /** Called as each source finishes. */
  onSource?: (report: SourceReport) => void;
  /** Called for every change event as it happens. */
  onEvent?: (event: ChangeEvent) => void;
  /** Called when a source's feed was read (its items counted) and after each of its items. */
  onProgress?: (progress: SourceProgress) => void;
  /** Errors and warnings as they happen, each with the source and the URL involved (default: none; they are
   *  in the report either way). */
  log?: Logger;
  /** Items of one source whose pages are fetched and extracted at once (default 4); the per-host politeness
   *  (concurrency, delay) still holds, and the items are committed one at a time, in the feed's order. */
  pageConcurrency?: number;
  /** Stops the run early (`newsvault watch` on SIGTERM): no item or source starts once it is aborted; the
   *  item in flight is committed, then the pages and state of what was committed are written as usual. A
   *  feed cut short keeps no validators, so its remaining items come again next time. */
  signal?: AbortSignal;
  /** The caller holds the archive's lock already (`newsvault watch` holds it for its whole life). */
  lockHeld?: boolean;
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
    sameBody: 0,
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

/**
 * Fetch options for what a feed's items point to (article pages, images): chosen by the feed, so never trusted
 * (docs/fetching.md#private-networks); private networks allowed as the source's allowPrivateNetworks says, and
 * when it is unset only if the feed itself was reached on a non-public address (`feedAddress`).
 */
export function itemFetchOptions(feed: FetchOptions, feedAddress: string | undefined): FetchOptions {
  return { ...feed, trustLocation: false, allowPrivateNetworks: feed.allowPrivateNetworks ?? feedAddress !== undefined };
}

/** The archive-relative paths an event wrote. */
export function writtenBy(event: ChangeEvent): string[] {
  if (event.type === 'added') return [event.record.path, `articles/${event.source}/index.jsonl`];
  if (event.type === 'revised') return [event.record.path, ...event.revisions, `articles/${event.source}/index.jsonl`];
  return [];
}

interface SourceContext {
  archive: Archive;
  source: Source;
  store: SourceArchive;
  fetch: FetchOptions;
  opts: RunOptions;
  report: SourceReport;
  now: number;
  /** Failed extractions, shared by the run (see health/retries.ts). */
  attempts: Attempts;
  /** Cleared when an item's text could still change on a later run over the same feed bytes (its page is
   *  wanted and the archive holds the feed's text: an extraction may be retried). */
  settled: boolean;
}

/** An item ready to commit. */
interface Processed {
  plan: Plan;
  /** The body to write, when it differs from the planned one (images mirrored). */
  contentHtml?: string;
  textSource: 'feed' | 'page';
  /** The page could not be extracted and the feed's text stands in: retried on later runs. */
  extractionFailed: boolean;
}

/** A warning about one item: in the source's report, and logged with the source and the URL. */
function warn(ctx: SourceContext, url: string | null | undefined, message: string): void {
  ctx.report.warnings.push(message);
  ctx.opts.log?.warn({ source: ctx.source.slug, ...(url ? { url } : {}) }, message);
}

/** Whether the item's text is to come from its page, and the archive's record of it (with the key of its
 *  failed extractions) when it has one. */
function pageWanted(ctx: SourceContext, item: FeedItem, keys = itemKeys(item)): { fetch: boolean; known?: ManifestRecord; attemptKey: string | null } | null {
  if (!needsFullText(item, ctx.source.fullText ?? 'auto')) return null;
  const known: ManifestRecord | undefined = ctx.store.find(keys)?.record;
  const attemptKey = known ? `${ctx.source.slug}/${known.id}` : null;
  const retry = known && known.textSource !== 'page' && retryDue(ctx.attempts[attemptKey!], known.firstSeen, ctx.now);
  // archived before (from its page, or extraction kept failing): not fetched again
  return { fetch: !known || Boolean(retry), ...(known ? { known } : {}), attemptKey };
}

/** An item's page, fetched and extracted; never rejects. */
type Page = { page: ExtractedArticle } | { error: unknown };

async function fetchPage(ctx: SourceContext, item: FeedItem): Promise<Page> {
  try {
    return { page: await fetchAndExtract(item.link!, { ...ctx.fetch, rules: ctx.opts.rules }) };
  } catch (error) {
    return { error };
  }
}

/** Everything for one item that may fail on the network; writes nothing but content-addressed assets.
 *  `prefetched`: its page, fetched ahead while earlier items were committed. */
async function processItem(ctx: SourceContext, item: FeedItem, prefetched?: Promise<Page>): Promise<Processed> {
  const { store, report } = ctx;
  const keys = itemKeys(item);
  let final = item;
  let finalKeys = keys;
  let textSource: Processed['textSource'] = 'feed';
  let extractionFailed = false;
  const wanted = pageWanted(ctx, item, keys);
  if (wanted) {
    const { known, attemptKey } = wanted;
    if (known && !wanted.fetch) {
      // archived before (from its page, or extraction kept failing): the feed's summary must not replace it
      if (known.textSource !== 'page') ctx.settled = false;
      return { plan: { kind: 'unchanged', keys, record: known }, textSource, extractionFailed };
    }
    const got = await (prefetched ?? fetchPage(ctx, item));
    if ('page' in got) {
      const { page } = got;
      final = withPage(item, page);
      finalKeys = itemKeys(final);
      textSource = 'page';
      report.fullText++;
      for (const w of page.warnings) warn(ctx, item.link, `${item.link}: ${w}`);
    } else {
      ctx.settled = false;
      warn(ctx, item.link, `full text of "${item.title.slice(0, 40)}" not extracted, the feed's text is kept: ${describeError(got.error)}`);
      if (known) {
        recordFailure(ctx.attempts, attemptKey!, ctx.now);
        return { plan: { kind: 'unchanged', keys, record: known }, textSource, extractionFailed };
      }
      extractionFailed = true;
    }
  }
  const plan = await store.plan(finalKeys, final, ctx.now);
  if (plan.kind === 'new') for (const w of plan.warnings) warn(ctx, item.link, w);
  if (plan.kind === 'unchanged' || !ctx.opts.assets) return { plan, textSource, extractionFailed };
  const articlePath = plan.kind === 'new' ? plan.path : plan.record.path;
  const mirrored = await mirrorImages(plan.keys.contentHtml, { archive: ctx.archive, articlePath, baseUrl: final.link ?? undefined, fetch: ctx.fetch, cache: ctx.opts.images });
  for (const f of mirrored.failed) warn(ctx, f.url, `image ${f.url} not kept: ${f.reason}`);
  return { plan, contentHtml: mirrored.html, textSource, extractionFailed };
}

/** One item: process, then commit. Always returns its event; a failure is a `failed` event. */
async function archiveItem(ctx: SourceContext, item: FeedItem, prefetched?: Promise<Page>): Promise<ChangeEvent> {
  try {
    const p = await processItem(ctx, item, prefetched);
    // defer: new articles are made durable and recorded in batches (store.close flushes the rest)
    const event = await ctx.store.commit(p.plan, { now: ctx.now, textSource: p.textSource, defer: true, ...(p.contentHtml !== undefined ? { contentHtml: p.contentHtml } : {}) });
    if (p.extractionFailed && event.type === 'added') recordFailure(ctx.attempts, `${ctx.source.slug}/${event.record.id}`, ctx.now);
    return event;
  } catch (err) {
    // the archive cannot be written (disk full, read-only, permissions): not this item's failure, the run's
    const stored = storageFailure(err, ctx.archive.root);
    if (stored) throw stored;
    return {
      type: 'failed',
      source: ctx.source.slug,
      at: ctx.now,
      // copies: the item's strings may be slices of the whole feed's text (see detached)
      item: { title: detached(item.title), link: item.link && detached(item.link), guid: item.id && detached(item.id) },
      error: describeError(err),
    };
  }
}

/** The report's counts, from a source's events. */
function count(report: SourceReport, events: readonly ChangeEvent[]): void {
  const c = countEvents(events);
  report.new = c.added;
  report.changed = c.revised;
  report.unchanged = c.unchanged;
  report.failed = c.failed;
}

/** Shared by a run's sources: the first storage failure (disk full, read-only…) stops them all. */
interface Halt {
  error?: StorageError;
}

type Validators = { notModified: boolean; etag?: string; lastModified?: string };

interface SourceRun {
  report: SourceReport;
  events: ChangeEvent[];
  written: string[];
  store?: SourceArchive;
  state?: HealthState;
  /** What to remember of the feeds processed in full (see `Shared.processed`); null: nothing (forget the source's). */
  processed?: ProcessedSource | null;
}

/** What a run's sources share. */
interface Shared {
  /** The first storage failure (disk full, read-only…) stops them all. */
  halt: Halt;
  /** How many parsed feeds are held at once (see budget.ts). */
  budget?: FeedBudget;
  /** What the last run processed in full of this source's feeds (see storage/processed.ts). */
  processed?: ProcessedSource;
}

/** Bytes of feed bodies a run holds parsed at once (one feed always: see budget.ts). */
export const FEED_BUDGET_BYTES = 8 * 1024 * 1024;

/** What a feed's processing depended on beyond its bytes: a feed recorded under other settings (or by another
 *  version of Newsvault) is processed again. */
function processingKey(source: Source, opts: RunOptions): string {
  return `newsvault ${newsvaultVersion()}; fullText ${source.fullText ?? 'auto'}; assets ${opts.assets ? 'yes' : 'no'}`;
}

export async function archiveSource(
  archive: Archive,
  source: Source,
  opts: RunOptions,
  state?: HealthState,
  attempts: Attempts = {},
  shared: Shared = { halt: {} },
): Promise<SourceRun> {
  const { halt, budget, processed: before } = shared;
  const started = Date.now();
  const now = opts.now ?? Date.now;
  const report = emptyReport(source);
  const events: ChangeEvent[] = [];
  const written: string[] = [];
  const fetchOptions: FetchOptions = { ...opts.fetch, ...opts.fetchFor?.(source) };
  let feedsRead = 0;
  let httpStatus: number | null = null;
  let retryAfterMs: number | undefined;
  let store: SourceArchive | undefined;
  const log = opts.log;
  const slug = source.slug;
  const pageConcurrency = opts.pageConcurrency ?? DEFAULT_PAGE_CONCURRENCY;
  let total = 0;
  /** The store is opened when a feed is to be archived, or when the source must be looked at anyway (a
   *  session left it unfinished, its list page is missing): a run whose feeds are all unchanged opens none. */
  const open = async (): Promise<SourceArchive> => {
    if (store) return store;
    store = await archive.source(slug);
    for (const w of store.warnings) {
      report.warnings.push(w);
      log?.warn({ source: slug }, w);
    }
    return store;
  };
  const key = processingKey(source, opts);
  /** Feeds processed in full this time (their bodies) or to forget (null). */
  const done = new Map<string, ProcessedFeed | null>();
  let reusable = false;
  let processedAfter: ProcessedSource | null = null;
  try {
    const marked = await archive.marked(slug);
    // the feeds recorded as processed in full still hold only if nothing else wrote the manifest since
    reusable = before !== undefined && !marked && before.manifest === (await archive.manifestState(slug));
    if (marked) await open();
    if (source.feeds.length === 0) {
      report.errors.push('no feed configured');
      log?.error({ source: slug }, 'no feed configured');
    }
    let stopped = false;
    for (const location of source.feeds) {
      if (halt.error || opts.signal?.aborted) break;
      let items: (FeedItem | undefined)[];
      let resource: Awaited<ReturnType<typeof fetchResource>> | undefined;
      try {
        resource = await fetchResource(location, { ...fetchOptions, validators: state ? validatorsFor(state, location) : undefined });
      } catch (err) {
        if (err instanceof FetchError) {
          httpStatus = err.status ?? httpStatus;
          retryAfterMs = err.retryAfterMs ?? retryAfterMs;
        } else {
          feedsRead = Math.max(0, feedsRead - 1);
        }
        // fetch errors name their URL already; others do not
        const message = err instanceof FetchError ? describeError(err) : `${location}: ${describeError(err)}`;
        report.errors.push(message);
        log?.error({ source: slug, url: location, ...(err instanceof FetchError && err.status ? { status: err.status } : {}) }, message);
        continue;
      }
      httpStatus = resource.status;
      feedsRead++;
      const validators: Validators = { notModified: resource.notModified, etag: resource.etag, lastModified: resource.lastModified };
      const feedAddress = resource.privateAddress;
      if (resource.notModified) {
        report.notModified++;
        if (state) state = rememberValidators(state, location, validators);
        continue;
      }
      const bodySha = sha256(resource.body);
      const last = reusable ? before?.feeds[location] : undefined;
      if (last && last.body === bodySha && last.config === key) {
        // the same bytes as the last time, processed in full then, into the manifest as it is: as a 304
        report.sameBody++;
        if (state) state = rememberValidators(state, location, validators);
        continue;
      }
      await open();
      const release = await budget?.acquire(resource.body.length);
      try {
        const feed = await parseFeed(resource.body, { url: resource.url, contentType: resource.contentType });
        // parsed: the body is not held while the items are archived
        resource = undefined;
        items = feed.items;
        for (const w of feed.warnings) {
          report.warnings.push(w);
          log?.warn({ source: slug, url: location }, w);
        }
      } catch (err) {
        release?.();
        feedsRead = Math.max(0, feedsRead - 1);
        // parse errors do not name their URL
        const message = `${location}: ${describeError(err)}`;
        report.errors.push(message);
        log?.error({ source: slug, url: location }, message);
        // a body that could not be parsed is not the one recorded (if it were, it would have been skipped)
        done.set(location, null);
        continue;
      }
      try {
        const ctx: SourceContext = { archive, source, store: store!, fetch: itemFetchOptions(fetchOptions, feedAddress), opts, report, now: now(), attempts, settled: true };
        total += items.length;
        opts.onProgress?.({ source: slug, done: report.seen, total });
        // the pages of the next items are fetched (at most pageConcurrency at once, under the per-host politeness)
        // while this one is committed: commits stay one at a time, in the feed's order
        const limit = pLimit(pageConcurrency);
        const lookahead = pageConcurrency * 2;
        const pages = new Map<number, Promise<Page>>();
        const prefetch = (i: number) => {
          const item = items[i];
          if (!item || pages.has(i) || !pageWanted(ctx, item)?.fetch) return;
          pages.set(
            i,
            limit(() => (halt.error || opts.signal?.aborted ? Promise.resolve<Page>({ error: new Error('the run was stopped') }) : fetchPage(ctx, item))),
          );
        };
        for (let i = 0; i < Math.min(lookahead, items.length); i++) prefetch(i);
        let itemFailures = 0;
        for (let i = 0; i < items.length; i++) {
          const item = items[i]!;
          if (halt.error) break;
          if (opts.signal?.aborted) {
            stopped = true;
            break;
          }
          prefetch(i + lookahead);
          report.seen++;
          const event = await archiveItem(ctx, item, pages.get(i));
          pages.delete(i);
          // committed: the item (its text) is not held any longer than that
          items[i] = undefined;
          events.push(event);
          written.push(...writtenBy(event));
          opts.onEvent?.(event);
          opts.onProgress?.({ source: slug, done: report.seen, total });
          if (event.type === 'failed') {
            itemFailures++;
            report.errors.push(`item "${item.title.slice(0, 40)}": ${event.error}`);
            log?.error({ source: slug, ...(item.link ? { url: item.link } : {}), title: item.title.slice(0, 80) }, `item "${item.title.slice(0, 40)}": ${event.error}`);
          }
        }
        // stopped early: the pages not yet started are not fetched
        limit.clearQueue();
        // every record is on disk once committed: the feed's validators may be kept, unless an item failed
        // (then a later 304 would hide it)
        const complete = itemFailures === 0 && !stopped && !halt.error;
        if (state && validators && complete) state = rememberValidators(state, location, validators);
        // the same bytes may be skipped next time only when nothing of them could come out otherwise
        done.set(location, complete && ctx.settled ? { body: bodySha, config: key } : null);
      } finally {
        items = [];
        release?.();
      }
    }
    if (halt.error) {
      // another source hit a storage failure: what this one committed is recorded first, if it can be
      await store?.flush().catch(() => {});
      throw halt.error;
    }
    if (store && (await store.close())) written.push(`articles/${source.slug}/index.jsonl`);
    // an earlier run that stopped between its commits and its pages left them stale: rebuilt; a missing
    // main page is written again (publishSourceLists looks, when the store is open)
    if (!store && (await archive.readPage(`lists/${slug}.md`)) === null && (await archive.manifestState(slug)) !== null) await open();
    if (store) written.push(...(await publishSourceLists(archive, source, events, store, { force: store.unclean })));
    // what was processed in full: the feeds recorded before that still hold (the manifest changed only
    // by this run's own commits), and those processed in full this time
    const feeds: Record<string, ProcessedFeed> = {};
    if (reusable && before) for (const [loc, f] of Object.entries(before.feeds)) if (source.feeds.includes(loc)) feeds[loc] = f;
    for (const [loc, f] of done) {
      if (f) feeds[loc] = f;
      else delete feeds[loc];
    }
    processedAfter = { manifest: await archive.manifestState(slug), feeds };
  } catch (err) {
    processedAfter = null;
    const stored = storageFailure(err, archive.root);
    if (stored) {
      halt.error ??= stored;
      report.errors.push(`stopped: ${describeError(halt.error)}`);
      log?.error({ source: slug, path: stored.path }, `stopped: ${describeError(halt.error)}`);
    } else {
      report.errors.push(describeError(err));
      log?.error({ source: slug }, describeError(err));
      feedsRead = 0;
    }
  }
  count(report, events);
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
  return { report, events, written, processed: processedAfter, ...(store ? { store } : {}), ...(state ? { state } : {}) };
}

export async function runArchive(opts: RunOptions): Promise<RunReport> {
  const root = path.resolve(opts.root);
  const startedAt = Date.now();
  // one image cache for the whole run: an image used by many articles is fetched once
  opts = { ...opts, images: opts.images ?? new ImageCache() };
  const now = opts.now ?? Date.now;
  await fs.mkdir(root, { recursive: true });
  const { archive, state: local } = openStorage(root);
  const lock = opts.lockHeld ? null : await local.lock('newsvault run');
  try {
    await local.clearTemp();
    const health = await local.loadHealth();
    let state = health.value;
    const loadedAttempts = await local.loadAttempts();
    const attempts = loadedAttempts.value;
    const processed: ProcessedFeeds = await local.loadProcessed();
    const budget = new FeedBudget(FEED_BUDGET_BYTES);
    const sources = opts.sources.filter((s) => s.enabled);
    const stores = new Map<string, SourceArchive>();
    const halt: Halt = {};
    const events: ChangeEvent[] = [];
    const written: string[] = [];
    const reports = await pMap(
      sources,
      async (source): Promise<SourceReport | typeof pMapSkip> => {
        // stopping: a source not started is not polled, and not reported
        if (opts.signal?.aborted) return pMapSkip;
        if (!isDue(state, source.slug, now(), { force: opts.force })) {
          const report: SourceReport = { ...emptyReport(source), status: 'backoff' };
          const until = state.sources[source.slug]?.nextAttemptAfter;
          report.errors.push(`backing off after ${state.sources[source.slug]?.consecutiveFailures ?? 0} failures${until ? ` until ${new Date(until).toISOString()}` : ''}; --force polls it now`);
          opts.log?.warn({ source: source.slug, ...(source.feeds[0] ? { url: source.feeds[0] } : {}) }, `not polled: ${report.errors[0]}`);
          opts.onSource?.(report);
          return report;
        }
        // each source works on the state it started with and merges its own entries back
        const before = processed[source.slug];
        const result = await archiveSource(archive, source, opts, state, attempts, { halt, budget, ...(before ? { processed: before } : {}) });
        if (result.state) state = mergeState(state, result.state, source);
        if (result.processed) processed[source.slug] = result.processed;
        else delete processed[source.slug];
        if (result.store) stores.set(source.slug, result.store);
        events.push(...result.events);
        written.push(...result.written);
        opts.onSource?.(result.report);
        return result.report;
      },
      { concurrency: opts.concurrency ?? 4 },
    );
    // the archive cannot be written: stop here; every source's report was given, each counting only what it committed
    if (halt.error) throw halt.error;
    for (const w of [health.warning, loadedAttempts.warning]) if (w) reports[0]?.warnings.push(w);
    await local.saveHealth(state);
    await local.saveAttempts(attempts, now());
    await local.saveProcessed(processed);
    const unclean = [...stores.values()].some((s) => s.unclean);
    if (await publishReadme(archive, events, () => summaries(archive, opts, stores), { force: unclean })) written.push('README.md');
    // every page derived from this run's events is written: the sources are left in order
    for (const store of stores.values()) await store.finish();
    return {
      archive: root,
      startedAt,
      durationMs: Date.now() - startedAt,
      sources: reports,
      written: [...new Set(written)].sort(),
      events,
      ok: reports.every((r) => r.status === 'ok'),
    };
  } finally {
    await lock?.release();
  }
}

/** Every source on the front page: the configured ones, then those with articles but no longer configured.
 *  Sources run this time answer from memory; the others are opened (their records stay on disk). */
async function summaries(archive: Archive, opts: RunOptions, stores: Map<string, SourceArchive>): Promise<SourceSummary[]> {
  const out: SourceSummary[] = [];
  const seen = new Set<string>();
  const stats = async (slug: string) => (stores.get(slug) ?? (await archive.source(slug))).stats();
  for (const source of [...opts.sources, ...(opts.known ?? [])]) {
    if (seen.has(source.slug)) continue;
    seen.add(source.slug);
    out.push({ source, stats: await stats(source.slug) });
  }
  for (const slug of await archive.slugs()) {
    if (seen.has(slug)) continue;
    out.push({ source: { slug, name: slug, feeds: [], enabled: false }, stats: await stats(slug) });
  }
  return out;
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

