/**
 * Test helpers: temporary folders, removed when the test file's process ends, and snapshots of a
 * folder tree. (Under src/ so that src/'s tests need nothing from test/; never built or packed.)
 */
import { createHash } from 'node:crypto';
import { promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made = new Set<string>();

/** Removes `dir` (recursively) when this process exits, however the tests ended. */
export function removeOnExit(dir: string): string {
  if (made.size === 0) {
    process.on('exit', () => {
      for (const d of made) rmSync(d, { recursive: true, force: true });
    });
  }
  made.add(dir);
  return dir;
}

/** A new empty folder under the system's temporary folder, removed when this process exits. */
export async function tempDir(prefix = 'newsvault-test-'): Promise<string> {
  return removeOnExit(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** Every file under dir (relative path → sha256 and mtime), lock and temp state excluded. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.newsvault') await walk(full);
      } else {
        const stat = await fs.stat(full);
        const hash = createHash('sha256').update(await fs.readFile(full)).digest('hex');
        out.set(path.relative(dir, full).split(path.sep).join('/'), `${hash} ${stat.mtimeMs}`);
      }
    }
  };
  await walk(dir);
  return out;
}

export async function listFiles(dir: string): Promise<string[]> {
  return [...(await snapshot(dir)).keys()].sort();
}
