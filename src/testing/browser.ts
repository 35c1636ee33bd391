/**
 * A real headless Chromium for the reader's end-to-end tests: Debian's `chromium` driven by playwright-core,
 * with flags that keep it off the (closed) network, and a watched browser context that records
 *
 * - every request a page makes: a request to any origin but the site's own (its `http://127.0.0.1:<port>`,
 *   or `file://` for the static site opened from disk) is **aborted** and recorded as foreign;
 * - every call of the traps an XSS payload would spring: `alert`, `confirm`, `prompt`, `print`, `open`,
 *   and an assignment to the global `window.__xss` (in every frame, from before any script of the page runs);
 * - console errors, uncaught page errors and Content-Security-Policy violations (`securitypolicyviolation`);
 * - what the DOM holds that a sanitised page must never hold ({@link unsafeMarkup}).
 *
 * One browser per test file (`launchBrowser`, closed in `after`); one watched context per scenario.
 */
import { existsSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from './repo.ts';

/** Debian's chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';

/** Without these Chromium phones home (component updates, sync, safe browsing…) and floods the closed network. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Why the browser tests cannot run here, or undefined when they can (for `test(…, { skip })`). */
export function browserSkipReason(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium; .ci/run does): the browser tests are skipped`;
  return undefined;
}

/** Generous: CI machines are busy. A limit that only turns a hang into a failure, never a verdict on speed. */
export const BROWSER_TIMEOUT_MS = 60_000;

/** Launches the headless Chromium (close it in `after`). */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS], timeout: BROWSER_TIMEOUT_MS });
}

/** One call of a trap: which, with what, in which frame. */
export interface TrapCall {
  trap: string;
  detail: string;
  frame: string;
}

/** What a watched context saw. */
export interface Watch {
  context: BrowserContext;
  page: Page;
  /** Every URL requested, in order (the site's own included). */
  requests: string[];
  /** Requests to another origin (each was aborted), but for the remote images below. */
  foreign: string[];
  /**
   * Image requests to the origin named `remoteImagesFrom` (aborted too): an article's image that the archive
   * could not mirror keeps its original URL, by design (issue 11), so such a request is no failure by itself.
   */
  remoteImages: string[];
  traps: TrapCall[];
  consoleErrors: string[];
  pageErrors: string[];
  /** `status URL` of each response with an HTTP error, and `failed URL (reason)` of each request that got none (aborted ones included). */
  failures: string[];
  /** `directive blockedURI (source file:line)` of each CSP violation. */
  cspViolations: string[];
  close(): Promise<void>;
}

/**
 * Runs in every frame before the page's own scripts. The traps call the binding `__newsvaultTrap` that
 * Node exposes; they record even when the page navigates away right after.
 */
const INIT_SCRIPT = `(() => {
  const report = (trap, detail) => {
    try { window.__newsvaultTrap(trap, String(detail)); } catch (_) {}
  };
  for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
    const trapped = function (...args) { report(name, args.map(String).join(', ')); return null; };
    try { Object.defineProperty(window, name, { value: trapped, writable: false, configurable: false }); } catch (_) { window[name] = trapped; }
  }
  let xss;
  Object.defineProperty(window, '__xss', {
    configurable: false,
    get() { return xss; },
    set(v) { xss = v; report('__xss', v); },
  });
  document.addEventListener('securitypolicyviolation', (e) => {
    report('csp', e.violatedDirective + ' ' + (e.blockedURI || '(inline)') + ' (' + (e.sourceFile || '') + ':' + e.lineNumber + ')');
  }, true);
})();`;

/**
 * A new browser context (its own cookies and storage) whose pages may reach `origin` alone
 * (`'file'` for pages opened from disk, else e.g. `http://127.0.0.1:8080`).
 */
export async function watchedContext(
  browser: Browser,
  origin: 'file' | string,
  opts: { viewport?: { width: number; height: number }; remoteImagesFrom?: string } = {},
): Promise<Watch> {
  const viewport = opts.viewport ?? { width: 1280, height: 800 };
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'block' });
  context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
  const w: Omit<Watch, 'page' | 'close'> = { context, requests: [], foreign: [], remoteImages: [], traps: [], consoleErrors: [], pageErrors: [], failures: [], cspViolations: [] };
  const own = (url: string): boolean => {
    if (origin === 'file') return url.startsWith('file://');
    try {
      return new URL(url).origin === origin;
    } catch {
      return false;
    }
  };
  await context.exposeBinding('__newsvaultTrap', (source, trap: unknown, detail: unknown) => {
    const call = { trap: String(trap), detail: String(detail), frame: source.frame.url() };
    if (call.trap === 'csp') w.cspViolations.push(`${call.detail} on ${call.frame}`);
    else w.traps.push(call);
  });
  await context.addInitScript({ content: INIT_SCRIPT });
  const remoteImage = (url: string, type: string): boolean => {
    if (!opts.remoteImagesFrom || type !== 'image') return false;
    try {
      return new URL(url).origin === opts.remoteImagesFrom;
    } catch {
      return false;
    }
  };
  // file:// requests are not routed (Playwright routes network requests only); they are the site's own
  await context.route('**/*', async (route) => {
    const req = route.request();
    if (own(req.url())) await route.continue();
    else await route.abort('blockedbyclient');
  });
  context.on('request', (req) => {
    const url = req.url();
    w.requests.push(url);
    // data: and blob: URLs never leave the page; anything else that is not the site's own is foreign
    if (own(url) || /^(data|blob|about):/i.test(url)) return;
    if (remoteImage(url, req.resourceType())) w.remoteImages.push(url);
    else w.foreign.push(`${url} (${req.resourceType()})`);
  });
  context.on('response', (res) => {
    if (res.status() >= 400) w.failures.push(`${res.status()} ${res.url()}`);
  });
  context.on('requestfailed', (req) => w.failures.push(`failed ${req.url()} (${req.failure()?.errorText ?? '?'})`));
  context.on('weberror', (e) => w.pageErrors.push(String(e.error())));
  const watchPage = (p: Page): void => {
    p.on('console', (m) => {
      if (m.type() === 'error') w.consoleErrors.push(`${m.text()} (${p.url()})`);
    });
    p.on('websocket', (ws) => w.foreign.push(ws.url()));
  };
  context.on('page', watchPage);
  const page = await context.newPage();
  return { ...w, page, close: () => context.close() };
}

