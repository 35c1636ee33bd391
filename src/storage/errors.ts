/**
 * The archive cannot be written: the disk is full, the file system read-only, the folder not ours. Not
 * one item's problem: every later write would fail the same way, so a run stops at the first one (what
 * was committed before is whole), names the path and says what to do. Exit code 5.
 */
import path from 'node:path';

const WHAT: Record<string, { problem: string; remedy: string }> = {
  ENOSPC: { problem: 'no space left on the device', remedy: 'free some space on that disk, then run again' },
  EDQUOT: { problem: 'the disk quota is exhausted', remedy: 'free some space or raise the quota, then run again' },
  EROFS: { problem: 'the file system is read-only', remedy: 'remount it read-write or choose another --archive' },
  EACCES: { problem: 'permission denied', remedy: 'make the archive folder writable by this user (or run as its owner)' },
  EPERM: { problem: 'operation not permitted', remedy: 'make the archive folder writable by this user (or run as its owner)' },
  EFBIG: { problem: 'the file is larger than this process may write', remedy: 'raise the file-size limit (ulimit -f)' },
  EIO: { problem: 'an input/output error (a failing disk?)', remedy: 'check the disk, then run again' },
};

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    /** The errno code: ENOSPC, EROFS, EACCES, … */
    readonly code: string,
    /** The path that could not be written, relative to the archive when it is inside it. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    const what = WHAT[code]!;
    super(`cannot write ${path}: ${what.problem} (${code}); ${what.remedy}. Nothing half-written was kept: what this run committed before is whole`, options);
  }
}

/** A StorageError for an error the file system gave, when it is one of the storage conditions; else null. */
export function storageFailure(err: unknown, root?: string): StorageError | null {
  if (err instanceof StorageError) return err;
  const e = err as (NodeJS.ErrnoException & { dest?: string }) | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || !(e.code in WHAT)) return null;
  // a permission error from the network (a socket) is not the archive's
  if (typeof e.path !== 'string' && typeof e.syscall === 'string' && /connect|bind|listen|getaddrinfo/.test(e.syscall)) return null;
  const raw = typeof e.dest === 'string' ? e.dest : typeof e.path === 'string' ? e.path : '(unknown path)';
  const shown = root && path.isAbsolute(raw) && !path.relative(root, raw).startsWith('..') ? path.relative(root, raw) || '.' : raw;
  return new StorageError(e.code, shown, { cause: err });
}
