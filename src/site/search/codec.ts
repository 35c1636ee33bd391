/**
 * The index's file formats, on the builder's side (the browser's reader is src/site/static/search.js, which
 * the tests run against these files): script files calling `__nvSearch(id, data)`, postings as base64 of
 * a small binary format, tokens hashed to shards.
 *
 * A posting (one token in one segment): varint n, one mode byte, then
 *   mode 0 (list):   n varints ((id − previous id − 1) × 4 + weight), the first previous id −1;
 *   mode 1 (bitmap): ceil(docs / 8) bytes, bit i of byte k set for document 8k + i, then the n weights,
 *                    2 bits each, 4 to a byte, low bits first;
 * whichever is smaller. Weights: 0–2 the term frequency in the body (BM25's saturation with length
 * normalisation, in three steps), 3 in the title.
 */
import { indexTokens } from '../../index/tokens.ts';

export const CALLBACK = '__nvSearch';

/** The text of an index file: a call of the global callback with the file's id and its data (JSON). */
export function scriptOf(id: string, data: unknown): string {
  // JSON is a JavaScript expression; U+2028/2029 escaped for older parsers
  const json = JSON.stringify(data).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `${CALLBACK}(${JSON.stringify(id)},${json});\n`;
}

/** The data of an index file written by `scriptOf` (read back for merges; never evaluated). */
export function dataOf<T>(text: string): T {
  const prefix = `${CALLBACK}(`;
  if (!text.startsWith(prefix) || !text.endsWith(');\n')) throw new Error('not a search index file');
  const args = JSON.parse(`[${text.slice(prefix.length, -3)}]`) as [string, T];
  return args[1];
}

/** FNV-1a over the UTF-16 units (search.js `hash`). */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardOf(token: string, bits: number): number {
  return bits === 0 ? 0 : hash(token) >>> (32 - bits);
}

