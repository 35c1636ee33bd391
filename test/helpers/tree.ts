/** Test helpers: temporary archives and snapshots of a folder tree. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function tempDir(prefix = 'newsvault-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
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
