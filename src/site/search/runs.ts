/**
 * A full build's sorted runs (the external sort of an inverted index): while the documents stream in, each
 * segment built in memory is spilled as one binary file of its postings in shard order — (hash, token) — and one
 * JSON file of its documents, instead of a segment's thousands of small script files; at the end the runs are
 * merged, token by token, straight into the one segment the browser reads. Memory: a read buffer per run and
 * the token being merged. The runs live in a temporary folder (`search/.tmp-<id>/`) removed afterwards (or by
 * the next build's `removeStale`, if this one was stopped).
 *
 * A run file: for each token, its hash (4 bytes, big-endian), varint length of its UTF-8 bytes, the bytes,
 * varint n (documents), varint byte length of its list, then the list (codec.ts mode 0 without its head,
 * document numbers local to the run).
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Bytes, decodeList, encodePosting, hash, PostingBuilder, scriptOf, Slab } from './codec.ts';
import { startThread } from '../thread.ts';
import { bitsFor, CHUNK, HEAVY, publish, ShardWriter, tmpDirOf, type DocRecord, type SegmentBuilder, type SegmentInfo } from './segment.ts';

export interface RunInfo {
  /** The run's number in its folder. */
  k: number;
  /** Documents in it. */
  n: number;
  /** Estimated bytes of its postings in light shards (as writeSegment estimates). */
  light: number;
  /** Where in its file its first token of a hash of 2^31 or more begins (the upper half of the hash space,
   *  merged on a thread of its own). */
  mid: number;
}

const FLUSH_BYTES = 1 << 20;
/** The middle of the hash space. */
const HALF = 2 ** 31;

/** Spills the segment built in memory as run `k` in `dir`; the builder is cleared. */
export function spillRun(dir: string, k: number, seg: SegmentBuilder): RunInfo {
  mkdirSync(dir, { recursive: true });
  const order: { token: string; h: number; p: PostingBuilder }[] = [];
  let light = 0;
  for (const [token, p] of seg.entries()) {
    if (p.len + 4 <= HEAVY) light += p.len + 4 + token.length * 3 + 6;
    order.push({ token, h: hash(token), p });
  }
  order.sort((a, b) => a.h - b.h || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  let mid = -1;
  const fd = openSync(path.join(dir, `${k}.bin`), 'w');
  try {
    const out = new Bytes(FLUSH_BYTES * 2);
    const word = new Uint8Array(4);
    let flushed = 0;
    for (const { token, h, p } of order) {
      if (mid < 0 && h >= HALF) mid = flushed + out.len;
      word[0] = h >>> 24;
      word[1] = (h >>> 16) & 0xff;
      word[2] = (h >>> 8) & 0xff;
      word[3] = h & 0xff;
      out.append(word);
      const t = Buffer.from(token, 'utf8');
      out.varint(t.length);
      out.append(t);
      out.varint(p.n);
      out.varint(p.len);
      p.writeTo(out);
      if (out.len >= FLUSH_BYTES) {
        writeAll(fd, out.bytes());
        flushed += out.len;
        out.len = 0;
      }
    }
    if (mid < 0) mid = flushed + out.len;
    writeAll(fd, out.bytes());
  } finally {
    closeSync(fd);
  }
  seg.clear();
  writeFileSync(path.join(dir, `${k}.json`), JSON.stringify({ keys: seg.keys, records: seg.records }));
  return { k, n: seg.count, light, mid };
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Reads a run file token by token through a buffer. */
class RunReader {
  private buf = Buffer.alloc(FLUSH_BYTES);
  private pos = 0;
  private end = 0;
  private eof = false;
  token = '';
  h = 0;
  n = 0;
  /** Where the current token's list begins in `list` (valid until `next()`), and its bytes. */
  listAt = 0;
  listLen = 0;

  constructor(
    private readonly fd: number,
    readonly run: RunInfo,
    /** Its documents' new numbers (−1: deleted). */
    readonly remap: Int32Array,
    /** Where in the file to begin (a token's start). */
    private filePos = 0,
  ) {}

  get list(): Buffer {
    return this.buf;
  }

  /** Makes `need` bytes available from `pos`; false at the end of the file. */
  private fill(need: number): boolean {
    if (this.end - this.pos >= need) return true;
    if (this.eof) return false;
    if (need > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.pos, this.end);
      this.buf = bigger;
    } else this.buf.copy(this.buf, 0, this.pos, this.end);
    this.end -= this.pos;
    this.pos = 0;
    while (this.end < need && !this.eof) {
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.filePos);
      if (got === 0) this.eof = true;
      this.filePos += got;
      this.end += got;
    }
    return this.end - this.pos >= need;
  }

  private varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  }

  /** Moves to the next token; false at the end. */
  next(): boolean {
    if (!this.fill(4)) {
      return false;
    }
    const b0 = this.buf;
    this.h = ((b0[this.pos]! << 24) | (b0[this.pos + 1]! << 16) | (b0[this.pos + 2]! << 8) | b0[this.pos + 3]!) >>> 0;
    this.pos += 4;
    // each fill keeps the bytes from pos on (it may move them): a varint is at most 5 bytes here
    this.fill(5);
    const tl = this.varint();
    if (!this.fill(tl)) throw new Error(`search index: run ${this.run.k} ends inside a token`);
    this.token = this.buf.toString('utf8', this.pos, this.pos + tl);
    this.pos += tl;
    this.fill(10);
    this.n = this.varint();
    const len = this.varint();
    if (!this.fill(len)) throw new Error(`search index: run ${this.run.k} ends inside a posting`);
    this.listAt = this.pos;
    this.listLen = len;
    this.pos += len;
    return true;
  }
}

