/**
 * The static site's client-side search index (issue 11), written under `<site>/search/` and read in the
 * browser by `static/search.js`, with no server: see docs/reader.md, "Search".
 *
 * API (the site's `buildSite` calls it):
 *
 *   type SearchDoc = { key: '<slug>/<id>', url: 'a/<slug>/<id>.html' (site-relative), title, source (slug),
 *                      sourceName, published (ms), text (plain text of the body: src/index `htmlToText`) }
 *
 *   await buildSearchIndex(outDir, docs)        // full: `docs` an AsyncIterable (or Iterable), streamed;
 *                                               // replaces whatever index `outDir/search/` held
 *   await updateSearchIndex(outDir, { upsert, remove })
 *                                               // incremental: `upsert` added or changed documents (by key),
 *                                               // `remove` keys of documents to drop; a new small segment,
 *                                               // deletions, and merges of small segments when due
 *   isSearchIndexReady(outDir)                  // a readable index of this version is there (else: full build)
 *   await measureQuery(outDir, query)           // { files, bytes, total }: what the browser loads for a query
 *                                               // (the manifest, the shards, the first 20 results' records)
 *
 * Both writers return a `SearchIndexReport` and are safe to interrupt: segment folders are written under a
 * temporary name and renamed into place, and the manifest (`search/manifest.js`), written last by
 * temporary file and rename, is what makes them live; what it no longer names is removed afterwards. One
 * writer at a time (the site build's).
 *
 * The same Chinese behaviour as `newsvault search`: the project's tokenizer and folding (src/index), so
 * 普京 and 俄 hit, traditional finds simplified and the reverse, quoted phrases match adjacent characters.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../../util/fs.ts';
import { engineOn, type ClientHit } from './client.ts';
import { dataOf, scriptOf, Slab } from './codec.ts';
import { writeFoldMap } from './foldmap.ts';
import { mergeRuns, spillRun, type RunInfo } from './runs.ts';
import { CHUNK, mergeSegments, readKeys, removeStale, SegmentBuilder, segmentExists, writeSegment, type DocLengths, type SegmentInfo } from './segment.ts';

export interface SearchDoc {
  /** `<slug>/<id>`: what identifies the article across builds. */
  key: string;
  /** The article page, relative to the site root (e.g. `a/rfi/abcdefghij.html`). */
  url: string;
  title: string;
  /** The source's slug. */
  source: string;
  sourceName: string;
  published: number;
  /** The plain text of the body. */
  text: string;
}

export interface SearchIndexReport {
  /** Live documents in the index. */
  docs: number;
  /** Documents indexed by this call. */
  added: number;
  /** Documents deleted by this call (removed, or superseded by an upsert). */
  deleted: number;
  /** Segments written (new and merged) and live afterwards. */
  segmentsWritten: number;
  /** Sorted runs a full build spilled while streaming (merged into its one segment; src/site/search/runs.ts). */
  runs?: number;
  segments: number;
  /** Documents whose postings were rewritten by merges. */
  merged: number;
}

export interface Manifest {
  v: 1;
  /** Counter for segment names (never reused, so that cached segment files are never stale). */
  gen: number;
  /** Live documents. */
  docs: number;
  chunk: number;
  /** The folding folder and its blocks. */
  fold: string;
  foldBlocks: number[];
  /** What the folding folder was made from (foldmap.ts `foldKey`); absent in indexes of earlier versions. */
  foldKey?: string;
  segs: SegmentInfo[];
  /** Documents indexed and their tokens (for the average length), over the index's history. */
  lengths: DocLengths;
}

const VERSION = 1;
/** Documents per segment while a full build streams. */
const FLUSH = 8_000;
/**
 * Distinct tokens a segment being built may hold before it is written (whatever its documents): what bounds the
 * building thread's memory (about 150 bytes a token). Real news text has far more distinct tokens than the
 * generated benchmark's (about one new CJK token per character of text over the first dozens of articles),
 * so a cap on documents alone would not bound it.
 */
const MAX_TOKENS = 400_000;
/** Log-structured merging: this many segments of one size class at the end of the list are merged into one. */
const MERGE_FACTOR = 4;
/** The smallest size class. */
const BASE = 100;
/** A segment is rewritten without its deleted documents once they are a tenth of it, and at least this many. */
const EXPUNGE_MIN = 64;

const searchDirOf = (outDir: string) => path.join(outDir, 'search');
const manifestFile = (searchDir: string) => path.join(searchDir, 'manifest.js');

