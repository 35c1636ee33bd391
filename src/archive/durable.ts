/**
 * Batched durability for new article files (see docs/archive.md, "Committing an article"): a file is
 * written whole (temporary file, then rename: a reader or a kill never sees a part of it) but not flushed
 * on its own; a batch's files and the folders that name them are then flushed together, and only then are
 * their records appended to the manifest. A record therefore never names a file that a power cut could
 * lose, and the files a stop leaves without a record are found by the next open of the source (it is
 * marked) and adopted from their own bytes, or left out when they are not in the format.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The error with the file it was about (a write through a handle names no path). */
function naming(err: unknown, dest: string): unknown {
  if (err && typeof err === 'object' && 'code' in err) (err as NodeJS.ErrnoException & { dest?: string }).dest ??= dest;
  return err;
}

/** This process's temporary names: its pid, random bits drawn once (a leftover of an earlier process with the same
 *  pid does not collide), and a counter (10,000 files drew 10,000 random numbers: 140 ms of a first ingest). */
const TMP_TAG = `${process.pid}.${randomBytes(6).toString('hex')}`;
let tmpCount = 0;

/**
 * Writes `file` whole through a temporary file in `tmpDir` and a rename, without flushing either. Returns
 * the folders this call created (outermost first), whose entries in their parents must be flushed too.
 * `known` holds folders known to exist (filled by this function): each is made once.
 *
 * The calls are synchronous: a new article is a few kilobytes into the page cache, which the promise
 * API's per-call overhead (a file handle object, a trip through libuv's threads for each of open, write,
 * close and rename) would cost several times over; the flushes, which wait on the disk, stay asynchronous.
 */
export function writeUnsynced(file: string, content: string | Uint8Array, tmpDir: string, known: Set<string>): string[] {
  const dest = path.resolve(file);
  const dir = path.dirname(dest);
  const created: string[] = [];
  for (const d of [tmpDir, dir]) {
    if (known.has(d)) continue;
    const first = mkdirSync(d, { recursive: true });
    if (first && d === dir) {
      for (let x = dir; ; x = path.dirname(x)) {
        created.unshift(x);
        if (x === first || x === path.dirname(x)) break;
      }
    }
    known.add(d);
  }
  const tmp = path.join(tmpDir, `.${path.basename(dest).slice(0, 40)}.${TMP_TAG}.${(tmpCount++).toString(36)}.tmp`);
  try {
    writeFileSync(tmp, content, { flag: 'wx' });
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw naming(err, dest);
  }
  return created;
}

/** How many files are flushed at once (the fsyncs run on libuv's threads; a journaling file system commits
 *  concurrent ones together). */
const PARALLEL = 16;

async function syncOne(p: string, dir: boolean): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(p, 'r');
  } catch (err) {
    // a folder that cannot be opened for reading (some platforms): its entries are flushed with the file system
    if (dir) return;
    throw naming(err, p);
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!dir) throw naming(err, p);
  } finally {
    await handle.close();
  }
}

/** Flushes the files, then the folders (each once), `PARALLEL` at a time. */
export async function syncAll(files: Iterable<string>, dirs: Iterable<string>): Promise<void> {
  const run = async (paths: string[], dir: boolean) => {
    for (let i = 0; i < paths.length; i += PARALLEL) await Promise.all(paths.slice(i, i + PARALLEL).map((p) => syncOne(p, dir)));
  };
  await run([...new Set(files)], false);
  await run([...new Set(dirs)], true);
}
