/**
 * Which archive folder a command works on, decided in one place:
 *
 *   1. `--archive DIR`, when given;
 *   2. else `NEWSVAULT_ARCHIVE`, when set and not empty;
 *   3. else the archive the current folder is in, found like git finds its repository: the current folder
 *      or the nearest one above it holding a `newsvault.yaml` or a `.newsvault/` folder;
 *   4. else `./archive`.
 *
 * Relative paths are taken from the current folder. `init` does not use this: it creates the folder it
 * is given (argument or --archive, else ./archive).
 */
import path from 'node:path';
import { Option } from 'commander';

export const ARCHIVE_ENV = 'NEWSVAULT_ARCHIVE';

export interface ArchiveContext {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: process.cwd(). */
  cwd?: string;
}

/** The archive when no --archive is given (steps 2–4 above). Storage is loaded here, not before, so
 *  that `--help` loads none of it. */
export async function defaultArchive(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env[ARCHIVE_ENV];
  if (fromEnv) return path.resolve(cwd, fromEnv);
  const { findArchiveRoot } = await import('../storage/index.ts');
  return findArchiveRoot(cwd) ?? path.join(path.resolve(cwd), 'archive');
}

/** The absolute archive folder a command works on (steps 1–4 above). */
export async function resolveArchive(opts: { archive?: string }, ctx: ArchiveContext = {}): Promise<string> {
  const cwd = ctx.cwd ?? process.cwd();
  return opts.archive ? path.resolve(cwd, opts.archive) : defaultArchive(cwd, ctx.env ?? process.env);
}

/** The `--archive DIR` option every command but `init` takes. */
export function archiveOption(): Option {
  return new Option(
    '--archive <dir>',
    `archive folder (default: $${ARCHIVE_ENV}, else the archive the current folder is in, else ./archive)`,
  );
}
