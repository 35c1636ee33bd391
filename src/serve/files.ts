/**
 * Reading a file for `newsvault serve`, strictly inside one folder: the names come from paths.ts (plain names,
 * checked), the joined path must stay under the folder, and so must the real path once symbolic links are
 * resolved (an archive is a git checkout anyone may have written: a link in `assets/` to `/etc` serves nothing).
 * Only regular files are read: a folder is never listed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The bytes of `dir/<names…>`, or null when there is no such regular file inside `dir` (links resolved). */
export async function readInside(dir: string, names: readonly string[]): Promise<Buffer | null> {
  const base = path.resolve(dir);
  const file = path.resolve(base, ...names);
  if (!inside(base, file)) return null;
  try {
    const [realBase, realFile] = await Promise.all([fs.realpath(base), fs.realpath(file)]);
    if (!inside(realBase, realFile)) return null;
    const stat = await fs.stat(realFile);
    if (!stat.isFile()) return null;
    return await fs.readFile(realFile);
  } catch {
    return null; // missing, unreadable, a loop of links: not found
  }
}
