/**
 * The archive's `.gitignore`: local state and derived data never reach git. `newsvault init` merges these
 * lines into an existing file (a line already there, with or without its slashes, is not added twice)
 * instead of overwriting it.
 */

/** The lines Newsvault needs in the archive's .gitignore, after a comment line. */
export const ARCHIVE_IGNORE = [
  '# newsvault: local state and derived data, never committed',
  '# (the lock, temporary files, validators and health, extraction retries, the search index)',
  '.newsvault/',
  'node_modules/',
] as const;

/** A pattern as compared: no surrounding space, no leading or trailing slash. */
const norm = (line: string) => line.trim().replace(/^\/+/, '').replace(/\/+$/, '');

/**
 * `existing` (null: no file) with every line of `lines` it lacks appended, under their comment. Returns the
 * text unchanged when nothing is missing.
 */
export function mergeIgnore(existing: string | null, lines: readonly string[] = ARCHIVE_IGNORE): string {
  const have = new Set((existing ?? '').split(/\r?\n/).map(norm).filter((l) => l !== '' && !l.startsWith('#')));
  const patterns = lines.filter((l) => !l.startsWith('#'));
  const missing = patterns.filter((l) => !have.has(norm(l)));
  if (existing !== null && missing.length === 0) return existing;
  const comments = lines.filter((l) => l.startsWith('#'));
  const block = [...comments, ...missing].join('\n') + '\n';
  if (existing === null || existing.trim() === '') return block;
  return `${existing.trimEnd()}\n\n${block}`;
}