/**
 * Merges the runs (in document order) of `dir` into the segment `id` of `searchDir`, the documents `deleted`
 * (per run, its local numbers) left out, and removes `dir`. The postings are merged in two halves of the hash
 * space (the light shards' lower and upper half; heavy files numbered even and odd), the upper one on a thread
 * of its own when `thread` (the same files either way): at the end of a full build the page thread has
 * finished, and this merge was the build's last seconds on one core.
 */
export async function mergeRuns(
  searchDir: string,
  dir: string,
  runs: readonly RunInfo[],
  deleted: readonly (readonly number[])[],
  id: string,
  thread = false,
): Promise<SegmentInfo> {
  const segDir = tmpDirOf(searchDir, id);
  rmSync(segDir, { recursive: true, force: true });
  mkdirSync(segDir, { recursive: true });
  // the documents: records and keys in order, renumbered
  const keys: string[] = [];
  let out: DocRecord[] = [];
  let chunks = 0;
  const flushDocs = () => {
    writeFileSync(path.join(segDir, `d${chunks}.js`), scriptOf(`${id}/d${chunks}`, out));
    chunks++;
    out = [];
  };
  const remaps: Int32Array[] = [];
  let next = 0;
  let estimate = 0;
  runs.forEach((run, r) => {
    const gone = new Set(deleted[r] ?? []);
    const docs = JSON.parse(readFileSync(path.join(dir, `${run.k}.json`), 'utf8')) as { keys: string[]; records: DocRecord[] };
    const remap = new Int32Array(run.n).fill(-1);
    for (let d = 0; d < run.n; d++) {
      if (gone.has(d)) continue;
      remap[d] = next++;
      keys.push(docs.keys[d]!);
      out.push(docs.records[d]!);
      if (out.length === CHUNK) flushDocs();
    }
    remaps.push(remap);
    estimate += run.n ? (run.light * (run.n - gone.size)) / run.n : 0;
  });
  if (out.length) flushDocs();
  writeFileSync(path.join(segDir, 'keys.txt'), keys.length ? `${keys.join('\n')}\n` : '');
  const n = next;
  const fds: number[] = [];
  let bits: number;
  try {
    bits = bitsFor(estimateLight(openReaders(dir, runs, remaps, fds, 0), estimate), n);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  const job = (half: number): HalfJob => ({ dir, segDir, id, runs, remaps, n, bits, half });
  let halves: HalfResult[];
  if (bits === 0) halves = [mergeHalf(job(-1))];
  else if (!thread) halves = [mergeHalf(job(0)), mergeHalf(job(1))];
  else {
    const upper = mergeOnThread(job(1));
    try {
      halves = [mergeHalf(job(0)), await upper];
    } catch (err) {
      await upper.catch(() => {});
      throw err;
    }
  }
  publish(searchDir, id);
  rmSync(dir, { recursive: true, force: true });
  return { id, n, bits, b: halves.reduce((t, h) => t + h.bytes, 0), l: halves.reduce((t, h) => t + h.light, 0), del: [] };
}

/** One half of a merge: `half` 0 or 1 (of a hash space cut in two), −1 the whole (a segment of one shard). */
export interface HalfJob {
  dir: string;
  segDir: string;
  id: string;
  runs: readonly RunInfo[];
  remaps: readonly Int32Array[];
  n: number;
  bits: number;
  half: number;
}

export interface HalfResult {
  bytes: number;
  light: number;
}

/** Merges the postings of one half of the hash space into its light shards and heavy files. */
export function mergeHalf(job: HalfJob): HalfResult {
  const { bits, half, n } = job;
  const whole = half < 0;
  const shards = whole ? { from: 0, to: 2 ** bits, heavyFirst: 0, heavyStep: 1 } : { from: half * 2 ** (bits - 1), to: (half + 1) * 2 ** (bits - 1), heavyFirst: half, heavyStep: 2 };
  const w = new ShardWriter(job.segDir, job.id, bits, shards);
  const fds: number[] = [];
  try {
    const slab = new Slab();
    forEachToken(openReaders(job.dir, job.runs, job.remaps, fds, half === 1 ? HALF : 0), half === 0 ? HALF : 2 ** 32, (same) => {
      slab.reset();
      const p = new PostingBuilder(slab);
      for (const r of same) {
        const { ids, w: weights } = decodeList(r.list, r.n, r.listAt);
        for (let i = 0; i < ids.length; i++) {
          const to = r.remap[ids[i]!]!;
          if (to >= 0) p.add(to, weights[i]!);
        }
      }
      if (p.n) w.add(same[0]!.token, bits === 0 ? 0 : same[0]!.h >>> (32 - bits), encodePosting(p, n));
    });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  w.finish();
  return { bytes: w.bytes, light: w.light };
}

/** The merging thread's heap cap (MiB): it holds a read buffer per run and one token's posting. */
const MERGE_HEAP_MB = 128;

/** Runs `mergeHalf(job)` on a thread of its own (merge-thread.ts). */
function mergeOnThread(job: HalfJob): Promise<HalfResult> {
  return new Promise((resolve, reject) => {
    const worker = startThread(new URL(`./merge-thread${path.extname(import.meta.url)}`, import.meta.url).href, { kind: 'merge-half', job }, MERGE_HEAP_MB);
    let settled = false;
    worker.once('message', (m: { ok: HalfResult } | { error: string }) => {
      settled = true;
      if ('ok' in m) resolve(m.ok);
      else reject(new Error(`search index: ${m.error}`));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`search index: the merging thread stopped (exit code ${code})`));
    });
  });
}

