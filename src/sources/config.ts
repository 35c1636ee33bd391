/**
 * The archive's config file, `newsvault.yaml` at the archive's root:
 *
 *     sources:
 *       rfi: { enabled: false }         # a catalog slug: override enabled / feeds / name
 *       mysite:                         # any other slug: a user source
 *         name: My Site                 # default: the slug
 *         feed: https://example.org/rss.xml   # or feeds: [...]; http(s) URL or file path
 *         enabled: true                 # default true
 *         proxy: direct                 # this source only: a proxy URL, or direct (default: run.proxy)
 *         perHostDelayMs: 5000          # this source only: gap between requests to its host
 *     run:
 *       concurrency: 4                  # 1..32
 *       timeoutSeconds: 30              # > 0, at most 3600: one attempt of one request
 *       maxFeedBytes: 20971520          # 1024 .. 1 GiB
 *       retries: 2                      # 0..10: more attempts after a failure that may pass
 *       connectTimeoutSeconds: 10       # > 0, at most 300
 *       minBytesPerSecond: 1024         # 0 .. 1 GiB; 0 = no minimum transfer rate
 *       perHostConcurrency: 2           # 1..16 requests at once to one host
 *       perHostDelayMs: 1000            # 0 .. 600000 ms between requests to one host
 *       proxy: socks5h://127.0.0.1:1080 # http://, https://, socks5://, socks5h:// URL, or direct
 *                                       # (default: HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY)
 *
 * Every key is optional and unknown keys are refused. A missing file means the defaults: the
 * catalog as it is, and DEFAULT_RUN.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';

import { FULL_TEXT_MODES, type FullTextMode, type Source } from '../domain.ts';
import { CATALOG, catalogSource } from './catalog.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { checkFeedLocation } from './location.ts';
import { isValidSlug, MAX_SLUG_LENGTH, slugify } from './slug.ts';

export const CONFIG_FILE_NAME = 'newsvault.yaml';

export interface RunSettings {
  /** Sources processed at once. */
  concurrency: number;
  /** Give up on one attempt of one feed request after this many seconds. */
  timeoutSeconds: number;
  /** Refuse a feed body larger than this. */
  maxFeedBytes: number;
  /** Further attempts after a failure that may pass (connection error, timeout, 408, 429, 5xx). */
  retries: number;
  /** Give up connecting (TCP, TLS, proxy handshake) after this many seconds. */
  connectTimeoutSeconds: number;
  /** Cut off a body arriving slower than this (bytes per second, over 5 s); 0 = no minimum. */
  minBytesPerSecond: number;
  /** Requests at once to one host. */
  perHostConcurrency: number;
  /** Minimum gap between the starts of two requests to one host, in ms. */
  perHostDelayMs: number;
  /** Proxy for every source: a URL (http, https, socks5, socks5h) or "direct". Absent: the environment's. */
  proxy?: string;
  /** Download the images articles reference into the archive's assets/ folder. */
  assets: boolean;
}

export const DEFAULT_RUN: Readonly<RunSettings> = Object.freeze({
  concurrency: 4,
  timeoutSeconds: 30,
  maxFeedBytes: 20 * 1024 * 1024,
  retries: 2,
  connectTimeoutSeconds: 10,
  minBytesPerSecond: 1024,
  perHostConcurrency: 2,
  perHostDelayMs: 1000,
  assets: false,
});

/** Inclusive bounds of the run settings (timeoutSeconds and connectTimeoutSeconds must also be greater than 0). */
export const RUN_LIMITS = Object.freeze({
  concurrency: { min: 1, max: 32 },
  timeoutSeconds: { min: 0, max: 3600 },
  maxFeedBytes: { min: 1024, max: 1024 * 1024 * 1024 },
  retries: { min: 0, max: 10 },
  connectTimeoutSeconds: { min: 0, max: 300 },
  minBytesPerSecond: { min: 0, max: 1024 * 1024 * 1024 },
  perHostConcurrency: { min: 1, max: 16 },
  perHostDelayMs: { min: 0, max: 600_000 },
});

/** How one source is fetched: its own settings over the run's. */
export interface SourceFetchSettings {
  /** A proxy URL or "direct"; undefined = the environment's proxy variables. */
  proxy: string | undefined;
  perHostDelayMs: number;
}

