/**
 * Start-up benchmark: how long the `newsvault` command takes to answer, as a user runs it.
 *
 *   node --import tsx bench/startup.ts [--runs N] [--before DIR] [--no-build]
 *
 * Spawns `node bin/newsvault.js --help`, `node bin/newsvault.js inspect examples/sample-feed.xml` and a `run`
 * of that feed into an archive that already holds it (what every scheduled run pays before its work)
 * N times each (default 10, after one warm-up run that is not counted: it fills the OS file cache and,
 * for a tsx-based checkout, tsx's transform cache) in this checkout and, with --before DIR, in another
 * checkout too (e.g. an older commit with node_modules linked in), and prints the median of each figure:
 *
 * - wall: from spawn to exit, measured by this process (includes starting node itself);
 * - CPU: the child's user + system time, all its threads (so tsx's loader thread too), read by the
 *   child itself with `process.resourceUsage()` in an `exit` handler that a `--import data:` module
 *   installs, and written to file descriptor 3. Node's spawnSync does not return a child's rusage, and
 *   neither CLI starts a process of its own (checked with `strace -f -e trace=execve`), so this is all
 *   of it but the last instants of process teardown;
 * - peak RSS, from the same call.
 *
 * This checkout's dist/ is built first (`npm run build`), unless --no-build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RUN_HEAP_FLAGS } from '../src/cli/launch.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, before: { type: 'string' }, 'no-build': { type: 'boolean', default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');

const HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs';" +
    "process.on('exit', () => { const u = process.resourceUsage(); writeSync(3, JSON.stringify({ cpu: u.userCPUTime + u.systemCPUTime, rss: u.maxRSS })); });",
)}`;

/** A scratch folder per checkout, for `run`'s archive (the warm-up run fills it: the counted runs are no-op runs). */
const SCRATCH = mkdtempSync(path.join(os.tmpdir(), 'newsvault-startup-'));
process.on('exit', () => rmSync(SCRATCH, { recursive: true, force: true }));

const COMMANDS: { label: string; args: (scratch: string) => string[]; node?: string[] }[] = [
  { label: '--help', args: () => ['--help'] },
  { label: 'inspect examples/sample-feed.xml', args: () => ['inspect', 'examples/sample-feed.xml'] },
  // node started with the launcher's heap flags: one process (the launcher then starts no other), all of it counted
  {
    label: 'run --feed examples/sample-feed.xml (nothing new)',
    args: (scratch) => ['run', '--archive', path.join(scratch, 'archive'), '--feed', 'examples/sample-feed.xml'],
    node: [...RUN_HEAP_FLAGS],
  },
];

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMiB: number;
}

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.NEWSVAULT_ARCHIVE;
  delete e.NODE_OPTIONS;
  return e;
}

function once(dir: string, args: string[], node: string[] = []): Sample {
  const start = performance.now();
  const r = spawnSync(process.execPath, [...node, '--import', HOOK, 'bin/newsvault.js', ...args], {
    cwd: dir,
    env: env(),
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const wallMs = performance.now() - start;
  if (r.status !== 0) throw new Error(`${dir}: newsvault ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const usage = JSON.parse(String(r.output[3])) as { cpu: number; rss: number };
  return { wallMs, cpuMs: usage.cpu / 1000, rssMiB: usage.rss / 1024 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

if (!values['no-build'] || !existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('npm run build failed');
}

const checkouts: { label: string; dir: string }[] = [
  ...(values.before ? [{ label: `before (${values.before})`, dir: path.resolve(values.before) }] : []),
  { label: values.before ? 'after (this checkout)' : 'this checkout', dir: ROOT },
];

const rows: string[][] = [];
for (const { label: command, args, node } of COMMANDS) {
  const samples = checkouts.map(() => [] as Sample[]);
  const argsOf = checkouts.map((_, c) => args(path.join(SCRATCH, String(c))));
  checkouts.forEach(({ dir }, c) => once(dir, argsOf[c]!, node)); // warm-up
  // the checkouts' runs interleaved, so that a busier moment of the machine weighs on both alike
  for (let i = 0; i < runs; i++) checkouts.forEach(({ dir }, c) => samples[c]!.push(once(dir, argsOf[c]!, node)));
  checkouts.forEach(({ label }, c) => {
    const s = samples[c]!;
    rows.push([
      command,
      label,
      median(s.map((x) => x.wallMs)).toFixed(0),
      median(s.map((x) => x.cpuMs)).toFixed(0),
      median(s.map((x) => x.rssMiB)).toFixed(0),
    ]);
  });
}

console.log(`Median of ${runs} runs each (node ${process.version}, ${process.platform}):\n`);
console.log('| command | CLI | wall ms | CPU ms (user+sys) | peak RSS MiB |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| \`${r[0]}\` | ${r[1]} | ${r.slice(2).join(' | ')} |`);
