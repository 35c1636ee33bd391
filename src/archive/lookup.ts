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

const VERSION = 1;

const savedSchema = z.object({
  version: z.literal(VERSION),
  state: z.object({
    size: z.number(),
    ino: z.number(),
    mtimeMs: z.number(),
    edge: z.string(),
    lines: z.number(),
    nextLine: z.number(),
    torn: z.boolean(),
  }),
  // id, at, len, published, seen, guid, canonical, hash
  entries: z.array(z.tuple([z.string(), z.number(), z.number(), z.number(), z.number(), z.string().nullable(), z.string().nullable(), z.string()])),
});

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
  // the envelope is checked; each entry's shape is checked as it is used (a tuple check of 100,000 entries
  // would cost what this file saves)
  if (!data || typeof data !== 'object' || (data as { version?: unknown }).version !== VERSION) return null;
  const { entries: raw, ...rest } = data as { entries?: unknown };
  const head = savedSchema.omit({ entries: true }).safeParse(rest);
  if (!head.success || !Array.isArray(raw)) return null;
  const entries: Entry[] = [];
  const size = head.data.state.size;
  for (const e of raw as unknown[]) {
    if (!Array.isArray(e) || e.length !== 8) return null;
    const id: unknown = e[0], at: unknown = e[1], len: unknown = e[2], published: unknown = e[3], seen: unknown = e[4];
    const guid: unknown = e[5], canonical: unknown = e[6], hash: unknown = e[7];
    if (typeof id !== 'string' || typeof at !== 'number' || typeof len !== 'number' || typeof published !== 'number' || typeof seen !== 'number') return null;
    if ((guid !== null && typeof guid !== 'string') || (canonical !== null && typeof canonical !== 'string') || typeof hash !== 'string') return null;
    if (at < 0 || len <= 0 || at + len > size) return null;
    entries.push({ id, at, len, published, seen, guid, canonical, hash });
  }
  return { state: head.data.state, entries };
}

/** Saves the entries (whole, through a rename; not flushed: it is a cache). Failures are ignored. */
export async function saveEntries(file: string, tmpDir: string, state: ManifestState, entries: Iterable<Entry>): Promise<void> {
  const rows = [...entries].map((e) => JSON.stringify([e.id, e.at, e.len, e.published, e.seen, e.guid, e.canonical, e.hash]));
  const text = `{"version":${VERSION},"state":${JSON.stringify(state)},"entries":[\n${rows.join(',\n')}\n]}\n`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    writeUnsynced(file, text, tmpDir, new Set());
  } catch {
    // a cache: the next open rebuilds it from the manifest
  }
}
