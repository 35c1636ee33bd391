/**
 * The archive's config file, `newsvault.yaml` at the archive's root:
 *
 *     sources:
 *       rfi: { enabled: false }    # a catalog slug: override any of its settings
 *       mysite:                    # any other slug: a user source; it needs feed: or feeds:
 *         feed: https://example.org/rss.xml
 *     run:
 *       concurrency: 8
 *
 * The keys of `run:` and of one source, with their types, bounds, defaults and descriptions,
 * are declared once in schema.ts (RUN_SHAPE, SOURCE_SHAPE); `newsvault init` writes them all,
 * commented, with defaultConfigYaml(). Every key is optional and unknown keys are refused. A
 * missing file means the defaults: the catalog as it is, and DEFAULT_RUN.
 */
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';

import type { Source } from '../domain.ts';
import { CATALOG, catalogSource } from './catalog.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import {
  DEFAULT_GIT,
  DEFAULT_RUN,
  DEFAULT_WATCH,
  GIT_SCHEMA,
  CREDENTIAL_HEADERS,
  RUN_SCHEMA,
  SOURCE_SCHEMA,
  WATCH_SCHEMA,
  controlCharacter,
  headerValueProblem,
  keysOf,
  mustBe,
  notThis,
  quote,
  resolveFeedLocation,
  templateLines,
  type GitSettings,
  type RunSettings,
  type WatchSettings,
} from './schema.ts';
import { isValidSlug, MAX_SLUG_LENGTH, slugify } from './slug.ts';

export { DEFAULT_RUN, RUN_LIMITS, proxyProblem, type Bounds, type RunSettings } from './schema.ts';
export { DEFAULT_GIT, DEFAULT_WATCH, type GitSettings, type WatchSettings } from './schema.ts';

export const CONFIG_FILE_NAME = 'newsvault.yaml';

/** How one source is fetched: its own settings over the run's. */
export interface SourceFetchSettings {
  /** A proxy URL or "direct"; undefined = the environment's proxy variables. */
  proxy: string | undefined;
  perHostDelayMs: number;
}

/**
 * Who a source's requests say they are (docs/fetching.md#per-site-identity): its own settings over the run's.
 * Header names are lower-cased; credential headers (Authorization, Cookie) are apart, for the fetch stage to send
 * only to the sites of the source's own feeds.
 */
export interface SourceIdentitySettings {
  userAgent: string | undefined;
  /** Extra headers, lower-cased names, credential headers excluded. */
  headers: Record<string, string>;
  /** Authorization / Cookie written in the config, lower-cased names. */
  credentials: Record<string, string>;
  /** Absolute path of a Netscape cookies.txt, or undefined. */
  cookies: string | undefined;
  /** Whether the cookies sites set are kept (and persisted in .newsvault/cookies/). */
  cookieJar: boolean;
}

/**
 * What newsvault.yaml says about one slug: the keys of SOURCE_SCHEMA, with feed and feeds
 * merged into feeds. For a catalog slug every field is an override (absent = the catalog's
 * value); for any other slug it is a user source and `feeds` is required.
 */
export interface SourceSettings extends Omit<z.output<typeof SOURCE_SCHEMA>, 'feed' | 'feeds'> {
  slug: string;
  /** http(s) URLs as written, local files as absolute paths. */
  feeds?: string[];
}

export interface ArchiveConfig {
  /** Absolute path of the archive folder. */
  archiveDir: string;
  /** Absolute path of its newsvault.yaml, whether or not the file exists. */
  file: string;
  /** Whether that file existed (false: everything is default). */
  found: boolean;
  /** One entry per slug under `sources:`, in file order. */
  sources: SourceSettings[];
  run: RunSettings;
  /** `newsvault watch`'s intervals (absent: DEFAULT_WATCH). */
  watch?: WatchSettings;
  /** Committing and pushing after a run (absent: DEFAULT_GIT). */
  git?: GitSettings;
}

