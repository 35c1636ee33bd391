/**
 * The reader end to end, in a real headless Chromium (src/testing/browser.ts), on an archive built the real
 * way from loopback feeds (src/testing/reader-archive.ts): two sources of Chinese articles (one edited once,
 * so it has a revision and a diff) and one article per XSS payload of test/fixtures/xss/payloads.txt.
 *
 * Twice, on the same walk: the static site opened from the disk (`file://…/index.html`, client-side search)
 * and `newsvault serve --port 0` (a process of its own, its URL read from its stdout; server-side search).
 * The walk: home → a source → an article (its mirrored image shown) → its versions → the diff; search for a
 * two-character word (普京: exactly the one right article; the traditional 俄羅斯 and the English "Putin"
 * find it too); the 简/繁 switch (the text and `<html lang>` change, a reload keeps the choice); the feed
 * links (each parses with Newsvault's own parser); every payload's article page, the payloads' source and
 * day pages, and search results that quote the payloads.
 *
 * On every page: no trap sprang (alert/confirm/prompt/print/open, `window.__xss`), the DOM holds nothing a
 * sanitised page must not (src/testing/browser.ts's unsafeMarkup), and no request went to another host
 * (requests are aborted and recorded; the one exception is an article image the archive could not mirror,
 * left at its original address on the feed's host by design, and then only with referrerpolicy=no-referrer).
 * Console errors and CSP violations are printed; a CSP violation of a script, frame, object, form, base or
 * connection directive fails (a sanitised page never provokes one). Screenshots of the home, article and
 * search pages at desktop (1280×800) and phone (375×812) width go to test-artifacts/screenshots/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { parseFeedSync } from '../src/parse/index.ts';
import { browserSkipReason, incidents, launchBrowser, screenshot, unsafeMarkup, watchedContext, BROWSER_TIMEOUT_MS, type Watch } from '../src/testing/browser.ts';
import { buildReaderArchive, type ReaderArchive } from '../src/testing/reader-archive.ts';
import { REPO_ROOT } from '../src/testing/repo.ts';
import { tempDir } from '../src/testing/tree.ts';

const skip = browserSkipReason();
let browser: Browser | undefined;
let fixture: ReaderArchive;
let serveChild: ChildProcess | undefined;
/** `newsvault serve` over the fixture, started as soon as the archive is built (it starts while the static walk runs). */
let serving: Promise<{ url: string; child: ChildProcess; stderr: () => string }>;

/** Without a CJK font, Chromium draws Chinese as boxes: the screenshots would show none of it. */
function cjkFontMissing(): boolean {
  const fc = spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8' });
  return !fc.error && fc.stdout.trim() === '';
}

before(async () => {
  if (skip) return;
  fixture = await buildReaderArchive();
  serving = startServe(fixture.root);
  // its failure is the serve test's, reported there
  serving.catch(() => undefined);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (serveChild && serveChild.exitCode === null) serveChild.kill('SIGKILL');
});

/** CSP directives whose violation means something tried to run, load or leave: a failure, never noise. */
const FATAL_CSP = /^(script-src|object-src|frame-src|child-src|base-uri|form-action|connect-src|worker-src|font-src|default-src|navigate-to)/;

/** One walk: its watched context, the site's root URL, the unsafe markup found on its pages and how many it checked. */
interface Walk {
  w: Watch;
  /** `file:///…/site/` or `http://127.0.0.1:<port>/`. */
  root: string;
  mode: 'static' | 'serve';
  unsafe: string[];
  visited: number;
}

/** The page's path relative to the site's root (no query). */
function rel(walk: Walk, url: string): string {
  const u = new URL(url);
  const root = new URL(walk.root);
  return decodeURIComponent(u.pathname.slice(root.pathname.length));
}

/** Checks the page now shown: unsafe markup is recorded (asserted at the end with everything else). */
async function inspect(walk: Walk, page = walk.w.page): Promise<void> {
  walk.visited++;
  for (const bad of await unsafeMarkup(page)) walk.unsafe.push(`${rel(walk, page.url())}: ${bad}`);
}

/** Opens a page of the site (a missing file or an HTTP error fails) and inspects it. */
async function open(walk: Walk, sitePath: string, page = walk.w.page): Promise<void> {
  const res = await page.goto(new URL(sitePath, walk.root).href, { waitUntil: 'load' });
  // file:// gives no response (a missing file throws); serve must answer 200
  if (res) assert.equal(res.status(), 200, `${sitePath} is served`);
  await inspect(walk, page);
}

