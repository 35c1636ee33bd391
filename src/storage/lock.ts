/**
 * One writer per archive: `.newsvault/lock`, a small JSON file naming its holder.
 *
 * Taking it can never grant it twice:
 * - The file is created whole or not at all (a flushed temporary file hard-linked into place: `link`
 *   fails when the name exists), so nobody ever reads a half-written lock.
 * - A lock whose holder is gone (no such process; a process of that pid that started at another time,
 *   i.e. a reused pid; another boot) is stale. It is removed only under a second lock named after the
 *   stale holder's nonce, and only after reading, under that second lock, that the file still names that
 *   holder. Two processes that both saw the same stale holder therefore cannot both remove it, and neither
 *   can remove a fresh lock taken meanwhile. A breaker killed in that moment leaves a stale second lock,
 *   broken the same way.
 * - A lock held on another host (a shared folder) is never taken over: its process cannot be checked.
 *
 * A lock left by a SIGKILLed process is therefore taken over at once by the next run; a normal exit
 * (including `process.exit` after SIGINT/SIGTERM in the CLI) removes it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, promises as fs } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { sha256, writeOnce } from '../util/index.ts';

export class LockedError extends Error {
  override readonly name = 'LockedError';
}

const holderSchema = z.object({
  pid: z.int().positive(),
  host: z.string(),
  nonce: z.string().regex(/^[0-9a-f]{8,64}$/),
  since: z.string(),
  /** Linux: the kernel's boot id and the process's start time (clock ticks since boot), to tell a reused pid. */
  boot: z.string().optional(),
  start: z.string().optional(),
  command: z.string().optional(),
});

export type LockHolder = z.infer<typeof holderSchema>;

export interface Lock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** Folder for the temporary files (same file system as the lock; not one the holder clears). */
  tmpDir: string;
  /** What holds it, shown to a second run (e.g. "newsvault run"). */
  command?: string;
  /** How long an unreadable lock file is respected before it counts as stale (ms). Default 10 s. */
  unreadableGraceMs?: number;
}

/** Nonces of the locks this process holds now. */
const heldHere = new Set<string>();
/** Lock files to remove (nonce → file) if the process exits without releasing (process.exit after a signal, an uncaught error). */
const toRemoveOnExit = new Map<string, string>();
let exitHookInstalled = false;

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const bootId = (): string | undefined => readProc('/proc/sys/kernel/random/boot_id')?.trim();

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
function startTime(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a zombie (ended, not yet reaped: e.g. a run killed with its launcher, left to an init that does not reap)
  // holds its pid but runs no more
  const stat = readProc(`/proc/${pid}/stat`);
  const state = stat ? stat[stat.lastIndexOf(')') + 2] : undefined;
  return state !== 'Z' && state !== 'X';
}

/** Whether the holder may still be running. Unknown means yes. */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== os.hostname()) return true;
  if (h.boot && bootId() && h.boot !== bootId()) return false;
  if (h.pid === process.pid) return heldHere.has(h.nonce);
  if (!processExists(h.pid)) return false;
  const now = startTime(h.pid);
  return !(h.start && now && h.start !== now);
}

type Seen = { kind: 'holder'; holder: LockHolder } | { kind: 'unreadable'; nonce: string; ageMs: number } | { kind: 'gone' };

async function look(file: string): Promise<Seen> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw err;
  }
  const legacy = /^(\d{1,10})\n?$/.exec(text);
  if (legacy && Number(legacy[1]) > 0) {
    // the lock of an earlier version: a bare pid, on this host
    return { kind: 'holder', holder: { pid: Number(legacy[1]), host: os.hostname(), nonce: sha256(text).slice(0, 16), since: new Date(mtimeMs).toISOString(), command: 'newsvault run' } };
  }
  try {
    const parsed = holderSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { kind: 'holder', holder: parsed.data };
  } catch {
    // not JSON: a damaged file, or one being written by something else
  }
  return { kind: 'unreadable', nonce: sha256(text).slice(0, 16), ageMs: Date.now() - mtimeMs };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes `file`, breaking a stale holder as described above. Resolves to null when taken, else to the live holder. */