/** The config of an archive without a newsvault.yaml. */
export function defaultConfig(archiveDir: string): ArchiveConfig {
  const dir = path.resolve(archiveDir);
  return { archiveDir: dir, file: path.join(dir, CONFIG_FILE_NAME), found: false, sources: [], run: { ...DEFAULT_RUN }, watch: { ...DEFAULT_WATCH }, git: { ...DEFAULT_GIT } };
}

/**
 * Reads `<archiveDir>/newsvault.yaml`. A missing file gives defaultConfig(archiveDir); an
 * unreadable file, invalid YAML or an invalid value throws ConfigError naming the file, the field
 * and the problem.
 */
export async function loadConfig(archiveDir: string): Promise<ArchiveConfig> {
  const config = defaultConfig(archiveDir);
  let bytes: Buffer;
  try {
    bytes = await readConfigFile(config.file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return config;
    const reason = code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(config.file, [{ field: null, problem: reason }]);
  }
  return parseConfig(bytes.toString('utf8'), config.file, config.archiveDir);
}

/**
 * Largest newsvault.yaml read. Settings take a few KiB; parsing YAML and checking it costs some 40 times
 * the file's size in memory (a 30 MiB file took 1.2 GiB), so a larger file is refused before it is parsed.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function tooLarge(file: string, size?: number): ConfigError {
  const bytes = size === undefined ? '' : ` (${size} bytes)`;
  return new ConfigError(file, [{ field: null, problem: `is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB${bytes}: a newsvault.yaml holds settings only` }]);
}

/** The config file's bytes; ConfigError when it holds more than MAX_CONFIG_BYTES (read no further, whatever its size says). */
async function readConfigFile(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (stat.size > MAX_CONFIG_BYTES) throw tooLarge(file, stat.size);
    // a device may say 0 and never end, a file may grow: read one byte more than the limit at most
    const buffer = Buffer.allocUnsafe(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(file);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Parses the text of a newsvault.yaml. `file` is used in error messages; relative feed paths are
 * resolved against `archiveDir`.
 */
export function parseConfig(text: string, file: string, archiveDir: string): ArchiveConfig {
  const dir = path.resolve(archiveDir);
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_CONFIG_BYTES) throw tooLarge(file, size);

  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(file, doc.errors.map(yamlProblem));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(file, [{ field: null, problem: `invalid YAML: ${reason}` }]);
  }

  const parsed = FILE_SCHEMA.safeParse(data ?? {});
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.flatMap(issueProblems));
  const raw = parsed.data;

  const problems: ConfigProblem[] = [];
  const cookiesFile = (written: string | undefined, field: string): string | undefined => {
    if (written === undefined) return undefined;
    const resolved = resolveCookiesPath(written, path.dirname(path.resolve(file)), dir);
    if (typeof resolved === 'string') return resolved;
    problems.push({ field, problem: resolved.problem });
    return undefined;
  };
  const run = raw.run ?? { ...DEFAULT_RUN };
  if (run.cookies !== undefined) run.cookies = cookiesFile(run.cookies, 'run.cookies');
  const sources: SourceSettings[] = [];
  for (const [slug, entry] of Object.entries(raw.sources ?? {})) {
    const { feed, feeds, ...rest } = entry ?? {};
    const settings: SourceSettings = { slug, ...rest };
    if (settings.cookies !== undefined) settings.cookies = cookiesFile(settings.cookies, `sources.${slug}.cookies`);
    if (feed !== undefined && feeds !== undefined) problems.push({ field: `sources.${slug}`, problem: 'give either feed or feeds, not both' });
    const written = feed === undefined ? feeds : [feed, ...(feeds ?? [])];
    if (written !== undefined) settings.feeds = written.map((location) => resolveFeedLocation(location, dir));
    sources.push(settings);
  }
  problems.push(...checkSourceSettings(sources));
  if (problems.length > 0) throw new ConfigError(file, problems);

  return { archiveDir: dir, file, found: true, sources, run, watch: raw.watch ?? { ...DEFAULT_WATCH }, git: raw.git ?? { ...DEFAULT_GIT } };
}

/**
 * The archive's sources: every catalog outlet in catalog order with the file's overrides applied,
 * then the user's sources in file order. Disabled sources are included (with enabled: false) so
 * they can be listed; filter on `enabled` to get what a run polls. Returns fresh objects.
 */
