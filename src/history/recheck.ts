/**
 * `newsvault recheck` and `newsvault reextract`: archived articles' pages fetched again (politely, through
 * the fetch stage) and extracted with the current site rules. Each article comes out as one of
 *
 *   unchanged  the page's plain text is the article's
 *   changed    it differs: committed as a revision (plan/commit, crash-safe), the entry naming why and the rule
 *   gone       (recheck only) 404 or 410, or a redirect to a home or section page: the record is marked, the
 *              article kept
 *   failed     anything else — network errors, timeouts, 5xx, a page with no article: never "gone"
 *
 * The archive keeps no page HTML (article files hold the extracted body), so both re-fetch the page.
 * Runs under the archive's lock; lists and the README are rebuilt from the events, as `run` does.
 */
import pMap from 'p-map';
import path from 'node:path';
import { itemKeys, parseArticle, type ChangeEvent, type ManifestRecord } from '../archive/index.ts';
import type { FeedItem, Source } from '../domain.ts';
import { HTML_ACCEPT, extractArticle, fetchAndExtract, ruleFor, type ExtractedArticle, type SiteRule } from '../extract/index.ts';
import { textOfHtml } from '../extract/text.ts';
import { FetchError, describeError, fetchResource, type FetchOptions } from '../fetch/index.ts';
import { decodeBody } from '../parse/index.ts';
import { publishReadme, publishSourceLists, type SourceSummary } from '../publish/index.ts';
import { withPage, writtenBy } from '../run/index.ts';
import { openStorage, storageFailure, type Archive, type SourceArchive } from '../storage/index.ts';

export type RevisitMode = 'recheck' | 'reextract';
export type RevisitStatus = 'unchanged' | 'changed' | 'gone' | 'failed';

export interface RevisitResult {
  source: string;
  id: string;
  path: string;
  title: string;
  link: string;
  status: RevisitStatus;
  /** What happened, in a few words: "HTTP 404", "redirected to https://host/", "timed out…", "rule rfi.fr". */
  detail: string;
  httpStatus?: number;
  /** The URL finally read, when a redirect was followed. */
  finalUrl?: string;
  /** The site rule that extracted the page ('generic' for Readability alone). */
  rule?: string;
  /** The revision file that now keeps the earlier text (changed). */
  revision?: string;
}

export interface RevisitOptions {
  root: string;
  /** Only these sources (default: every source with articles). */
  sources?: string[];
  /** Only articles first seen at or after this time (ms). */
  since?: number;
  /** At most this many articles, newest first. */
  limit?: number;
  fetch?: FetchOptions;
  rules?: SiteRule[];
  /** Names of sources for the README (the configured ones). */
  known?: Source[];
  /** Articles fetched at once (politeness per host still applies). Default 4. */
  concurrency?: number;
  now?: () => number;
  onResult?: (r: RevisitResult) => void;
}

export interface RevisitReport {
  archive: string;
  mode: RevisitMode;
  results: RevisitResult[];
  /** Every change event committed (revised, gone), in order. */
  events: ChangeEvent[];
  /** Archive-relative paths written, sorted. */
  written: string[];
  /** No article failed. */
  ok: boolean;
}

function segments(u: URL): string[] {
  return u.pathname.split('/').filter((s) => s !== '');
}

const site = (u: URL) => u.hostname.toLowerCase().replace(/^www\./, '');

/**
 * Whether a redirect from an article's URL to `final` means the article is gone: `final` is a home page (no
 * path), or, on the same site, a section above the article (its path a prefix of the article's) or a page at
 * least two levels shallower. A redirect to another article-like page (a moved article, https, www.) is not.
 */
export function isHomeOrSection(original: string, final: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(original);
    b = new URL(final);
  } catch {
    return false;
  }
  const as = segments(a);
  const bs = segments(b);
  if (bs.length === 0) return as.length > 0 || site(a) !== site(b);
  if (site(a) !== site(b)) return false;
  if (bs.length < as.length && bs.every((s, i) => s === as[i])) return true;
  return bs.length <= as.length - 2;
}

/** The plain text, white space removed: what "the same text" means here (markup and spacing do not count). */
function comparable(html: string): string {
  return textOfHtml(html).replace(/\s+/g, '');
}

function itemOf(record: ManifestRecord): FeedItem {
  return {
    id: record.guid,
    title: record.title,
    link: record.link,
    published: record.published,
    updated: null,
    author: null,
    summary: null,
    content: null,
    categories: [],
    enclosures: [],
  };
}