/** The readers of the runs, each at its first token of a hash `from` (0 or HALF) or more. */
function openReaders(dir: string, runs: readonly RunInfo[], remaps: readonly Int32Array[], fds: number[], from: number): RunReader[] {
  const readers: RunReader[] = [];
  for (const [r, run] of runs.entries()) {
    const fd = openSync(path.join(dir, `${run.k}.bin`), 'r');
    fds.push(fd);
    const reader = new RunReader(fd, run, remaps[r]!, from === 0 ? 0 : run.mid);
    if (reader.next()) readers.push(reader);
  }
  return readers;
}

/** Calls `each` with the readers (in run order) that have the smallest (hash, token) among the runs' current
 *  tokens, token after token, while that hash is below `until`. */
function forEachToken(readers: RunReader[], until: number, each: (same: readonly RunReader[]) => void): void {
  const same: RunReader[] = [];
  while (readers.length) {
    let min = readers[0]!;
    for (let i = 1; i < readers.length; i++) {
      const r = readers[i]!;
      if (r.h < min.h || (r.h === min.h && r.token < min.token)) min = r;
    }
    if (min.h >= until) return;
    same.length = 0;
    for (const r of readers) if (r.h === min.h && r.token === min.token) same.push(r);
    each(same);
    for (const r of same) if (!r.next()) readers.splice(readers.indexOf(r), 1);
  }
}

/** Above this sum of the runs' own estimates, the light shards' size is estimated from a sample. */
const SAMPLE_ABOVE = 1 << 22;
/** The sample: the tokens of the first 1/2^SAMPLE_BITS of the hash space (hashes are uniform). */
const SAMPLE_BITS = 5;

/**
 * The bytes the merged segment's light shards will hold, from which their number is chosen (as writeSegment
 * does from a segment's tokens). The sum of the runs' estimates is far too high: a token in many runs is
 * counted once per run, and as light where its merged posting will be heavy (at 100,000 documents it chose
 * 65,536 light shards of 300 bytes instead of 8,192 of about 1.7 KB: 57,000 more files to write, and to
 * fetch one each per query token). So the runs' tokens are merged as the merge will, a posting's length taken
 * as the sum of its lists' (the live documents' share), over a sample of the hash space when the runs are big.
 */
function estimateLight(readers: RunReader[], runsEstimate: number): number {
  const sampleBits = runsEstimate > SAMPLE_ABOVE ? SAMPLE_BITS : 0;
  const live = new Map(readers.map((r) => [r, r.run.n ? r.remap.reduce((c, to) => c + (to >= 0 ? 1 : 0), 0) / r.run.n : 0]));
  let light = 0;
  forEachToken(readers, 2 ** (32 - sampleBits), (same) => {
    let len = 4;
    for (const r of same) len += r.listLen * live.get(r)!;
    if (len <= HEAVY) light += len + same[0]!.token.length * 3 + 6;
  });
  return light * 2 ** sampleBits;
}
