/** Helpers for the extraction and asset tests: a local HTTP server, temporary folders, image bytes. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';

export interface Reply {
  status?: number;
  type?: string | null;
  body: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestServer {
  base: string;
  /** Paths requested, in order. */
  hits: string[];
  close: () => Promise<void>;
}

/** Serves `routes` (path → reply, or a function of the path) on 127.0.0.1:<free port>; 404 otherwise. */
export async function serve(routes: Record<string, Reply> | ((pathname: string) => Reply | undefined)): Promise<TestServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const pathname = decodeURIComponent(url.pathname) + url.search;
    hits.push(pathname);
    const reply = typeof routes === 'function' ? routes(pathname) : routes[pathname];
    if (!reply) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.type !== null) headers['content-type'] = reply.type ?? 'text/html; charset=utf-8';
    res.writeHead(reply.status ?? 200, headers);
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// temporary archives and their files (the archive's own .newsvault/ state folder left out)
export { listFiles, tempDir } from '../testing/tree.ts';
// the shared development corpus (real pages by other people), when this machine has it
export { DEV_CORPUS, HAS_DEV_CORPUS } from '../testing/repo.ts';

export function fixture(name: string): string {
  return readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
}

// --- image bytes: real, minimal files of each type (file-type recognises them by their signature) ---

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid w×h RGB PNG filled with one colour. */
export function png(width = 2, height = 2, rgb: [number, number, number] = [200, 30, 30]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** JPEG (JFIF header + filler), GIF and WebP files: enough for type sniffing, distinct per call. */
export function jpeg(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]), randomBytes(200), Buffer.from([0xff, 0xd9])]);
}

export function gif(): Buffer {
  return Buffer.concat([Buffer.from('GIF89a', 'ascii'), Buffer.from([1, 0, 1, 0, 0x80, 0, 0]), randomBytes(40), Buffer.from([0x3b])]);
}

export function webp(): Buffer {
  const payload = Buffer.concat([Buffer.from('WEBPVP8 ', 'ascii'), randomBytes(60)]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(payload.length);
  return Buffer.concat([Buffer.from('RIFF', 'ascii'), size, payload]);
}

/** The start of a PDF document. */
export function pdf(): Buffer {
  return Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
}