/**
 * What newsvault.yaml says about one slug. For a catalog slug every field is an override
 * (absent = the catalog's value); for any other slug it is a user source and `feeds` is required.
 */
export interface SourceSettings {
  slug: string;
  name?: string;
  /** http(s) URLs as written, local files as absolute paths. */
  feeds?: string[];
  enabled?: boolean;
  /** A proxy URL or "direct" for this source's requests (overrides run.proxy). */
  proxy?: string;
  /** Gap between requests to this source's host(s), in ms (overrides run.perHostDelayMs). */
  perHostDelayMs?: number;
  /** When to fetch the article page for the full text (see src/extract). */
  fullText?: FullTextMode;
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
}

/** The config of an archive without a newsvault.yaml. */
export function defaultConfig(archiveDir: string): ArchiveConfig {
  const dir = path.resolve(archiveDir);
  return { archiveDir: dir, file: path.join(dir, CONFIG_FILE_NAME), found: false, sources: [], run: { ...DEFAULT_RUN } };
}

/**
 * Reads `<archiveDir>/newsvault.yaml`. A missing file gives defaultConfig(archiveDir); an
 * unreadable file, invalid YAML or an invalid value throws ConfigError naming the file, the field
 * and the problem.
 */
export async function loadConfig(archiveDir: string): Promise<ArchiveConfig> {
  const config = defaultConfig(archiveDir);
  let text: string;
  try {
    text = await readFile(config.file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return config;
    const reason = code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(config.file, [{ field: null, problem: reason }]);
  }
  return parseConfig(text, config.file, config.archiveDir);
}

/**
 * Parses the text of a newsvault.yaml. `file` is used in error messages; relative feed paths are
 * resolved against `archiveDir`.
 */
export function parseConfig(text: string, file: string, archiveDir: string): ArchiveConfig {
  const dir = path.resolve(archiveDir);

  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(file, doc.errors.map(yamlProblem));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(file, [{ field: null, problem: `invalid YAML: ${reason}` }]);
  }

  const parsed = fileSchema(dir).safeParse(data ?? {});
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.flatMap(issueProblems));
  const raw = parsed.data;

  const problems: ConfigProblem[] = [];
  const sources: SourceSettings[] = [];
  for (const [slug, entry] of Object.entries(raw.sources ?? {})) {
    const settings: SourceSettings = { slug };
    if (entry?.name !== undefined) settings.name = entry.name;
    if (entry?.feed !== undefined && entry.feeds !== undefined) {
      problems.push({ field: `sources.${slug}`, problem: 'give either feed or feeds, not both' });
      settings.feeds = [entry.feed, ...entry.feeds];
    } else if (entry?.feed !== undefined) {
      settings.feeds = [entry.feed];
    } else if (entry?.feeds !== undefined) {
      settings.feeds = entry.feeds;
    }
    if (entry?.enabled !== undefined) settings.enabled = entry.enabled;
    if (entry?.proxy !== undefined) settings.proxy = entry.proxy;
    if (entry?.perHostDelayMs !== undefined) settings.perHostDelayMs = entry.perHostDelayMs;
    if (entry?.fullText !== undefined) settings.fullText = entry.fullText;
    sources.push(settings);
  }
  problems.push(...checkSourceSettings(sources));
  if (problems.length > 0) throw new ConfigError(file, problems);

  return { archiveDir: dir, file, found: true, sources, run: { ...DEFAULT_RUN, ...stripUndefined(raw.run ?? {}) } };
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

