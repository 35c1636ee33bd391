/**
 * Files outside src/ that tests read: the shared fixtures of the repository's test folder, and the
 * development corpus beside the repository. Found from the repository root, so that nothing under
 * src/ imports a module of the test folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (this file is src/testing/repo.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The path of a shared fixture: `rel` under the repository's test fixtures, e.g. `feeds/rfi-golden.rss`. */
export function sharedFixturePath(rel: string): string {
  return path.join(REPO_ROOT, 'test', 'fixtures', rel);
}

/** A shared fixture's bytes (see sharedFixturePath). */
export function sharedFixture(rel: string): Buffer {
  return readFileSync(sharedFixturePath(rel));
}

/** The shared development corpus (real pages by other people): `../shared/dev-corpus` from the repository root. */
export const DEV_CORPUS = path.resolve(REPO_ROOT, '../shared/dev-corpus');
export const HAS_DEV_CORPUS = existsSync(DEV_CORPUS);
