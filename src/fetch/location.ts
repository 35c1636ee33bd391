/** Turning a feed location (URL or local path) into something to read, refusing other schemes. */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FetchError } from './errors.ts';

export type Target = { kind: 'http'; url: URL } | { kind: 'file'; path: string };

export interface LocationPolicy {
  allowFile: boolean;
  allowLocalPath: boolean;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/** Schemes allowed for a location and for every hop of a redirect chain. */
export function isHttpScheme(protocol: string): boolean {
  return protocol === 'http:' || protocol === 'https:';
}

/**
 * `http(s)://…` → an HTTP target; `file:` URL → a file (only with allowFile); anything else
 * with a scheme (ftp:, data:, javascript:, …) → 'bad-url'; no scheme → a local path resolved
 * against the working directory (unless allowLocalPath is false).
 */
export function resolveLocation(location: string, policy: LocationPolicy): Target {
  const loc = location.trim();
  if (loc === '') throw new FetchError('bad-url', 'empty location');
  const scheme = SCHEME.exec(loc)?.[1]?.toLowerCase();
  const isWindowsPath = process.platform === 'win32' && WINDOWS_DRIVE.test(loc);

  if (scheme !== undefined && !isWindowsPath) {
    let url: URL;
    try {
      url = new URL(loc);
    } catch {
      throw new FetchError('bad-url', 'invalid URL', { url: loc });
    }
    if (isHttpScheme(url.protocol)) return { kind: 'http', url };
    if (url.protocol === 'file:') {
      if (!policy.allowFile) {
        throw new FetchError('bad-url', 'unsupported scheme file: (give a local path instead of a file: URL)', { url: loc });
      }
      try {
        return { kind: 'file', path: fileURLToPath(url) };
      } catch (err) {
        throw new FetchError('bad-url', 'file: URL does not name a local file', { url: loc, cause: err });
      }
    }
    throw new FetchError('bad-url', `unsupported scheme ${url.protocol}`, { url: schemeOnly(loc, url.protocol) });
  }

  if (!policy.allowLocalPath) throw new FetchError('bad-url', 'local paths are not allowed here (expected an http(s) URL)', { url: loc });
  return { kind: 'file', path: path.resolve(loc) };
}

/** `data:`/`javascript:` locations can be long or hold code: name only their scheme. */
function schemeOnly(loc: string, protocol: string): string {
  return protocol === 'data:' || protocol === 'javascript:' ? `${protocol}…` : loc;
}
