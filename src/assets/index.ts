/**
 * Mirrored images: the pictures an article shows, kept in the archive so it renders on GitHub and
 * offline even when the outlet's image server is blocked or gone.
 *
 *   mirrorImages(html, { archive, articlePath, … }) → { html, saved, failed }
 *
 * - Every `<img src>` with an http(s) URL (relative ones only with `baseUrl`) is downloaded through the
 *   fetch stage (same timeouts, proxies and error messages; local paths and file: URLs refused), at most
 *   `maxImages` (30) distinct URLs per article and `maxBytesPerImage` (5 MiB) each.
 * - The type is sniffed from the bytes (file-type), never taken from the extension or Content-Type:
 *   JPEG, PNG, GIF, WebP and AVIF are kept. SVG is refused: it is a document that can carry scripts
 *   and links, and an archive is opened by people who trust it.
 * - Stored content-addressed at `assets/<first 2 hex of sha256>/<sha256>.<ext>` (temporary file +
 *   rename; an existing file is left alone), so one picture used by many articles is stored once.
 * - The tag is rewritten in place: `src` becomes the path relative to the article's folder, the original
 *   URL is kept in `data-original-src`, `srcset` is removed, and `<source srcset>` of the same
 *   `<picture>` becomes `data-original-srcset` so browsers use the local file. All other bytes of the HTML
 *   are unchanged.
 * - A failed image keeps its remote src and is listed in `failed`; nothing here throws for an image.
 * - Idempotent: a mirrored tag (relative src + data-original-src) is left as it is, so a second run changes
 *   nothing and fetches nothing.
 * - Once per run: with a shared `cache` (an ImageCache; the run holds one), an image URL is requested at most
 *   once, however many articles and sources use it; a failure is remembered too, so an image that cannot be
 *   had is not asked for again by every article.
 * - The private-network policy is `fetch`'s (the run passes `trustLocation: false` and the source's
 *   allowPrivateNetworks): a refused image is a failed one, with the refusal as its reason.
 *
 * The relative path depends only on the folder of `articlePath`. Every article file of the archive
 * (articles/<slug>/<YYYY>/<MM-DD>/…md) and every revision (revisions/<slug>/<YYYY>/<MM-DD>/…) is four
 * folders deep, so images can be mirrored before the file's final name is known.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { escapeAttribute } from 'entities';
import { fileTypeFromBuffer } from 'file-type';
import { describeError, fetchResource, type FetchOptions } from '../fetch/index.ts';
import { scanTags, type ScannedTag } from './tags.ts';
import pLimit from 'p-limit';

/** Where images are stored: the archive (src/storage's Archive is one). */
export interface AssetStore {
  readonly root: string;
  /** Stores a content-addressed file unless a file of that size is there; returns whether it was. */
  putAsset(rel: string, bytes: Uint8Array): Promise<boolean>;
}

export const DEFAULT_MAX_IMAGES = 30;
export const DEFAULT_MAX_BYTES_PER_IMAGE = 5 * 1024 * 1024;
export const ASSETS_DIR = 'assets';
export const IMAGE_ACCEPT = 'image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1';

/** Image types kept, by the MIME type file-type reports, with the extension they are stored under. */
const KEPT_TYPES: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

export interface MirrorOptions {
  /** The archive the images are stored in. */
  archive: AssetStore;
  /** Path of the article file the HTML goes into, relative to the archive root (only its folder matters). */
  articlePath: string;
  /** Fetch options for the downloads (timeout, proxy dispatcher, user agent…); maxBytes is set per image. */
  fetch?: FetchOptions;
  maxImages?: number;
  maxBytesPerImage?: number;
  /** Resolves relative `src` values (feed content); without it they are left alone. */
  baseUrl?: string;
  /** Downloads at once. Default 4. */
  concurrency?: number;
  /**
   * Images stored before: original URL → archive-relative path (see `assetsIn`). A URL found here whose
   * file exists is not downloaded again, so re-mirroring a known article's feed HTML costs no request.
   */
  known?: ReadonlyMap<string, string>;
  /** Downloads shared with other calls (a run's articles and sources): each image fetched once, failures included. */
  cache?: ImageCache;
}

/**
 * What the calls sharing it have downloaded: one entry per image URL (and archive, policy and size cap),
 * the download's promise, failed ones included. Meant to live for one run: a failure is tried again
 * by the next run, not by the next article.
 */
export class ImageCache {
  readonly #downloads = new Map<string, Promise<SavedImage>>();

  /** Entries held (distinct downloads started). */
  get size(): number {
    return this.#downloads.size;
  }

