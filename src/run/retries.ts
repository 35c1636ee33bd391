/**
 * Full-text extraction that failed is tried again on later runs, but not hammered: at most 4 attempts per
 * article, the n-th at least 2^(n-2) hours after the one before, and only in the 3 days after the article
 * was first seen. The attempts are local operational state (`.newsvault/fulltext.json`), like the health
 * state, so the archive's tracked files do not change on idle runs.
 */
import path from 'node:path';
import { readText, writeAtomic } from '../archive/index.ts';

export const MAX_ATTEMPTS = 4;
export const RETRY_WINDOW_MS = 3 * 24 * 3600 * 1000;
const HOUR = 3600 * 1000;

export interface Attempt {
  attempts: number;
  last: number;
}

export type Attempts = Record<string, Attempt>;

const file = (root: string) => path.join(root, '.newsvault', 'fulltext.json');

export async function loadAttempts(root: string): Promise<Attempts> {
  try {
    const parsed = JSON.parse((await readText(file(root))) ?? '{}') as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Attempts) : {};
  } catch {
    return {};
  }
}

/** Drops entries past the retry window and writes the rest. */
export async function saveAttempts(root: string, attempts: Attempts, now: number): Promise<void> {
  const kept: Attempts = {};
  for (const key of Object.keys(attempts).sort()) {
    if (now - attempts[key]!.last < RETRY_WINDOW_MS) kept[key] = attempts[key]!;
  }
  await writeAtomic(file(root), `${JSON.stringify(kept, null, 1)}\n`);
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
