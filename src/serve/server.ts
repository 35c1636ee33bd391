/**
 * The HTTP server of `newsvault serve`: the app (app.ts) on Node's HTTP server through @hono/node-server,
 * bound to 127.0.0.1 unless told otherwise. The archive is opened read-only: no lock is taken and nothing is
 * written; what a run writes meanwhile shows on the next request (the site model is refreshed per request,
 * the search index opened per search).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { openSiteModel } from '../site/index.ts';
import { createApp, securityHeaders } from './app.ts';
import { isLoopback, urlOf } from './bind.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

export interface ServeOptions {
  /** The archive's folder. */
  root: string;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Told of every unexpected error while answering (answered with 500). */
  onError?: (err: unknown) => void;
}

export interface ReaderServer {
  /** The URL to open, e.g. `http://127.0.0.1:8080/` (for 0.0.0.0, this machine's loopback). */
  url: string;
  /** The bound address and port. */
  address: string;
  port: number;
  /** Whether only this machine can reach the server. */
  loopback: boolean;
  /** Stops listening, ends open connections. */
  close(): Promise<void>;
}

/** Starts the reader; rejects when the address cannot be bound (in use, not this machine's). */
export async function startServer(opts: ServeOptions): Promise<ReaderServer> {
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? DEFAULT_PORT;
  const loopback = isLoopback(host);
  const model = await openSiteModel(opts.root);
  const app = createApp({ root: opts.root, model, loopbackOnly: loopback, ...(opts.onError ? { onError: opts.onError } : {}) });
  const listener = getRequestListener(app.fetch, {
    overrideGlobalObjects: false,
    // a request target the adapter cannot turn into a URL (a backslash in the path, a bad Host): 400, with the headers
    errorHandler: () => new Response('Bad request\n', { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() } }),
  });
  const server = http.createServer((req, res) => void listener(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => opts.onError?.(err));
  const addr = server.address() as AddressInfo;
  return {
    url: urlOf(addr.address, addr.port),
    address: addr.address,
    port: addr.port,
    loopback,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
