/**
 * What a source's store keeps in memory of each article: not its record, but where the record's current
 * line is in the manifest and what the article is looked up by (GUID, canonical URL, content hash) or
 * listed by (publication time, last change). Records are read from the manifest when asked for.
 *
 * These entries are saved, with the state of the manifest they describe (size, inode, modification time,
 * a hash of its last bytes), in `.newsvault/manifests/<source>.json`: a run that finds them matching the
 * manifest (or the manifest only appended to since) reads no more of the manifest than its new lines.
 * The file is a cache: it is never trusted over the manifest, and a missing, damaged or stale one is
 * rebuilt from the manifest.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeUnsynced } from './durable.ts';
import type { ManifestRecord } from './manifest.ts';

export interface Entry {
  id: string;
  /** Offset and length of the record's current line in the manifest; at -1 while the record is only in `rec`. */
  at: number;
  len: number;
  published: number;
  /** When the article was last added or changed: changedAt, else firstSeen. */
  seen: number;
  guid: string | null;
  canonical: string | null;
  hash: string;
  /** The record itself, while it is not (yet) on disk (a deferred commit). */
  rec?: ManifestRecord;
}

export function entryOf(rec: ManifestRecord, at: number, len: number): Entry {
  return { id: rec.id, at, len, published: rec.published, seen: rec.changedAt ?? rec.firstSeen, guid: rec.guid, canonical: rec.canonical, hash: rec.hash };
}

/** The manifest's state the entries describe. */
export interface ManifestState {
  size: number;
  ino: number;
  mtimeMs: number;
  /** SHA-256 of the manifest's last (up to) 256 bytes: appends keep them, a rewrite of the same size would not. */
  edge: string;
  /** Non-blank lines (superseded ones included), and the number the next line gets. */
  lines: number;
  nextLine: number;
  torn: boolean;
}

/**
 * Version 2 keeps one JSON array per field (a column) rather than one array per entry: parsing flat arrays
 * makes no small array per entry, and a canonical URL equal to the GUID (the usual case) is saved as 0
 * rather than a second copy of the string. Version 1 files are not read (the manifest rebuilds them).
 */
const VERSION = 2;

const stateSchema = z.object({
  size: z.number(),
  ino: z.number(),
  mtimeMs: z.number(),
  edge: z.string(),
  lines: z.number(),
  nextLine: z.number(),
  torn: z.boolean(),
});

const COLUMNS = ['id', 'at', 'len', 'published', 'seen', 'guid', 'canonical', 'hash'] as const;

export const EDGE_BYTES = 256;

/** SHA-256 of the bytes of `file` in [end - EDGE_BYTES, end). */
export async function edgeOf(file: string, end: number): Promise<string> {
  const from = Math.max(0, end - EDGE_BYTES);
  const buf = Buffer.alloc(end - from);
  const handle = await fs.open(file, 'r');
  try {
    await handle.read(buf, 0, buf.length, from);
  } finally {
    await handle.close();
  }
  return createHash('sha256').update(buf).digest('hex');
}

/** The saved entries and the state they describe, or null when missing or not readable. */
export async function loadEntries(file: string): Promise<{ state: ManifestState; entries: Entry[] } | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  // the envelope is checked; each entry's fields are checked in the loop (a schema check of 100,000 entries
  // would cost what this file saves)
  if (!data || typeof data !== 'object' || (data as { version?: unknown }).version !== VERSION) return null;
  const d = data as Record<string, unknown>;
  const head = stateSchema.safeParse(d.state);
  if (!head.success) return null;
  const cols: unknown[][] = [];
  for (const name of COLUMNS) {
    const col = d[name];
    if (!Array.isArray(col)) return null;
    cols.push(col);
  }
  const n = cols[0]!.length;
  if (cols.some((c) => c.length !== n)) return null;
  const [ids, ats, lens, pubs, seens, guids, canons, hashes] = cols as [unknown[], unknown[], unknown[], unknown[], unknown[], unknown[], unknown[], unknown[]];
  const entries: Entry[] = new Array(n);
  const size = head.data.size;
  for (let i = 0; i < n; i++) {
    const id = ids[i], at = ats[i], len = lens[i], published = pubs[i], seen = seens[i], guid = guids[i], hash = hashes[i];
    let canonical = canons[i];
    if (canonical === 0) canonical = guid;
    if (typeof id !== 'string' || typeof at !== 'number' || typeof len !== 'number' || typeof published !== 'number' || typeof seen !== 'number') return null;
    if ((guid !== null && typeof guid !== 'string') || (canonical !== null && typeof canonical !== 'string') || typeof hash !== 'string') return null;
    if (at < 0 || len <= 0 || at + len > size) return null;
    entries[i] = { id, at, len, published, seen, guid, canonical, hash };
  }
  return { state: head.data, entries };
}

/** Saves the entries (whole, through a rename; not flushed: it is a cache). Failures are ignored. */
export async function saveEntries(file: string, tmpDir: string, state: ManifestState, entries: Iterable<Entry>): Promise<void> {
  const list = [...entries];
  const column = (f: (e: Entry) => unknown) => JSON.stringify(list.map(f));
  const text =
    `{"version":${VERSION},"state":${JSON.stringify(state)},\n` +
    `"id":${column((e) => e.id)},\n"at":${column((e) => e.at)},\n"len":${column((e) => e.len)},\n` +
    `"published":${column((e) => e.published)},\n"seen":${column((e) => e.seen)},\n"guid":${column((e) => e.guid)},\n` +
    `"canonical":${column((e) => (e.canonical !== null && e.canonical === e.guid ? 0 : e.canonical))},\n"hash":${column((e) => e.hash)}}\n`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    writeUnsynced(file, text, tmpDir, new Set());
  } catch {
    // a cache: the next open rebuilds it from the manifest
  }
}