/** Every trap call, foreign request and page error so far, one per line (empty when clean). */
export function incidents(w: Watch): string[] {
  return [
    ...w.traps.map((t) => `payload ran: ${t.trap}(${t.detail}) in ${t.frame}`),
    ...w.foreign.map((u) => `request to another host: ${u}`),
    ...w.pageErrors.map((e) => `uncaught error: ${e}`),
  ];
}

/**
 * Runs in the page (as source text: a function of this module would carry the helpers tsx's transpiler adds,
 * which the page does not have). Returns a list of findings.
 */
const UNSAFE_SCAN = `(() => {
  const bad = [];
  const show = (el) => el.outerHTML.slice(0, 160);
  // browsers drop ASCII white space and control characters inside a URL's scheme
  const unsafeUrl = (v) => /^(javascript|vbscript|data):/.test(v.replace(/[\\u0000-\\u0020\\u007f-\\u009f]+/g, '').toLowerCase());
  const origin = (v) => { try { return new URL(v, document.baseURI).origin; } catch (e) { return 'invalid'; } };
  if (window.__xss !== undefined) bad.push('window.__xss is ' + String(window.__xss));
  const URL_ATTRS = ['href', 'xlink:href', 'src', 'action', 'formaction', 'data', 'poster', 'background', 'codebase', 'cite', 'ping'];
  const EMBEDS = ['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'portal'];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (tag === 'script') {
      const src = el.getAttribute('src');
      if (!src) { if (/alert|__xss|prompt|confirm/.test(el.textContent || '')) bad.push('inline script: ' + show(el)); }
      else if (unsafeUrl(src) || origin(src) !== location.origin) bad.push('foreign script: ' + show(el));
    }
    if (EMBEDS.includes(tag)) bad.push('<' + tag + '>: ' + show(el));
    if (tag === 'meta' && /refresh/i.test(el.getAttribute('http-equiv') || '')) bad.push('meta refresh: ' + show(el));
    if (tag === 'form' && !(el.id === 'search-form' || el.getAttribute('role') === 'search')) bad.push('form: ' + show(el));
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) bad.push('event handler ' + name + ': ' + show(el));
      else if (name === 'srcdoc') bad.push('srcdoc: ' + show(el));
      else if (URL_ATTRS.includes(name)) {
        const dataImage = name === 'src' && /^\\s*data:image\\/(png|jpe?g|gif|webp|avif)[;,]/i.test(attr.value);
        if (unsafeUrl(attr.value) && !dataImage) bad.push(name + '=' + attr.value.slice(0, 60) + ': ' + show(el));
      } else if (name === 'style' && /position\\s*:\\s*(fixed|absolute|sticky)|url\\s*\\(|expression\\s*\\(/i.test(attr.value)) bad.push('style escaping the article: ' + show(el));
    }
  }
  // an image left at its original address must not tell that host which page shows it
  for (const img of document.images) {
    const src = img.getAttribute('src') || '';
    let remote = false;
    try { const u = new URL(src, document.baseURI); remote = /^https?:$/.test(u.protocol) && u.origin !== location.origin; } catch (e) { remote = false; }
    if (remote && img.referrerPolicy !== 'no-referrer') bad.push('remote image without referrerpolicy=no-referrer: ' + show(img));
  }
  return bad;
})()`;

/**
 * What the page's DOM (and its frames') holds that a sanitised page must not: a script that is not a file
 * of the site, an inline event handler, a `javascript:`/`vbscript:`/`data:` URL in a link, a form target or
 * an embedding attribute (`data:image/…` images excepted), an iframe/frame/object/embed, `<base>`, a
 * `<meta http-equiv=refresh>`, a form other than the search form, an inline style that positions an element
 * outside the article or loads a URL, a remote image sent with a referrer, and a global `__xss` that is set.
 * Empty when clean.
 */
export async function unsafeMarkup(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const frame of page.frames()) {
    if (frame.isDetached()) continue;
    const url = frame.url();
    const here = await frame.evaluate<string[]>(UNSAFE_SCAN).catch((err: unknown) => [`could not inspect the frame: ${String(err)}`]);
    found.push(...here.map((b) => `${b} (in ${url})`));
  }
  return found;
}

/** Where screenshots go: `test-artifacts/screenshots/` (git-ignored; CI keeps the folder as an artefact). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-artifacts', 'screenshots');

/** Saves a full-page screenshot as `<SCREENSHOT_DIR>/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: BROWSER_TIMEOUT_MS });
  return file;
}
