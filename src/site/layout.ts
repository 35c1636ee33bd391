/**
 * The page shell every page of the site (and of `newsvault serve`) is rendered in: the strict
 * Content-Security-Policy, the language, the stylesheet and the one script (the 简/繁 switch), landmarks
 * (header, nav, main, footer) and a skip link.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { escapeAttr, escapeHtml } from './sanitize.ts';

/** The site's static files (CSS, scripts), copied to `<site>/static/`. */
export const STATIC_DIR: string = fileURLToPath(new URL('./static/', import.meta.url));

/** Static files taken from packages, by their name under `<site>/static/`: opencc-js's browser converter
 *  (loaded only when traditional is chosen). The build copies them; serve serves them from the package. */
export function packageStatic(): ReadonlyMap<string, string> {
  return new Map([['cn2t.js', createRequire(import.meta.url).resolve('opencc-js/cn2t')]]);
}

/**
 * The policy of every page: nothing from any other host but the images of articles that were not mirrored
 * (the issue allows their original URL, sent with no referrer); scripts and styles only from the site's own
 * files — no inline script or style at all, so no hash is needed; no fetch/XHR, no frames, no plugins, no
 * `<base>`; forms submit only to the site (the search page). `file:` is named beside 'self' because a page
 * opened from the disk has an opaque origin that 'self' does not match in every browser. A `<meta>` policy
 * cannot carry `frame-ancestors` (nor `report-uri`, `sandbox`): `newsvault serve` sends CSP_HEADER.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self' file:",
  "style-src 'self' file:",
  "img-src 'self' file: https: http:",
  "font-src 'none'",
  "connect-src 'none'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "base-uri 'none'",
  "form-action 'self' file:",
].join('; ');

/** The policy as an HTTP header: also forbids framing the page (which a `<meta>` policy cannot). */
export const CSP_HEADER = `${CSP}; frame-ancestors 'none'`;

export type Section = 'home' | 'sources' | 'days' | 'search' | 'other';

export interface LayoutOptions {
  /** The page's title (plain text; escaped here). */
  title: string;
  /** The content of `<main>` (HTML, trusted: built by the templates from escaped or sanitised parts). */
  body: string;
  /** Relative path from the page to the site root: '' or '../' repeated. */
  root: string;
  /** Which navigation link is the current page. */
  section?: Section;
  /** Extra `<head>` elements (feed links), trusted HTML. */
  head?: string;
  /** A one-line description (plain text). */
  description?: string;
  /** 'serve': a live server (the search page is a form to the server). Default 'static'. */
  mode?: 'static' | 'serve';
}

export const SITE_NAME = 'Newsvault';

const NAV: [Exclude<Section, 'other'>, string, string][] = [
  ['home', 'index.html', '最新'],
  ['sources', 'sources.html', '来源'],
  ['days', 'd/index.html', '日期'],
  ['search', 'search.html', '搜索'],
];

/** A whole HTML document around `body`. */
export function layout(opts: LayoutOptions): string {
  const r = opts.root;
  const nav = NAV.map(([key, href, label]) => `<li><a href="${r}${href}"${opts.section === key ? ' aria-current="page"' : ''}>${label}</a></li>`).join('');
  return `<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(opts.title)}</title>
${opts.description ? `<meta name="description" content="${escapeAttr(opts.description)}">\n` : ''}<link rel="stylesheet" href="${r}static/site.css">
<script src="${r}static/site.js" data-root="${escapeAttr(r)}"></script>
${opts.head ?? ''}</head>
<body>
<a class="skip" href="#main">跳到正文</a>
<header class="site">
<p class="brand"><a href="${r}index.html">${SITE_NAME}</a></p>
<nav aria-label="网站导航"><ul>${nav}</ul></nav>
<button type="button" id="lang-switch" class="lang-switch" aria-pressed="false" title="简体 / 繁體">繁體</button>
</header>
<main id="main" tabindex="-1">
${opts.body}
</main>
<footer class="site">
<p>${SITE_NAME} 存档 · <a href="${r}feeds/all.xml">RSS</a> · <a href="${r}feeds/all.atom">Atom</a> · <a href="${r}feeds/all.json">JSON Feed</a></p>
</footer>
</body>
</html>
`;
}
