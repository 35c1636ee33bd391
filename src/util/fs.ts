/**
 * File-system helpers shared by the stages: confinement to a root folder, atomic and write-once writes,
 * forgiving reads. Nothing here knows about archives; the caller names the folder temporary files go in
 * (for an archive, its git-ignored `.newsvault/tmp`, so a killed process leaves nothing among the articles).
 */
import { hash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A path that would leave its root folder. */
export class OutsideRootError extends Error {
  override readonly name = 'OutsideRootError';
}

/** Resolves a path relative to `root` and refuses anything that would land outside it (or on the root itself). */
export function inside(root: string, relative: string): string {
  const abs = path.resolve(root, relative);
  const rel = path.relative(path.resolve(root), abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new OutsideRootError(`refusing to write outside the archive: ${relative}`);
  }
  return abs;
}

/** The file's text, or null when it does not exist. */
export async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The names in a folder, or [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function sha256(content: string | Uint8Array): string {
  return hash('sha256', content);
}

export interface WriteOptions {
  /** Folder for the temporary file; it must be on the same file system as the destination. Default: the destination's folder. */
  tmpDir?: string;
}

/** Writes a flushed temporary file and returns its path. */
async function writeTemp(dest: string, content: string | Uint8Array, opts: WriteOptions): Promise<string> {
  const tmpDir = opts.tmpDir ?? path.dirname(dest);
  await fs.mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `.${path.basename(dest).slice(0, 40)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx').catch((err: unknown) => {
    throw naming(err, dest);
  });
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw naming(err, dest);
  }
  await handle.close();
  return tmp;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => {});
  await handle.close();
}

/** Temporary file + fsync + rename (+ fsync of the folder): a reader sees the old file or the new one, never a part. */
export async function writeAtomic(file: string, content: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
  const dest = path.resolve(file);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const tmp = await writeTemp(dest, content, opts);
  try {
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(dest));
}

/**
 * Creates `file` with `content` only if it does not exist, atomically (temporary file + link): the file
 * appears whole or not at all, and an existing file is never replaced. Returns false when it existed.
 */
export async function writeOnce(file: string, content: string | Uint8Array, opts: WriteOptions = {}): Promise<boolean> {
  const dest = path.resolve(file);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const tmp = await writeTemp(dest, content, opts);
  try {
    await fs.link(tmp, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  await syncDir(path.dirname(dest));
  return true;
}

/** Appends and flushes: the bytes are on disk when it resolves. A write that fails part-way (a full disk)
 *  is cut back, so the file never ends in a torn line of this call. */
export async function appendDurable(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'a');
  const size = (await handle.stat()).size;
  try {
    try {
      await handle.writeFile(content);
    } catch (err) {
      await handle.truncate(size).catch(() => {});
      throw err;
    }
    await handle.sync();
  } catch (err) {
    throw naming(err, file);
  } finally {
    await handle.close();
  }
}

/** The error with the file it was about as its `dest` (a write through a handle names no path; a
 *  temporary file's path is not the one to tell the user). */
function naming(err: unknown, dest: string): unknown {
  if (err && typeof err === 'object' && 'code' in err) (err as NodeJS.ErrnoException & { dest?: string }).dest ??= dest;
  return err;
}

/** Writes (atomically) only when the bytes differ. Returns whether it wrote. */
export async function writeIfChanged(file: string, content: string, opts: WriteOptions = {}): Promise<boolean> {
  const current = await readText(file);
  if (current === content) return false;
  await writeAtomic(file, content, opts);
  return true;
}
