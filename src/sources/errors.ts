/** Errors in what the user configured: newsvault.yaml or a command-line feed location. */

export interface ConfigProblem {
  /** Dotted path of the offending setting, e.g. `sources.mysite.feed` or `run.concurency`; null for the file as a whole. */
  field: string | null;
  /** What is wrong, in plain words. */
  problem: string;
}

/**
 * Thrown for an unreadable or invalid newsvault.yaml, or a bad `--feed` location. Its message
 * has one line per problem: `FILE: FIELD: PROBLEM`, e.g.
 * `/x/newsvault.yaml: sources.mysite.feed: "ftp://x" is not an http(s) URL or a file path`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The config file's path, or the command-line option (`--feed`) the value came from. */
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${file}: ${p.field === null ? '' : `${p.field}: `}${p.problem}`).join('\n'));
    this.file = file;
    this.problems = problems;
  }
}