  /** The download of `key`, started with `start` the first time; later callers get `existed: true`. */
  async get(key: string, start: () => Promise<SavedImage>): Promise<SavedImage> {
    const pending = this.#downloads.get(key);
    if (pending !== undefined) return { ...(await pending), existed: true };
    const download = start();
    this.#downloads.set(key, download);
    return download;
  }
}

export interface SavedImage {
  /** The original URL (absolute). */
  url: string;
  /** Archive-relative path of the stored file, e.g. `assets/ab/ab12….jpg`. */
  path: string;
  bytes: number;
  /** Sniffed MIME type. */
  type: string;
  /** The file was already in the archive (another article uses it, or an earlier run stored it). */
  existed: boolean;
}

export interface FailedImage {
  url: string;
  reason: string;
}

export interface MirrorResult {
  html: string;
  saved: SavedImage[];
  failed: FailedImage[];
}

interface Job {
  url: string;
  saved?: SavedImage;
  failed?: string;
}

export async function mirrorImages(html: string, opts: MirrorOptions): Promise<MirrorResult> {
  const articleDir = path.posix.dirname(toPosix(opts.articlePath));
  if (path.posix.isAbsolute(articleDir) || articleDir.split('/').includes('..')) {
    throw new RangeError(`articlePath must be relative to the archive root, got ${opts.articlePath}`);
  }
  const maxImages = opts.maxImages ?? DEFAULT_MAX_IMAGES;
  const maxBytes = opts.maxBytesPerImage ?? DEFAULT_MAX_BYTES_PER_IMAGE;
  const tags = scanTags(html, new Set(['img', 'source', 'picture']), new Set(['picture']));

  // 1. which images to fetch
  const jobs = new Map<string, Job>();
  const failed: FailedImage[] = [];
  const imgUrl = new Map<ScannedTag, string>();
  for (const tag of tags) {
    if (tag.name !== 'img') continue;
    const src = attr(tag, 'src')?.trim();
    if (!src || /^data:/i.test(src)) continue;
    if (attr(tag, 'data-original-src') !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(src)) continue; // mirrored already
    let url: URL;
    try {
      url = new URL(src, opts.baseUrl);
    } catch {
      if (!opts.baseUrl && !/^[a-z][a-z0-9+.-]*:/i.test(src)) continue; // relative, no base: not ours to guess
      addFailure(failed, src, 'not a valid URL');
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      addFailure(failed, url.protocol === 'javascript:' || url.protocol === 'data:' ? url.protocol : url.href, `only http and https images are mirrored (${url.protocol})`);
      continue;
    }
    url.hash = '';
    imgUrl.set(tag, url.href);
    if (jobs.has(url.href)) continue;
    if (jobs.size >= maxImages) {
      addFailure(failed, url.href, `over the limit of ${maxImages} images per article`);
      continue;
    }
    jobs.set(url.href, { url: url.href });
  }

  // 2. download and store
  const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
  await Promise.all(
    [...jobs.values()].map((job) =>
      limit(async () => {
        try {
          job.saved = (await reuseKnown(job.url, opts)) ?? (await download(job.url, opts, maxBytes));
        } catch (err) {
          job.failed = describeError(err);
        }
      }),
    ),
  );
  const saved: SavedImage[] = [];
  for (const job of jobs.values()) {
    if (job.saved) saved.push(job.saved);
    else addFailure(failed, job.url, job.failed ?? 'not downloaded');
  }

  // 3. rewrite the tags of stored images (and the <source>s of their <picture>)
  const edits: { start: number; end: number; text: string }[] = [];
  let pictureSources: ScannedTag[] = [];
  let inPicture = false;
  for (const tag of tags) {
    if (tag.name === 'picture') {
      inPicture = true;
      pictureSources = [];
    } else if (tag.name === '/picture') {
      inPicture = false;
      pictureSources = [];
    } else if (tag.name === 'source') {
      if (inPicture) pictureSources.push(tag);
    } else if (tag.name === 'img') {
      const url = imgUrl.get(tag);
      const stored = url ? jobs.get(url)?.saved : undefined;
      if (!url || !stored) continue;
      const local = path.posix.relative(articleDir, stored.path);
      edits.push({ start: tag.start, end: tag.end, text: rewriteImg(tag, local, url) });
      for (const source of pictureSources) {
        if (attr(source, 'srcset') !== undefined) edits.push({ start: source.start, end: source.end, text: rewriteSource(source) });
      }
      pictureSources = [];
    }
  }
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let last = 0;
  for (const e of edits) {
    out += html.slice(last, e.start) + e.text;
    last = e.end;
  }
  out += html.slice(last);
  return { html: out, saved, failed };
}

function addFailure(failed: FailedImage[], url: string, reason: string): void {
  if (!failed.some((f) => f.url === url)) failed.push({ url, reason });
}

