/**
 * Segments: the unit the index is written, merged and deleted in (log-structured, as Lucene's). A segment
 * is a folder `search/<id>/`, written once under a temporary name and renamed into place, never changed
 * afterwards (so a browser may cache it for ever); the manifest names the live ones and, for each, the
 * documents deleted from it since.
 *
 *   <n>.js       light shards, 2^bits of them: { token: base64 posting | k }, k for a token of its own file
 *   h<k>.js      the posting of one frequent token (base64)
 *   d<k>.js      the result records of documents 8k … 8k+7
 *   keys.txt     the documents' keys, one a line, in document order (for the builder only)
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { indexTokens } from '../../index/tokens.ts';
import { bodyWeight, dataOf, decodePosting, encodePosting, hash, isCjkAt, PostingBuilder, scriptOf, Slab, TITLE_WEIGHT } from './codec.ts';

/** Documents per result-record file. */
export const CHUNK = 8;
/** Target size of a light shard (bytes of postings, before base64): smaller in small segments, since a query
 *  loads a shard of every segment (the small ones are the many), larger in big ones (fewer files). */
const targetOf = (docs: number) => (docs < 4000 ? 768 : 2048);
/** A posting longer than this gets a file of its own. */
export const HEAVY = 768;
/** Characters of body text kept as a result's excerpt. */
const EXCERPT = 72;

/** [url, title, source name, published (ms), excerpt] */
export type DocRecord = [string, string, string, number, string];

export interface SegmentInfo {
  id: string;
  /** Documents in it (deleted ones included). */
  n: number;
  /** log2 of the number of light shards. */
  bits: number;
  /** Bytes of its postings (before base64), and of those in its light shards. */
  b: number;
  l: number;
  /** Its documents deleted since it was written, ascending. */
  del: number[];
}

export interface DocLengths {
  docs: number;
  tokens: number;
}

export interface IndexDoc {
  key: string;
  url: string;
  title: string;
  sourceName: string;
  published: number;
  text: string;
}

function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const cps = [...flat.slice(0, EXCERPT * 2)];
  return cps.length > EXCERPT ? `${cps.slice(0, EXCERPT).join('')}…` : cps.join('');
}

/** A segment being built in memory from documents. */
export class SegmentBuilder {
  readonly keys: string[] = [];
  readonly records: DocRecord[] = [];
  readonly postings = new Map<string, PostingBuilder>();
  /**
   * `slab`: reused from a previous builder when given (after `writeSegment`, that builder is done with it).
   * `lengths`: the documents and tokens indexed so far, shared by the segments of one build and kept in the
   * manifest, for BM25's average length (a running figure: the weights are quantised in three steps).
   */
  constructor(
    private readonly slab = new Slab(),
    readonly lengths: DocLengths = { docs: 0, tokens: 0 },
  ) {
    slab.reset();
  }

  get count(): number {
    return this.keys.length;
  }

  add(doc: IndexDoc): void {
    const id = this.keys.length;
    this.keys.push(doc.key);
    this.records.push([doc.url, doc.title, doc.sourceName, doc.published, excerptOf(doc.text)]);
    // each token's posting, found once per occurrence; the document's counts kept in it until the end
    const touched = this.touched;
    this.tokens(doc.title, true);
    const len = this.tokens(doc.text, false);
    this.lengths.docs++;
    this.lengths.tokens += len;
    const avg = Math.max(50, this.lengths.tokens / this.lengths.docs);
    for (let i = 0; i < touched.length; i++) {
      const p = touched[i]!;
      p.add(id, p.inTitle ? TITLE_WEIGHT : bodyWeight(p.tf, len, avg));
      p.tf = 0;
      p.inTitle = false;
    }
    touched.length = 0;
  }

  /** The postings of CJK tokens of one to three UTF-16 units none a surrogate, by `cjkKey` (no string made per
   *  occurrence); every other token's in `postings`. */
  private readonly cjk = new KeyTable<PostingBuilder>();
  private readonly touched: PostingBuilder[] = [];