function readManifest(searchDir: string): Manifest | null {
  const file = manifestFile(searchDir);
  if (!existsSync(file)) return null;
  try {
    const m = dataOf<Manifest>(readFileSync(file, 'utf8'));
    if (m.v !== VERSION || !m.segs.every((s) => segmentExists(searchDir, s.id))) return null;
    return m;
  } catch {
    return null;
  }
}

async function writeManifest(searchDir: string, m: Manifest): Promise<void> {
  await writeAtomic(manifestFile(searchDir), scriptOf('manifest', m));
}

function segmentName(gen: number): string {
  return `s${gen.toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

function live(s: SegmentInfo): number {
  return s.n - s.del.length;
}

function sizeClass(n: number): number {
  return n <= BASE ? 0 : Math.floor(Math.log(n / BASE) / Math.log(MERGE_FACTOR));
}

/** Merges the tail of the segment list while MERGE_FACTOR segments of one size class end it. */
function mergeTail(searchDir: string, m: Manifest): { written: number; merged: number } {
  let written = 0;
  let merged = 0;
  for (;;) {
    const segs = m.segs;
    if (segs.length < 2) break;
    const cls = sizeClass(live(segs[segs.length - 1]!));
    let from = segs.length - 1;
    while (from > 0 && sizeClass(live(segs[from - 1]!)) <= cls) from--;
    if (segs.length - from < MERGE_FACTOR) break;
    const group = segs.slice(from);
    const seg = mergeSegments(searchDir, group, segmentName(m.gen++));
    written++;
    merged += seg.n;
    m.segs = [...segs.slice(0, from), seg];
  }
  // a segment a tenth of which is deleted is rewritten without them (the manifest's deletion lists stay short)
  m.segs = m.segs.map((s) => {
    if (s.del.length < EXPUNGE_MIN || s.del.length * 10 < s.n) return s;
    const seg = mergeSegments(searchDir, [s], segmentName(m.gen++));
    written++;
    merged += seg.n;
    return seg;
  });
  return { written, merged };
}

/** Writes the manifest (and the folding files, unless `old`'s can be kept): the index's new state goes live. */
async function commit(searchDir: string, m: Manifest, old?: Manifest): Promise<void> {
  m.docs = m.segs.reduce((sum, s) => sum + live(s), 0);
  const fold = writeFoldMap(searchDir, old ? { name: old.fold, blocks: old.foldBlocks, key: old.foldKey } : undefined);
  m.fold = fold.name;
  m.foldBlocks = fold.blocks;
  m.foldKey = fold.key;
  await writeManifest(searchDir, m);
  removeStale(searchDir, new Set([...m.segs.map((s) => s.id), m.fold]), readdirSync(searchDir));
}

/** Documents from which a full build's final merge takes a second thread (below, the thread's start costs more
 *  than it saves). */
const MERGE_THREAD_DOCS = 20_000;

/** Builds the index from nothing: documents streamed in, a segment written every FLUSH documents, and the
 *  segments merged into one at the end. */
export async function buildSearchIndex(
  outDir: string,
  docs: AsyncIterable<SearchDoc> | Iterable<SearchDoc>,
  opts: {
    /** Documents per segment while streaming (default 8,000). */ segmentDocs?: number;
    /** Distinct tokens per segment while streaming (default 400,000). */ segmentTokens?: number;
    /** Whether the final merge's upper half runs on a thread of its own (default: from MERGE_THREAD_DOCS documents). */ mergeThread?: boolean;
  } = {},
): Promise<SearchIndexReport> {
  const flushAt = opts.segmentDocs ?? FLUSH;
  const tokensAt = opts.segmentTokens ?? MAX_TOKENS;
  const searchDir = searchDirOf(outDir);
  const old = readManifest(searchDir);
  const m: Manifest = { v: VERSION, gen: (old?.gen ?? 0) + 1, docs: 0, chunk: CHUNK, fold: '', foldBlocks: [], segs: [], lengths: { docs: 0, tokens: 0 } };
  // where each document went (run, its number there): a key given again replaces the earlier document
  const where = new Map<string, { run: number; doc: number }>();
  const dups: { run: number; doc: number }[] = [];
  const slab = new Slab();
  let builder = new SegmentBuilder(slab, m.lengths);
  const id = segmentName(m.gen++);
  // the runs (runs.ts) spilled while streaming, when the documents do not fit one segment in memory
  const runDir = path.join(searchDir, `.tmp-${id}-runs`);
  const runs: RunInfo[] = [];
  let added = 0;
  const spill = () => {
    if (!builder.count) return;
    runs.push(spillRun(runDir, runs.length, builder));
    builder = new SegmentBuilder(slab, m.lengths);
  };
  for await (const doc of docs) {
    const at = { run: runs.length, doc: builder.count };
    const before = where.get(doc.key);
    if (before) dups.push(before);
    where.set(doc.key, at);
    builder.add(doc);
    added++;
    if (builder.count >= flushAt || builder.tokenCount >= tokensAt) spill();
  }
  let merged = 0;
  if (!runs.length && !dups.length) {
    // one segment, straight from memory
    if (builder.count) m.segs = [writeSegment(searchDir, id, builder)];
  } else {
    spill();
    const deleted = runs.map(() => [] as number[]);
    for (const d of dups) deleted[d.run]!.push(d.doc);
    m.segs = [await mergeRuns(searchDir, runDir, runs, deleted, id, opts.mergeThread ?? added >= MERGE_THREAD_DOCS)];
    merged = m.segs[0]!.n;
  }
  await commit(searchDir, m);
  return { docs: m.docs, added, deleted: dups.length, segmentsWritten: m.segs.length, runs: runs.length, segments: m.segs.length, merged };
}

/** Applies added, changed and removed documents: deletions in the manifest, the upserted documents in a new
 *  segment, merges of the small segments at the end when due. Builds from `upsert` alone when there is no
 *  index at all; throws when there is one it cannot read (check `isSearchIndexReady` first). */
export async function updateSearchIndex(outDir: string, change: { upsert: readonly SearchDoc[]; remove: readonly string[] }): Promise<SearchIndexReport> {
  const searchDir = searchDirOf(outDir);
  const old = readManifest(searchDir);
  if (!old) {
    if (!existsSync(manifestFile(searchDir))) return buildSearchIndex(outDir, change.upsert);
    // an index this code cannot read (another version, a segment gone): only a full build can redo it
    throw new Error(`the search index in ${searchDir} cannot be updated (damaged or of another version): build the site in full`);
  }
  const m: Manifest = { ...old, segs: old.segs.map((s) => ({ ...s, del: [...s.del] })), lengths: { ...(old.lengths ?? { docs: 0, tokens: 0 }) } };
  const upserts = new Map<string, SearchDoc>();
  for (const d of change.upsert) upserts.set(d.key, d);
  // where each key to replace or remove lives now (only those are kept: the index may hold 100,000s)
  const wanted = new Set([...change.remove, ...upserts.keys()]);
  const where = new Map<string, { seg: number; doc: number }>();
  m.segs.forEach((s, i) => {
    const dead = new Set(s.del);
    readKeys(searchDir, s.id).forEach((key, doc) => {
      if (wanted.has(key) && !dead.has(doc)) where.set(key, { seg: i, doc });
    });
  });
  let deleted = 0;
  for (const key of [...change.remove, ...upserts.keys()]) {
    const at = where.get(key);
    if (!at) continue;
    where.delete(key);
    m.segs[at.seg]!.del.push(at.doc);
    deleted++;
  }
  for (const s of m.segs) s.del.sort((a, b) => a - b);
  // segments left with no live document are dropped
  m.segs = m.segs.filter((s) => live(s) > 0);
  let written = 0;
  if (upserts.size) {
    const builder = new SegmentBuilder(undefined, m.lengths);
    for (const d of upserts.values()) builder.add(d);
    m.segs.push(writeSegment(searchDir, segmentName(m.gen++), builder));
    written++;
  }
  const merges = mergeTail(searchDir, m);
  await commit(searchDir, m, old);
  return { docs: m.docs, added: upserts.size, deleted, segmentsWritten: written + merges.written, segments: m.segs.length, merged: merges.merged };
}

/** Whether `outDir/search/` holds an index that `updateSearchIndex` can update (else build it in full). */
export function isSearchIndexReady(outDir: string): boolean {
  return readManifest(searchDirOf(outDir)) !== null;
}

export interface QueryMeasure {
  /** The files the browser loads for the query and its first page of results, in load order. */
  files: string[];
  bytes: number;
  total: number;
  hits: ClientHit[];
}

/** Runs a query with the browser's own script (in a vm context) on the index in `outDir/search/`, as the
 *  search page does: the manifest, the folding blocks, the shards, the first `limit` results' records. */
export async function measureQuery(outDir: string, query: string, limit = 20): Promise<QueryMeasure> {
  const { engine, files, bytes } = engineOn(outDir);
  const result = await engine.search(query);
  const hits = await result.page(0, limit);
  // arrays of this realm (the script's are of its vm context)
  return { files: [...files], bytes: bytes(), total: result.total, hits: [...hits].map((h) => ({ ...h })) };
}
