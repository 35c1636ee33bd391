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
import { bitsFor, CHUNK, HEAVY, publish, ShardWriter, tmpDirOf, type DocRecord, type SegmentBuilder, type SegmentInfo } from './segment.ts';

export interface RunInfo {
  /** The run's number in its folder. */
  k: number;
  /** Documents in it. */
  n: number;
  /** Estimated bytes of its postings in light shards (as writeSegment estimates). */
  light: number;
}

const FLUSH_BYTES = 1 << 20;

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
  const fd = openSync(path.join(dir, `${k}.bin`), 'w');
  try {
    const out = new Bytes(FLUSH_BYTES * 2);
    const word = new Uint8Array(4);
    for (const { token, h, p } of order) {
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
        out.len = 0;
      }
    }
    writeAll(fd, out.bytes());
  } finally {
    closeSync(fd);
  }
  seg.clear();
  writeFileSync(path.join(dir, `${k}.json`), JSON.stringify({ keys: seg.keys, records: seg.records }));
  return { k, n: seg.count, light };
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
  /** Where the current token's list begins in `list` (valid until `next()`). */
  listAt = 0;

  constructor(
    private readonly fd: number,
    readonly run: RunInfo,
    /** Its documents' new numbers (−1: deleted). */
    readonly remap: Int32Array,
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
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (got === 0) this.eof = true;
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
    this.pos += len;
    return true;
  }
}

/**
 * Merges the runs (in document order) of `dir` into the segment `id` of `searchDir`, the documents `deleted`
 * (per run, its local numbers) left out, and removes `dir`.
 */
export function mergeRuns(searchDir: string, dir: string, runs: readonly RunInfo[], deleted: readonly (readonly number[])[], id: string): SegmentInfo {
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
  const bits = bitsFor(estimate, n);
  const w = new ShardWriter(segDir, id, bits);
  const fds: number[] = [];
  try {
    const readers: RunReader[] = [];
    for (const [r, run] of runs.entries()) {
      const fd = openSync(path.join(dir, `${run.k}.bin`), 'r');
      fds.push(fd);
      const reader = new RunReader(fd, run, remaps[r]!);
      if (reader.next()) readers.push(reader);
    }
    const slab = new Slab();
    const same: RunReader[] = [];
    while (readers.length) {
      // the smallest (hash, token) among the runs' current tokens, and the runs (in order) that have it
      let min = readers[0]!;
      for (let i = 1; i < readers.length; i++) {
        const r = readers[i]!;
        if (r.h < min.h || (r.h === min.h && r.token < min.token)) min = r;
      }
      same.length = 0;
      for (const r of readers) if (r.h === min.h && r.token === min.token) same.push(r);
      slab.reset();
      const p = new PostingBuilder(slab);
      for (const r of same) {
        const { ids, w: weights } = decodeList(r.list, r.n, r.listAt);
        for (let i = 0; i < ids.length; i++) {
          const to = r.remap[ids[i]!]!;
          if (to >= 0) p.add(to, weights[i]!);
        }
      }
      const token = min.token;
      const h = min.h;
      if (p.n) w.add(token, bits === 0 ? 0 : h >>> (32 - bits), encodePosting(p, n));
      for (const r of same) if (!r.next()) readers.splice(readers.indexOf(r), 1);
    }
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  w.finish();
  publish(searchDir, id);
  rmSync(dir, { recursive: true, force: true });
  return { id, n, bits, b: w.bytes, l: w.light, del: [] };
}