type Fetched =
  | { kind: 'page'; page: ExtractedArticle; httpStatus: number; finalUrl?: string }
  | { kind: 'gone'; detail: string; httpStatus?: number; finalUrl?: string }
  | { kind: 'failed'; detail: string; httpStatus?: number; finalUrl?: string };

/** recheck: one GET, classified; a live page is extracted (following a rule's single-page link, as runs do). */
async function fetchForRecheck(link: string, opts: RevisitOptions): Promise<Fetched> {
  const fetchOptions: FetchOptions = { ...opts.fetch, allowLocalPath: false, headers: { accept: HTML_ACCEPT, ...opts.fetch?.headers } };
  let res;
  try {
    res = await fetchResource(link, fetchOptions);
  } catch (err) {
    if (err instanceof FetchError && err.code === 'http-status' && (err.status === 404 || err.status === 410)) {
      return { kind: 'gone', detail: `HTTP ${err.status}`, httpStatus: err.status };
    }
    return { kind: 'failed', detail: describeError(err), ...(err instanceof FetchError && err.status ? { httpStatus: err.status } : {}) };
  }
  const finalUrl = res.redirects.length > 0 ? res.url : undefined;
  if (finalUrl && isHomeOrSection(link, finalUrl)) return { kind: 'gone', detail: `redirected to ${finalUrl}`, httpStatus: res.status, finalUrl };
  try {
    if (res.contentType && !/html|xml/i.test(res.contentType)) throw new Error(`not an HTML page (${res.contentType})`);
    const rules = opts.rules;
    const rule = ruleFor(res.url, rules ?? []);
    const page = rule && rule.singlePageLink.length > 0
      ? await fetchAndExtract(res.url, { ...fetchOptions, ...(rules ? { rules } : {}) })
      : extractArticle(decodeBody(res.body, { contentType: res.contentType, kind: 'html' }).text, res.url, rules ? { rules } : {});
    return { kind: 'page', page, httpStatus: res.status, ...(finalUrl ? { finalUrl } : {}) };
  } catch (err) {
    return { kind: 'failed', detail: describeError(err), httpStatus: res.status, ...(finalUrl ? { finalUrl } : {}) };
  }
}

/** reextract: the page through the extraction stage; any failure is a failure (gone is recheck's to say). */
async function fetchForReextract(link: string, opts: RevisitOptions): Promise<Fetched> {
  try {
    const page = await fetchAndExtract(link, { ...opts.fetch, ...(opts.rules ? { rules: opts.rules } : {}) });
    return { kind: 'page', page, httpStatus: 200 };
  } catch (err) {
    return { kind: 'failed', detail: describeError(err), ...(err instanceof FetchError && err.status ? { httpStatus: err.status } : {}) };
  }
}

interface Target {
  store: SourceArchive;
  record: ManifestRecord;
}

