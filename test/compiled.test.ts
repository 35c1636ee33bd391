/**
 * The compiled CLI as it ships: tsc's modules with the npm packages bundled into dist/vendor/ (scripts/vendor.mjs).
 * The other tests run the TypeScript through tsx, so this is where a bundling mistake would show: a module that no
 * longer loads (a package's `require` of a built-in, a chunk missing), a package still imported by name beside its
 * bundled copy (two undicis), or a command that breaks only when bundled. Built as the other tests of the compiled
 * CLI build it (src/testing/build.ts, which runs the same bundling step as `npm run build`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { builtCli } from '../src/testing/build.ts';
import { REPO_ROOT } from '../src/testing/repo.ts';
import { tempDir } from '../src/testing/tree.ts';

interface Listing {
  chunks: Record<string, string[]>;
  modules: Record<string, string[]>;
}

const bin = builtCli();
const dist = path.join(path.dirname(path.dirname(bin)), 'dist');
const listing = JSON.parse(readFileSync(path.join(dist, 'vendor', 'chunks.json'), 'utf8')) as Listing;
const modules = readdirSync(dist, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.js'))
  .map((e) => path.relative(dist, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
  .filter((rel) => existsSync(path.join(REPO_ROOT, 'src', rel.replace(/\.js$/, '.ts')))) // compiled, not copied (the site's browser scripts)
  .sort();

/** The bare specifiers a compiled module imports (static, re-exported or `import()` with a literal; comments skipped). */
function bareImports(code: string): string[] {
  return [...new Set(ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName).filter((f) => !/^[./]/.test(f)))];
}

function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

test('the packages are bundled: shared chunks under dist/vendor/, and no module imports a bundled package by name', () => {
  const bundled = new Set([...Object.values(listing.chunks), ...Object.values(listing.modules)].flat());
  for (const p of ['undici', 'zod', 'yaml', 'commander', 'sanitize-html', 'hono']) assert.ok(bundled.has(p), `${p} is bundled`);
  for (const chunk of Object.keys(listing.chunks)) assert.ok(existsSync(path.join(dist, chunk)), `${chunk} exists`);
  assert.ok(modules.length > 100, `the compiled modules: ${modules.length}`);
  // the runtime files copied beside the modules are as in src/ (the browser scripts are not bundled)
  for (const rel of ['site/static/site.js', 'site/static/search.js']) {
    assert.equal(readFileSync(path.join(dist, rel), 'utf8'), readFileSync(path.join(REPO_ROOT, 'src', rel), 'utf8'), rel);
  }
  const builtins = new Set(builtinModules);
  const byName: string[] = [];
  for (const rel of modules) {
    for (const spec of bareImports(readFileSync(path.join(dist, rel), 'utf8'))) {
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      if (bundled.has(packageOf(spec))) byName.push(`${rel} imports ${spec}`);
    }
  }
  assert.deepEqual(byName, [], 'a bundled package is imported by name too (two copies of it)');
  // the command line's own module stays small: the pipeline is not pulled into it
  assert.deepEqual(listing.modules['cli/main.js'] ?? [], []);
});

test('every compiled module loads', async () => {
  const code = `
    const failed = [];
    for (const url of JSON.parse(process.argv[1])) {
      try { await import(url); } catch (err) { failed.push(url.replace(/^.*\\/dist\\//, '') + ': ' + (err?.stack ?? err)); }
    }
    process.stdout.write(JSON.stringify(failed));`;
  const urls = modules.map((rel) => pathToFileURL(path.join(dist, rel)).href);
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code, JSON.stringify(urls)], { maxBuffer: 1 << 24, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout));
  });
  assert.deepEqual(JSON.parse(out), []);
});

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, maxBuffer: 1 << 24, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

test('the bundled CLI runs, builds the site, searches and serves', { timeout: 5 * 60_000 }, async (t) => {
  const dir = await tempDir('newsvault-compiled-');
  const archive = path.join(dir, 'archive');
  const site = path.join(dir, 'site');
  const feed = path.join(REPO_ROOT, 'examples', 'sample-feed.xml');
  const ran = await cli(['run', '--archive', archive, '--feed', feed], dir);
  assert.equal(ran.code, 0, ran.stderr);
  const built = await cli(['build', '--archive', archive, '--out', site], dir);
  assert.equal(built.code, 0, built.stderr);
  assert.match(await fs.readFile(path.join(site, 'index.html'), 'utf8'), /<html lang="zh-Hans">/);
  assert.ok(existsSync(path.join(site, 'search')), 'the search index was written (its own thread)');
  const found = await cli(['search', '--archive', archive, '图书'], dir);
  assert.equal(found.code, 0, found.stderr);
  assert.match(found.stdout, /城市图书馆延长开放时间/, 'a two-character word finds the article (examples/sample-feed.xml)');

  // serve: the reader answers on a port of its own, then stops on SIGTERM
  const server = spawn(process.execPath, [bin, 'serve', '--archive', archive, '--port', '0'], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
  t.after(() => server.kill('SIGKILL'));
  let said = '';
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout.on('data', (b: Buffer) => {
      said += b.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(said);
      if (m) resolve(m[0]);
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${said}`)));
  });
  const home = await fetch(url);
  assert.equal(home.status, 200);
  assert.match(home.headers.get('content-security-policy') ?? '', /script-src/);
  assert.match(await home.text(), /<html lang="zh-Hans">/);
});
