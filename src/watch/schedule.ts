/**
 * When `newsvault watch` polls each source: pure functions of plain values, no timers.
 *
 * - Each source has an interval: its own `interval` setting (fixed), else — adaptive — learned from when its
 *   articles first appeared in the archive (a source that brings an article every 10 minutes is polled
 *   about every 10 minutes, a daily one rarely), clamped to [min, max]; without enough history, the
 *   default interval.
 * - The next poll is the last one plus the interval, jittered (± JITTER of it, from an injectable random) so
 *   that sources do not all fire together; never before a failing source's backoff ends (health's
 *   `nextAttemptAfter`, which also honours Retry-After).
 * - A source never polled is due at once; at start, sources due at once are spread over a short window.
 */

/** The intervals of a watch, in ms. */
export interface Intervals {
  /** Before a source has history (and for every source when not adaptive). */
  defaultMs: number;
  minMs: number;
  maxMs: number;
  adaptive: boolean;
  /** Sources with a fixed interval of their own (not adapted). */
  perSource?: Readonly<Record<string, number>>;
}

/** How many of a source's newest articles the learned interval looks at. */
export const RECENT_ARTICLES = 20;
/** Fewer articles than this: no history to learn from. */
export const MIN_HISTORY = 3;
/** A poll is moved by up to this fraction of its interval, either way. */
export const JITTER = 0.1;
/** At start, sources due at once are spread over at most this long. */
export const START_SPREAD_MS = 30_000;

/**
 * The time between a source's recent articles: the mean gap between the first-seen times of its
 * RECENT_ARTICLES newest (or all, when fewer), or the time since the newest when that is longer (a source
 * that went quiet looks slower as the silence lasts). Several articles seen in one poll count as several:
 * six articles an hour, polled hourly, is one every ten minutes. Null with fewer than MIN_HISTORY articles.
 */
export function learnedGap(firstSeen: readonly number[], now: number, recent = RECENT_ARTICLES): number | null {
  if (firstSeen.length < MIN_HISTORY) return null;
  const newest = [...firstSeen].sort((a, b) => b - a).slice(0, Math.max(MIN_HISTORY, recent));
  const mean = (newest[0]! - newest[newest.length - 1]!) / (newest.length - 1);
  return Math.max(mean, now - newest[0]!);
}

export interface SourceInterval {
  ms: number;
  /** fixed: the source's own setting; learned: from its history; default: no history, or not adaptive. */
  how: 'fixed' | 'learned' | 'default';
}

export const clamp = (ms: number, min: number, max: number): number => Math.min(Math.max(ms, Math.min(min, max)), Math.max(min, max));

/** A source's interval: its own setting, else learned from its articles' first-seen times within bounds, else the default. */
export function sourceInterval(slug: string, intervals: Intervals, firstSeen: readonly number[], now: number): SourceInterval {
  const fixed = intervals.perSource?.[slug];
  if (fixed !== undefined) return { ms: fixed, how: 'fixed' };
  if (intervals.adaptive) {
    const gap = learnedGap(firstSeen, now);
    if (gap !== null) return { ms: Math.round(clamp(gap, intervals.minMs, intervals.maxMs)), how: 'learned' };
  }
  return { ms: intervals.adaptive ? Math.round(clamp(intervals.defaultMs, intervals.minMs, intervals.maxMs)) : intervals.defaultMs, how: 'default' };
}

/** `ms` moved by up to ±fraction of it; `random` gives [0, 1). */
export function jittered(ms: number, random: () => number, fraction = JITTER): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}

export interface PollInput {
  /** When the source was last polled (health's lastAttempt), null if never. */
  lastAttempt: number | null;
  intervalMs: number;
  /** A failing source's backoff (health's nextAttemptAfter), null if none. */
  backoffUntil: number | null;
  now: number;
  random: () => number;
  /** At start: a source already due is spread over [now, now + spread) instead of all at `now`. */
  spreadMs?: number;
}

/** When to poll a source next. */
export function nextPoll(p: PollInput): number {
  const spread = p.spreadMs ?? 0;
  let due = p.lastAttempt === null ? p.now : p.lastAttempt + jittered(p.intervalMs, p.random);
  if (due <= p.now) due = p.now + (spread > 0 ? Math.floor(p.random() * spread) : 0);
  return Math.max(due, p.backoffUntil ?? 0);
}

/** The start spread for an interval: a tenth of it, at most START_SPREAD_MS. */
export function startSpread(intervalMs: number): number {
  return Math.min(START_SPREAD_MS, Math.round(intervalMs * JITTER));
}

/** The sources due at `now` (due time ≤ now), in the order given. */
export function dueSources(due: ReadonlyMap<string, number>, now: number): string[] {
  return [...due].filter(([, at]) => at <= now).map(([slug]) => slug);
}

/** The earliest due time, or null when there is none. */
export function nextWake(due: ReadonlyMap<string, number>): number | null {
  let min: number | null = null;
  for (const at of due.values()) if (min === null || at < min) min = at;
  return min;
}

/** A seeded random in [0, 1) (mulberry32): the same seed, the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
