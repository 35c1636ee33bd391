/**
 * The watch stage: `newsvault watch`, a long-running scheduler. Pure scheduling (schedule.ts: each source's
 * interval, fixed or learned from its articles' first-seen times within bounds, jittered, after any
 * backoff) and the loop at the edge (loop.ts: holds the lock, runs the due sources, updates the index,
 * commits and pushes; stops cleanly on its signal).
 */
export {
  JITTER,
  MIN_HISTORY,
  RECENT_ARTICLES,
  START_SPREAD_MS,
  clamp,
  dueSources,
  jittered,
  learnedGap,
  nextPoll,
  nextWake,
  seededRandom,
  sourceInterval,
  startSpread,
  type Intervals,
  type PollInput,
  type SourceInterval,
} from './schedule.ts';
export { watchArchive, type CycleReport, type NextPoll, type WatchGit, type WatchOptions, type WatchResult } from './loop.ts';