export function resolveSources(config: ArchiveConfig): Source[] {
  const problems = checkSourceSettings(config.sources);
  if (problems.length > 0) throw new ConfigError(config.file, problems);
  const bySlug = new Map(config.sources.map((s) => [s.slug, s]));
  const catalog = CATALOG.map((source) => applyOverride(source, bySlug.get(source.slug)));
  const user = config.sources
    .filter((s) => catalogSource(s.slug) === undefined)
    .map((s): Source => ({
      slug: s.slug,
      name: s.name ?? s.slug,
      feeds: [...(s.feeds ?? [])],
      enabled: s.enabled ?? true,
      ...(s.fullText ? { fullText: s.fullText } : {}),
    }));
  return [...catalog, ...user];
}

/** The proxy and politeness delay of one source: its own settings, else the run's. */
export function sourceFetchSettings(config: ArchiveConfig, slug: string): SourceFetchSettings {
  const own = config.sources.find((s) => s.slug === slug);
  return {
    proxy: own?.proxy ?? config.run.proxy,
    perHostDelayMs: own?.perHostDelayMs ?? config.run.perHostDelayMs,
  };
}

/**
 * The identity of one source's requests (its userAgent, headers, cookies, cookieJar, else the run's; its headers
 * added to the run's), or the run's alone when `slug` is undefined or not configured. Header values given as
 * `{ env: NAME }` are read from `env` now: a variable unset, empty or holding what no header may hold is a
 * ConfigError naming the setting and the variable, never the value.
 */
export function sourceIdentitySettings(config: ArchiveConfig, slug?: string, env: Readonly<Record<string, string | undefined>> = process.env): SourceIdentitySettings {
  const own = slug === undefined ? undefined : config.sources.find((s) => s.slug === slug);
  const run = config.run;
  const headers: Record<string, string> = {};
  const credentials: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  const given = [
    ...Object.entries(run.headers ?? {}).map(([name, value]) => ({ field: `run.headers.${name}`, name, value })),
    ...Object.entries(own?.headers ?? {}).map(([name, value]) => ({ field: `sources.${slug}.headers.${name}`, name, value })),
  ];
  for (const { field, name, value: written } of given) {
    let value: string;
    if (typeof written === 'string') value = written;
    else {
      const raw = env[written.env]?.trim();
      const problem = raw === undefined || raw === '' ? `the environment variable ${written.env} is not set` : headerValueProblem(raw);
      if (problem !== null) {
        problems.push({ field, problem: raw === undefined || raw === '' ? problem : `the environment variable ${written.env} ${problem}` });
        continue;
      }
      value = raw!;
    }
    const lower = name.toLowerCase();
    if (CREDENTIAL_HEADERS.includes(lower)) credentials[lower] = value;
    else headers[lower] = value;
  }
  if (problems.length > 0) throw new ConfigError(config.file, problems);
  return {
    userAgent: own?.userAgent ?? run.userAgent,
    headers,
    credentials,
    cookies: own?.cookies ?? run.cookies,
    cookieJar: own?.cookieJar ?? run.cookieJar,
  };
}

/**
 * A cookies file as the fetch stage reads it: `~` and `~/…` are the home folder, a relative path starts at the
 * config file's folder. A file inside the archive is refused unless it is under `.newsvault/` (git-ignored local
 * state): anywhere else, a `git add` would put the cookies into the archive's history.
 */
export function resolveCookiesPath(written: string, configDir: string, archiveDir: string): string | { problem: string } {
  const home = written === '~' || written.startsWith('~/') || written.startsWith('~\\');
  const absolute = home ? path.join(os.homedir(), written.slice(1)) : path.resolve(configDir, written);
  const archive = path.resolve(archiveDir);
  const rel = path.relative(archive, absolute);
  const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  if (!inside) return absolute;
  const state = path.relative(path.join(archive, '.newsvault'), absolute);
  if (state !== '' && !state.startsWith('..') && !path.isAbsolute(state)) return absolute;
  return {
    problem:
      `${quote(written)} is inside the archive, where git would keep it: ` +
      'keep cookies outside the archive (e.g. ~/.config/newsvault/cookies.txt) or under its git-ignored .newsvault/ folder',
  };
}

