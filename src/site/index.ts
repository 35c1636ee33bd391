/**
 * The reader's static site (issue 11; docs/reader.md): a read-only model of the archive, the URL layout, the
 * pages, the page shell with its Content-Security-Policy, the render-time sanitiser, feeds, and the
 * incremental build behind `newsvault build`. `newsvault serve` renders the same routes live.
 */
export { SiteModel, openSiteModel, dayOf, type SiteArticle, type SiteSource } from './model.ts';
export { feedOf, feedPath, pathOf, rootOf, routeOf, type FeedFormat, type FeedRoute, type Route } from './routes.ts';
export { CSP, CSP_HEADER, SITE_NAME, STATIC_DIR, layout, packageStatic, type LayoutOptions, type Section } from './layout.ts';
export { PAGE_SIZE, listItem, renderRoute, timeHtml, titleOf, type RenderOptions } from './pages.ts';
export { FEED_ITEMS, renderFeed, type FeedOptions } from './feeds.ts';
export { escapeAttr, escapeHtml, plainText, sanitizeArticle, type SanitizeOptions } from './sanitize.ts';
export { BuildRefusal, STATE_FILE, buildSite, checkOut, type BuildOptions, type BuildReport } from './build.ts';
