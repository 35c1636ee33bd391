#!/usr/bin/env node
/**
 * `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json: `.ts` imports become `.js`),
 * after emptying dist/, bundles the npm packages the compiled modules import into dist/vendor/ (scripts/vendor.mjs
 * says why and how), then copies the runtime files that are not TypeScript (the built-in site rules,
 * src/extract/rules/*.txt, and any other non-TS file under src/ outside tests and test data) beside
 * the compiled modules, so that code finding them with `new URL(…, import.meta.url)` finds them in
 * dist/ too. package.json is read as `../../package.json` from src/<stage>/ and dist/<stage>/ alike.
 *
 * The new dist/ is built in a scratch folder and swapped in by two renames, so that a `newsvault`
 * started meanwhile (or a second build: `npm pack` runs this twice, through prepack and prepare) never
 * finds dist/ missing or half written.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vendor } from './vendor.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const scratch = path.join(root, 'node_modules', '.cache', 'newsvault-build');
const out = path.join(scratch, `dist-${process.pid}`);

/** Tests, test data and test helpers: never compiled, never copied (as tsconfig.build.json's exclude). */
function isTestOnly(rel) {
  const parts = rel.split(path.sep);
  const name = parts[parts.length - 1];
  return (
    parts.includes('testdata') ||
    parts[0] === 'testing' ||
    name === 'test-helpers.ts' ||
    /\.test\.[cm]?[jt]s$/.test(name)
  );
}

rmSync(out, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
if (compiled.status !== 0) {
  rmSync(out, { recursive: true, force: true });
  console.error('build: tsc failed');
  process.exit(compiled.status ?? 1);
}

// the compiled modules only (before the runtime files are copied: the site's browser scripts are not ours to bundle)
let bundled;
try {
  bundled = await vendor(out);
} catch (err) {
  rmSync(out, { recursive: true, force: true });
  console.error(`build: bundling the packages failed: ${err.message}`);
  process.exit(1);
}

let copied = 0;
for (const rel of readdirSync(src, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => path.relative(src, path.join(e.parentPath ?? e.path, e.name)))
  .sort()) {
  if (/\.[cm]?ts$/.test(rel) || isTestOnly(rel)) continue;
  cpSync(path.join(src, rel), path.join(out, rel));
  copied++;
}

// swap: the old dist/ aside, the new one in its place (again if another build put its own there meanwhile)
const old = [];
for (let i = 0; ; i++) {
  const aside = path.join(scratch, `old-${process.pid}-${i}`);
  try {
    renameSync(dist, aside);
    old.push(aside);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  try {
    renameSync(out, dist);
    break;
  } catch (err) {
    if (!['ENOTEMPTY', 'EEXIST'].includes(err.code) || i >= 20) throw err;
  }
}
for (const dir of old) rmSync(dir, { recursive: true, force: true });
console.error(`build: compiled src/ to dist/, copied ${copied} runtime file(s), bundled the packages ${bundled.modules} modules import into ${bundled.chunks} shared chunk(s) (dist/vendor/)`);