/** Only the sources a run should poll. */
export function enabledSources(sources: readonly Source[]): Source[] {
  return sources.filter((s) => s.enabled && s.feeds.length > 0);
}

/** The commented newsvault.yaml that `newsvault init` writes: every key shown, none changing anything. */
export function defaultConfigYaml(): string {
  const width = Math.max(...CATALOG.map((s) => s.slug.length)) + '  # : { enabled: false }'.length;
  const catalogLines = CATALOG.map((s) => {
    const line = `  # ${s.slug}: { enabled: false }`.padEnd(width);
    const where = s.feeds.length > 0 ? s.feeds.join(' ') : 'no feed, off';
    const extra = s.note !== undefined && s.feeds.length > 0 ? ' (see its note in `newsvault sources`)' : '';
    return `${line}  # ${s.name}: ${where}${extra}`;
  });
  return [
    `# ${CONFIG_FILE_NAME}: the settings of this archive. Every key is optional, and without this`,
    '# file the archive polls every catalog outlet that has a feed, with the run settings below.',
    '',
    'sources:',
    '  # The catalog. Uncomment a line to change that outlet; besides enabled you can set any',
    '  # key shown for mysite below, e.g. rfa: { feed: https://... }',
    ...catalogLines,
    '  #',
    '  # Your own sources: any other slug (lowercase letters, digits and hyphens), with feed: or feeds:.',
    '  # mysite:',
    ...templateLines(SOURCE_SCHEMA, '  #   ', 42),
    '',
    'watch:',
    '  # newsvault watch: each source polled on its own interval, in seconds (these are the defaults).',
    ...templateLines(WATCH_SCHEMA, '  # ', 40),
    '',
    'git:',
    '  # Committing (and pushing) what each run or watch cycle changed; also run --commit / --push.',
    ...templateLines(GIT_SCHEMA, '  # ', 40),
    '',
    'run:',
    '  # The values shown are the defaults; uncomment a line to change one.',
    ...templateLines(RUN_SCHEMA, '  # ', 40),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Overrides and cross-field rules

function applyOverride(source: Source, settings: SourceSettings | undefined): Source {
  const result: Source = { ...source, feeds: [...source.feeds] };
  if (settings === undefined) return result;
  if (settings.name !== undefined) result.name = settings.name;
  if (settings.fullText !== undefined) result.fullText = settings.fullText;
  const gainsFeeds = settings.feeds !== undefined && settings.feeds.length > 0 && source.feeds.length === 0;
  if (settings.feeds !== undefined) result.feeds = [...settings.feeds];
  // An outlet that had no feed is switched on when the user gives it one, and its
  // "no feed" note no longer applies.
  if (gainsFeeds) delete result.note;
  result.enabled = settings.enabled ?? (gainsFeeds ? true : source.enabled);
  return result;
}

/** Rules no schema can state: slugs, duplicate slugs and feeds, sources that cannot be polled. */
function checkSourceSettings(settings: readonly SourceSettings[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const s of settings) {
    const field = `sources.${s.slug}`;
    const slugProblem = slugKeyProblem(s.slug);
    if (slugProblem !== null) {
      problems.push({ field, problem: slugProblem });
      continue;
    }
    if (seen.has(s.slug)) problems.push({ field, problem: 'is given twice' });
    seen.add(s.slug);

    const feeds = s.feeds ?? [];
    feeds.forEach((feed, i) => {
      if (feeds.indexOf(feed) !== i) problems.push({ field: `${field}.feeds[${i}]`, problem: `${JSON.stringify(feed)} is listed twice` });
    });
    if (s.feeds !== undefined && s.feeds.length === 0) {
      problems.push({ field: `${field}.feeds`, problem: 'must list at least one http(s) URL or file path' });
      continue;
    }

    const catalog = catalogSource(s.slug);
    if (catalog === undefined) {
      if (s.feeds === undefined) {
        const near = closest(s.slug, CATALOG.map((c) => c.slug));
        const hint = near === null ? '' : ` (did you mean the catalog outlet "${near}"?)`;
        problems.push({
          field,
          problem: `has no feed: "${s.slug}" is not a catalog outlet${hint}, so it needs feed: (an http(s) URL or file path) or feeds: [...]`,
        });
      }
    } else if (applyOverride(catalog, s).enabled && (s.feeds ?? catalog.feeds).length === 0) {
      problems.push({
        field: `${field}.enabled`,
        problem: `cannot enable "${s.slug}": it has no feed${catalog.note === undefined ? '' : ` (${catalog.note.replace(/\.$/, '')})`}; give it feed: or feeds: to poll`,
      });
    }
  }
  return problems;
}

function slugKeyProblem(slug: string): string | null {
  if (isValidSlug(slug)) return null;
  if (slug.length > MAX_SLUG_LENGTH) return `slug must be at most ${MAX_SLUG_LENGTH} characters`;
  const suggestion = slugify(slug);
  const hint = suggestion === '' ? '' : ` (e.g. "${suggestion}")`;
  return `slug must be lowercase letters, digits and hyphens, starting with a letter or digit${hint}`;
}

// ---------------------------------------------------------------------------------------------
// Schema and messages

const slugKey = z.string().refine(isValidSlug, { error: (issue) => slugKeyProblem(String(issue.input)) ?? 'invalid slug' });

const FILE_SHAPE = {
  sources: z.record(slugKey, SOURCE_SCHEMA.nullable(), { error: mustBe('a mapping from source slugs to their settings') }).nullish(),
  run: RUN_SCHEMA.nullish(),
  watch: WATCH_SCHEMA.nullish(),
  git: GIT_SCHEMA.nullish(),
};
const FILE_KEYS = Object.keys(FILE_SHAPE);

/** The whole file. A source's feeds come out as written; parseConfig resolves file paths. */
const FILE_SCHEMA = z.strictObject(FILE_SHAPE, {
  error: (issue) => `the file must hold a mapping of settings (${FILE_KEYS.join(', ')}), ${notThis(issue.input)}`,
});

type Issue = z.core.$ZodIssue;

function issueProblems(issue: Issue): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(issue.path);
    return issue.keys.map((key) => {
      const near = closest(key, allowed);
      return {
        field: fieldPath([...issue.path, key]),
        problem: `unknown key${near === null ? '' : ` (did you mean "${near}"?)`}; the keys here are ${allowed.join(', ')}`,
      };
    });
  }
  if (issue.code === 'invalid_key') {
    return [{ field: fieldPath(issue.path), problem: issue.issues[0]?.message ?? issue.message }];
  }
  return [{ field: issue.path.length === 0 ? null : fieldPath(issue.path), problem: issue.message }];
}

