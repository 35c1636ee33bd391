/**
 * Health: the archive's operational state (conditional-GET validators per feed, health per source)
 * (`.newsvault/state.json`) and failed extractions to retry (`.newsvault/fulltext.json`), the backoff of failing sources, and `newsvault status`.
 * See docs/fetching.md.
 */
export {
  BACKOFF_AFTER_FAILURES,
  BACKOFF_FIRST_MS,
  BACKOFF_MAX_MS,
  FAILING_LONG_MS,
  backoffUntil,
  emptyHealth,
  emptyState,
  isDue,
  recordAttempt,
  rememberValidators,
  validatorsFor,
  type AttemptOutcome,
  type FeedValidators,
  type HealthState,
  type SourceHealth,
} from './state.ts';
export { parseState, serializeState, type LoadedState } from './store.ts';
export { MAX_ATTEMPTS, RETRY_WINDOW_MS, parseAttempts, recordFailure, retryDue, serializeAttempts, type Attempt, type Attempts } from './retries.ts';
export { formatAge, span, statusJson, statusRows, statusTable, type HealthLabel, type StatusRow, type StatusSource, type StatusTable } from './status.ts';