/** A growing byte buffer. */
export class Bytes {
  buf: Uint8Array;
  len = 0;
  constructor(size = 16) {
    this.buf = new Uint8Array(size);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }
  append(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Where postings being built keep their bytes: blocks of 32 bytes in pages of 1 MiB, dropped together
 *  (millions of small growing buffers would fragment the heap: the builder's memory would only grow). */
export class Slab {
  static readonly BLOCK = 32;
  private static readonly PAGE = 1 << 20;
  readonly pages: Uint8Array[] = [];
  private next = 0;
  /** Forgets every block (the pages are kept, to be reused: allocating and freeing them would leave the
   *  process's memory fragmented). */
  reset(): void {
    this.next = 0;
  }
  alloc(): number {
    if (this.next >> 20 >= this.pages.length) this.pages.push(new Uint8Array(Slab.PAGE));
    const at = this.next;
    this.next += Slab.BLOCK;
    return at;
  }
}

/** A posting being built: in list form, documents appended in increasing order; its bytes in a slab. */
export class PostingBuilder {
  private readonly blocks: number[] = [];
  private used = Slab.BLOCK;
  len = 0;
  n = 0;
  last = -1;
  /** While a document is being added: its occurrences in the body, and whether it is in the title. */
  tf = 0;
  inTitle = false;
  constructor(private readonly slab: Slab) {}

  private byte(b: number): void {
    if (this.used === Slab.BLOCK) {
      this.blocks.push(this.slab.alloc());
      this.used = 0;
    }
    const at = this.blocks[this.blocks.length - 1]! + this.used++;
    this.slab.pages[at >> 20]![at & 0xfffff] = b;
    this.len++;
  }

  add(id: number, weight: number): void {
    let v = (id - this.last - 1) * 4 + weight;
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
    this.last = id;
    this.n++;
  }

  /** Appends the list's bytes to `out`. */
  writeTo(out: Bytes): void {
    let k = 0;
    for (const at of this.blocks) {
      const take = Math.min(Slab.BLOCK, this.len - k);
      out.append(this.slab.pages[at >> 20]!.subarray(at & 0xfffff, (at & 0xfffff) + take));
      k += take;
    }
  }

  /** The list's bytes (a copy). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.len);
    let k = 0;
    for (const at of this.blocks) {
      const take = Math.min(Slab.BLOCK, this.len - k);
      out.set(this.slab.pages[at >> 20]!.subarray(at & 0xfffff, (at & 0xfffff) + take), k);
      k += take;
    }
    return out;
  }
}

/** The encoded posting (the smaller of list and bitmap) of a segment of `docs` documents. */
export function encodePosting(p: PostingBuilder, docs: number): Uint8Array {
  const list = p.bytes();
  const head = new Bytes(8);
  head.varint(p.n);
  const bitmapSize = ((docs + 7) >> 3) + ((p.n + 3) >> 2);
  if (list.length <= bitmapSize) {
    head.byte(0);
    head.append(list);
    return head.bytes();
  }
  head.byte(1);
  const out = new Uint8Array(head.len + bitmapSize);
  out.set(head.bytes());
  const bitmap = head.len;
  const weights = bitmap + ((docs + 7) >> 3);
  const { ids, w } = decodeList(list, p.n);
  for (let i = 0; i < p.n; i++) {
    const id = ids[i]!;
    out[bitmap + (id >> 3)]! |= 1 << (id & 7);
    out[weights + (i >> 2)]! |= w[i]! << ((i & 3) * 2);
  }
  return out;
}

export function decodeList(bytes: Uint8Array, n: number, at = 0): { ids: Int32Array; w: Uint8Array } {
  let p = at;
  const ids = new Int32Array(n);
  const w = new Uint8Array(n);
  let last = -1;
  for (let i = 0; i < n; i++) {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[p++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    last += Math.floor(v / 4) + 1;
    ids[i] = last;
    w[i] = v & 3;
  }
  return { ids, w };
}

/** An encoded posting's documents and weights (search.js `decodePosting`). */
export function decodePosting(bytes: Uint8Array, docs: number): { ids: Int32Array; w: Uint8Array } {
  let p = 0;
  let n = 0;
  let mul = 1;
  for (;;) {
    const b = bytes[p++]!;
    n += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  const mode = bytes[p++];
  if (mode === 0) return decodeList(bytes, n, p);
  const ids = new Int32Array(n);
  const w = new Uint8Array(n);
  const bitmapBytes = (docs + 7) >> 3;
  let k = 0;
  for (let byte = 0; byte < bitmapBytes && k < n; byte++) {
    const b = bytes[p + byte]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) ids[k++] = byte * 8 + bit;
  }
  p += bitmapBytes;
  for (let i = 0; i < n; i++) w[i] = (bytes[p + (i >> 2)]! >> ((i & 3) * 2)) & 3;
  return { ids, w };
}

// ------------------------------------------------------------------ documents to tokens

const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u;
/** 1: the UTF-16 unit starts a CJK token; 2: it does not; 0: not known yet. */
const cjkStart = new Uint8Array(0x10000);

/** Whether the token `s[start, end)` starts with a CJK character (`isCjkToken` without making the string). */
export function isCjkAt(s: string, start: number, end: number): boolean {
  const c = s.charCodeAt(start);
  const k = cjkStart[c]!;
  if (k !== 0 && (c < 0xd800 || c > 0xdbff)) return k === 1;
  return isCjkToken(s.slice(start, end));
}

function isCjkToken(token: string): boolean {
  const c = token.charCodeAt(0);
  let k = cjkStart[c]!;
  if (k === 0 || (c >= 0xd800 && c <= 0xdbff)) {
    k = CJK_RE.test(String.fromCodePoint(token.codePointAt(0)!)) ? 1 : 2;
    if (c < 0xd800 || c > 0xdbff) cjkStart[c] = k;
  }
  return k === 1;
}

/**
 * Calls `visit` with each index token of `text`, from the project's tokenizer (src/index/tokens.ts
 * `indexTokens`: every word, every CJK run as its overlapping bigrams and its last character): each word;
 * each CJK character as a unigram (the first character of every bigram, and every lone last character);
 * each bigram; and each trigram (two consecutive bigrams of one run: 习近 近平 → 习近平). So a CJK term of one,
 * two or three characters is one token, found only where its characters are adjacent, and a longer one the
 * chain of its overlapping trigrams. Returns the number of tokens of the stream (the length for BM25).
 */
export function countTokens(text: string, visit: (token: string) => void): number {
  if (!text) return 0;
  const stream = indexTokens(text);
  if (!stream) return 0;
  let len = 0;
  let prevBigram = '';
  for (const t of stream.split(' ')) {
    len++;
    if (!isCjkToken(t)) {
      visit(t);
      prevBigram = '';
      continue;
    }
    const first = String.fromCodePoint(t.codePointAt(0)!);
    if (first.length === t.length) {
      // a run's last character
      visit(t);
      prevBigram = '';
      continue;
    }
    visit(t);
    visit(first);
    if (prevBigram) visit(prevBigram + t.slice(first.length));
    prevBigram = t;
  }
  return len;
}

const K1 = 1.2;
const B = 0.75;

/** The weight of a body term: BM25's term-frequency part in three steps. */
export function bodyWeight(tf: number, len: number, avgLen: number): number {
  const x = (tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * len) / Math.max(1, avgLen)));
  return x < 1.1 ? 0 : x < 1.5 ? 1 : 2;
}
export const TITLE_WEIGHT = 3;