function allowedKeys(objectPath: readonly PropertyKey[]): readonly string[] {
  if (objectPath.length === 0) return FILE_KEYS;
  if (objectPath[0] === 'run') return keysOf(RUN_SCHEMA);
  if (objectPath[0] === 'watch') return keysOf(WATCH_SCHEMA);
  if (objectPath[0] === 'git') return keysOf(GIT_SCHEMA);
  return keysOf(SOURCE_SCHEMA);
}

/**
 * `['sources', 'mysite', 'feeds', 1]` → `sources.mysite.feeds[1]`. A key of more than 200 characters, or
 * one holding control characters, is quoted and cut short (`sources."\u001b[2J"`): it goes to a terminal.
 */
function fieldPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      const shown = key.length > 200 || controlCharacter(key) !== null ? quote(key) : key;
      out += out === '' ? shown : `.${shown}`;
    }
  }
  return out;
}

function yamlProblem(error: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): ConfigProblem {
  const firstLine = error.message.split('\n')[0] ?? error.message;
  const what = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  const at = error.linePos?.[0];
  const where = at === undefined ? '' : `line ${at.line}, column ${at.col}: `;
  return { field: null, problem: `${where}invalid YAML: ${what}` };
}

/** The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance > 0 && bestDistance <= limit ? best : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
