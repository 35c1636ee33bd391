/**
 * The launcher (src/cli/launch.ts, called first by bin/newsvault.js): `run` goes on a process of its own
 * started with the heap flags, other commands stay where they are, and the launcher is transparent: exit
 * codes and signals pass through, and a launcher killed outright takes the run with it.
 *
 * A stand-in for bin/newsvault.js (the launcher, then a "command" that says where it runs and what its heap is,
 * then does what its arguments ask), run with tsx: the compiled CLI is not needed to test the launcher.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { commandOf, relaunchFlags, RUN_HEAP_FLAGS } from '../src/cli/launch.ts';
import { tempDir } from '../src/testing/tree.ts';

const bin = `
import v8 from 'node:v8';
import { relaunchIfNeeded } from ${JSON.stringify(new URL('../src/cli/launch.ts', import.meta.url).pathname)};
await relaunchIfNeeded(process.argv);
const [, , , action = ''] = process.argv;
const heap = v8.getHeapStatistics();
if (action === 'trap') {
  // as the run command: SIGTERM stops it with 143; every signal received is counted on stderr (the handler is
  // in place before the report below: the test signals as soon as it reads it)
  process.on('SIGTERM', () => { process.stderr.write('SIGTERM\\n'); setTimeout(() => process.exit(143), 300); });
}
process.stdout.write(JSON.stringify({ pid: process.pid, ppid: process.ppid, execArgv: process.execArgv, heapLimitMiB: heap.heap_size_limit / 2 ** 20, launcherEnv: process.env.NEWSVAULT_LAUNCHER_PID ?? null }) + '\\n');
if (action.startsWith('exit:')) process.exit(Number(action.slice(5)));
if (action === 'trap' || action === 'wait') setInterval(() => {}, 1000);
`;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

async function script(): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, 'bin.mts');
  await fs.writeFile(file, bin);
  return file;
}

function start(file: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete base.NEWSVAULT_LAUNCHER_PID;
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let report: (r: { pid: number; ppid: number; execArgv: string[]; heapLimitMiB: number; launcherEnv: string | null }) => void;
  const reported = new Promise<Parameters<typeof report>[0]>((resolve) => (report = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const line = stdout.split('\n')[0];
    if (stdout.includes('\n') && line) report(JSON.parse(line) as Parameters<typeof report>[0]);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    // 'close': after every process holding the output (the run too) is gone
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, reported, done };
}

/** Whether `pid` runs (an orphan that exited stays a zombie until init reaps it: that is not running). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
};
function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

test('the command of a command line, and which ones are started again with the heap flags', () => {
  const argv = (...a: string[]) => ['node', 'newsvault', ...a];
  assert.equal(commandOf(argv('run', '--only', 'bbc')), 'run');
  assert.equal(commandOf(argv('--log-level', 'debug', '-q', 'run')), 'run');
  assert.equal(commandOf(argv('--log-format=json', 'watch')), 'watch');
  assert.equal(commandOf(argv('--version')), undefined);
  assert.deepEqual(relaunchFlags(argv('run'), [], {}), RUN_HEAP_FLAGS);
  assert.deepEqual(relaunchFlags(argv('--quiet', 'run', '--json'), ['--import', 'x'], {}), RUN_HEAP_FLAGS);
  for (const other of [argv('watch'), argv('inspect', 'run'), argv('build'), argv('--help'), argv('run', '--help'), argv()]) {
    assert.equal(relaunchFlags(other, [], {}), null, other.join(' '));
  }
  // heap flags of one's own: used as given, in one process
  assert.equal(relaunchFlags(argv('run'), ['--max-old-space-size=2048'], {}), null);
  assert.equal(relaunchFlags(argv('run'), [], { NODE_OPTIONS: '--max_semi_space_size=8' }), null);
  assert.equal(relaunchFlags(argv('run'), ['--inspect-brk'], {}), null);
});

test('run is started again with the heap flags; its exit code passes through', async () => {
  const file = await script();
  const run = start(file, ['run', 'exit:3']);
  const r = await run.reported;
  const exit = await run.done;
  assert.equal(exit.code, 3, exit.stderr);
  assert.notEqual(r.pid, run.child.pid, 'the run is a process of its own');
  assert.equal(r.ppid, run.child.pid, 'started by the launcher');
  assert.deepEqual(r.execArgv.slice(0, RUN_HEAP_FLAGS.length), [...RUN_HEAP_FLAGS], 'the heap flags first, then node’s own');
  assert.deepEqual(r.execArgv.slice(RUN_HEAP_FLAGS.length), ['--import', 'tsx']);
  assert.equal(r.launcherEnv, null, 'the launcher’s variable is not passed on to what the run starts');
  // --max-old-space-size=1536: the heap's limit is the old generation's 1536 MiB and the young generation's
  assert.ok(r.heapLimitMiB >= 1536 && r.heapLimitMiB < 1600, `heap_size_limit ${r.heapLimitMiB} MiB`);
  assert.equal(exit.stdout.trim().split('\n').length, 1, 'the run’s output, once');
});

test('other commands, and run with heap flags of its own, stay in the process started', async () => {
  const file = await script();
  for (const [args, env] of [
    [['watch', 'exit:0'], {}],
    [['run', 'exit:0'], { NODE_OPTIONS: '--max-old-space-size=300' }],
  ] as const) {
    const run = start(file, [...args], env);
    const r = await run.reported;
    const exit = await run.done;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(r.pid, run.child.pid, args.join(' '));
    if (env.NODE_OPTIONS) assert.ok(r.heapLimitMiB >= 300 && r.heapLimitMiB < 380, `heap_size_limit ${r.heapLimitMiB} MiB`);
    else assert.notDeepEqual(r.execArgv.slice(0, RUN_HEAP_FLAGS.length), [...RUN_HEAP_FLAGS], 'node’s own heap');
  }
});

test('a signal to the launcher reaches the run once; the launcher ends as the run does', async () => {
  const file = await script();
  // the run handles SIGTERM (exit 143)
  const trapped = start(file, ['run', 'trap']);
  const r = await trapped.reported;
  trapped.child.kill('SIGTERM');
  const exit = await trapped.done;
  assert.equal(exit.code, 143, exit.stderr);
  assert.equal(exit.stderr.match(/SIGTERM/g)?.length, 1, `once: ${exit.stderr}`);
  assert.ok(!alive(r.pid));
  // the run does not handle SIGINT: it dies of it, and so does the launcher
  const plain = start(file, ['run', 'wait']);
  await plain.reported;
  plain.child.kill('SIGINT');
  const killed = await plain.done;
  assert.equal(killed.signal, 'SIGINT', killed.stderr);
});

test('a launcher killed outright (SIGKILL) takes the run with it', async () => {
  const file = await script();
  const run = start(file, ['run', 'wait']);
  const r = await run.reported;
  assert.notEqual(r.pid, run.child.pid);
  run.child.kill('SIGKILL');
  // 'close' waits for the output's last holder: the run, gone too
  const exit = await run.done;
  assert.equal(exit.signal, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (alive(r.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(!alive(r.pid), 'the run is gone');
});
