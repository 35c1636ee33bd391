import type { CliLogging, CommandLogOptions } from './logging.ts';

/**
 * What every command shares: the exit codes, the output streams, usage errors. Light on purpose: the
 * command line loads this for `--help` and `--version`, which must not load the pipeline.
 */

/** 0 success; 1 unexpected internal error; 2 bad usage or invalid config (nothing fetched or written);
 * 3 the run completed but one or more sources (or items) failed; 4 another run holds the archive;
 * 5 the archive cannot be written; 6 the run completed but its git commit or push failed (--commit, --push). */
export const EXIT = { ok: 0, internal: 1, usage: 2, sourcesFailed: 3, locked: 4, storage: 5, git: 6 } as const;

/** Bad usage of the command line: exit code 2, the message printed without a stack. */
export class UsageError extends Error {}

/** Where the command line prints: the only place in Newsvault that does. `out` is the command's result
 *  alone (a table, JSON); `err` everything else, the log and progress (synchronous writes: on Linux, writes
 *  to a terminal, a file or a pipe through process.stderr are, so nothing is lost on exit). */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether `err` is a terminal: readable log lines and progress bars there, JSON lines and periodic
   *  progress records elsewhere. Default false. */
  isTTY?: boolean;
  /** The terminal `err` writes to, for progress bars. */
  stream?: NodeJS.WriteStream;
}

export const stdio: Io = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  isTTY: process.stderr.isTTY === true,
  stream: process.stderr,
};

/** The program's options, given before or after the command. */
export interface GlobalOptions {
  logLevel?: string;
  logFormat?: string;
  quiet?: boolean;
}

/** What a command's registration receives from `main`. */
export interface CommandContext {
  io: Io;
  /** The process's exit code when the command returns normally (thrown errors map to theirs). */
  setExitCode: (code: number) => void;
  /** The command's logger and progress (logging.ts), made on first call from the global options; `json`:
   *  the command prints its result as JSON, so its log is JSON too (unless --log-format says otherwise). */
  logging: (opts?: CommandLogOptions) => Promise<CliLogging>;
}

/** `s` on one line, cut to `max` characters. */
export function oneLine(s: string, max = 90): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