/** Clicks the first element of `selector` that links to `target` (a path relative to the root), and waits for that page. */
async function follow(walk: Walk, selector: string, target: string): Promise<void> {
  const page = walk.w.page;
  const link = page.locator(selector).first();
  assert.ok((await link.count()) > 0, `${rel(walk, page.url())} has a link ${selector}`);
  await link.click();
  await page.waitForURL((u) => rel(walk, u.href) === target, { waitUntil: 'load' });
  await inspect(walk);
}

async function text(page: Page, selector = 'main'): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

/** Waits until `<html lang>` is `lang`, failing with what the page failed to load. */
async function langIs(walk: Walk, lang: string): Promise<void> {
  try {
    await walk.w.page.waitForFunction((l) => document.documentElement.lang === l, lang);
  } catch (err) {
    assert.fail(`<html lang> never became ${lang} on ${walk.w.page.url()} (failed requests: ${walk.w.failures.join(', ') || 'none'}): ${String(err)}`);
  }
}

/** Waits until the text of `selector` matches `pattern` (the 简/繁 switch converts after loading its converter). */
async function waitText(page: Page, pattern: RegExp, selector = 'main'): Promise<void> {
  try {
    await page.waitForFunction(([sel, src, flags]) => new RegExp(src, flags).test(document.querySelector(sel)?.textContent ?? ''), [selector, pattern.source, pattern.flags] as const);
  } catch (err) {
    assert.fail(`${selector} of ${page.url()} never matched ${String(pattern)}: ${(await text(page, selector)).slice(0, 300)}\n(${String(err)})`);
  }
}

