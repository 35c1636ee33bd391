/**
 * `newsvault watch`'s loop: holds the archive's lock for its whole life, and runs a cycle whenever sources
 * are due (schedule.ts): the run stage over the due sources (which writes their articles, lists and the
 * README), then the search index from the cycle's events, then — when asked — a git commit of what the
 * cycle wrote and a push. Cycles run one after the other (the run stage reads and saves the health state
 * whole), so a source that falls due during a cycle waits for it to end.
 *
 * Stopping (the signal aborts, on SIGINT/SIGTERM): no cycle, source or item starts; the item in flight is
 * committed and its pages, the index and the commit are written as usual (a push is left for the next
 * start); the lock is released; watchArchive returns. A kill at any moment leaves the archive whole (see
 * docs/archive.md); the next start takes the stale lock over, commits what the killed cycle wrote, and
 * resumes each source's schedule from its last poll (health's lastAttempt).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Source } from '../domain.ts';
import { parseManifest } from '../archive/index.ts';
import { commitArchive, GitError, pushArchive } from '../git/index.ts';
import type { CommitResult, PushOptions, PushResult } from '../git/index.ts';
import { runArchive } from '../run/index.ts';
import type { RunOptions, RunReport } from '../run/index.ts';
import { openStorage } from '../storage/index.ts';
import { RECENT_ARTICLES, dueSources, nextPoll, nextWake, sourceInterval, startSpread } from './schedule.ts';
import type { Intervals, SourceInterval } from './schedule.ts';

export interface WatchGit {
  commit: boolean;
  /** Push after committing (implies commit): remote, branch, retries. */
  push?: PushOptions | false;
}

export interface NextPoll {
  slug: string;
  at: number;
  interval: SourceInterval;
}

export interface CycleReport {
  /** 1, 2, … */
  cycle: number;
  /** The sources polled. */
  sources: string[];
  report: RunReport;
  /** The search index: updated, absent (none built), failed (a warning says why). */
  index?: { status: string; warning?: string };
  /** The static site (when one is kept up to date): pages written, or failed (a warning says why). */
  site?: { status: 'updated' | 'failed'; written?: number; warning?: string };
  commit?: CommitResult;
  push?: PushResult;
  /** What went wrong after the run (git); the cycle's archive writes stand. */
  errors: string[];
  /** When the polled sources are due next. */
  next: NextPoll[];
}

export interface WatchOptions {
  root: string;
  /** The configured sources: the enabled ones with a feed are polled. */
  sources: Source[];
  /** Other sources the archive knows (names on the front page). */
  known?: Source[];
  intervals: Intervals;
  /** Passed to every run: concurrency, fetch options, assets, site rules, its logger and page concurrency. */
  run?: Pick<RunOptions, 'concurrency' | 'fetch' | 'fetchFor' | 'assets' | 'rules' | 'log' | 'pageConcurrency'>;
  git?: WatchGit;
  /** A static site (`newsvault build`) to update after each cycle from its events, incrementally. */
  site?: { out: string; baseUrl?: string };
  /** Stops the watch (SIGINT/SIGTERM). */
  signal: AbortSignal;
  /** Default Math.random (jitter). */
  random?: () => number;
  now?: () => number;
  /** Stop after this many cycles (tests). */
  maxCycles?: number;
  /** Told once at start: every polled source's first poll. */
  onStart?: (next: NextPoll[]) => void;
  /** Told after each cycle. */
  onCycle?: (cycle: CycleReport) => void;
  /** Told as a push is retried. */
  onRetry?: (why: string) => void;
}

export interface WatchResult {
  cycles: number;
}

/** The first-seen times of a source's newest articles (read once from its manifest; then kept up to date from events). */
async function firstSeenTimes(root: string, slug: string): Promise<number[]> {
  const file = path.join(root, 'articles', slug, 'index.jsonl');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return [];
  }
  const times = [...parseManifest(text, `articles/${slug}/index.jsonl`).records.values()].map((r) => r.firstSeen);
  return newest(times);
}

const newest = (times: number[]): number[] => times.sort((a, b) => b - a).slice(0, RECENT_ARTICLES);

