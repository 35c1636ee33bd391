/** The text after each command's options in its `--help`: examples, exit codes, environment variables. */
import { ARCHIVE_ENV } from './archive.ts';

export interface HelpOptions {
  /** Command lines, each with an optional `# comment`. */
  examples: string[];
  /** Whether the command reads the archive from --archive / NEWSVAULT_ARCHIVE / the current folder. */
  archive: boolean;
  /** Whether the command fetches over HTTP (then the proxy variables apply). */
  fetches: boolean;
}

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  an unexpected internal error (NEWSVAULT_DEBUG=1 prints its stack)
  2  bad usage or an invalid newsvault.yaml: nothing fetched or written
  3  a source or an item failed (the rest was done)
  4  the archive is locked by another newsvault run
  5  the archive cannot be written (disk full, read-only, permissions): the message names the path;
     the run stopped there, and what it committed before is whole
  6  the run completed, but its git commit or push failed (--commit, --push): the message says why;
     the archive's files and any local commits are kept`;

const ARCHIVE_ENV_HELP = `  ${ARCHIVE_ENV}  the archive folder when no --archive is given; else the archive the current
                     folder is in (a folder above with newsvault.yaml or .newsvault/), else ./archive`;
const DEBUG_ENV_HELP = '  NEWSVAULT_DEBUG    when set, an internal error prints its stack trace';
const LOG_ENV_HELP = `  NEWSVAULT_LOG_LEVEL, NEWSVAULT_LOG_FORMAT
                     the log's level (trace … error, silent; default info) and format (json or text; default
                     text on a terminal, json elsewhere) when --log-level, --quiet, --log-format are not given;
                     the log and progress go to stderr only, the result to stdout (docs/logging.md)
  NEWSVAULT_PROGRESS_INTERVAL
                     off a terminal, milliseconds between progress records of a task (default 10000)`;
const PROXY_ENV_HELP = `  HTTP_PROXY, HTTPS_PROXY, ALL_PROXY
                     proxy for http:// and https:// URLs (http://, https://, socks5:// or socks5h://);
                     the lowercase forms win; run.proxy in newsvault.yaml overrides them
  NO_PROXY           hosts reached directly, e.g. localhost,127.0.0.1,.example.org`;

/** The help text after a command's options. */
export function commandHelp(opts: HelpOptions): string {
  const env = [...(opts.archive ? [ARCHIVE_ENV_HELP] : []), DEBUG_ENV_HELP, LOG_ENV_HELP, ...(opts.fetches ? [PROXY_ENV_HELP] : [])];
  return [
    '',
    'Examples:',
    ...opts.examples.map((e) => `  $ ${e}`),
    '',
    EXIT_CODES_HELP,
    '',
    'Environment:',
    ...env,
  ].join('\n');
}

/** The help text after the program's command list. */
export const PROGRAM_HELP = `
Examples:
  $ newsvault init my-archive            # a new archive folder
  $ newsvault run --archive my-archive   # fetch its sources, archive new and changed articles
  $ newsvault watch --commit --push      # keep polling each source on its own interval, commit and push (docs/deploy.md)
  $ newsvault import old-news            # a copy of the original archive (articles/<folder>/<id>.md), byte for byte
  $ newsvault export > articles.jsonl    # every article as JSON Lines (docs/export.md)
  $ newsvault history ID --diff          # every version of an article and what changed (docs/history.md)
  $ newsvault recheck --since 7d         # re-fetch recent articles: changed, or removed at the source
  $ newsvault search 普京 步枪           # full-text search, simplified or traditional (docs/search.md)
  $ newsvault build --out docs           # the static reader site: pages, feeds, search (docs/reader.md)
  $ newsvault serve                      # read the archive in a browser at http://127.0.0.1:8080/ (docs/reader.md)
  $ newsvault <command> --help           # a command's options, examples and environment

${EXIT_CODES_HELP}

Environment:
${ARCHIVE_ENV_HELP}
${DEBUG_ENV_HELP}
${LOG_ENV_HELP}
${PROXY_ENV_HELP}`;
