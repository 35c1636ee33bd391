/**
 * The folding the browser cannot do itself. `newsvault search` folds each code point with NFKC, lowercase,
 * diacritics removed and OpenCC's traditional → simplified tables (src/index/fold.ts); a browser has the
 * first three natively but not OpenCC's tables (the opencc-js bundle is about 1 MB). So the build ships the
 * characters whose fold differs from the native one — computed here by running the browser script's own
 * native folding against the project's `fold`, so the two always agree — split by code point block (cp >> 8)
 * into small files under `search/fold-<hash>/`; the browser loads only the blocks of the query's characters.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fold } from '../../index/fold.ts';
import { clientApi } from './client.ts';
import { scriptOf } from './codec.ts';

export interface FoldMap {
  /** The folder's name: `fold-` and a hash of the contents. */
  name: string;
  /** block → { character: folded }. */
  blocks: Map<number, Record<string, string>>;
}

let computed: FoldMap | null = null;

/** The characters (BMP and the CJK extension planes) that fold differently from the browser's native fold. */
export function foldMap(): FoldMap {
  if (computed) return computed;
  const { nativeFold } = clientApi();
  const blocks = new Map<number, Record<string, string>>();
  const visit = (cp: number) => {
    const c = String.fromCodePoint(cp);
    const want = fold(c);
    if (want === nativeFold(c)) return;
    const b = cp >> 8;
    let m = blocks.get(b);
    if (!m) blocks.set(b, (m = {}));
    m[c] = want;
  };
  for (let cp = 0x80; cp < 0x10000; cp++) if (cp < 0xd800 || cp > 0xdfff) visit(cp);
  for (let cp = 0x20000; cp < 0x30000; cp++) visit(cp);
  const h = createHash('sha256');
  for (const [b, m] of [...blocks].sort((x, y) => x[0] - y[0])) h.update(`${b}:${JSON.stringify(m)}\n`);
  computed = { name: `fold-${h.digest('hex').slice(0, 10)}`, blocks };
  return computed;
}

let keyComputed: string | null = null;

/**
 * A hash of what the fold map is computed from — the project's folding (src/index/fold), the browser script's
 * native folding (static/search.js) and OpenCC's tables (opencc-js) — so that an index whose map was made by
 * the same can keep it without computing it again (about 0.4 s). An input that cannot be read gives a key that
 * matches nothing.
 */
export function foldKey(): string {
  if (keyComputed) return keyComputed;
  const h = createHash('sha256');
  const ext = path.extname(fileURLToPath(import.meta.url));
  const files = [new URL(`../../index/fold${ext}`, import.meta.url), new URL('../static/search.js', import.meta.url)];
  try {
    files.push(new URL(import.meta.resolve('opencc-js/t2cn')));
    for (const f of files) h.update(readFileSync(f));
  } catch {
    h.update(`unreadable ${Date.now()} ${Math.random()}`);
  }
  keyComputed = h.digest('hex').slice(0, 16);
  return keyComputed;
}

/** Writes the folding files under `searchDir` unless they are there already; returns the folder's name and
 *  its blocks. `reuse`: the map an index has, kept when it was made from the same inputs (foldKey) and its
 *  folder is there. */
export function writeFoldMap(searchDir: string, reuse?: { name: string; blocks: number[]; key: string | undefined }): { name: string; blocks: number[]; key: string } {
  const key = foldKey();
  if (reuse && reuse.key === key && reuse.name && existsSync(path.join(searchDir, reuse.name))) return { name: reuse.name, blocks: reuse.blocks, key };
  const map = foldMap();
  const blocks = [...map.blocks.keys()].sort((a, b) => a - b);
  const dir = path.join(searchDir, map.name);
  if (!existsSync(dir)) {
    const tmp = path.join(searchDir, `.tmp-${map.name}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const b of blocks) writeFileSync(path.join(tmp, `${b.toString(16)}.js`), scriptOf(`${map.name}/${b.toString(16)}`, map.blocks.get(b)));
    renameSync(tmp, dir);
  }
  return { name: map.name, blocks, key };
}
