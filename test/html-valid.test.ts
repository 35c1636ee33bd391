/**
 * The reader's HTML is valid: every page of a site built from the reader's test archive (see
 * src/testing/reader-archive.ts: two sources, an edited article with its history and diff, and one article per
 * XSS payload, whose sanitised content must still be valid HTML) goes through the Nu HTML Checker (vnu-jar,
 * on the machine's Java; one JVM for all files), which must report no error; and so do the pages only
 * `newsvault serve` renders (search results, with highlighted snippets of the payloads, and its error pages).
 * Skipped, saying so, when there is no `java`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startServer } from '../src/serve/index.ts';
import { buildReaderArchive, type ReaderArchive } from '../src/testing/reader-archive.ts';
import { tempDir } from '../src/testing/tree.ts';

const javaMissing = spawnSync('java', ['-version'], { stdio: 'ignore' }).error ? 'java is missing (apt-get install default-jre-headless; .ci/run does): the HTML checker test is skipped' : undefined;

/** node_modules/vnu-jar/build/dist/vnu.jar, wherever node_modules is. */
const VNU_JAR = path.join(path.dirname(createRequire(import.meta.url).resolve('vnu-jar/package.json')), 'build', 'dist', 'vnu.jar');

interface VnuMessage {
  type: string;
  subType?: string;
  url?: string;
  lastLine?: number;
  lastColumn?: number;
  message: string;
  extract?: string;
}

/** Runs the checker once over `files`; its JSON report (on stderr) as messages. */
function vnu(files: string[]): Promise<{ code: number | null; messages: VnuMessage[]; raw: string }> {
  return new Promise((resolve, reject) => {
    // a deep stack for the schema (the checker needs 512k at least); C1 only and the serial collector: half the CPU of a default JVM for this short run
    const child = spawn('java', ['-Xss8m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', VNU_JAR, '--errors-only', '--format', 'json', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const raw = err.trim() || out.trim();
      try {
        resolve({ code, messages: (JSON.parse(raw) as { messages: VnuMessage[] }).messages, raw });
      } catch {
        reject(new Error(`the checker's output is not its JSON report (exit ${code}):\n${raw.slice(0, 4000)}`));
      }
    });
  });
}

async function htmlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.html')) out.push(path.join(e.parentPath, e.name));
  }
  return out.sort();
}

let fixture: ReaderArchive;

before(async () => {
  if (javaMissing) return;
  fixture = await buildReaderArchive();
});

test('every page of the built site passes the Nu HTML Checker with no error', { skip: javaMissing, timeout: 300_000 }, async (t) => {
  const files = await htmlFiles(fixture.site);
  const rel = (f: string): string => (f.startsWith(fixture.site) ? path.relative(fixture.site, f).split(path.sep).join('/') : path.basename(f));
  const names = new Set(files.map(rel));
  // the pages the checker must see: each kind of page, and the article of every payload
  for (const page of ['index.html', 'sources.html', 'search.html', 'd/index.html', 's/news/index.html', fixture.putin.page, `a/news/${fixture.putin.id}/history.html`, `a/news/${fixture.putin.id}/diff-1.html`]) {
    assert.ok(names.has(page), `the site has ${page}`);
  }
  for (const p of fixture.payloads) {
    const a = fixture.articles.get(p.guid);
    assert.ok(a, `payload ${p.n} was archived`);
    assert.ok(names.has(a.page), `the site has the article page of payload ${p.n}`);
  }
  assert.ok([...names].some((n) => /^d\/\d{4}-\d{2}-\d{2}\.html$/.test(n)), 'the site has day pages');

  // the pages serve renders itself, saved beside the site's for the same run of the checker
  const served = await tempDir();
  const server = await startServer({ root: fixture.root, host: '127.0.0.1', port: 0 });
  try {
    const pages: Record<string, string> = {
      'search-putin': 'search.html?q=%E6%99%AE%E4%BA%AC',
      'search-payloads': 'search.html?q=%E6%A0%B7%E6%9C%AC',
      'search-script': 'search.html?q=script',
      'search-empty': 'search.html',
      'search-unparsable': 'search.html?q=%22',
      'not-found': 'a/news/nosuchpage0.html',
    };
    for (const [name, url] of Object.entries(pages)) {
      const res = await fetch(new URL(url, server.url));
      const type = res.headers.get('content-type') ?? '';
      const body = await res.text();
      if (!/text\/html/.test(type)) continue;
      const file = path.join(served, `serve-${name}.html`);
      await fs.writeFile(file, body);
      files.push(file);
    }
  } finally {
    await server.close();
  }
  assert.ok(files.some((f) => f.endsWith('serve-search-putin.html')), 'serve renders its search results as HTML');

  const { code, messages } = await vnu(files);
  const errors = messages.filter((m) => m.type === 'error' || m.subType === 'fatal' || m.type === 'non-document-error');
  if (errors.length) {
    t.diagnostic(`${errors.length} error(s) in ${new Set(errors.map((e) => e.url)).size} of ${files.length} page(s):`);
    for (const e of errors.slice(0, 60)) {
      const where = e.url ? rel(decodeURIComponent(new URL(e.url).pathname)) : '?';
      t.diagnostic(`${where}:${e.lastLine ?? '?'}:${e.lastColumn ?? '?'} ${e.message}${e.extract ? `  «${e.extract.replace(/\s+/g, ' ').slice(0, 120)}»` : ''}`);
    }
  }
  assert.deepEqual(
    errors.map((e) => `${e.url ? rel(decodeURIComponent(new URL(e.url).pathname)) : '?'}:${e.lastLine ?? '?'} ${e.message}`),
    [],
    `the checker found errors in the ${files.length} page(s)`,
  );
  assert.equal(code, 0, 'the checker exits 0');
});
