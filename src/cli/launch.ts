/**
 * `newsvault run` on a process of its own, started with V8 heap flags (bin/newsvault.js calls
 * `relaunchIfNeeded` before it loads the command line).
 *
 * Why: a 10,000-item ingest peaked at 228–276 MiB of RSS, of which 70–80 MiB was garbage V8 let pile up
 * before a full collection (docs/benchmarks.md, "Growth"). How far the old generation may grow before the
 * next full collection depends on the configured maximum: with Node's default here (over 2 GiB) V8 lets it
 * grow by up to 4×, with a maximum under 2 GiB by 1.3–2× (its heap controller's MaxGrowingFactor); and the
 * young generation (16 MiB semi-spaces by default) is garbage by design. Those sizes are fixed when V8 starts:
 * `v8.setFlagsFromString` afterwards does not change them, so the flags must be on node's command line, and
 * the launcher starts node again with them. The maximum chosen is never reached by a run (it holds 40–70 MiB
 * live): it changes how often V8 collects, not what a run may hold.
 *
 * Only `run`: `watch` keeps its own process, because a terminal's Ctrl-C reaches every process of the
 * foreground group, so a child would see it twice (once from the terminal, once forwarded), which `watch`
 * reads as "stop at once" rather than "stop after the item in flight". A run stops at once on either.
 *
 * The launcher forwards SIGINT, SIGTERM and SIGHUP to the run, and ends as the run did (its exit code, or
 * the same signal). Killed outright (SIGKILL), it cannot forward anything: the run notices that its parent
 * is gone (within 100 ms, when it next gets to its event loop) and stops at once, so that a run killed is a
 * run stopped, as before (test/chaos.test.ts kills a run's whole process group, as a crash would: both at
 * once; a lock left by a run killed so, even unreaped, is stale). Node flags of one's own for the heap (on the
 * command line or in NODE_OPTIONS: `NODE_OPTIONS=--max-old-space-size=4096 newsvault run` for a run that
 * needs more), or a debugger's (`--inspect`), keep the single process: they are used as given.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** The flags a run is started with. Chosen by measurement: see docs/benchmarks.md, "Growth". */
export const RUN_HEAP_FLAGS = ['--max-old-space-size=1536', '--max-semi-space-size=4'] as const;

/** The launcher's pid, in the relaunched run's environment (removed there once read). */
const LAUNCHER_ENV = 'NEWSVAULT_LAUNCHER_PID';

/** Heap-sizing flags that, set by the user, keep the run in the process started. */
const HEAP_FLAG = /--max[-_](old[-_]space|semi[-_]space|young[-_]generation|heap)[-_]size/;

/** The program's options that take a value (src/cli/main.ts), to find the command after them. */
const VALUED = new Set(['--log-level', '--log-format']);

/** The command of a command line (argv as process.argv), or undefined (help, version, none). */
export function commandOf(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUED.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** The flags to start node again with for this command line, or null when it runs here as it is. */
export function relaunchFlags(argv: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): readonly string[] | null {
  if (commandOf(argv) !== 'run') return null;
  if (argv.includes('--help') || argv.includes('-h')) return null;
  if (execArgv.some((a) => HEAP_FLAG.test(a)) || HEAP_FLAG.test(env.NODE_OPTIONS ?? '')) return null;
  // a debugger attached: one process, the one it is attached to
  if (execArgv.some((a) => a.startsWith('--inspect')) || /--inspect/.test(env.NODE_OPTIONS ?? '')) return null;
  return RUN_HEAP_FLAGS;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * In the launcher (a `run` without heap flags of the user's own): starts node again with the flags on the same
 * script and arguments and never resolves: the process ends when the run does, with its exit code or signal.
 * In a relaunched run: ends the run if the launcher disappears. Otherwise nothing: the command runs here.
 */
export function relaunchIfNeeded(argv: readonly string[] = process.argv): Promise<void> {
  const launcher = process.env[LAUNCHER_ENV];
  if (launcher) {
    delete process.env[LAUNCHER_ENV];
    if (Number(launcher) === process.ppid) exitWithParent(process.ppid);
    return Promise.resolve();
  }
  const flags = relaunchFlags(argv, process.execArgv, process.env);
  if (!flags) return Promise.resolve();
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [LAUNCHER_ENV]: String(process.pid) },
  });
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  return new Promise<never>(() => {
    child.once('error', (err) => {
      process.stderr.write(`newsvault: could not start the run (${err.message})\n`);
      process.exit(1);
    });
    child.once('exit', (code, signal) => {
      if (signal) {
        // end the same way: the default action of the signal, once nothing here handles it
        for (const s of FORWARDED) process.off(s, forward);
        process.kill(process.pid, signal);
        // a signal whose default is not to end (or that node ignores): the shell's code for it
        setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
        return;
      }
      process.exit(code ?? 1);
    });
  });
}

/**
 * Ends this process once its parent is gone (checked every 100 ms, a timer that keeps nothing alive): with
 * `process.exit`, as a run stopped by SIGINT or SIGTERM does (its exit handlers remove the lock; the archive
 * is whole at any point). Not with SIGKILL: an orphan is reaped by init, not by whoever killed the launcher,
 * and until it is, its pid looks alive, so the lock a killed orphan left would turn the next run away (exit 4).
 */
function exitWithParent(parent: number): void {
  setInterval(() => {
    if (process.ppid !== parent) process.exit(128 + constants.signals.SIGKILL);
  }, 100).unref();
}