/** The distinct article pages (relative to the root) that `#search-results` links to. */
async function resultPages(walk: Walk): Promise<string[]> {
  const hrefs = await walk.w.page.locator('#search-results a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  return [...new Set(hrefs.map((h) => rel(walk, h)).filter((p) => /^a\/[^/]+\/[a-z2-7]+\.html$/.test(p)))].sort();
}

/** Types a query into the search form and submits it; waits for the results (static: the client script's). */
async function search(walk: Walk, query: string): Promise<string[]> {
  const page = walk.w.page;
  if (rel(walk, page.url()) !== 'search.html') await follow(walk, 'header nav a[href$="search.html"]', 'search.html');
  await page.locator('#search-q').fill(query);
  await page.locator('#search-q').press('Enter');
  // the form submits search.html?q=…; the static page's script then fills the results from the client index
  await page.waitForURL((u) => u.searchParams.get('q') === query, { waitUntil: 'load' });
  // done: results listed, or the status line says there are none or the search failed (the client script says
  // how many it found before it has loaded and listed them, so a count alone is not done)
  try {
    await page.waitForFunction(() => {
      const status = document.querySelector('#search-status')?.textContent ?? '';
      return document.querySelectorAll('#search-results li').length > 0 || /没有找到|沒有找到|失败|失敗|error/i.test(status);
    });
  } catch (err) {
    assert.fail(`searching ${query} never ended (status: ${await text(page, '#search-status')}): ${String(err)}`);
  }
  await inspect(walk);
  assert.doesNotMatch(await text(page, '#search-status'), /失败|失敗|error/i, `searching ${query} works`);
  return resultPages(walk);
}

async function shots(walk: Walk, name: string): Promise<void> {
  const page = walk.w.page;
  await screenshot(page, `${walk.mode}-${name}-desktop`);
  await page.setViewportSize({ width: 375, height: 812 });
  await screenshot(page, `${walk.mode}-${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** A feed the page links to, as bytes: read from the disk (static) or over HTTP (serve). */
async function feedBytes(walk: Walk, href: string): Promise<{ body: Buffer; contentType: string | null }> {
  const url = new URL(href, href.startsWith('feeds/') ? walk.root : walk.w.page.url());
  if (url.protocol === 'file:') return { body: await fs.readFile(fileURLToPath(url)), contentType: null };
  const res = await walk.w.page.request.get(url.href);
  assert.equal(res.status(), 200, `${url.href} is served`);
  return { body: await res.body(), contentType: res.headers()['content-type'] ?? null };
}

/** The whole walk (see the top of this file). */
async function readerWalk(walk: Walk): Promise<void> {
  const { w } = walk;
  const page = w.page;
  const putin = fixture.putin;
  const history = `a/news/${putin.id}/history.html`;

  // home: the newest articles across sources, in simplified Chinese
  await open(walk, 'index.html');
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-Hans');
  if (walk.mode === 'static') {
    const meta = page.locator('head meta[http-equiv="Content-Security-Policy"]');
    assert.equal(await meta.count(), 1, 'the static page carries its policy in a <meta>');
    const csp = (await meta.getAttribute('content')) ?? '';
    assert.match(csp, /script-src /, 'the static page carries its policy in a <meta>');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, 'the policy allows no inline script');
  }
  for (const landmark of ['header', 'nav', 'main', 'footer']) assert.equal(await page.locator(landmark).count() > 0, true, `the home page has <${landmark}>`);
  const home = await text(page);
  assert.match(home, /普京会见俄罗斯能源官员/);
  assert.match(home, /联合国秘书长呼吁各方立即停火/);
  await shots(walk, 'home');
  // keyboard: the first Tab reaches the skip link, which takes the focus to the content
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), '#main', 'the first Tab stop is the skip link');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'the skip link moves the focus to <main>');

  // a source, then an article of it
  await follow(walk, 'a[href$="s/news/index.html"]', 's/news/index.html');
  const source = await text(page);
  for (const title of ['普京会见俄罗斯能源官员', '欧盟议会通过新气候法案', '日本央行维持利率不变']) assert.ok(source.includes(title), `the source page lists ${title}`);
  assert.ok(!source.includes('联合国秘书长'), "the source page lists only the source's articles");
  await follow(walk, `main a[href$="${putin.page.slice('a/news/'.length)}"]`, putin.page);
  assert.match(await text(page, 'h1'), /普京会见俄罗斯能源官员/);
  const body = await text(page, 'main');
  assert.match(body, /俄罗斯总统普京周二在莫斯科会见能源部门官员/);
  assert.match(body, /更新：克里姆林宫随后发表声明/, 'the article shows its current version');
  assert.match(body, /Vladimir Putin met energy officials/);
  // the mirrored image: from the site's own assets/, loaded, its alt text kept
  const img = page.locator('main img[alt="莫斯科的天然气管道"]');
  assert.equal(await img.count(), 1, 'the image and its alt text are kept');
  const imgSrc = await img.evaluate((el) => (el as HTMLImageElement).currentSrc || (el as HTMLImageElement).src);
  assert.match(rel(walk, imgSrc), /^assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.png$/, 'the image is the mirrored copy');
  await page.waitForFunction(() => document.querySelector<HTMLImageElement>('main img[alt="莫斯科的天然气管道"]')?.complete === true);
  assert.ok((await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)) > 0, 'the mirrored image loads');
  assert.ok((await page.locator('main a[href$="/news/putin-energy"]').count()) > 0, 'the article links to its original');
  await shots(walk, 'article');

  // its versions, and the diff between them
  await follow(walk, 'main a[href$="history.html"]', history);
  await follow(walk, 'main a[href$="diff-1.html"]', `a/news/${putin.id}/diff-1.html`);
  const inserted = (await page.locator('main ins').allTextContents()).join('');
  assert.match(inserted, /克里姆林宫随后发表声明/, 'the diff marks the added paragraph as inserted');
  assert.doesNotMatch((await page.locator('main del').allTextContents()).join(''), /俄罗斯总统普京/, 'the unchanged text is not marked deleted');

  // search: a two-character word has exactly one right answer (北京 and 普通 elsewhere hold each character)
  assert.deepEqual(await search(walk, '普京'), [putin.page], 'searching 普京 finds exactly the one article');
  assert.match(await text(page, '#search-results'), /普京会见俄罗斯能源官员/);
  await shots(walk, 'search');
  assert.deepEqual(await search(walk, '俄羅斯'), [putin.page], 'traditional 俄羅斯 finds the simplified article');
  assert.deepEqual(await search(walk, 'Putin'), [putin.page], 'an English word finds it');
  const none = await search(walk, '火星');
  assert.deepEqual(none, [], 'a word in no article finds nothing');

  // the feeds: the source's RSS link and the site's three, each parsed back by Newsvault's own parser
  await open(walk, 's/news/index.html');
  const sourceFeed = await page.locator('main a[href$="feeds/news.xml"]').first().getAttribute('href');
  assert.ok(sourceFeed, 'the source page links to its RSS feed');
  const feedHrefs: string[] = [sourceFeed];
  for (const ext of ['xml', 'atom', 'json']) {
    const href = await page.locator(`footer a[href$="feeds/all.${ext}"]`).first().getAttribute('href');
    assert.ok(href, `the footer links to feeds/all.${ext}`);
    feedHrefs.push(href);
  }
  for (const href of feedHrefs) {
    const { body: bytes, contentType } = await feedBytes(walk, href);
    const feed = parseFeedSync(bytes, { contentType });
    const titles = feed.items.map((i) => i.title);
    assert.ok(titles.includes(putin.title), `${href} holds the article (titles: ${titles.slice(0, 5).join(' | ')})`);
    if (href.endsWith('news.xml')) assert.ok(!titles.includes('联合国秘书长呼吁各方立即停火'), "the source's feed holds only its articles");
    if (walk.mode === 'serve') assert.match(contentType ?? '', /xml|json/, `${href} is served as a feed`);
  }
  // the payloads' source's feeds: well-formed whatever the items hold, every item a payload's
  for (const ext of ['xml', 'atom', 'json']) {
    const { body: bytes, contentType } = await feedBytes(walk, `feeds/xss.${ext}`);
    const feed = parseFeedSync(bytes, { contentType });
    assert.ok(feed.items.length > 0, `feeds/xss.${ext} holds the payloads' items`);
    for (const item of feed.items) assert.match(item.title ?? '', /^样本 \d+：/, `feeds/xss.${ext}: an item of the payloads' source`);
  }

  // 简 → 繁: the text and <html lang> change; a reload keeps the choice; and back
  await open(walk, 'index.html');
  await page.locator('#lang-switch').click();
  await langIs(walk, 'zh-Hant');
  await waitText(page, /歐盟議會通過新氣候法案/);
  assert.match(await text(page), /普京會見俄羅斯能源官員/);
  assert.doesNotMatch(await text(page), /欧盟议会/);
  await page.reload({ waitUntil: 'load' });
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-Hant', 'the choice is remembered across a reload');
  await waitText(page, /歐盟議會通過新氣候法案/);
  await inspect(walk);
  // in traditional: an article, and the pages that list every payload's title (the conversion must not turn text into markup)
  await open(walk, putin.page);
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-Hant');
  await waitText(page, /普京會見俄羅斯能源官員/, 'h1');
  await open(walk, 's/xss/index.html');
  await waitText(page, /樣本/);
  await inspect(walk);
  assert.ok((await search(walk, '样本')).length > 0, 'a search quoting the payloads finds them');
  await waitText(page, /樣本/, '#search-results');
  await inspect(walk);
  await open(walk, 'index.html');
  await page.locator('#lang-switch').click();
  await langIs(walk, 'zh-Hans');
  await waitText(page, /欧盟议会通过新气候法案/);

  // every payload's page, and the pages that list or quote them, in simplified
  await xssPages(walk);
  for (const list of ['index.html', 's/xss/index.html']) {
    await open(walk, list);
    // and the older pages of these lists, whatever the page size
    const pages = await page.locator('main a[href*="page/"]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    for (const older of new Set(pages)) await open(walk, rel(walk, older));
  }
  await open(walk, 'd/2024-05-10.html');
  await open(walk, 'sources.html');
  assert.ok((await search(walk, 'alert')).length > 0, 'a search for the payloads\' words finds them');
  assert.ok((await search(walk, 'script')).length > 0, 'a search for the payloads\' words finds them');
}

/** Tabs that open the payloads' pages side by side (a page load is mostly waiting). */
const TABS = 4;

/** Every payload's article page: it exists, shows its text, and runs nothing. */
async function xssPages(walk: Walk): Promise<void> {
  const queue = [...fixture.payloads];
  const tabs = [walk.w.page];
  while (tabs.length < TABS) tabs.push(await walk.w.context.newPage());
  try {
    await Promise.all(
      tabs.map(async (tab) => {
        for (let p = queue.shift(); p; p = queue.shift()) {
          const a = fixture.articles.get(p.guid);
          assert.ok(a, `payload ${p.n} was archived`);
          await open(walk, a.page, tab);
          assert.match(await text(tab, 'main'), new RegExp(`(恶意样本|惡意樣本)第 ${p.n} (号|號)`), `payload ${p.n}'s article shows its text`);
        }
      }),
    );
  } finally {
    for (const tab of tabs.slice(1)) await tab.close();
  }
}

/** Prints what the walk saw besides its verdict: counts, console errors, CSP violations, failed requests, incidents. */
function report(t: { diagnostic(s: string): void }, walk: Walk): void {
  const { w } = walk;
  if (cjkFontMissing()) t.diagnostic('no CJK font on this machine (fc-list :lang=zh): the screenshots show Chinese as boxes; apt-get install fonts-noto-cjk');
  t.diagnostic(`${walk.mode}: ${walk.visited} page(s) checked, ${w.requests.length} request(s), ${w.remoteImages.length} unmirrored image(s) aborted`);
  for (const e of w.consoleErrors.slice(0, 20)) t.diagnostic(`console error: ${e}`);
  for (const v of w.cspViolations.slice(0, 20)) t.diagnostic(`CSP violation: ${v}`);
  for (const f of w.failures.slice(0, 20)) t.diagnostic(`failed request: ${f}`);
  for (const i of [...incidents(w), ...walk.unsafe].slice(0, 40)) t.diagnostic(`INCIDENT ${i}`);
}

/** Asserts what the whole walk saw. */
function verdict(walk: Walk): void {
  const { w } = walk;
  assert.deepEqual(incidents(w), [], 'no payload ran, no request went to another host, no uncaught error');
  assert.deepEqual(walk.unsafe, [], 'no page holds unsafe markup');
  assert.deepEqual(
    w.cspViolations.filter((v) => FATAL_CSP.test(v)),
    [],
    'no page provoked a CSP violation of a script, frame, object, form, base or connection directive',
  );
  assert.ok(walk.visited > fixture.payloads.length, 'every page was visited');
}

test('the static site from file://: walk, search, 简/繁, diff, feeds; no payload runs, no other host is asked', { skip, timeout: 600_000 }, async (t) => {
  const w = await watchedContext(browser!, 'file', { remoteImagesFrom: fixture.feedOrigin });
  try {
    const walk: Walk = { w, root: `${pathToFileURL(fixture.site).href}/`, mode: 'static', unsafe: [], visited: 0 };
    try {
      await readerWalk(walk);
    } finally {
      report(t, walk);
    }
    verdict(walk);
  } finally {
    await w.close();
  }
});

/** `newsvault serve --archive <root> --port 0` in a process of its own; resolves with its URL once it prints it. */
async function startServe(root: string): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const script = path.join(await tempDir(), 'cli.mts');
  await fs.writeFile(script, `import { main } from ${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'src', 'cli', 'main.ts')).href)};\nprocess.exitCode = await main(process.argv);\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'serve', '--archive', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  serveChild = child;
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`newsvault serve printed no URL within ${BROWSER_TIMEOUT_MS} ms:\n${out}\n${err}`)), BROWSER_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/?)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.endsWith('/') ? m[1]! : `${m[1]!}/`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`newsvault serve exited ${code} before printing its URL:\n${out}\n${err}`));
    });
  });
  return { url, child, stderr: () => err };
}

test('newsvault serve: the same walk with server-side search; CSP sent as a header; no payload runs, no other host is asked', { skip, timeout: 600_000 }, async (t) => {
  const { url, child, stderr } = await serving;
  const w = await watchedContext(browser!, new URL(url).origin, { remoteImagesFrom: fixture.feedOrigin });
  try {
    const res = await w.page.goto(new URL('index.html', url).href, { waitUntil: 'load' });
    assert.equal(res?.status(), 200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src /, 'serve sends the policy as a header');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, 'the policy allows no inline script');
    const walk: Walk = { w, root: url, mode: 'serve', unsafe: [], visited: 0 };
    try {
      await readerWalk(walk);
    } finally {
      report(t, walk);
    }
    verdict(walk);
  } finally {
    await w.close();
    const code =
      child.exitCode ??
      (await new Promise<number | null>((resolve) => {
        child.once('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      }));
    assert.equal(code, 0, `serve stops cleanly on SIGTERM:\n${stderr()}`);
  }
});