  /** Every token of the builder, its posting. */
  *entries(): IterableIterator<[string, PostingBuilder]> {
    yield* this.postings;
    for (const [k, p] of this.cjk) yield [cjkToken(k), p];
  }

  get tokenCount(): number {
    return this.postings.size + this.cjk.size;
  }

  clear(): void {
    this.postings.clear();
    this.cjk.clear();
  }

  private hit(p: PostingBuilder, title: boolean): void {
    if (p.tf === 0 && !p.inTitle) this.touched.push(p);
    if (title) p.inTitle = true;
    else p.tf++;
  }

  private hitKey(key: number, title: boolean): void {
    const cjk = this.cjk;
    const slot = cjk.slot(key);
    let p = cjk.at(slot);
    if (!p) cjk.set(slot, key, (p = new PostingBuilder(this.slab)));
    this.hit(p, title);
  }

  /** A token made as a string (one with a surrogate, or a word): by its key when it has one. */
  private hitString(t: string, title: boolean): void {
    if (t.length <= 3 && isCjkUnit(t, 0, t.length)) {
      let plain = true;
      for (let i = 0; i < t.length; i++) if (isSurrogate(t.charCodeAt(i))) plain = false;
      if (plain) {
        const a = t.charCodeAt(0);
        this.hitKey(t.length === 1 ? cjkKey1(a) : t.length === 2 ? cjkKey2(a, t.charCodeAt(1)) : cjkKey3(a, t.charCodeAt(1), t.charCodeAt(2)), title);
        return;
      }
    }
    this.hit(this.posting(t), title);
  }

  /**
   * The tokens of `text`, as codec.ts `countTokens` gives them (same tokens, same order), read from the
   * tokenizer's stream by UTF-16 unit: a CJK token of units none a surrogate is looked up by a number, not a
   * string. Returns the number of tokens of the stream.
   */
  private tokens(text: string, title: boolean): number {
    if (!text) return 0;
    const s = indexTokens(text);
    if (!s) return 0;
    const n = s.length;
    let len = 0;
    // the previous bigram of the run (start, end; -1 none) and, when it has no surrogate, its two units
    let ps = -1;
    let pe = -1;
    let pa = -1;
    let pb = -1;
    let start = 0;
    while (start < n) {
      let end = s.indexOf(' ', start);
      if (end < 0) end = n;
      len++;
      const c = s.charCodeAt(start);
      if (!isCjkUnit(s, start, end)) {
        this.hitString(s.slice(start, end), title);
        ps = -1;
      } else {
        const fl = c >= 0xd800 && c <= 0xdbff && start + 1 < end && isLow(s.charCodeAt(start + 1)) ? 2 : 1;
        const size = end - start;
        if (fl === size) {
          // a run's last character
          if (size === 1) this.hitKey(cjkKey1(c), title);
          else this.hitString(s.slice(start, end), title);
          ps = -1;
        } else {
          const b = size === 2 ? s.charCodeAt(start + 1) : -1;
          const plain = size === 2 && !isSurrogate(c) && !isSurrogate(b);
          if (plain) {
            this.hitKey(cjkKey2(c, b), title);
            this.hitKey(cjkKey1(c), title);
          } else {
            this.hitString(s.slice(start, end), title);
            this.hitString(s.slice(start, start + fl), title);
          }
          if (ps >= 0) {
            if (plain && pa >= 0) this.hitKey(cjkKey3(pa, pb, b), title);
            else this.hitString(s.slice(ps, pe) + s.slice(start + fl, end), title);
          }
          ps = start;
          pe = end;
          pa = plain ? c : -1;
          pb = plain ? b : -1;
        }
      }
      start = end + 1;
    }
    return len;
  }

  private posting(t: string): PostingBuilder {
    let p = this.postings.get(t);
    if (!p) this.postings.set(t, (p = new PostingBuilder(this.slab)));
    return p;
  }
}

