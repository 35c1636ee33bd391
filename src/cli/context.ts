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

/** Where the command line prints: the only place in Newsvault that does. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio: Io = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
};

/** What a command's registration receives from `main`. */
export interface CommandContext {
  io: Io;
  /** The process's exit code when the command returns normally (thrown errors map to theirs). */
  setExitCode: (code: number) => void;
}

/** `s` on one line, cut to `max` characters. */
export function oneLine(s: string, max = 90): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
