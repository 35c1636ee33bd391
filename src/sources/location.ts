/**
 * Feed locations: an http(s) URL, or a local file path (relative paths are resolved against a
 * base folder; `file:` URLs become absolute paths). Anything else with a URL scheme is refused.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type LocationCheck = { ok: true; location: string } | { ok: false; problem: string };

/** A URL scheme of two or more characters, so a Windows drive (`C:\feeds`) is not taken for one. */
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/** True for an http(s) URL, false for a local file path. */
export function isRemoteLocation(location: string): boolean {
  return /^https?:/i.test(location);
}

/**
 * Checks one feed location as a user wrote it and returns it in the form the fetch stage reads:
 * an http(s) URL as given, or an absolute, normalised file path.
 */
export function checkFeedLocation(raw: string, baseDir: string): LocationCheck {
  const text = raw.trim();
  if (text === '') return { ok: false, problem: 'is empty; give an http(s) URL or a file path' };
  if (text.includes('\0')) return { ok: false, problem: `${JSON.stringify(raw)} is not a valid file path` };

  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { ok: true, location: path.resolve(baseDir, text) };

  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, problem: `${JSON.stringify(raw)} is not a valid URL` };
    }
    if (url.hostname === '') return { ok: false, problem: `${JSON.stringify(raw)} is not a valid URL: it has no host` };
    return { ok: true, location: text };
  }

  if (scheme === 'file') {
    try {
      return { ok: true, location: path.normalize(fileURLToPath(text)) };
    } catch {
      return { ok: false, problem: `${JSON.stringify(raw)} is not a valid file: URL` };
    }
  }

  return { ok: false, problem: `${JSON.stringify(raw)} is not an http(s) URL or a file path` };
}
