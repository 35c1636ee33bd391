/**
 * Full-text extraction that failed is tried again on later runs, but not hammered: at most 4 attempts per
 * article, the n-th at least 2^(n-2) hours after the one before, and only in the 3 days after the article
 * was first seen. The attempts are local operational state (`.newsvault/fulltext.json`, read and written by
 * src/storage), like the health state, so the archive's tracked files do not change on idle runs.
 */
import { z } from 'zod';

export const MAX_ATTEMPTS = 4;
export const RETRY_WINDOW_MS = 3 * 24 * 3600 * 1000;
const HOUR = 3600 * 1000;

export interface Attempt {
  attempts: number;
  last: number;
}

/** Keyed by `<source slug>/<article id>`. */
export type Attempts = Record<string, Attempt>;

const attemptsSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*\/[a-z2-7]{10,16}$/), z.object({ attempts: z.int().min(1), last: z.number() }));

/** Reads the attempts file's text: a damaged file gives no attempts and a warning (it is a cache of failures). */
export function parseAttempts(text: string, file: string): { attempts: Attempts; warning: string | null } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { attempts: {}, warning: `${file} is not valid JSON; starting from no recorded extraction failures` };
  }
  const parsed = attemptsSchema.safeParse(data);
  if (!parsed.success) return { attempts: {}, warning: `${file} is not a Newsvault extraction-attempts file; starting from no recorded extraction failures` };
  return { attempts: parsed.data, warning: null };
}

/** The file's text: entries past the retry window dropped, keys sorted. */
export function serializeAttempts(attempts: Attempts, now: number): string {
  const kept: Attempts = {};
  for (const key of Object.keys(attempts).sort()) {
    if (now - attempts[key]!.last < RETRY_WINDOW_MS) kept[key] = attempts[key]!;
  }
  return `${JSON.stringify(kept, null, 1)}\n`;
}

/** Whether a failed extraction of an article first seen at `firstSeen` is due again. */
export function retryDue(attempt: Attempt | undefined, firstSeen: number, now: number): boolean {
  if (now - firstSeen >= RETRY_WINDOW_MS) return false;
  if (!attempt) return true;
  if (attempt.attempts >= MAX_ATTEMPTS) return false;
  return now - attempt.last >= HOUR * 2 ** Math.max(0, attempt.attempts - 1);
}

export function recordFailure(attempts: Attempts, key: string, now: number): void {
  attempts[key] = { attempts: (attempts[key]?.attempts ?? 0) + 1, last: now };
}