function attr(tag: ScannedTag, name: string): string | undefined {
  return tag.attrs.find((a) => a.name === name)?.value;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** `<img …>` with src → local, data-original-src → url, no srcset; other attributes as written. */
function rewriteImg(tag: ScannedTag, local: string, url: string): string {
  let out = '<img';
  let wroteSrc = false;
  for (const a of tag.attrs) {
    if (a.name === 'srcset' || a.name === 'data-original-src') continue;
    if (a.name === 'src') {
      if (wroteSrc) continue;
      out += ` src="${escapeAttribute(local)}" data-original-src="${escapeAttribute(url)}"`;
      wroteSrc = true;
      continue;
    }
    out += ` ${a.raw}`;
  }
  return `${out}${tag.selfClosing ? ' />' : '>'}`;
}

/** `<source srcset=…>` → `<source data-original-srcset=…>`: the browser falls through to the local img. */
function rewriteSource(tag: ScannedTag): string {
  let out = '<source';
  for (const a of tag.attrs) {
    if (a.name === 'srcset') out += ` data-original-srcset="${escapeAttribute(a.value)}"`;
    else out += ` ${a.raw}`;
  }
  return `${out}${tag.selfClosing ? ' />' : '>'}`;
}

/** The stored copy of `url` listed in `opts.known`, if its file is there. */
async function reuseKnown(url: string, opts: MirrorOptions): Promise<SavedImage | undefined> {
  const rel = opts.known?.get(url);
  if (!rel || !/^assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z]+$/.test(rel)) return undefined;
  const stat = await fs.stat(path.join(opts.archive.root, ...rel.split('/'))).catch(() => null);
  if (!stat?.isFile()) return undefined;
  const ext = rel.slice(rel.lastIndexOf('.') + 1);
  const type = Object.entries(KEPT_TYPES).find(([, e]) => e === ext)?.[0];
  return type ? { url, path: rel, bytes: stat.size, type, existed: true } : undefined;
}

/**
 * The images an already archived article holds: original URL → archive-relative path of the stored
 * file, read from its mirrored `<img src data-original-src>` tags. Pass it as `known` when the same
 * article's HTML is mirrored again.
 */
export function assetsIn(html: string, articlePath: string): Map<string, string> {
  const dir = path.posix.dirname(toPosix(articlePath));
  const out = new Map<string, string>();
  for (const tag of scanTags(html, new Set(['img']))) {
    const original = attr(tag, 'data-original-src');
    const src = attr(tag, 'src');
    if (!original || !src || /^[a-z][a-z0-9+.-]*:/i.test(src)) continue;
    const rel = path.posix.normalize(path.posix.join(dir, src));
    if (rel.startsWith(`${ASSETS_DIR}/`)) out.set(original, rel);
  }
  return out;
}

/** fetchAndStore, through the shared cache when there is one. */
async function download(url: string, opts: MirrorOptions, maxBytes: number): Promise<SavedImage> {
  if (opts.cache === undefined) return fetchAndStore(url, opts, maxBytes);
  // whatever changes the answer is in the key: where it is stored, the policy it was fetched under, the cap
  const key = JSON.stringify([opts.archive.root, opts.fetch?.trustLocation ?? true, opts.fetch?.allowPrivateNetworks ?? null, maxBytes, url]);
  return opts.cache.get(key, () => fetchAndStore(url, opts, maxBytes));
}

async function fetchAndStore(url: string, opts: MirrorOptions, maxBytes: number): Promise<SavedImage> {
  const res = await fetchResource(url, {
    ...opts.fetch,
    maxBytes,
    allowLocalPath: false,
    allowFile: false,
    headers: { accept: IMAGE_ACCEPT, ...opts.fetch?.headers },
  });
  const body = res.body;
  if (body.length === 0) throw new Error('empty response');
  const sniffed = await fileTypeFromBuffer(body);
  const ext = sniffed ? KEPT_TYPES[sniffed.mime] : undefined;
  if (!sniffed || !ext) {
    const head = body.subarray(0, 1024).toString('utf8');
    if (/<svg[\s>]/i.test(head)) throw new Error('SVG images are not mirrored (an SVG file can carry scripts)');
    const what = sniffed ? sniffed.mime : /<(!doctype|html|head|body)\b/i.test(head) ? 'an HTML page' : 'unrecognised data';
    throw new Error(`not a supported image (${what}${res.contentType ? `, served as ${res.contentType.split(';')[0]}` : ''})`);
  }
  const hash = createHash('sha256').update(body).digest('hex');
  const rel = `${ASSETS_DIR}/${hash.slice(0, 2)}/${hash}.${ext}`;
  const existed = await opts.archive.putAsset(rel, body);
  return { url, path: rel, bytes: body.length, type: sniffed.mime, existed };
}
