/**
 * The `newsvault` command line: one file per command under commands/, each loading the pipeline only
 * when it runs, so that `newsvault --help` and `--version` stay fast. Every command but `init` works on
 * the archive resolved by archive.ts: --archive DIR, else $NEWSVAULT_ARCHIVE, else the archive the
 * current folder is in, else ./archive.
 *
 * Exit codes: 0 success; 1 unexpected internal error; 2 bad usage or invalid config (nothing fetched
 * or written); 3 the run completed but one or more sources (or items) failed; 4 another run holds the archive.
 */
import { promises as fs } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBuild } from './commands/build.ts';
import { registerExport } from './commands/export.ts';
import { registerExtract } from './commands/extract.ts';
import { registerHistory } from './commands/history.ts';
import { registerImport } from './commands/import.ts';
import { registerInit } from './commands/init.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerRecheck } from './commands/recheck.ts';
import { registerReextract } from './commands/reextract.ts';
import { registerReindex } from './commands/reindex.ts';
import { registerRun } from './commands/run.ts';
import { registerSearch } from './commands/search.ts';
import { registerServe } from './commands/serve.ts';
import { registerSources } from './commands/sources.ts';
import { registerStatus } from './commands/status.ts';
import { registerWatch } from './commands/watch.ts';
import { EXIT, UsageError, stdio } from './context.ts';
import type { CommandContext, GlobalOptions, Io } from './context.ts';
import type { CliLogging, CommandLogOptions } from './logging.ts';
import { PROGRAM_HELP } from './help.ts';

export { EXIT, type Io } from './context.ts';
export { defaultArchive, resolveArchive } from './archive.ts';

/** Runs the command line `argv` (as process.argv: node, script, arguments) and returns the exit code. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let exitCode: number = EXIT.ok;
  const pkg = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command();
  program
    .name('newsvault')
    .description('Archive Chinese-language international news feeds in full text, in a plain-file git archive.')
    .version(pkg.version)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError()
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent (default: $NEWSVAULT_LOG_LEVEL, else info)')
    .option('--log-format <format>', 'json or text (default: $NEWSVAULT_LOG_FORMAT, else text on a terminal, json elsewhere and with --json)')
    .option('-q, --quiet', 'errors only: no progress, no information (--log-level error)')
    .addHelpText('after', PROGRAM_HELP);

  let logging: CliLogging | undefined;
  const getLogging = async (opts: CommandLogOptions = {}) =>
    (logging ??= (await import('./logging.ts')).cliLogging(io, program.opts<GlobalOptions>(), opts));
  const ctx: CommandContext = { io, setExitCode: (code) => void (exitCode = code), logging: getLogging };
  // the log options are checked before any command starts
  program.hook('preAction', async (_, command) => {
    const opts = command.opts<{ json?: boolean; verbose?: boolean }>();
    // watch runs for days: its text lines say when
    await getLogging({ json: Boolean(opts.json), verbose: Boolean(opts.verbose), timestamps: command.name() === 'watch' });
  });
  /** An error that ends the command: a log record (JSON or `newsvault: message`); the plain line when the
   *  log options themselves are wrong. */
  const fail = async (message: string, fields: Record<string, unknown>) => {
    let log;
    try {
      log = (await getLogging({ json: argv.includes('--json') })).log;
    } catch {
      io.err(`newsvault: ${message}`);
      return;
    }
    log.error(fields, message);
  };
  registerRun(program, ctx);
  registerWatch(program, ctx);
  registerInit(program, ctx);
  registerSources(program, ctx);
  registerStatus(program, ctx);
  registerExtract(program, ctx);
  registerInspect(program, ctx);
  registerImport(program, ctx);
  registerExport(program, ctx);
  registerHistory(program, ctx);
  registerRecheck(program, ctx);
  registerReextract(program, ctx);
  registerSearch(program, ctx);
  registerReindex(program, ctx);
  registerServe(program, ctx);
  registerBuild(program, ctx);

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof UsageError) {
      await fail(err.message, { code: EXIT.usage });
      return EXIT.usage;
    }
    const { failureOf } = await import('./errors.ts');
    const failure = failureOf(err);
    await fail(failure.message, { code: failure.code, ...failure.fields, ...(failure.stack && process.env.NEWSVAULT_DEBUG ? { stack: failure.stack } : {}) });
    return failure.code;
  }
}
