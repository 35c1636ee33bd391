/**
 * What a source's store knows of each article without its record: where the record's current line is in
 * the manifest and what the article is looked up by (GUID, canonical URL, content hash) or listed by
 * (publication time, last change). Records are read from the manifest when asked for. The entries are
 * rows of the lookup database (entries.ts), valid for the manifest state they were written with (size,
 * inode, modification time, a hash of its last bytes).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
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
