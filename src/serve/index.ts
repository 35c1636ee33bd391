/**
 * The serve stage: `newsvault serve`, the local web reader (docs/reader.md). The static site's pages rendered
 * live from the archive (src/site), server-side search through the SQLite index (src/index), the site's
 * static files, the archive's mirrored images and its feeds, over Hono on Node's HTTP server. Read-only.
 *
 *     const server = await startServer({ root, host: '127.0.0.1', port: 0 });
 *     console.log(server.url);   // http://127.0.0.1:41234/
 *     await server.close();
 */
export { startServer, DEFAULT_HOST, DEFAULT_PORT, type ReaderServer, type ServeOptions } from './server.ts';
export { createApp, cspHeader, securityHeaders, type AppOptions } from './app.ts';
export { isLoopback, isUnspecified, urlOf } from './bind.ts';
export { BadPath, sitePath, assetOf } from './paths.ts';
export { searchPage, snippetHtml, SEARCH_PAGE_SIZE } from './search.ts';
