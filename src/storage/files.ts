/** The file implementations of the storage boundaries (see types.ts). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SourceStore } from '../archive/index.ts';
import { emptyState, parseAttempts, parseState, serializeAttempts, serializeState } from '../health/index.ts';
import type { Attempts, HealthState } from '../health/index.ts';
import { inside, listDir, readText, writeAtomic, writeIfChanged } from '../util/index.ts';
import { acquireLock, type Lock } from './lock.ts';
import { ATTEMPTS_FILE, HEALTH_FILE, LOCK_FILE, LOOKUP_FILE, OPEN_DIR, PROCESSED_FILE, STATE_DIR, TMP_DIR } from './paths.ts';
import { parseProcessed, serializeProcessed, type Processed } from './processed.ts';
import type { Archive, Loaded, LocalState } from './types.ts';

const SLUG = /^[a-z0-9][a-z0-9-]*$/;

/** Creates `.newsvault/` with its own `.gitignore`, so local state never reaches the archive's history. */
async function prepareStateDir(root: string): Promise<void> {
  await fs.mkdir(path.join(root, TMP_DIR), { recursive: true });
  const ignore = path.join(root, STATE_DIR, '.gitignore');
  await fs.writeFile(ignore, '*\n', { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

export class FileArchive implements Archive {
  readonly root: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.tmpDir = path.join(this.root, TMP_DIR);
  }

  source(slug: string): Promise<SourceStore> {
    return SourceStore.open({ root: this.root, tmpDir: this.tmpDir, openDir: path.join(this.root, OPEN_DIR), lookupFile: path.join(this.root, LOOKUP_FILE) }, slug);
  }

  async marked(slug: string): Promise<boolean> {
    if (!SLUG.test(slug)) return false;
    return fs.stat(path.join(this.root, OPEN_DIR, slug)).then(
      () => true,
      () => false,
    );
  }

  async manifestState(slug: string): Promise<string | null> {
    if (!SLUG.test(slug)) return null;
    const st = await fs.stat(inside(this.root, `articles/${slug}/index.jsonl`)).catch(() => null);
    return st ? `${st.size}:${st.ino}:${st.mtimeMs}` : null;
  }

  async slugs(): Promise<string[]> {
    const entries = await fs.readdir(path.join(this.root, 'articles'), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && SLUG.test(e.name)).map((e) => e.name).sort();
  }

  readPage(rel: string): Promise<string | null> {
    return readText(inside(this.root, rel));
  }

  writePage(rel: string, content: string): Promise<boolean> {
    return writeIfChanged(inside(this.root, rel), content, { tmpDir: this.tmpDir });
  }

  async putAsset(rel: string, bytes: Uint8Array): Promise<boolean> {
    if (!rel.startsWith('assets/')) throw new Error(`not an asset path: ${rel}`);
    const dest = inside(this.root, rel);
    const existing = await fs.stat(dest).catch(() => null);
    if (existing?.isFile() && existing.size === bytes.length) return true;
    await writeAtomic(dest, bytes, { tmpDir: this.tmpDir });
    return false;
  }
}

export class FileState implements LocalState {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private file(rel: string): string {
    return path.join(this.root, rel);
  }

  async lock(command?: string): Promise<Lock> {
    await prepareStateDir(this.root);
    // the lock's temporary files go beside it, not in tmp/: the holder clears tmp/ while others may be trying
    return acquireLock(this.file(LOCK_FILE), { tmpDir: this.file(STATE_DIR), ...(command ? { command } : {}) });
  }

  async clearTemp(): Promise<number> {
    const dir = this.file(TMP_DIR);
    const names = await listDir(dir);
    await Promise.all(names.map((n) => fs.rm(path.join(dir, n), { force: true, recursive: true })));
    // temporary files of lock attempts by processes killed in that instant (older than a minute)
    const stateDir = this.file(STATE_DIR);
    let stale = 0;
    for (const n of await listDir(stateDir)) {
      if (!/^\.lock\..*\.tmp$/.test(n)) continue;
      const stat = await fs.stat(path.join(stateDir, n)).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs > 60_000) {
        await fs.rm(path.join(stateDir, n), { force: true });
        stale++;
      }
    }
    return names.length + stale;
  }

  /** The file's text; null when missing; a warning when it cannot be read. */
  private async read(rel: string): Promise<{ text: string | null; warning: string | null }> {
    try {
      return { text: await fs.readFile(this.file(rel), 'utf8'), warning: null };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { text: null, warning: null };
      return { text: null, warning: `${this.file(rel)} could not be read (${code ?? String(err)}); starting from an empty state` };
    }
  }

  private async write(rel: string, text: string): Promise<void> {
    await prepareStateDir(this.root);
    await writeAtomic(this.file(rel), text, { tmpDir: this.file(TMP_DIR) });
  }

  async loadHealth(): Promise<Loaded<HealthState>> {
    const { text, warning } = await this.read(HEALTH_FILE);
    if (text === null) return { value: emptyState(), warning };
    const parsed = parseState(text, this.file(HEALTH_FILE));
    return { value: parsed.state, warning: parsed.warning };
  }

  saveHealth(state: HealthState): Promise<void> {
    return this.write(HEALTH_FILE, serializeState(state));
  }

  async loadAttempts(): Promise<Loaded<Attempts>> {
    const { text, warning } = await this.read(ATTEMPTS_FILE);
    if (text === null) return { value: {}, warning };
    const parsed = parseAttempts(text, this.file(ATTEMPTS_FILE));
    return { value: parsed.attempts, warning: parsed.warning };
  }

  saveAttempts(attempts: Attempts, now: number): Promise<void> {
    return this.write(ATTEMPTS_FILE, serializeAttempts(attempts, now));
  }

  async loadProcessed(): Promise<Processed> {
    const { text } = await this.read(PROCESSED_FILE);
    return text === null ? {} : parseProcessed(text);
  }

  saveProcessed(processed: Processed): Promise<void> {
    return this.write(PROCESSED_FILE, serializeProcessed(processed));
  }
}

/** The archive and the local state of the archive folder `root`. */
export function openStorage(root: string): { archive: FileArchive; state: FileState } {
  return { archive: new FileArchive(root), state: new FileState(root) };
}