const isSurrogate = (u: number) => u >= 0xd800 && u <= 0xdfff;
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff;
const P16 = 2 ** 16;
const P48 = 2 ** 48;
const cjkKey1 = (a: number) => P48 + a;
const cjkKey2 = (a: number, b: number) => 2 * P48 + a * P16 + b;
const cjkKey3 = (a: number, b: number, c: number) => 3 * P48 + (a * P16 + b) * P16 + c;

/**
 * A hash table from whole-number keys below 2^53 (the `cjkKey`s) to values: open addressing with linear probing
 * over a Float64Array of keys, so that a lookup neither boxes its key nor hashes a heap number (a Map keyed by
 * numbers past 2^31 does both: it was a third of the indexing thread's time).
 */
export class KeyTable<V> {
  private keys = new Float64Array(1024).fill(-1);
  private values: (V | undefined)[] = new Array<V | undefined>(1024);
  private mask = 1023;
  size = 0;

  /** The slot of `key`: where it is, or the empty slot where it would go. */
  slot(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) | 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    const keys = this.keys;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key || k === -1) return i;
      i = (i + 1) & mask;
    }
  }

  at(slot: number): V | undefined {
    return this.values[slot];
  }

  set(slot: number, key: number, value: V): void {
    this.keys[slot] = key;
    this.values[slot] = value;
    if (++this.size * 2 > this.mask) this.grow();
  }

  get(key: number): V | undefined {
    return this.values[this.slot(key)];
  }

  *[Symbol.iterator](): IterableIterator<[number, V]> {
    const keys = this.keys;
    for (let i = 0; i <= this.mask; i++) if (keys[i] !== -1) yield [keys[i]!, this.values[i]!];
  }

  clear(): void {
    this.keys = new Float64Array(1024).fill(-1);
    this.values = new Array<V | undefined>(1024);
    this.mask = 1023;
    this.size = 0;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(keys.length * 2).fill(-1);
    this.values = new Array<V | undefined>(keys.length * 2);
    this.mask = keys.length * 2 - 1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === -1) continue;
      const s = this.slot(keys[i]!);
      this.keys[s] = keys[i]!;
      this.values[s] = values[i];
    }
  }
}

/** The token of a `cjkKey`. */
function cjkToken(key: number): string {
  const size = Math.floor(key / P48);
  let v = key - size * P48;
  const units: number[] = [];
  for (let i = 0; i < size; i++) {
    units.unshift(v % P16);
    v = Math.floor(v / P16);
  }
  return String.fromCharCode(...units);
}

/** Whether the token `s[start, end)` is a CJK one (codec.ts `isCjkToken`). */
function isCjkUnit(s: string, start: number, end: number): boolean {
  return isCjkAt(s, start, end);
}

/** Writes the files of one segment's postings shard by shard; the caller gives tokens in shard order. A writer
 *  may write a range of the shards only, and number its heavy files `heavyFirst`, + `heavyStep`, … (two
 *  writers of one segment: even and odd). */
export class ShardWriter {
  private current: number;
  private readonly from: number;
  private readonly to: number;
  private shard: Record<string, string | number> = Object.create(null) as Record<string, string | number>;
  private heavy: number;
  private readonly heavyStep: number;
  bytes = 0;
  light = 0;
  constructor(
    private readonly dir: string,
    private readonly id: string,
    readonly bits: number,
    range: { from: number; to: number; heavyFirst: number; heavyStep: number } = { from: 0, to: 2 ** bits, heavyFirst: 0, heavyStep: 1 },
  ) {
    this.current = range.from - 1;
    this.from = range.from;
    this.to = range.to;
    this.heavy = range.heavyFirst;
    this.heavyStep = range.heavyStep;
  }

  add(token: string, shard: number, posting: Uint8Array): void {
    while (this.current < shard) this.next();
    this.bytes += posting.length;
    const b64 = Buffer.from(posting.buffer, posting.byteOffset, posting.length).toString('base64');
    if (posting.length > HEAVY) {
      const k = this.heavy;
      this.heavy += this.heavyStep;
      writeFileSync(path.join(this.dir, `h${k}.js`), scriptOf(`${this.id}/h${k}`, b64));
      this.shard[token] = k;
    } else {
      this.shard[token] = b64;
      this.light += posting.length + token.length * 3 + 6;
    }
  }

