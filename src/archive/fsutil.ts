/** File-system edges of the archive: atomic writes, confinement to the archive folder, the run lock. */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

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

/** Temporary file + fsync + rename: a reader sees the old file or the new one, never a part. */
export async function writeAtomic(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, content, { encoding: 'utf8', fsync: true });
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

/** Removes temporary files a killed process may have left (write-file-atomic names them <file>.<hash>). */
export async function removeStaleTemps(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await listDir(dir)) {
    if (/\.md\.\d+$|\.jsonl\.\d+$/.test(name)) {
      await fs.rm(path.join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}
