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
}

export function failureOf(err: unknown): Failure {
  if (err instanceof ConfigError) return { code: EXIT.usage, message: err.message };
  // inspect (and the like) on one feed that cannot be read: the same code as a failed source
  if (err instanceof FetchError || err instanceof FeedParseError || err instanceof ExtractError) {
    return { code: EXIT.sourcesFailed, message: describeError(err) };
  }
  if (err instanceof LockedError) return { code: EXIT.locked, message: err.message };
  const stored = storageFailure(err);
  if (stored) return { code: EXIT.storage, message: stored.message };
  return { code: EXIT.internal, message: describeError(err), stack: String(err instanceof Error ? err.stack : err) };
}
