/**
 * Logging. The stages print nothing: those that have something to say as it happens take an optional
 * `Logger` (this interface, no dependency) and otherwise return reports and events. The command line creates
 * the one real logger, a pino instance (createLogger), from --log-level, --log-format, --quiet and the
 * NEWSVAULT_LOG_LEVEL / NEWSVAULT_LOG_FORMAT variables, and writes it to stderr only: stdout carries the
 * command's result alone (docs/logging.md).
 *
 * Records are one JSON object a line (`--log-format json`, the default when stderr is not a terminal) or one
 * readable line each (`text`, formatText). Either way they are written synchronously, line by line, to the
 * writer given (the CLI's stderr): nothing is buffered, so nothing is lost when the process exits on a signal.
 * pino is loaded when the first logger is created, so that `--help` does not load it.
 */
import { createRequire } from 'node:module';
import type pinoModule from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVEL_ENV = 'NEWSVAULT_LOG_LEVEL';
export const LOG_FORMAT_ENV = 'NEWSVAULT_LOG_FORMAT';

/** What a record says besides its message: every error and warning about a source names it (`source`, its
 *  slug) and the URL involved (`url`: the feed, the article's page, the image). */
export interface LogFields {
  source?: string;
  url?: string;
  [key: string]: unknown;
}

export type LogMethod = (fields: LogFields, msg: string) => void;

/** The logger a stage may take. pino's loggers are one. */
export interface Logger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  isLevelEnabled(level: string): boolean;
}

const nothing: LogMethod = () => {};

/** A logger that says nothing: the default of every stage. */
export const silentLogger: Logger = {
  trace: nothing,
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  isLevelEnabled: () => false,
};

export interface LogSettingsInput {
  /** --log-level */
  level?: string | undefined;
  /** --log-format */
  format?: string | undefined;
  /** --quiet: errors only (a --log-level given too wins). */
  quiet?: boolean | undefined;
  /** A command's -v/--verbose: debug (--log-level and --quiet win). */
  verbose?: boolean | undefined;
  /** The command prints its result as JSON (--json): its log is JSON too, unless a format is asked for. */
  json?: boolean | undefined;
  /** Whether stderr is a terminal. */
  isTTY: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface LogSettings {
  level: LogLevel;
  format: LogFormat;
}

/** A --log-level or --log-format (or their variables) that is not one of the choices. */
export class LogSettingsError extends Error {}

function oneOf<T extends string>(what: string, value: string, choices: readonly T[]): T {
  const v = value.trim().toLowerCase();
  if ((choices as readonly string[]).includes(v)) return v as T;
  throw new LogSettingsError(`${what} must be one of ${choices.join(', ')}, not "${value.slice(0, 40)}"`);
}

/**
 * The level and format of a command's log. Level: --log-level, else --quiet (error), else --verbose (debug),
 * else $NEWSVAULT_LOG_LEVEL, else info. Format: --log-format, else $NEWSVAULT_LOG_FORMAT, else json with --json or when stderr is not a
 * terminal, else text.
 */
export function logSettings(input: LogSettingsInput): LogSettings {
  const env = input.env ?? process.env;
  const level = input.level
    ? oneOf('--log-level', input.level, LOG_LEVELS)
    : input.quiet
      ? 'error'
      : input.verbose
        ? 'debug'
        : env[LOG_LEVEL_ENV]
          ? oneOf(`$${LOG_LEVEL_ENV}`, env[LOG_LEVEL_ENV], LOG_LEVELS)
          : 'info';
  const format = input.format
    ? oneOf('--log-format', input.format, LOG_FORMATS)
    : env[LOG_FORMAT_ENV]
      ? oneOf(`$${LOG_FORMAT_ENV}`, env[LOG_FORMAT_ENV], LOG_FORMATS)
      : input.json || !input.isTTY
        ? 'json'
        : 'text';
  return { level, format };
}

export interface CreateLoggerOptions extends LogSettings {
  /** Receives each record as one line (with its newline), synchronously. */
  write: (line: string) => void;
  /** Colours in the text format (a terminal, and NO_COLOR unset). */
  color?: boolean;
  /** Each text line led by its time (`newsvault watch`, which runs for days). */
  timestamps?: boolean;
}

const requireCjs = createRequire(import.meta.url);

/** The command line's logger: pino, JSON lines or formatText lines, to `write`. */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const pino = requireCjs('pino') as typeof pinoModule;
  const write =
    opts.format === 'json'
      ? opts.write
      : (line: string) => {
          let record: Record<string, unknown>;
          try {
            record = JSON.parse(line) as Record<string, unknown>;
          } catch {
            return opts.write(line);
          }
          opts.write(`${formatText(record, opts.color ?? false, opts.timestamps ?? false)}\n`);
        };
  return pino(
    {
      name: 'newsvault',
      level: opts.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // the level's name ("error"), not its number: `jq 'select(.level == "error")'`
      formatters: { level: (label) => ({ level: label }) },
    },
    // a plain object with write(): pino calls it synchronously for each record
    { write },
  );
}

/** One line, and nothing a terminal would act on: messages quote feeds (titles, URLs), which may hold line
 *  breaks, escape sequences or bidi overrides. Line breaks become spaces, the rest `\u…` escapes. */
function safe(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Fields every record has; not repeated in the text form. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'source', 'url', 'stack']);

const COLORS: Record<string, string> = { error: '\x1b[31m', warn: '\x1b[33m', debug: '\x1b[2m', trace: '\x1b[2m' };

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/**
 * One record as a readable line, in the words the command line has always used:
 *
 *     Archiving 3 source(s) into /srv/archive                 (info)
 *       rfi: ok, 3 new                                        (info about a source)
 *     newsvault: warning: bbc: image not kept … (https://…)   (warn)
 *     newsvault: rfi: https://…/rss: HTTP 500                 (error)
 *
 * The URL is added in brackets when the message does not name it; other fields (except the usual ones)
 * follow as key=value at debug and trace.
 */
export function formatText(record: Record<string, unknown>, color = false, timestamps = false): string {
  const level = typeof record.level === 'string' ? record.level : 'info';
  const msg = typeof record.msg === 'string' ? safe(record.msg) : '';
  const source = typeof record.source === 'string' ? safe(record.source) : undefined;
  const url = typeof record.url === 'string' && record.url && !msg.includes(safe(record.url)) ? ` (${safe(record.url)})` : '';
  const about = source ? `${source}: ` : '';
  let line: string;
  if (level === 'error' || level === 'fatal') {
    line = `newsvault: ${about}${msg}${url}`;
    if (typeof record.stack === 'string') line += `\n${record.stack}`;
  }
  else if (level === 'warn') line = `newsvault: warning: ${about}${msg}${url}`;
  else if (level === 'info') line = source ? `  ${about}${msg}${url}` : `${msg}${url}`;
  else {
    const extra = Object.entries(record)
      .filter(([k]) => !HIDDEN.has(k))
      .map(([k, v]) => ` ${safe(k)}=${safe(value(v))}`)
      .join('');
    line = `${level}: ${about}${msg}${url}${extra}`;
  }
  if (timestamps && typeof record.time === 'string') line = `[${record.time.replace(/\.\d+Z$/, 'Z')}] ${line.trimStart()}`;
  const c = color ? COLORS[level] : undefined;
  return c ? `${c}${line}\x1b[0m` : line;
}
