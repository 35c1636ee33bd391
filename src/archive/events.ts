/**
 * Change events: what committing one item did to the archive. A run returns them in order; the lists,
 * the README, the report (and later the index, the site and the git commit message) are built from them
 * instead of re-reading or re-scanning the archive.
 */
import type { ManifestRecord } from './manifest.ts';

/** An item that never became an article (a failed commit), as the feed gave it. */
export interface ItemRef {
  title: string;
  link: string | null;
  guid: string | null;
}

interface EventBase {
  /** The source's slug. */
  source: string;
  /** When it happened (ms since epoch). */
  at: number;
}

/** A new article: its file and manifest record are written. */
export interface ArticleAdded extends EventBase {
  type: 'added';
  record: ManifestRecord;
}

/** An archived article whose title or text changed: the earlier text is kept under revisions/. */
export interface ArticleRevised extends EventBase {
  type: 'revised';
  record: ManifestRecord;
  /** contentHash of the text before and after. */
  previousHash: string;
  hash: string;
  /** The revision files this commit wrote or recovered (archive-relative). */
  revisions: string[];
}

/** An item that is an archived article with nothing new. */
export interface ArticleUnchanged extends EventBase {
  type: 'unchanged';
  id: string;
  path: string;
}

/** An archived article removed at its source, as `newsvault recheck` noticed it (404/410, or a redirect to a
 *  home or section page). The article is kept; its record is marked `gone`. */
export interface ArticleGone extends EventBase {
  type: 'gone';
  id: string;
  path: string;
  /** Why it is taken for gone, e.g. "HTTP 404" or "redirected to https://host/" (set by recheck). */
  reason?: string;
  /** The record as marked (set by recheck). */
  record?: ManifestRecord;
}

/** An item that could not be committed; nothing of it was written. */
export interface ItemFailed extends EventBase {
  type: 'failed';
  item: ItemRef;
  error: string;
}

export type ChangeEvent = ArticleAdded | ArticleRevised | ArticleUnchanged | ArticleGone | ItemFailed;
export type ChangeType = ChangeEvent['type'];

/** Events that changed the archive's tracked files. */
export function isChange(e: ChangeEvent): e is ArticleAdded | ArticleRevised | ArticleGone {
  return e.type === 'added' || e.type === 'revised' || e.type === 'gone';
}

/** Counts per type. */
export function countEvents(events: readonly ChangeEvent[]): Record<ChangeType, number> {
  const counts: Record<ChangeType, number> = { added: 0, revised: 0, unchanged: 0, gone: 0, failed: 0 };
  for (const e of events) counts[e.type]++;
  return counts;
}
