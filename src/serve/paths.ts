/**
 * The request path guard of `newsvault serve`: a URL path becomes a list of plain names, or is refused.
 * Nothing here touches the disk; `files.ts` opens what a name designates, inside its folder only.
 *
 * The URL has been parsed by the WHATWG URL parser already (so `/a/../b` and `/%2e%2e/` arrive resolved), but
 * every segment is decoded here once more and checked again, so that no decoding anywhere yields a path that
 * climbs out: a segment that decodes to `.` or `..`, to something holding `/`, `\`, NUL or another control
 * character, or is no valid UTF-8 (overlong forms such as `%c0%ae` included) is refused (400). Double-encoded
 * input (`%252e%252e`) decodes once, to the literal name `%2e%2e`, which names no page (404).
 */

/** A path of the site, as names (decoded once) and as the relative path the site's routes take. */
export interface SitePath {
  /** Decoded segments, none empty except a last one for a path ending in `/`. */
  segments: string[];
  /** The segments joined with `/`, relative to the site root (`a/rfi/abcdefghij.html`); `''` for `/`. */
  path: string;
}

export class BadPath extends Error {}

const FORBIDDEN = /[\u0000-\u001f\u007f/\\]/;

/** Decodes `pathname` (the URL's path, percent-encoded, starting with `/`) into names; throws BadPath. */
export function sitePath(pathname: string): SitePath {
  if (!pathname.startsWith('/')) throw new BadPath('the path must start with /');
  const raw = pathname.slice(1).split('/');
  const segments = raw.map((s, i) => {
    let name: string;
    try {
      name = decodeURIComponent(s);
    } catch {
      throw new BadPath('a path segment is not valid percent-encoded UTF-8');
    }
    if (name === '' && i !== raw.length - 1) throw new BadPath('empty path segment');
    if (name === '.' || name === '..') throw new BadPath('dot segment');
    if (FORBIDDEN.test(name)) throw new BadPath('a path segment holds a slash, backslash or control character');
    return name;
  });
  return { segments, path: segments.join('/') };
}

/** A file name of the site's static folder: letters, digits, `.`, `_`, `-`, not starting with a dot. */
const STATIC_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Whether every segment is a plain name a static file may have (no hidden file, no empty name). */
export function isStaticName(segments: readonly string[]): boolean {
  return segments.length > 0 && segments.every((s) => STATIC_NAME.test(s) && s.length <= 255);
}

/** A mirrored image: `assets/<first 2 hex of the sha256>/<sha256>.<ext>`, as the assets stage stores it. */
const ASSET = /^assets\/([0-9a-f]{2})\/(\1[0-9a-f]{62})\.(jpg|png|gif|webp|avif)$/;

export const ASSET_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
};

/** The archive-relative path and Content-Type of an asset URL path, or null when it names no asset. */
export function assetOf(path: string): { file: string; type: string } | null {
  const m = ASSET.exec(path);
  return m ? { file: path, type: ASSET_TYPES[m[3]!]! } : null;
}

const STATIC_TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** The Content-Type of a static file by its extension (`application/octet-stream` when unknown). */
export function staticType(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return (ext && STATIC_TYPES[ext]) || 'application/octet-stream';
}

/** The Content-Type of each feed format. */
export const FEED_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
} as const;
