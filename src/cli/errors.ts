/**
 * An error thrown by a command, as an exit code and a message. Loaded only when a command failed: it
 * imports the stages' error classes (and with them the stages).
 */
import { ExtractError } from '../extract/index.ts';
import { FetchError, describeError } from '../fetch/index.ts';
import { FeedParseError } from '../parse/index.ts';
import { ConfigError } from '../sources/index.ts';
import { LockedError, storageFailure } from '../storage/index.ts';
import { EXIT } from './context.ts';

export interface Failure {
  code: number;
  message: string;
  /** Printed when NEWSVAULT_DEBUG is set. */
  stack?: string;
  /** For the log record: the URL or the path involved. */
  fields?: { url?: string; path?: string; status?: number };
}

export function failureOf(err: unknown): Failure {
  if (err instanceof ConfigError) return { code: EXIT.usage, message: err.message };
  // inspect (and the like) on one feed that cannot be read: the same code as a failed source
  if (err instanceof FetchError || err instanceof ExtractError) {
    const fields = { ...(err.url ? { url: err.url } : {}), ...(err instanceof FetchError && err.status ? { status: err.status } : {}) };
    return { code: EXIT.sourcesFailed, message: describeError(err), fields };
  }
  if (err instanceof FeedParseError) return { code: EXIT.sourcesFailed, message: describeError(err) };
  if (err instanceof LockedError) return { code: EXIT.locked, message: err.message };
  const stored = storageFailure(err);
  if (stored) return { code: EXIT.storage, message: stored.message, fields: { path: stored.path } };
  return { code: EXIT.internal, message: describeError(err), stack: String(err instanceof Error ? err.stack : err) };
}