/** Why a proxy setting is unusable, or null. Accepted: "direct", or http(s):// / socks5(h):// with a host. */
export function proxyProblem(raw: string): string | null {
  const value = raw.trim();
  if (value.toLowerCase() === 'direct') return null;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  const expected = 'a proxy URL starting with http://, https://, socks5:// or socks5h://, or direct';
  if (scheme === undefined) return `must be ${expected}, not ${JSON.stringify(raw)}`;
  if (!['http', 'https', 'socks5', 'socks5h'].includes(scheme)) {
    return `${scheme}:// proxies are not supported (${scheme === 'socks4' || scheme === 'socks' ? 'use socks5:// or socks5h://' : `use ${expected}`})`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${JSON.stringify(raw)} is not a valid URL`;
  }
  if (url.hostname === '') return `${JSON.stringify(raw)} has no host`;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return `a proxy URL is only scheme://[user:password@]host[:port], not ${JSON.stringify(raw)}`;
  }
  return null;
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
    '  # The catalog. Uncomment a line to change that outlet; besides enabled you can set',
    '  # name, feed (one URL or path) or feeds (a list), e.g. rfa: { feed: https://... }',
    ...catalogLines,
    '  #',
    '  # Your own sources: any other slug (lowercase letters, digits and hyphens).',
    '  # mysite:',
    '  #   name: My Site                       # default: the slug',
    '  #   feed: https://example.org/rss.xml   # or feeds: [...]: http(s) URLs or file paths;',
    '  #                                       # a relative path is relative to this folder',
    '  #   enabled: true                       # default: true',
    '  #   proxy: direct                       # this source only: a proxy URL, or direct (default: run.proxy)',
    '  #   perHostDelayMs: 5000                # this source only: ms between requests to its site',
    '  #   fullText: auto                      # fetch the article page for the full text: auto (when the',
    '  #                                       # feed has only a summary), always, or never',
    '',
    'run:',
    runLine('concurrency', DEFAULT_RUN.concurrency, `sources processed at once (${RUN_LIMITS.concurrency.min} to ${RUN_LIMITS.concurrency.max})`),
    runLine('timeoutSeconds', DEFAULT_RUN.timeoutSeconds, 'give up on one attempt of a feed request after this many seconds'),
    runLine('maxFeedBytes', DEFAULT_RUN.maxFeedBytes, `refuse a feed larger than this (${DEFAULT_RUN.maxFeedBytes / 1024 / 1024} MiB), compressed or not`),
    runLine('retries', DEFAULT_RUN.retries, `more attempts after a timeout, lost connection, 408, 429 or 5xx (${RUN_LIMITS.retries.min} to ${RUN_LIMITS.retries.max})`),
    runLine('connectTimeoutSeconds', DEFAULT_RUN.connectTimeoutSeconds, 'give up connecting (TCP, TLS, proxy) after this many seconds'),
    runLine('minBytesPerSecond', DEFAULT_RUN.minBytesPerSecond, 'cut off a server sending slower than this (0: no minimum)'),
    runLine('perHostConcurrency', DEFAULT_RUN.perHostConcurrency, `requests at once to one site (${RUN_LIMITS.perHostConcurrency.min} to ${RUN_LIMITS.perHostConcurrency.max})`),
    runLine('perHostDelayMs', DEFAULT_RUN.perHostDelayMs, 'ms between the starts of two requests to one site'),
    runLine('proxy', 'socks5h://127.0.0.1:1080', 'every request through this proxy: http://, https://, socks5://,'),
    runLine('', '', 'or socks5h:// (the proxy resolves host names); direct ignores'),
    runLine('', '', 'HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY (used by default)'),
    runLine('assets', 'true', 'keep copies of article images in assets/ (default: false)'),
    '',
  ].join('\n');
}