/** The articles to revisit: newest first by first-seen time, within --since, at most --limit. */
function targets(stores: SourceArchive[], mode: RevisitMode, opts: RevisitOptions): Target[] {
  const all: Target[] = [];
  for (const store of stores) {
    for (const record of store.all()) {
      if (!/^https?:\/\//i.test(record.link)) continue;
      if (opts.since !== undefined && record.firstSeen < opts.since) continue;
      // an article already found gone is not asked again; reextract re-applies rules to texts taken from pages
      if (mode === 'recheck' && record.gone) continue;
      if (mode === 'reextract' && record.textSource !== 'page') continue;
      all.push({ store, record });
    }
  }
  all.sort((x, y) => y.record.firstSeen - x.record.firstSeen || (x.record.id < y.record.id ? -1 : 1));
  return opts.limit !== undefined ? all.slice(0, opts.limit) : all;
}

export async function revisitArchive(mode: RevisitMode, opts: RevisitOptions): Promise<RevisitReport> {
  const root = path.resolve(opts.root);
  const now = opts.now ?? Date.now;
  const { archive, state } = openStorage(root);
  const lock = await state.lock(`newsvault ${mode}`);
  try {
    await state.clearTemp();
    const slugs = (await archive.slugs()).filter((s) => !opts.sources || opts.sources.includes(s));
    const stores: SourceArchive[] = [];
    for (const slug of slugs) stores.push(await archive.source(slug));
    const events: ChangeEvent[] = [];
    const written: string[] = [];
    // commits of one source one at a time (the network work runs concurrently)
    const queues = new Map<string, Promise<unknown>>();
    const serial = <T>(slug: string, work: () => Promise<T>): Promise<T> => {
      const next = (queues.get(slug) ?? Promise.resolve()).then(work, work);
      queues.set(slug, next.catch(() => {}));
      return next;
    };
    const results = await pMap(
      targets(stores, mode, opts),
      async ({ store, record }): Promise<RevisitResult> => {
        const base = { source: store.slug, id: record.id, path: record.path, title: record.title, link: record.link };
        const fetched = mode === 'recheck' ? await fetchForRecheck(record.link, opts) : await fetchForReextract(record.link, opts);
        const http = { ...(fetched.httpStatus !== undefined ? { httpStatus: fetched.httpStatus } : {}), ...(fetched.finalUrl ? { finalUrl: fetched.finalUrl } : {}) };
        let result: RevisitResult;
        if (fetched.kind === 'failed') result = { ...base, status: 'failed', detail: fetched.detail, ...http };
        else if (fetched.kind === 'gone') {
          const event = await serial(store.slug, () =>
            store.markGone(record.id, {
              now: now(),
              reason: fetched.detail,
              ...(fetched.httpStatus !== undefined ? { status: fetched.httpStatus } : {}),
              ...(fetched.finalUrl ? { url: fetched.finalUrl } : {}),
            }),
          );
          if (event.type === 'gone') events.push(event);
          result = { ...base, status: 'gone', detail: fetched.detail, ...http };
        } else {
          const page = fetched.page;
          result = await serial(store.slug, () => commitPage(archive, store, record.id, page, mode, now(), base, http, events, written));
        }
        opts.onResult?.(result);
        return result;
      },
      { concurrency: opts.concurrency ?? 4 },
    );
    for (const e of events) if (e.type === 'gone') written.push(`articles/${e.source}/index.jsonl`);
    const known = new Map((opts.known ?? []).map((s) => [s.slug, s]));
    const sourceOf = (slug: string): Source => known.get(slug) ?? { slug, name: slug, feeds: [], enabled: false };
    for (const store of stores) {
      if (await store.close()) written.push(`articles/${store.slug}/index.jsonl`);
      written.push(...(await publishSourceLists(archive, sourceOf(store.slug), events, () => store.all(), { force: store.unclean })));
    }
    const summaries = async (): Promise<SourceSummary[]> => {
      const out: SourceSummary[] = [];
      const open = new Map(stores.map((s) => [s.slug, s]));
      const slugsAll = [...new Set([...(opts.known ?? []).map((s) => s.slug), ...(await archive.slugs())])];
      for (const slug of slugsAll) out.push({ source: sourceOf(slug), records: (open.get(slug) ?? (await archive.source(slug))).all() });
      return out;
    };
    if (await publishReadme(archive, events, summaries, { force: stores.some((s) => s.unclean) })) written.push('README.md');
    // the search index is updated by the command from the returned events, after the lock is released
    for (const store of stores) await store.finish();
    return { archive: root, mode, results, events, written: [...new Set(written)].sort(), ok: results.every((r) => r.status !== 'failed') };
  } catch (err) {
    throw storageFailure(err, root) ?? err;
  } finally {
    await lock.release();
  }
}

/** A live page's text against the article's: unchanged, or a revision committed through plan/commit. */
async function commitPage(
  archive: Archive,
  store: SourceArchive,
  id: string,
  page: ExtractedArticle,
  mode: RevisitMode,
  at: number,
  base: Omit<RevisitResult, 'status' | 'detail'>,
  http: Pick<RevisitResult, 'httpStatus' | 'finalUrl'>,
  events: ChangeEvent[],
  written: string[],
): Promise<RevisitResult> {
  const record = store.all().find((r) => r.id === id)!;
  const rule = page.rule;
  const fields = parseArticle((await archive.readPage(record.path)) ?? '');
  const final = withPage(itemOf(record), page);
  const keys = itemKeys(final);
  const same = fields !== null && comparable(fields.contentHtml) === comparable(keys.contentHtml);
  if (same || keys.hash === record.hash || record.revisions?.some((v) => v.hash === keys.hash)) {
    return { ...base, status: 'unchanged', detail: same || keys.hash === record.hash ? 'same text' : 'the page holds an earlier version, already kept', rule, ...http };
  }
  const event = await store.commit({ kind: 'revise', keys, record }, { now: at, textSource: 'page', reason: mode, rule });
  if (event.type !== 'revised') return { ...base, status: 'unchanged', detail: 'same text', rule, ...http };
  events.push(event);
  written.push(...writtenBy(event));
  return { ...base, status: 'changed', detail: `new revision (rule ${rule})`, rule, ...(event.revisions[0] ? { revision: event.revisions[0] } : {}), ...http };
}

export const recheckArchive = (opts: RevisitOptions): Promise<RevisitReport> => revisitArchive('recheck', opts);
export const reextractArchive = (opts: RevisitOptions): Promise<RevisitReport> => revisitArchive('reextract', opts);