/** Runs the watch until the signal aborts (or maxCycles). Throws LockedError when another newsvault holds the archive. */
export async function watchArchive(opts: WatchOptions): Promise<WatchResult> {
  const root = path.resolve(opts.root);
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const signal = opts.signal;
  await fs.mkdir(root, { recursive: true });
  const { state: local } = openStorage(root);
  const lock = await local.lock('newsvault watch');
  try {
    const polled = opts.sources.filter((s) => s.enabled);
    const history = new Map<string, number[]>();
    const intervals = new Map<string, SourceInterval>();
    const due = new Map<string, number>();
    const health = (await local.loadHealth()).value;
    for (const s of polled) {
      history.set(s.slug, await firstSeenTimes(root, s.slug));
      const interval = sourceInterval(s.slug, opts.intervals, history.get(s.slug)!, now());
      intervals.set(s.slug, interval);
      const h = health.sources[s.slug];
      due.set(s.slug, nextPoll({ lastAttempt: h?.lastAttempt ?? null, intervalMs: interval.ms, backoffUntil: h?.nextAttemptAfter ?? null, now: now(), random, spreadMs: startSpread(interval.ms) }));
    }
    opts.onStart?.(polled.map((s) => ({ slug: s.slug, at: due.get(s.slug)!, interval: intervals.get(s.slug)! })));

    const commit = Boolean(opts.git?.commit || opts.git?.push);
    // commits an earlier session could not push are sent by the first push
    let pushPending = Boolean(opts.git?.push);
    let cycles = 0;
    while (!signal.aborted && (opts.maxCycles === undefined || cycles < opts.maxCycles)) {
      const started = now();
      const slugs = dueSources(due, started);
      if (slugs.length === 0) {
        const wake = nextWake(due);
        if (wake === null) break;
        await sleep(wake - now(), signal);
        continue;
      }
      cycles++;
      const sources = polled.filter((s) => slugs.includes(s.slug));
      const report = await runArchive({ ...opts.run, root, sources, known: opts.known ?? opts.sources, lockHeld: true, signal, now });
      const cycle: CycleReport = { cycle: cycles, sources: slugs, report, errors: [], next: [] };

      // the search index, from the cycle's events (under our lock); a failure is a warning, as in `run`
      try {
        const { updateIndex } = await import('../index/index.ts');
        const indexed = await updateIndex(root, report.events, { locked: true });
        cycle.index = { status: indexed.status, ...(indexed.warning ? { warning: indexed.warning } : {}) };
      } catch (err) {
        cycle.index = { status: 'failed', warning: `the search index was not updated (${err instanceof Error ? err.message : String(err)})` };
      }
      // the static site, from the cycle's events (under our lock); a failure is a warning, as for the index
      if (opts.site) {
        try {
          const { buildSite } = await import('../site/build.ts');
          const built = await buildSite(root, { out: opts.site.out, ...(opts.site.baseUrl ? { baseUrl: opts.site.baseUrl } : {}), events: report.events });
          cycle.site = { status: 'updated', written: built.pages.written };
        } catch (err) {
          cycle.site = { status: 'failed', warning: `the static site was not updated (${err instanceof Error ? err.message : String(err)})` };
        }
      }

      if (commit) {
        try {
          cycle.commit = await commitArchive(root, { events: report.events, written: report.written, order: polled.map((s) => s.slug) });
          if (cycle.commit.committed) pushPending = Boolean(opts.git?.push);
        } catch (err) {
          cycle.errors.push(gitProblem(err));
        }
      }
      // stopping: the push (network, retries) is left for the next start
      if (opts.git?.push && pushPending && !signal.aborted) {
        try {
          cycle.push = await pushArchive(root, { ...opts.git.push, signal, onRetry: (why) => opts.onRetry?.(why) });
          pushPending = false;
        } catch (err) {
          cycle.errors.push(gitProblem(err));
        }
      }

      // the polled sources' next polls: from their last attempt, their interval learned again with the new articles
      const after = (await local.loadHealth()).value;
      for (const slug of slugs) {
        const seen = report.events.filter((e) => e.source === slug && e.type === 'added').map((e) => (e.type === 'added' ? e.record.firstSeen : 0));
        history.set(slug, newest([...(history.get(slug) ?? []), ...seen]));
        const interval = sourceInterval(slug, opts.intervals, history.get(slug)!, now());
        intervals.set(slug, interval);
        const h = after.sources[slug];
        const at = nextPoll({ lastAttempt: h?.lastAttempt ?? started, intervalMs: interval.ms, backoffUntil: h?.nextAttemptAfter ?? null, now: now(), random });
        due.set(slug, at);
        cycle.next.push({ slug, at, interval });
      }
      opts.onCycle?.(cycle);
    }
    return { cycles };
  } finally {
    await lock.release();
  }
}

function gitProblem(err: unknown): string {
  if (err instanceof GitError) return err.message;
  throw err;
}

/** Waits `ms` or until the signal aborts. */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(Math.min(Math.max(0, ms), 2 ** 31 - 1), undefined, { signal });
  } catch {
    // aborted: the loop sees it
  }
}
