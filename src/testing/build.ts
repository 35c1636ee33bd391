/**
 * The compiled CLI, for tests that run `node bin/newsvault.js` as a user does, on the code of this checkout.
 *
 * It is compiled for the test process alone, into a folder of its own under `node_modules/.cache/` (so the
 * packages resolve as from dist/), the way `npm run build` compiles dist/ (scripts/build.mjs: tsc with
 * tsconfig.build.json, then the non-TypeScript runtime files of src/ beside the modules, then the packages
 * bundled into dist/vendor/ by scripts/vendor.mjs), with a copy of
 * bin/newsvault.js and package.json. The shared dist/ is neither read nor written: it may be stale, or
 * swapped by a build running meanwhile (`npm pack` in test/pack.test.ts). Types are not checked
 * (`--noCheck`: `npm run typecheck` does that), as tsx runs the other tests; the emitted code is the same.
 * The folder is removed when the process exits.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from './repo.ts';
import { removeOnExit } from './tree.ts';

/** Files of src/ that never reach dist/ (as scripts/build.mjs's isTestOnly). */
function testOnly(rel: string): boolean {
  const parts = rel.split(path.sep);
  const name = parts[parts.length - 1]!;
  return parts.includes('testdata') || parts[0] === 'testing' || name === 'test-helpers.ts' || /\.test\.[cm]?[jt]s$/.test(name);
}

let built: string | undefined;

/** Compiles this checkout's CLI (once per process) and returns the path of its bin/newsvault.js. Throws when tsc fails. */
export function builtCli(): string {
  if (built) return built;
  const dir = removeOnExit(path.join(REPO_ROOT, 'node_modules', '.cache', 'newsvault-test-cli', `${process.pid}-${Date.now()}`));
  const dist = path.join(dir, 'dist');
  const src = path.join(REPO_ROOT, 'src');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', dist, '--noCheck'], { encoding: 'utf8' });
  if (compiled.status !== 0) throw new Error(`compiling the CLI failed (tsc exit ${compiled.status}):\n${compiled.stdout}${compiled.stderr}`);
  const bundled = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'vendor.mjs'), dist], { encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`bundling the CLI's packages failed (exit ${bundled.status}):\n${bundled.stdout}${bundled.stderr}`);
  for (const e of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = path.relative(src, path.join(e.parentPath, e.name));
    if (/\.[cm]?ts$/.test(rel) || testOnly(rel)) continue;
    cpSync(path.join(src, rel), path.join(dist, rel));
  }
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'bin', 'newsvault.js'), path.join(dir, 'bin', 'newsvault.js'));
  cpSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  built = path.join(dir, 'bin', 'newsvault.js');
  return built;
}