/** `  # key: value` padded to one column, then `# comment` (no key: a continuation line). */
function runLine(key: string, value: string | number, comment: string): string {
  const setting = key === '' ? '  #' : `  # ${key}: ${value}`;
  return `${setting.padEnd(40)}# ${comment}`;
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

const FILE_KEYS = ['sources', 'run'] as const;
const RUN_KEYS = [
  'concurrency',
  'timeoutSeconds',
  'maxFeedBytes',
  'retries',
  'connectTimeoutSeconds',
  'minBytesPerSecond',
  'perHostConcurrency',
  'perHostDelayMs',
  'proxy',
  'assets',
] as const;
const SOURCE_KEYS = ['name', 'feed', 'feeds', 'enabled', 'proxy', 'perHostDelayMs', 'fullText'] as const;

/** How a wrong value reads after "must be …,": `not "yes"`, `not a list`, `but it is empty`. */
function notThis(value: unknown): string {
  if (value === null || value === undefined) return 'but it is empty';
  if (Array.isArray(value)) return 'not a list';
  if (typeof value === 'object') return 'not a mapping';
  if (typeof value === 'string') return `not ${JSON.stringify(value)}`;
  return `not ${String(value)}`;
}

const mustBe =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    `must be ${what}, ${notThis(issue.input)}`;

function fileSchema(archiveDir: string) {
  const location = z.string({ error: mustBe('an http(s) URL or a file path') }).transform((raw, ctx) => {
    const checked = checkFeedLocation(raw, archiveDir);
    if (checked.ok) return checked.location;
    ctx.addIssue({ code: 'custom', message: checked.problem, input: raw });
    return z.NEVER;
  });

  const { concurrency, timeoutSeconds, maxFeedBytes, retries, connectTimeoutSeconds, minBytesPerSecond, perHostConcurrency, perHostDelayMs } = RUN_LIMITS;
  const wholeNumber = (min: number, max: number, unit = '') => {
    const error = mustBe(`a whole number${unit} from ${min} to ${max}`);
    return z.int({ error }).min(min, { error }).max(max, { error }).optional();
  };
  const seconds = (limits: { min: number; max: number }) => {
    const error = mustBe(`a number of seconds greater than ${limits.min} and at most ${limits.max}`);
    return z.number({ error }).gt(limits.min, { error }).max(limits.max, { error }).optional();
  };

  const proxySetting = z
    .string({ error: mustBe('a proxy URL (http://, https://, socks5://, socks5h://) or direct') })
    .trim()
    .superRefine((raw, ctx) => {
      const problem = proxyProblem(raw);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: raw });
    })
    .optional();

  const source = z
    .strictObject(
      {
        name: z.string({ error: mustBe('text') }).trim().min(1, { error: 'must not be empty' }).optional(),
        feed: z
          .string({
            error: (issue) =>
              Array.isArray(issue.input)
                ? 'must be one http(s) URL or file path, not a list (use feeds: for several)'
                : mustBe('an http(s) URL or a file path')(issue),
          })
          .pipe(location)
          .optional(),
        feeds: z
          .array(location, { error: mustBe('a list of http(s) URLs or file paths') })
          .min(1, { error: 'must list at least one http(s) URL or file path' })
          .optional(),
        enabled: z.boolean({ error: mustBe('true or false') }).optional(),
        proxy: proxySetting,
        perHostDelayMs: wholeNumber(perHostDelayMs.min, perHostDelayMs.max, ' of milliseconds'),
        fullText: z.enum(FULL_TEXT_MODES, { error: mustBe(FULL_TEXT_MODES.join(', ').replace(/, (\w+)$/, ' or $1')) }).optional(),
      },
      { error: mustBe(`a mapping with any of: ${SOURCE_KEYS.join(', ')}`) },
    )
    .nullable();

  const slugKey = z.string().refine(isValidSlug, { error: (issue) => slugKeyProblem(String(issue.input)) ?? 'invalid slug' });

  return z.strictObject(
    {
      sources: z
        .record(slugKey, source, { error: mustBe('a mapping from source slugs to their settings') })
        .nullable()
        .optional(),
      run: z
        .strictObject(
          {
            concurrency: wholeNumber(concurrency.min, concurrency.max),
            timeoutSeconds: seconds(timeoutSeconds),
            maxFeedBytes: wholeNumber(maxFeedBytes.min, maxFeedBytes.max, ' of bytes'),
            retries: wholeNumber(retries.min, retries.max),
            connectTimeoutSeconds: seconds(connectTimeoutSeconds),
            minBytesPerSecond: wholeNumber(minBytesPerSecond.min, minBytesPerSecond.max, ' of bytes per second'),
            perHostConcurrency: wholeNumber(perHostConcurrency.min, perHostConcurrency.max),
            perHostDelayMs: wholeNumber(perHostDelayMs.min, perHostDelayMs.max, ' of milliseconds'),
            proxy: proxySetting,
            assets: z.boolean({ error: mustBe('true or false') }).optional(),
          },
          { error: mustBe(`a mapping with any of: ${RUN_KEYS.join(', ')}`) },
        )
        .nullable()
        .optional(),
    },
    { error: (issue) => `the file must hold a mapping of settings (${FILE_KEYS.join(', ')}), ${notThis(issue.input)}` },
  );
}

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
  if (objectPath[0] === 'run') return RUN_KEYS;
  return SOURCE_KEYS;
}

/** `['sources', 'mysite', 'feeds', 1]` → `sources.mysite.feeds[1]`. */
function fieldPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
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

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
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
