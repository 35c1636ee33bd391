/**
 * The two storage boundaries. Everything that reads or writes an archive goes through `Archive`
 * (articles, revisions, manifests, derived pages, assets); everything that reads or writes the local
 * operational state goes through `LocalState` (lock, temporary files, health and validators, extraction
 * retries). The file implementations are in this folder; a PostgreSQL-backed state or a queue would
 * implement `LocalState` (and may keep the files behind `Archive`). Keep them small.
 */
import type { ArticleAdded, ArticleGone, ArticleRevised, ArticleUnchanged, CommitOptions, ImportOptions, ItemKeys, ManifestRecord, Match, Plan } from '../archive/index.ts';
import type { GoneOptions, SourceStats } from '../archive/store.ts';
import type { FeedItem } from '../domain.ts';
import type { Attempts, HealthState } from '../health/index.ts';
import type { Lock } from './lock.ts';
import type { Processed } from './processed.ts';

/** One source's articles and manifest. */
export interface SourceArchive {
  readonly slug: string;
  readonly size: number;
  /** What was wrong with the manifest when it was opened (damaged lines, recovered files). */
  readonly warnings: readonly string[];
  /** Every article's record, newest first (read from the manifest: prefer the narrower calls below when they do). */
  all(): ManifestRecord[];
  /** Count, newest publication time and last update (from memory). */
  stats(): SourceStats;
  /** Articles per month (`YYYY-MM`, UTC+8), newest month first (from memory). */
  monthCounts(): Map<string, number>;
  /** The newest `n` records, newest first. */
  newest(n: number): ManifestRecord[];
  /** Every record of these months (`YYYY-MM`, UTC+8), newest first. */
  inMonths(months: ReadonlySet<string>): ManifestRecord[];
  find(keys: ItemKeys): Match | undefined;
  /** What committing the item would do; writes nothing. */
  plan(keys: ItemKeys, item: Pick<FeedItem, 'published' | 'updated'>, now: number): Promise<Plan>;
  /** Writes the revision, the article and its record, or nothing (crash-safe); returns its event. */
  commit(plan: Plan, opts: CommitOptions): Promise<ArticleAdded | ArticleRevised | ArticleUnchanged>;
  /** Marks an article removed at its source (`newsvault recheck`): its record gets a `gone` mark, nothing is
   *  deleted; an article already marked is `unchanged`. */
  markGone(id: string, opts: GoneOptions): Promise<ArticleGone | ArticleUnchanged>;
  /** Commits an article file of an archive in the same format from its exact bytes (`newsvault import`):
   *  added byte for byte at this archive's path, a revision of the article with its link, or unchanged. */
  importArticle(bytes: Uint8Array, opts: ImportOptions): Promise<ArticleAdded | ArticleRevised | ArticleUnchanged>;
  /** Rewrites the manifest with one line per article when superseded lines have piled up (always with force). */
  compact(force?: boolean): Promise<boolean>;
  /** The last session writing this source stopped before it finished (killed, disk full): its article files
   *  were checked for missing records, and the pages derived from its events (lists, README) must be rebuilt. */
  readonly unclean: boolean;
  /** Makes the deferred commits (`CommitOptions.defer`) durable and appends their records. */
  flush(): Promise<void>;
  /** Ends a session of commits: flushes, then compacts if worth it. Returns whether the manifest was rewritten. */
  close(): Promise<boolean>;
  /** Marks the source as left in order, after everything derived from its events is written. A source that
   *  is never finished (a killed run) is `unclean` the next time it is opened. */
  finish(): Promise<void>;
}

export interface Archive {
  /** Absolute path of the archive folder. */
  readonly root: string;
  source(slug: string): Promise<SourceArchive>;
  /** Whether a session writing this source stopped before it finished (its next open recovers; see `unclean`). */
  marked(slug: string): Promise<boolean>;
  /** The state of a source's manifest (size, inode, modification time), or null when it has none: it changes
   *  with every write to the manifest. */
  manifestState(slug: string): Promise<string | null>;
  /** The slugs that have an articles/ folder. */
  slugs(): Promise<string[]>;
  /** A derived page's text (a list, the README), or null when it does not exist. */
  readPage(rel: string): Promise<string | null>;
  /** Writes a derived page when its bytes differ; returns whether it wrote. */
  writePage(rel: string, content: string): Promise<boolean>;
  /** Stores a content-addressed file (assets/…) unless a file of that size is there; returns whether it was. */
  putAsset(rel: string, bytes: Uint8Array): Promise<boolean>;
}

/** A value read from state, with why the stored one was not used (damaged, unreadable), if it was not. */
export interface Loaded<T> {
  value: T;
  warning: string | null;
}

export interface LocalState {
  /** Takes the archive's lock, or throws LockedError naming who holds it. */
  lock(command?: string): Promise<Lock>;
  /** Removes what a killed process left in the temporary folder. Call with the lock held. */
  clearTemp(): Promise<number>;
  loadHealth(): Promise<Loaded<HealthState>>;
  saveHealth(state: HealthState): Promise<void>;
  loadAttempts(): Promise<Loaded<Attempts>>;
  saveAttempts(attempts: Attempts, now: number): Promise<void>;
  /** The feed bodies processed in full (a cache: missing or damaged, nothing). */
  loadProcessed(): Promise<Processed>;
  saveProcessed(processed: Processed): Promise<void>;
}