  private next(): void {
    if (this.current >= this.from) writeFileSync(path.join(this.dir, `${this.current}.js`), scriptOf(`${this.id}/${this.current}`, this.shard));
    this.current++;
    this.shard = Object.create(null) as Record<string, string | number>;
  }

  finish(): void {
    while (this.current < this.to) this.next();
  }
}

export function bitsFor(bytes: number, docs: number): number {
  return Math.max(0, Math.ceil(Math.log2(Math.max(1, bytes / targetOf(docs)))));
}

export function tmpDirOf(searchDir: string, id: string): string {
  return path.join(searchDir, `.tmp-${id}`);
}

/** Moves a finished segment folder into place. */
export function publish(searchDir: string, id: string): void {
  const dest = path.join(searchDir, id);
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmpDirOf(searchDir, id), dest);
}

function writeDocs(dir: string, id: string, keys: readonly string[], records: readonly DocRecord[]): void {
  for (let k = 0; k * CHUNK < records.length; k++) {
    writeFileSync(path.join(dir, `d${k}.js`), scriptOf(`${id}/d${k}`, records.slice(k * CHUNK, (k + 1) * CHUNK)));
  }
  writeFileSync(path.join(dir, 'keys.txt'), keys.length ? `${keys.join('\n')}\n` : '');
}

