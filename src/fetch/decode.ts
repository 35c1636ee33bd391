/**
 * Streaming body reading: a limit on the wire bytes, Content-Encoding decoding with
 * node:zlib streams, and a limit on the decoded bytes, checked chunk by chunk so a
 * decompression bomb is stopped after at most `maxBytes` (plus one zlib chunk) of output.
 */

import { Readable, pipeline, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { FetchError, formatBytes } from './errors.ts';

export type Chunks = AsyncIterable<Buffer>;

const MAX_ENCODING_LAYERS = 3;

/** Content-Encoding tokens in the order they must be undone (last applied first). `identity` dropped. */
export function parseContentEncoding(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && t !== 'identity')
    .reverse();
}

/** Throws 'too-large' as soon as more than `limit` bytes have passed. */
export async function* limitBytes(source: Chunks, limit: number, what: string): Chunks {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limit) throw new FetchError('too-large', `${what} larger than ${formatBytes(limit)}`);
    yield chunk;
  }
}

/** Undoes the given encodings (already in undo order). Unknown encodings → 'decode'. */
export function decodeBody(source: Chunks, encodings: string[]): Chunks {
  if (encodings.length > MAX_ENCODING_LAYERS) {
    throw new FetchError('decode', `too many Content-Encoding layers (${encodings.join(', ')})`);
  }
  let out = source;
  for (const enc of encodings) out = decodeLayer(out, enc);
  return out;
}

function decodeLayer(source: Chunks, encoding: string): Chunks {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return throughZlib(source, 'gzip', () => zlib.createGunzip(lenientZlib()));
    case 'deflate':
      // RFC 9110 says zlib-wrapped; some servers send raw deflate. Sniff the zlib header.
      return throughZlib(source, 'deflate', (head) =>
        looksLikeZlibHeader(head) ? zlib.createInflate(lenientZlib()) : zlib.createInflateRaw(lenientZlib()),
      );
    case 'br':
      return throughZlib(source, 'br', () =>
        zlib.createBrotliDecompress({
          flush: zlib.constants.BROTLI_OPERATION_FLUSH,
          finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
        }),
      );
    default:
      throw new FetchError('decode', `unsupported Content-Encoding ${encoding}`);
  }
}

/** Like browsers: tolerate a stream cut short before its trailer instead of failing. */
function lenientZlib(): zlib.ZlibOptions {
  return { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
}

/** RFC 1950: CM = 8 in the low nibble of CMF, and CMF*256 + FLG a multiple of 31. */
export function looksLikeZlibHeader(head: Buffer): boolean {
  if (head.length < 2) return false;
  const cmf = head[0]!;
  const flg = head[1]!;
  return (cmf & 0x0f) === 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * Pipes `source` through a zlib stream made from the first bytes, yielding its output.
 * Backpressure holds: zlib only inflates as fast as we pull. An empty body yields nothing.
 * Stopping early (a limit hit downstream) destroys the decompressor and the source.
 */
async function* throughZlib(source: Chunks, name: string, make: (head: Buffer) => Transform): Chunks {
  const it = source[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  try {
    while (head.length < 2) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      head = head.length === 0 ? r.value : Buffer.concat([head, r.value]);
    }
  } catch (err) {
    await it.return?.();
    throw err;
  }
  if (head.length === 0) return;

  const decompressor = make(head);
  async function* rest(): Chunks {
    try {
      yield head;
      while (!done) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  const input = Readable.from(rest(), { objectMode: false });
  pipeline(input, decompressor, () => {
    /* errors surface through the decompressor's iterator */
  });
  try {
    for await (const chunk of decompressor as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    if (err instanceof FetchError) throw err;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__'))) {
      const msg = (err as Error).message.replace(/\s+/g, ' ').trim();
      throw new FetchError('decode', `could not decode ${name} body (${msg || code})`, { cause: err });
    }
    throw err;
  } finally {
    input.destroy();
    decompressor.destroy();
  }
}

/** Reads everything into one Buffer, enforcing `limit` on the total. */
export async function collect(source: Chunks, limit: number, what: string, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of limitBytes(source, limit, what)) {
    signal?.throwIfAborted();
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks, total);
}
