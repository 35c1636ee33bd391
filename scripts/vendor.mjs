/**
 * The build's second step (scripts/build.mjs runs it on the freshly compiled tree): the npm packages that the
 * compiled modules import become a few files under `dist/vendor/`, and the modules import those files instead.
 *
 * Why: Node 20 loads an ES module graph file by file (resolve, read, compile, link each), and the packages the
 * pipeline imports are hundreds of small files: `run` spent about 600 ms of CPU loading its modules, a site
 * build's thread about 400 ms, before doing any work. Bundled, the same code loads in roughly half that
 * (docs/benchmarks.md, "The packages bundled"). Node 20 has no compile cache to do this for us (22 has).
 *
 * How, with esbuild (the bundler tsx already uses):
 * - every compiled module of ours is an entry point, and every import between our modules stays as it is
 *   (external): each module keeps its own file, so `import.meta.url` (data files found beside it, a module
 *   starting itself on a worker thread) means what it meant;
 * - the packages they import (static or `import()` with a literal name) are bundled with code splitting: code
 *   used by one module is inlined into it, code shared by several goes to one chunk under `dist/vendor/`, so
 *   each package's code exists once (one undici, one global dispatcher) and is loaded only by the modules
 *   that imported it, when they are loaded (lazy imports stay lazy);
 * - what cannot be bundled stays a plain import from node_modules: Node's built-ins, packages with native code
 *   or files they find at run time (better-sqlite3, pino and its transports), and whatever our code loads
 *   with `createRequire` (lazily, on purpose).
 * `dist/vendor/chunks.json` lists the packages in each chunk and in each of our modules (test/pack.test.ts
 * reads it to check what `--help` loads).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** Packages never bundled: native code, or files of their own found at run time. */
const UNBUNDLED = new Set(['better-sqlite3', 'pino', 'pino-pretty', 'thread-stream']);
const BUILTINS = new Set(builtinModules);
/** esbuild's `__require` (0.28: `var __require = /* @__PURE__ *\/ ((x) => typeof require !== "undefined" ? require : …`). */
const REQUIRE_SHIM = /^var __require = .*typeof require !== "undefined"/m;

/** The package a bare specifier names: `zod`, `@hono/node-server`, `opencc-js` (from `opencc-js/cn2t`). */
function packageOf(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The package a bundled file belongs to (`…/node_modules/<pkg>/…`). */
function inputPackage(file) {
  const marker = `node_modules${path.sep}`;
  return packageOf(file.slice(file.lastIndexOf(marker) + marker.length).split(path.sep).join('/'));
}

/**
 * Rewrites `dir` (a compiled dist/ tree) in place. Returns how many modules and chunks it wrote.
 * @param {string} dir
 */
export async function vendor(dir) {
  const entryPoints = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort();
  // (the tree may itself sit under a node_modules: the build compiles into node_modules/.cache)
  const isOurs = (file) => {
    const rel = path.relative(dir, file);
    return !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('node_modules');
  };
  const ours = {
    name: 'newsvault-ours-external',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        // an import between our modules, a built-in, an unbundled package: left as written
        if (args.path.startsWith('.') || args.path.startsWith('/')) {
          return isOurs(args.importer) ? { path: args.path, external: true } : undefined;
        }
        if (args.path.startsWith('node:') || BUILTINS.has(args.path)) return { path: args.path, external: true };
        if (UNBUNDLED.has(packageOf(args.path))) return { path: args.path, external: true };
        return undefined;
      });
    },
  };
  const result = await esbuild.build({
    entryPoints,
    outdir: dir,
    outbase: dir,
    allowOverwrite: true,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'vendor/[name]-[hash]',
    plugins: [ours],
    metafile: true,
    write: false,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  // bundled CommonJS calls `require` for Node's built-ins through esbuild's `__require`, which uses the
  // `require` of the file that defines it: give those files one (none of our modules names a `require`)
  const banner = "import { createRequire as __newsvaultCreateRequire } from 'node:module';\nconst require = __newsvaultCreateRequire(import.meta.url);\n";
  for (const file of result.outputFiles) {
    const text = file.text;
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, REQUIRE_SHIM.test(text) ? banner + text : text);
  }
  const listing = { chunks: {}, modules: {} };
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    const rel = path.relative(dir, path.resolve(out)).split(path.sep).join('/');
    const packages = [...new Set(Object.keys(meta.inputs).map((f) => path.resolve(f)).filter((f) => f.includes(`node_modules${path.sep}`) && !isOurs(f)).map(inputPackage))].sort();
    if (rel.startsWith('vendor/')) listing.chunks[rel] = packages;
    else if (packages.length > 0) listing.modules[rel] = packages;
  }
  writeFileSync(path.join(dir, 'vendor', 'chunks.json'), `${JSON.stringify(listing, null, 2)}\n`);
  return { modules: entryPoints.length, chunks: Object.keys(listing.chunks).length };
}

// by hand, on a compiled tree: node scripts/vendor.mjs [DIR]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await vendor(path.resolve(process.argv[2] ?? 'dist'));
  console.error(`vendor: ${r.modules} modules, ${r.chunks} chunks`);
}