/** Writes a segment built in memory as `search/<id>/`. */
export function writeSegment(searchDir: string, id: string, seg: SegmentBuilder): SegmentInfo {
  const dir = tmpDirOf(searchDir, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const n = seg.count;
  // tokens in shard order; the light shards' size estimated from the list sizes (a bitmap is only smaller)
  const order: { token: string; h: number; p: PostingBuilder }[] = [];
  let light = 0;
  for (const [token, p] of seg.entries()) {
    if (p.len + 4 <= HEAVY) light += p.len + 4 + token.length * 3 + 6;
    order.push({ token, h: hash(token), p });
  }
  seg.clear();
  const bits = bitsFor(light, n);
  order.sort((a, b) => a.h - b.h || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  const w = new ShardWriter(dir, id, bits);
  for (const e of order) w.add(e.token, bits === 0 ? 0 : e.h >>> (32 - bits), encodePosting(e.p, n));
  w.finish();
  writeDocs(dir, id, seg.keys, seg.records);
  publish(searchDir, id);
  return { id, n, bits, b: w.bytes, l: w.light, del: [] };
}

function readData<T>(file: string): T {
  return dataOf<T>(readFileSync(file, 'utf8'));
}

/** The keys of a segment's documents, in document order. */
export function readKeys(searchDir: string, id: string): string[] {
  const text = readFileSync(path.join(searchDir, id, 'keys.txt'), 'utf8');
  return text ? text.slice(0, -1).split('\n') : [];
}

/** One input of a merge: the shard of it loaded last, and the new number of each of its documents. */
interface Input {
  seg: SegmentInfo;
  remap: Int32Array;
  loaded: number;
  shard: Record<string, string | number>;
}

/**
 * Merges segments (given in index order) into a new segment `id`: their live documents in the same order,
 * renumbered, postings combined shard by shard (memory: one shard of each input and one of the output).
 */
export function mergeSegments(searchDir: string, segs: readonly SegmentInfo[], id: string): SegmentInfo {
  const dir = tmpDirOf(searchDir, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const inputs: Input[] = [];
  // the documents' records and keys, written as they are read (never all in memory)
  const keys: string[] = [];
  let out: DocRecord[] = [];
  let written = 0;
  const flushDocs = () => {
    writeFileSync(path.join(dir, `d${written}.js`), scriptOf(`${id}/d${written}`, out));
    written++;
    out = [];
  };
  let next = 0;
  let estimate = 0;
  for (const seg of segs) {
    const deleted = new Set(seg.del);
    const remap = new Int32Array(seg.n).fill(-1);
    const segKeys = readKeys(searchDir, seg.id);
    let chunk: DocRecord[] = [];
    for (let d = 0; d < seg.n; d++) {
      if (d % CHUNK === 0) chunk = readData<DocRecord[]>(path.join(searchDir, seg.id, `d${d / CHUNK}.js`));
      if (deleted.has(d)) continue;
      remap[d] = next++;
      keys.push(segKeys[d]!);
      out.push(chunk[d % CHUNK]!);
      if (out.length === CHUNK) flushDocs();
    }
    estimate += seg.n ? (seg.l * (seg.n - deleted.size)) / seg.n : 0;
    inputs.push({ seg, remap, loaded: -1, shard: {} });
  }
  if (out.length) flushDocs();
  writeFileSync(path.join(dir, 'keys.txt'), keys.length ? `${keys.join('\n')}\n` : '');
  const n = next;
  // the light shards' bytes, roughly: the inputs' (tokens that grow heavy leave them, the per-token overhead shrinks)
  const bits = bitsFor(estimate, n);
  const w = new ShardWriter(dir, id, bits);
  const shardOfInput = (input: Input, j: number) => {
    if (input.loaded !== j) {
      input.shard = readData<Record<string, string | number>>(path.join(searchDir, input.seg.id, `${j}.js`));
      input.loaded = j;
    }
    return input.shard;
  };
  const slab = new Slab();
  for (let o = 0; o < 2 ** bits; o++) {
    // one slab, emptied for each output shard (its postings are written before the next one is read)
    slab.reset();
    const tokens = new Map<string, { input: Input; value: string | number }[]>();
    for (const input of inputs) {
      const ib = input.seg.bits;
      const shards: number[] = [];
      if (ib <= bits) shards.push(o >>> (bits - ib));
      else for (let j = o << (ib - bits); j < (o + 1) << (ib - bits); j++) shards.push(j);
      for (const j of shards) {
        const shard = shardOfInput(input, j);
        for (const token of Object.keys(shard)) {
          if (ib < bits && hash(token) >>> (32 - bits) !== o) continue;
          let list = tokens.get(token);
          if (!list) tokens.set(token, (list = []));
          list.push({ input, value: shard[token]! });
        }
      }
    }
    const sorted = [...tokens.keys()].map((t) => ({ t, h: hash(t) })).sort((a, b) => a.h - b.h || (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    for (const { t } of sorted) {
      const p = new PostingBuilder(slab);
      for (const { input, value } of tokens.get(t)!) {
        const b64 = typeof value === 'number' ? readData<string>(path.join(searchDir, input.seg.id, `h${value}.js`)) : value;
        const { ids, w: weights } = decodePosting(Buffer.from(b64, 'base64'), input.seg.n);
        for (let i = 0; i < ids.length; i++) {
          const to = input.remap[ids[i]!]!;
          if (to >= 0) p.add(to, weights[i]!);
        }
      }
      if (p.n) w.add(t, o, encodePosting(p, n));
    }
  }
  w.finish();
  publish(searchDir, id);
  return { id, n, bits, b: w.bytes, l: w.light, del: [] };
}

/** Removes segment folders (and unfinished ones) that `keep` does not name. */
export function removeStale(searchDir: string, keep: ReadonlySet<string>, entries: readonly string[]): void {
  for (const name of entries) {
    if (!/^(\.tmp-)?(s[0-9a-z]+-[0-9a-z]+|fold-[0-9a-f]+)$|^\.tmp-s[0-9a-z]+-[0-9a-z]+-runs$/.test(name) || keep.has(name)) continue;
    rmSync(path.join(searchDir, name), { recursive: true, force: true });
  }
}

export function segmentExists(searchDir: string, id: string): boolean {
  return existsSync(path.join(searchDir, id, 'keys.txt'));
}
