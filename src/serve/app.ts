/**
 * The web application of `newsvault serve` (Hono): the static site's pages rendered live from the archive
 * (src/site, `mode: 'serve'`), server-side search through the SQLite index, the site's static files, the
 * archive's mirrored images, and the feeds. Read-only: nothing here writes anything anywhere.
 *
 * Every response carries the security headers (the site's Content-Security-Policy plus `frame-ancestors
 * 'none'`, nosniff, no referrer, same-origin opener). Paths go through paths.ts (decoded once, dot segments,
 * separators and control characters refused with 400) and then name a page, a static file, an asset or a feed,
 * or nothing (404); a folder is never listed. Only GET and HEAD are answered (else 405). A server bound to a
 * loopback address answers only requests addressed to a loopback name (`localhost`, `127.0.0.1`, `[::1]`):
 * a web page elsewhere cannot rebind its own name to this machine and read the archive.
 */
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { escapeUTF8 as esc } from 'entities';
import type { SiteModel } from '../site/index.ts';
import * as site from '../site/index.ts';
import { isLoopback } from './bind.ts';
import { readInside } from './files.ts';
import { BadPath, FEED_TYPES, assetOf, isStaticName, sitePath, staticType } from './paths.ts';
import { MAX_QUERY, searchPage } from './search.ts';

export interface AppOptions {
  /** The archive's folder. */
  root: string;
  /** The site's read-only view of the archive (`openSiteModel(root)`). */
  model: SiteModel;
  /** Answer only requests addressed to a loopback host name (when bound to a loopback address). */
  loopbackOnly: boolean;
  /** Told of every unexpected error (answered with 500). */
  onError?: (err: unknown) => void;
}

/** The Content-Security-Policy header: the site's policy, and no framing by any page. */
export function cspHeader(): string {
  return /frame-ancestors/.test(site.CSP) ? site.CSP : `${site.CSP.trim().replace(/;\s*$/, '')}; frame-ancestors 'none'`;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** The security headers every response carries. */
export function securityHeaders(): Record<string, string> {
  return { 'Content-Security-Policy': cspHeader(), ...SECURITY_HEADERS };
}

const HTML = 'text/html; charset=utf-8';

/**
 * Static files the site's build adds beside those of STATIC_DIR (src/site/build.ts, copyStatic): opencc-js's
 * browser converter, which the 简/繁 switch loads when traditional is chosen. Its path is resolved here as the
 * build resolves it, so that both serve the same file.
 */
const EXTRA_STATIC = site.packageStatic();

/** A message page in the site's shell, for a page `depth` folders below the site root. */
function messagePage(depth: number, title: string, text: string): string {
  const root = '../'.repeat(Math.min(depth, 64));
  const body = `<h1>${esc(title)}</h1>\n<p>${text}</p>\n<p><a href="${root}index.html">返回首页 · Home</a></p>`;
  return site.layout({ title, body, root, section: 'other', mode: 'serve' });
}

/** Serialises the model's refreshes: a request waits for a refresh that starts after it arrived. */
function refresher(model: SiteModel): () => Promise<void> {
  let chain: Promise<unknown> = Promise.resolve();
  let pending: Promise<void> | null = null;
  return () => {
    if (pending) return pending;
    const p = chain.then(async () => {
      pending = null;
      await model.refresh();
    });
    pending = p;
    chain = p.catch(() => undefined);
    return p;
  };
}

export function createApp(opts: AppOptions): Hono {
  const { root, model } = opts;
  const fresh = refresher(model);
  const app = new Hono();

  app.use(async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(securityHeaders())) c.res.headers.set(k, v);
  });

  /** A response; HEAD gets the same status and headers without the body. */
  const send = (c: Context, status: number, body: string | Buffer, headers: Record<string, string>): Response =>
    new Response(c.req.method === 'HEAD' ? null : typeof body === 'string' ? body : new Uint8Array(body), { status, headers });
  // a message page answers at the URL asked for: its links climb back to the root from that depth
  const page = (c: Context, status: 400 | 403 | 404 | 405 | 500, title: string, text: string): Response => {
    const depth = Math.max(0, new URL(c.req.url).pathname.split('/').length - 2);
    return send(c, status, messagePage(depth, title, text), { 'Content-Type': HTML, 'Cache-Control': 'no-store' });
  };

  app.onError((err, c) => {
    opts.onError?.(err);
    return page(c, 500, '出错了 · Internal error', '服务器处理这个请求时出错。The reader failed to answer this request; see its log.');
  });

  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    if (opts.loopbackOnly && !isLoopback(url.hostname)) {
      return page(c, 403, '拒绝访问 · Forbidden', '这个阅读器只回答发往本机地址（localhost、127.0.0.1）的请求。This reader answers requests to a loopback address only.');
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const res = page(c, 405, '不支持的方法 · Method not allowed', '这个阅读器只读：只接受 GET 和 HEAD。');
      res.headers.set('Allow', 'GET, HEAD');
      return res;
    }
    let p: string;
    let segments: string[];
    try {
      ({ path: p, segments } = sitePath(url.pathname));
    } catch (err) {
      if (!(err instanceof BadPath)) throw err;
      return page(c, 400, '无效的地址 · Bad request', `这个地址无效（${esc(err.message)}）。`);
    }
    const notFound = () => page(c, 404, '找不到这一页 · Not found', '这个存档里没有这一页。There is no such page in this archive.');

    if (segments[0] === 'static') {
      const names = segments.slice(1);
      if (!isStaticName(names)) return notFound();
      const extra = names.length === 1 ? EXTRA_STATIC.get(names[0]!) : undefined;
      const file = extra ?? null;
      const bytes = file ? await readInside(path.dirname(file), [path.basename(file)]) : await readInside(site.STATIC_DIR, names);
      if (!bytes) return notFound();
      return send(c, 200, bytes, { 'Content-Type': staticType(names[names.length - 1]!), 'Cache-Control': 'no-cache' });
    }
    if (segments[0] === 'assets') {
      const asset = assetOf(p);
      if (!asset) return notFound();
      const bytes = await readInside(path.join(root, 'assets'), segments.slice(1));
      if (!bytes) return notFound();
      return send(c, 200, bytes, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=31536000, immutable' });
    }
    if (segments[0] === 'feeds') {
      const feed = site.feedOf(p);
      if (!feed) return notFound();
      await fresh();
      if (feed.source !== undefined && !model.source(feed.source)) return notFound();
      const text = await site.renderFeed(model, { ...feed, baseUrl: `${url.origin}/` });
      return send(c, 200, text, { 'Content-Type': FEED_TYPES[feed.format], 'Cache-Control': 'no-cache' });
    }
    const route = site.routeOf(p);
    if (!route) return notFound();
    await fresh();
    if (route.kind === 'search') {
      const q = (url.searchParams.get('q') ?? '').trim().slice(0, MAX_QUERY);
      if (q) {
        const pageNo = Number(url.searchParams.get('page') ?? '1');
        const result = searchPage({ root, q, page: Number.isFinite(pageNo) ? pageNo : 1, sourceName: (slug) => model.nameOf(slug) });
        const html = site.layout({ title: `${q} · 搜索`, body: result.body, root: '', section: 'search', mode: 'serve' });
        return send(c, result.status, html, { 'Content-Type': HTML, 'Cache-Control': 'no-store' });
      }
    }
    const html = await site.renderRoute(model, route, { mode: 'serve' });
    if (html === null) return notFound();
    return send(c, 200, html, { 'Content-Type': HTML, 'Cache-Control': 'no-cache' });
  });
  return app;
}
