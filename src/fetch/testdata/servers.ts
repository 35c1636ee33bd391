/** Test helpers: HTTP servers on 127.0.0.1 (port 0) that the tests start and always close. */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  base: string;
  port: number;
  requests: http.IncomingMessage[];
  /** TCP connections accepted. */
  connections: number;
  close(): Promise<void>;
}

export async function serve(handler: Handler): Promise<TestServer> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `fn` against a server and always closes it. */
export async function withServer<T>(handler: Handler, fn: (s: TestServer) => Promise<T>): Promise<T> {
  const s = await serve(handler);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** An endless stream of `chunk`, stopping when the response closes. */
export function endless(chunk: Buffer, res: http.ServerResponse): Readable {
  let stopped = false;
  res.on('close', () => (stopped = true));
  return new Readable({
    read() {
      this.push(stopped ? null : chunk);
    },
  });
}

/** `zeros` bytes of zeros, gzipped, made without holding them in memory. */
export async function gzipBomb(zeros: number): Promise<Buffer> {
  const gz = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => gz.on('end', resolve));
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < zeros / block.length; i++) {
    if (!gz.write(block)) await new Promise((resolve) => gz.once('drain', resolve));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

/** Writes `body` one byte every `everyMs` until done or the client goes away. */
export function drip(res: http.ServerResponse, body: Buffer, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (i >= body.length || res.destroyed) {
      clearInterval(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(body.subarray(i, i + 1));
    i++;
  }, everyMs);
  res.on('close', () => clearInterval(timer));
}

/** The port of a server that was started and closed: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = await serve(() => {});
  await s.close();
  return s.port;
}

export const FEED = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>法广</title></channel></rss>';
