/**
 * Batched durability for new article files (see docs/archive.md, "Committing an article"): a file is
 * written whole (temporary file, then rename: a reader or a kill never sees a part of it) but not flushed
 * on its own; a batch's files and the folders that name them are then flushed together, and only then are
 * their records appended to the manifest. A record therefore never names a file that a power cut could
 * lose, and the files a stop leaves without a record are found by the next open of the source (it is
 * marked) and adopted from their own bytes, or left out when they are not in the format.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, promises as fs, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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

/**
 * syncfs(2): one call that writes back every dirty file and folder of a file system and commits its journal.
 * Flushing a batch of 256 new articles file by file forced up to 256 journal commits (each a cache flush of a
 * real device); on the development machine 10,000 files of 5 KB took 2.9–3.7 s to fsync (16 at a time) and
 * 0.18 s to syncfs (docs/benchmarks.md, "Growth": its virtual disk flushes quickly, and an ingest there is no
 * faster for it). Node has no binding for syncfs: coreutils' `sync -f PATH` makes the call.
 *
 * Used only where it is as safe as fsync: Linux from 5.8 (before, syncfs did not report write-back errors), a
 * local block file system whose syncfs writes data and metadata to the device (ext4, XFS, Btrfs, F2FS: not a
 * network or FUSE one, where it may flush less than fsync does), and a `sync` that has `-f`. Elsewhere, or with
 * `NEWSVAULT_DURABLE=fsync`, each file and folder is fsynced as before. A `sync -f` that fails is a storage
 * failure (EIO): the batch's records are not written, as when an fsync fails; it never falls back to fsync
 * then, which would not see an error syncfs already reported.
 */
const SYNCFS_FILE_SYSTEMS = new Map<number, string>([
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0xf2f52010, 'f2fs'],
]);

/** The `sync` command with `-f` (`--file-system`), found once: null when there is none. */
let syncCommand: Promise<string | null> | undefined;

function findSyncCommand(): Promise<string | null> {
  return (syncCommand ??= (async () => {
    for (const bin of ['/usr/bin/sync', '/bin/sync']) {
      if (!existsSync(bin)) continue;
      const help = await new Promise<string>((resolve) => execFile(bin, ['--help'], { timeout: 10_000 }, (_err, stdout) => resolve(String(stdout))));
      if (/--file-system/.test(help)) return bin;
    }
    return null;
  })());
}

/** Why a folder's new files are fsynced one by one rather than with syncfs; null when syncfs is used. */
export function syncfsRefusal(dir: string, env: NodeJS.ProcessEnv = process.env, platform: string = process.platform, release: string = os.release()): string | null {
  if (env.NEWSVAULT_DURABLE === 'fsync') return 'NEWSVAULT_DURABLE=fsync';
  if (platform !== 'linux') return `not Linux (${platform})`;
  const [major = 0, minor = 0] = release.split('.').map((n) => parseInt(n, 10));
  if (major < 5 || (major === 5 && minor < 8)) return `Linux ${release}: syncfs reports write-back errors from 5.8`;
  let type: number;
  try {
    type = Number(statfsSync(dir).type);
  } catch (err) {
    return `statfs: ${(err as Error).message}`;
  }
  if (!SYNCFS_FILE_SYSTEMS.has(type)) return `file system type 0x${type.toString(16)} (syncfs only on ${[...SYNCFS_FILE_SYSTEMS.values()].join(', ')})`;
  return null;
}

/** Per file system (device number): the `sync` command to flush it with, or null (fsync each file). */
const syncfsByDevice = new Map<number, Promise<string | null>>();

function deviceOf(p: string): number | null {
  try {
    return statSync(p).dev;
  } catch {
    return null;
  }
}

/** The `sync` command that flushes `dir`'s file system with syncfs, or null where new files are fsynced one by one. */
export function syncfsCommand(dir: string): Promise<string | null> {
  const dev = deviceOf(dir);
  return dev === null ? Promise.resolve(null) : syncfsFor(dev, dir);
}

function syncfsFor(dev: number, dir: string): Promise<string | null> {
  let found = syncfsByDevice.get(dev);
  if (!found) {
    found = syncfsRefusal(dir) === null ? findSyncCommand() : Promise.resolve(null);
    syncfsByDevice.set(dev, found);
  }
  return found;
}

function syncfs(bin: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['-f', dir], { timeout: 10 * 60_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const failure = Object.assign(new Error(`making new files durable failed: ${bin} -f ${dir}: ${String(stderr).trim() || err.message}`), { code: 'EIO', path: dir });
      reject(failure);
    });
  });
}

/** Flushes the files, then the folders (each once): with one syncfs of their file system where it can
 *  (see above), else each with an fsync, `PARALLEL` at a time. */
export async function syncAll(files: Iterable<string>, dirs: Iterable<string>): Promise<void> {
  const fileList = [...new Set(files)];
  const dirList = [...new Set(dirs)];
  const first = fileList[0] ?? dirList[0];
  if (first === undefined) return;
  const dir = fileList[0] !== undefined ? path.dirname(first) : first;
  const dev = deviceOf(dir);
  const bin = dev === null ? null : await syncfsFor(dev, dir);
  // every path on the one file system syncfs flushes (a batch is one source's folder; a mount inside it is not)
  if (bin !== null && [...new Set([...fileList.map((f) => path.dirname(f)), ...dirList])].every((d) => deviceOf(d) === dev)) return syncfs(bin, dir);
  const run = async (paths: string[], isDir: boolean) => {
    for (let i = 0; i < paths.length; i += PARALLEL) await Promise.all(paths.slice(i, i + PARALLEL).map((p) => syncOne(p, isDir)));
  };
  await run(fileList, false);
  await run(dirList, true);
}
