#!/usr/bin/env node
/**
 * `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json: `.ts` imports become `.js`),
 * after emptying dist/, then copies the runtime files that are not TypeScript (the built-in site rules,
 * src/extract/rules/*.txt, and any other non-TS file under src/ outside tests and test data) beside
 * the compiled modules, so that code finding them with `new URL(…, import.meta.url)` finds them in
 * dist/ too. package.json is read as `../../package.json` from src/<stage>/ and dist/<stage>/ alike.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

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

rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error('build: tsc failed');
  process.exit(compiled.status ?? 1);
}

let copied = 0;
for (const rel of readdirSync(src, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => path.relative(src, path.join(e.parentPath ?? e.path, e.name)))
  .sort()) {
  if (/\.[cm]?ts$/.test(rel) || isTestOnly(rel)) continue;
  cpSync(path.join(src, rel), path.join(dist, rel));
  copied++;
}
console.error(`build: compiled src/ to dist/, copied ${copied} runtime file(s)`);
