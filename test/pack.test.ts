/**
 * Installs Newsvault as a user would: `npm pack` (its prepack builds dist/), `npm install` of the tarball
 * into an empty prefix, then the installed `newsvault` binary: `--help` (without loading the pipeline)
 * and a real run on the bundled sample feed. Slow (it installs the dependencies, from npm's cache when
 * it can), hence the generous timeout; nothing in it depends on the machine's speed otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const COMMANDS = ['run', 'init', 'sources', 'status', 'extract', 'inspect'];
/** What `newsvault --help` must not load: the pipeline and its heavy dependencies. */
const HEAVY = /^(undici|linkedom|sax|better-sqlite3|@mozilla\/readability|yaml|zod)$/;
const PIPELINE = /\/node_modules\/(undici|linkedom|sax|better-sqlite3|@mozilla\/readability|yaml|zod)\/|\/dist\/(run|fetch\/index|parse|extract|archive|publish)\//;

/** The environment of the child processes: without what an enclosing `npm test` or tsx set. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_lifecycle_|npm_package_|npm_config_(local_)?prefix$|INIT_CWD$|NODE_OPTIONS$|NEWSVAULT_)/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(r: Ran, what: string): void {
  assert.equal(r.code, 0, `${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
}

/** A module hook that lists every module the process resolves, printed to stderr at exit. */
const LIST_MODULES = `import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on('message', (url) => seen.push(url));
port1.unref();
register('data:text/javascript,let p;export function initialize(d){p=d.port}export async function resolve(s,c,n){const r=await n(s,c);p.postMessage(r.url);return r}', { data: { port: port2 }, transferList: [port2] });
process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify(seen) + '\\n'));
`;

test('npm pack, npm install of the tarball, then the installed newsvault works', { timeout: 20 * 60_000 }, async (t) => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'newsvault-pack-'));
  t.after(() => fs.rm(tmp, { recursive: true, force: true }));
  const packDir = path.join(tmp, 'pack');
  const prefix = path.join(tmp, 'prefix');
  const archive = path.join(tmp, 'archive');
  await fs.mkdir(packDir);
  await fs.mkdir(prefix);

  // the tarball: built JavaScript, the bin, the docs; no sources, tests, fixtures, keys or benchmarks
  ok(await run('npm', ['pack', '--pack-destination', packDir, '--no-audit', '--no-fund'], repo), 'npm pack');
  const tarballs = (await fs.readdir(packDir)).filter((f) => f.endsWith('.tgz'));
  assert.equal(tarballs.length, 1, `one tarball in ${packDir}: ${tarballs.join(', ')}`);
  const tarball = path.join(packDir, tarballs[0]!);
  const listing = await run('tar', ['-tzf', tarball], tmp);
  ok(listing, 'tar -tzf');
  const files = listing.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  assert.ok(files.includes('bin/newsvault.js'));
  assert.ok(files.includes('dist/cli/main.js'));
  assert.ok(files.includes('dist/extract/rules/rfi.fr.txt'), 'the built-in site rules ship beside the compiled code');
  assert.ok(files.includes('dist/vendor/chunks.json'), 'the bundled packages ship with the compiled code');
  assert.ok(files.includes('README.md'));
  const unwanted = files.filter(
    (f) => !/^(bin|dist|docs)\//.test(f) && !/^(README\.md|LICENSE|package\.json)$/.test(f)
      || /\.test\.|testdata|test-helpers|\/testing\/|\.pem$|\.ts$/.test(f),
  );
  assert.deepEqual(unwanted, [], 'nothing else in the tarball');

  ok(await run('npm', ['install', '--prefix', prefix, tarball, '--no-audit', '--no-fund', '--prefer-offline'], prefix), 'npm install');
  assert.equal(existsSync(path.join(prefix, 'node_modules', 'tsx')), false, 'tsx is not installed: the bin runs plain JavaScript');
  const bin = path.join(prefix, 'node_modules', '.bin', 'newsvault');

  const help = await run(bin, ['--help'], tmp);
  ok(help, 'newsvault --help');
  for (const c of COMMANDS) assert.match(help.stdout, new RegExp(`^ {2}${c} `, 'm'), `--help lists ${c}`);
  const version = await run(bin, ['--version'], tmp);
  ok(version, 'newsvault --version');
  assert.equal(version.stdout.trim(), JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8')).version);

  // --help loads the command line only, not the pipeline
  const hook = path.join(tmp, 'list-modules.mjs');
  await fs.writeFile(hook, LIST_MODULES);
  const listed = await run(process.execPath, ['--import', hook, path.join(prefix, 'node_modules', 'newsvault', 'bin', 'newsvault.js'), 'run', '--help'], tmp);
  ok(listed, 'newsvault run --help (modules listed)');
  const modules = JSON.parse(/^MODULES (.*)$/m.exec(listed.stderr)?.[1] ?? 'null') as string[] | null;
  assert.ok(modules?.some((u) => u.endsWith('/dist/cli/main.js')), `the hook saw the CLI load: ${listed.stderr}`);
  assert.ok(modules);
  assert.deepEqual(modules.filter((u) => PIPELINE.test(u)), [], '--help loaded none of the pipeline');
  // nor the packages bundled into dist/vendor/ (the build lists what each chunk holds)
  const installed = path.join(prefix, 'node_modules', 'newsvault', 'dist');
  const vendored = JSON.parse(await fs.readFile(path.join(installed, 'vendor', 'chunks.json'), 'utf8')) as { chunks: Record<string, string[]> };
  const chunks = modules.filter((u) => /\/dist\/vendor\//.test(u)).map((u) => /\/dist\/(vendor\/.*)$/.exec(u)![1]!);
  assert.ok(chunks.length > 0 && chunks.every((c) => c in vendored.chunks), `the CLI's packages come from dist/vendor/ chunks the build listed: ${chunks.join(', ')}`);
  assert.deepEqual(chunks.flatMap((c) => vendored.chunks[c]!).filter((p) => HEAVY.test(p)), [], '--help loaded no heavy package');

  const archived = await run(bin, ['run', '--archive', archive, '--feed', path.join(repo, 'examples', 'sample-feed.xml')], tmp);
  ok(archived, 'newsvault run --feed examples/sample-feed.xml');
  const tree = (await fs.readdir(archive, { recursive: true })).map((f) => f.split(path.sep).join('/'));
  assert.ok(tree.some((f) => /^articles\/[^/]+\/.+\.md$/.test(f)), `an article under articles/: ${tree.join(', ')}`);
  assert.ok(tree.some((f) => /^lists\/.+\.md$/.test(f)), 'lists/');
  assert.ok(tree.includes('README.md'));
});