async function take(file: string, me: LockHolder, opts: LockOptions, depth: number): Promise<LockHolder | { unreadable: true } | null> {
  const content = `${JSON.stringify(me)}\n`;
  for (let round = 0; round < 400; round++) {
    try {
      if (await writeOnce(file, content, { tmpDir: opts.tmpDir })) return null;
    } catch (err) {
      // our temporary file vanished before the link (a folder cleared under us): try again
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && round < 50) continue;
      throw err;
    }
    const seen = await look(file);
    if (seen.kind === 'gone') continue;
    let nonce: string;
    if (seen.kind === 'holder') {
      if (holderAlive(seen.holder)) return seen.holder;
      nonce = seen.holder.nonce;
    } else {
      if (seen.ageMs < (opts.unreadableGraceMs ?? 10_000)) return { unreadable: true };
      nonce = seen.nonce;
    }
    if (depth >= 4) throw new Error(`cannot clear the stale lock ${file}: remove it by hand if no newsvault is running`);
    const token = `${file}.break-${nonce}`;
    const breaker = await take(token, me, opts, depth + 1);
    if (breaker !== null) {
      // another process is clearing this stale lock right now: let it finish
      await sleep(10 + Math.random() * 20);
      continue;
    }
    try {
      const again = await look(file);
      const sameNonce = again.kind === 'holder' ? again.holder.nonce : again.kind === 'unreadable' ? again.nonce : null;
      if (sameNonce === nonce) await fs.rm(file, { force: true });
    } finally {
      await fs.rm(token, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function describeHolder(h: LockHolder): string {
  return `another ${h.command ?? 'newsvault'} (pid ${h.pid}${h.host !== os.hostname() ? ` on ${h.host}` : ''}, since ${h.since})`;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [nonce, f] of toRemoveOnExit) {
      try {
        if ((JSON.parse(readFileSync(f, 'utf8')) as { nonce?: unknown }).nonce === nonce) rmSync(f, { force: true });
      } catch {
        // already gone or not ours
      }
    }
  });
}

/** Takes the lock at `file` or throws LockedError naming who holds it. */
export async function acquireLock(file: string, opts: LockOptions): Promise<Lock> {
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    nonce: randomBytes(8).toString('hex'),
    since: new Date().toISOString(),
    ...(bootId() ? { boot: bootId()! } : {}),
    ...(startTime(process.pid) ? { start: startTime(process.pid)! } : {}),
    ...(opts.command ? { command: opts.command } : {}),
  };
  heldHere.add(me.nonce);
  // registered before the file can exist, so that an exit at any moment (a signal while the lock is being
  // taken) removes it; the hook removes only a file that holds our nonce
  toRemoveOnExit.set(me.nonce, file);
  installExitHook();
  let blocker: Awaited<ReturnType<typeof take>>;
  try {
    blocker = await take(file, me, opts, 0);
  } catch (err) {
    heldHere.delete(me.nonce);
    toRemoveOnExit.delete(me.nonce);
    throw err;
  }
  if (blocker !== null) {
    heldHere.delete(me.nonce);
    toRemoveOnExit.delete(me.nonce);
    const who = 'unreadable' in blocker ? 'another newsvault (its lock file is being written)' : describeHolder(blocker);
    throw new LockedError(`${who} is using this archive (${file}); try again when it has finished`);
  }
  let released = false;
  return {
    file,
    holder: me,
    async release() {
      if (released) return;
      released = true;
      toRemoveOnExit.delete(me.nonce);
      heldHere.delete(me.nonce);
      const seen = await look(file);
      if (seen.kind === 'holder' && seen.holder.nonce === me.nonce) await fs.rm(file, { force: true });
    },
  };
}
