/**
 * A command's log and progress, from the global options (--log-level, --log-format, --quiet), the
 * variables (NEWSVAULT_LOG_LEVEL, NEWSVAULT_LOG_FORMAT, NEWSVAULT_PROGRESS_INTERVAL) and whether stderr is
 * a terminal. Everything goes to stderr (`io.err`); stdout is the command's result alone. Loaded when a
 * command runs, not for --help.
 */
import { LogSettingsError, createLogger, logSettings } from '../log/index.ts';
import type { LogSettings, Logger } from '../log/index.ts';
import { createProgress, progressInterval } from '../log/progress.ts';
import type { Progress } from '../log/progress.ts';
import { UsageError } from './context.ts';
import type { GlobalOptions, Io } from './context.ts';

export interface CliLogging {
  log: Logger;
  settings: LogSettings;
  /**
   * A progress display for long work counted in `unit`s: bars on a terminal, a log record per task every
   * 10 s ($NEWSVAULT_PROGRESS_INTERVAL ms) elsewhere, nothing at a level above info (--quiet). One at a time:
   * while its bars are drawn, log lines are written above them. Stop it before printing the result.
   */
  progress(unit: string, opts?: { enabled?: boolean; taskField?: string }): Progress;
}

export interface CommandLogOptions {
  /** The command prints its result as JSON: its log is JSON too (unless a format is asked for). */
  json?: boolean | undefined;
  /** The command's -v/--verbose: debug records too. */
  verbose?: boolean | undefined;
  /** Text lines led by their time (a long-running command). */
  timestamps?: boolean | undefined;
}

export function cliLogging(io: Io, global: GlobalOptions, opts: CommandLogOptions = {}, env: NodeJS.ProcessEnv = process.env): CliLogging {
  const isTTY = io.isTTY === true;
  let settings: LogSettings;
  try {
    settings = logSettings({ level: global.logLevel, format: global.logFormat, quiet: global.quiet, verbose: opts.verbose, json: opts.json, isTTY, env });
  } catch (err) {
    if (err instanceof LogSettingsError) throw new UsageError(err.message);
    throw err;
  }
  let shown: Progress | null = null;
  const log = createLogger({
    ...settings,
    // above the progress bars while they are drawn
    write: (line) => (shown?.write ?? io.err)(line),
    color: isTTY && settings.format === 'text' && !env.NO_COLOR,
    timestamps: opts.timestamps ?? false,
  });
  return {
    log,
    settings,
    progress(unit, { enabled = true, taskField } = {}) {
      const mode = !enabled || !log.isLevelEnabled('info') ? 'off' : isTTY && io.stream ? 'bars' : 'lines';
      const progress = createProgress({
        mode,
        unit,
        log,
        intervalMs: progressInterval(env),
        ...(taskField ? { taskField } : {}),
        ...(io.stream ? { stream: io.stream } : {}),
      });
      shown = progress;
      const stop = progress.stop.bind(progress);
      return {
        update: progress.update.bind(progress),
        finish: progress.finish.bind(progress),
        stop() {
          stop();
          if (shown === progress) shown = null;
        },
        get write() {
          return progress.write;
        },
      };
    },
  };
}
