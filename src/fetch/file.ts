/** Reading a local feed file, with the same size limit and deadline as HTTP. */

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { addAbortSignal } from 'node:stream';
import { FetchError, formatBytes, toFetchError } from './errors.ts';
import { collect } from './decode.ts';
import type { FetchResult } from './types.ts';

export async function readLocalFile(filePath: string, maxBytes: number, signal: AbortSignal): Promise<FetchResult> {
  const ctx = { url: filePath };
  try {
    const st = await stat(filePath);
    if (st.isDirectory()) throw new FetchError('file', 'is a directory', ctx);
    if (st.isFile() && st.size > maxBytes) throw new FetchError('too-large', `file larger than ${formatBytes(maxBytes)}`, ctx);
    signal.throwIfAborted();
    // Still limited while streaming: the file may grow, or be a FIFO / device.
    const stream = addAbortSignal(signal, createReadStream(filePath));
    const body = await collect(stream as AsyncIterable<Buffer>, maxBytes, 'file', signal);
    return { url: filePath, status: 200, contentType: null, body, headers: {}, redirects: [], notModified: false, attempts: 1 };
  } catch (err) {
    if (err instanceof FetchError) throw withUrl(err, filePath);
    const mapped = toFetchError(err, ctx);
    if (mapped.code === 'file' && mapped.reason === 'no such file') throw new FetchError('file', noSuchFileReason(filePath), { ...ctx, cause: err });
    if (mapped.code === 'network') throw new FetchError('file', `could not read file (${mapped.reason})`, { ...ctx, cause: err });
    throw mapped;
  }
}

function withUrl(err: FetchError, url: string): FetchError {
  return err.url === undefined ? new FetchError(err.code, err.reason, { url, status: err.status, cause: err.cause }) : err;
}

/** `www.rfi.fr/cn/rss` without a scheme is read as a relative path: hint at the URL. */
function noSuchFileReason(filePath: string): string {
  const rel = filePath.startsWith(process.cwd() + '/') ? filePath.slice(process.cwd().length + 1) : '';
  const first = rel.split('/')[0] ?? '';
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i.test(first) && !/\.(xml|rss|atom|json|html?|txt)$/i.test(first)) {
    return `no such file (did you mean https://${rel}?)`;
  }
  return 'no such file';
}
