/** File-system edges of the archive: atomic writes, confinement to the archive folder, the run lock. */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

export class ArchiveError extends Error {}

/** Resolves a path relative to the archive root and refuses anything that would land outside it. */
export function inside(root: string, relative: string): string {
  const abs = path.resolve(root, relative);
  const rel = path.relative(path.resolve(root), abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ArchiveError(`refusing to write outside the archive: ${relative}`);
  }
  return abs;
}

export async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The folder temporary files are written in: inside the archive (so a rename is atomic) but in the
 *  git-ignored state folder, so that a process killed mid-write leaves nothing among the articles. */
export const TMP_DIR = '.newsvault/tmp';

function archiveRootOf(file: string): string | null {
  // the archive root is the nearest ancestor holding .newsvault/ (created by the lock); else write beside the file
  let dir = path.dirname(file);
  for (let i = 0; i < 8; i++) {
    if (knownRoots.has(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

const knownRoots = new Set<string>();

/** Registers an archive root so its writes go through its own temporary folder. */
export async function prepareRoot(root: string): Promise<void> {
  const abs = path.resolve(root);
  if (knownRoots.has(abs)) return;
  await fs.mkdir(path.join(abs, TMP_DIR), { recursive: true });
  // everything in the state folder (lock, temporary files) stays out of the archive's git history
  await fs.writeFile(path.join(abs, '.newsvault', '.gitignore'), '*\n');
  knownRoots.add(abs);
}

/** Removes what a killed process left in the temporary folder. Call with the archive locked. */
export async function clearTemp(root: string): Promise<number> {
  const dir = path.join(path.resolve(root), TMP_DIR);
  const names = await listDir(dir);
  await Promise.all(names.map((n) => fs.rm(path.join(dir, n), { force: true, recursive: true })));
  return names.length;
}

/** Temporary file + fsync + rename (+ fsync of the folder): a reader sees the old file or the new one, never a part. */
export async function writeAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dest = path.resolve(file);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const root = archiveRootOf(dest);
  const tmpDir = root ? path.join(root, TMP_DIR) : path.dirname(dest);
  const tmp = path.join(tmpDir, `.${path.basename(dest).slice(0, 40)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const dirHandle = await fs.open(path.dirname(dest), 'r').catch(() => null);
  if (dirHandle) {
    await dirHandle.sync().catch(() => {});
    await dirHandle.close();
  }
}

/** Writes only when the bytes differ. Returns whether it wrote. */
export async function writeIfChanged(file: string, content: string): Promise<boolean> {
  const current = await readText(file);
  if (current === content) return false;
  await writeAtomic(file, content);
  return true;
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export class LockedError extends ArchiveError {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One writer at a time: `.newsvault/lock` holds the owner's pid; a lock whose process is gone is taken over. */
export async function acquireLock(root: string): Promise<() => Promise<void>> {
  const dir = path.join(root, '.newsvault');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await fs.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt((await readText(file)) ?? '', 10);
      if (Number.isFinite(pid) && pid > 0 && alive(pid) && pid !== process.pid) {
        throw new LockedError(`another newsvault run (pid ${pid}) is using ${root}; try again when it has finished`);
      }
      await fs.rm(file, { force: true });
    }
  }
  throw new LockedError(`could not lock ${root}`);
}
