/**
 * The settings of newsvault.yaml, each declared once: RUN_SHAPE (the `run:` section) and
 * SOURCE_SHAPE (the settings of one slug under `sources:`) hold one entry per key, built by
 * `setting(type, { default | example, description })`. The type carries the bounds and the
 * error messages; `default` is what an absent key means (run settings), `example` is what the
 * template shows for a key without one; `description` is the comment `newsvault init` writes
 * beside the key, to which the bounds or choices are appended from the type.
 *
 * Everything else is derived from these: RunSettings, DEFAULT_RUN, RUN_LIMITS, the key lists of
 * "unknown key" messages (keysOf), and the commented template (templateLines). Adding a run
 * setting is adding one entry to RUN_SHAPE (and reading it where it is used).
 */
import { stringify } from 'yaml';
import { z } from 'zod';

import { FULL_TEXT_MODES } from '../domain.ts';
import { checkFeedLocation } from './location.ts';

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * Characters no name, slug, URL or path in the file may hold: controls (C0, DEL, C1), and the bidi
 * embeddings, overrides, isolates and marks (U+202A–202E, U+2066–2069, U+200E/F, U+061C), which would
 * reorder what a listing or a terminal shows after them (`photo\u202Egpj.exe` shows as `photoexe.jpg`).
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** `U+0000 at character 3`, for the first control character of `s`, or null. */
export function controlCharacter(s: string): string | null {
  const at = CONTROL_CHARACTERS.exec(s);
  if (at === null) return null;
  return `U+${at[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at character ${at.index + 1}`;
}

/** Text quoted for a message on one terminal line: at most 60 characters, control characters escaped. */
export function quote(s: string): string {
  const shown = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  const escaped = JSON.stringify(shown).replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > 60 ? `${escaped} (${s.length} characters)` : escaped;
}

/** How a wrong value reads after "must be …,": `not "yes"`, `not a list`, `but it is empty`. */
export function notThis(value: unknown): string {
  if (value === null || value === undefined) return 'but it is empty';
  if (Array.isArray(value)) return 'not a list';
  if (typeof value === 'object') return 'not a mapping';
  if (typeof value === 'string') return `not ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `not ${value}`;
  return `not a ${typeof value}`;
}

export const mustBe =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    `must be ${what}, ${notThis(issue.input)}`;

/** `a, b or c`. */
const orList = (items: readonly string[]): string => items.join(', ').replace(/, ([^,]+)$/, ' or $1');

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

// ---------------------------------------------------------------------------------------------
// Value types: each states its bounds once, for validation, messages and the template

/** What a number counts, when the template should show it in other units ("bytes": KiB, MiB, GiB). */
const UNITS = z.registry<{ unit: string }>();

/** A whole number from min to max (inclusive); `unit` ("bytes") goes into the message. */
export function wholeNumber(min: number, max: number, unit?: string) {
  const error = mustBe(`a whole number${unit === undefined ? '' : ` of ${unit}`} from ${min} to ${max}`);
  const type = z.int({ error }).min(min, { error }).max(max, { error });
  return unit === undefined ? type : type.register(UNITS, { unit });
}

/** A number of seconds greater than 0 and at most max. */
export function seconds(max: number) {
  const error = mustBe(`a number of seconds greater than 0 and at most ${max}`);
  return z.number({ error }).gt(0, { error }).max(max, { error });
}

export function flag() {
  return z.boolean({ error: mustBe('true or false') });
}

/** Longest source name (shown in listings and the README). */
export const MAX_NAME_LENGTH = 200;
/** Longest feed location (an http(s) URL or a file path). */
export const MAX_LOCATION_LENGTH = 8192;
/** Longest proxy URL. */
export const MAX_PROXY_LENGTH = 2048;
/** Most feeds one source may list. */
export const MAX_FEEDS_PER_SOURCE = 100;
/** Longest interval of `newsvault watch`, in seconds: a week. */
export const MAX_INTERVAL_SECONDS = 7 * 24 * 60 * 60;

/**
 * `type` with at most `max` characters and no control characters (CONTROL_CHARACTERS, after trimming),
 * checked in that order; either problem ends the checks, so that no later message quotes a huge or
 * hostile value.
 */
function plain<T extends z.ZodString>(type: T, max: number): T {
  const length = (input: unknown) => (typeof input === 'string' ? input.length : 0);
  return type
    .max(max, { abort: true, error: (issue) => `must be at most ${max} characters (it has ${length(issue.input)})` })
    .refine((s) => controlCharacter(s.trim()) === null, {
      abort: true,
      error: (issue) => `must not hold control or bidi characters (${typeof issue.input === 'string' ? controlCharacter(issue.input.trim()) : ''})`,
    });
}

/** Non-empty text, trimmed, of at most `max` characters and without control characters. */
export function text(max: number) {
  return plain(z.string({ error: mustBe('text') }).trim().min(1, { error: 'must not be empty' }), max);
}

export function choice<const T extends readonly [string, ...string[]]>(options: T) {
  return z.enum(options, { error: mustBe(orList(options)) });
}

/** A proxy URL (http, https, socks5, socks5h) or "direct", trimmed. */
export function proxyUrl() {
  return z
    .string({ error: mustBe('a proxy URL (http://, https://, socks5://, socks5h://) or direct') })
    .trim()
    .apply((type) => plain(type, MAX_PROXY_LENGTH))
    .superRefine((raw, ctx) => {
      const problem = proxyProblem(raw);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: raw });
    });
}

/**
 * A feed location: an http(s) URL or a file path, checked and kept as written (the config
 * resolves relative paths against the archive folder, see resolveFeedLocation).
 */
function location() {
  return plain(z.string({ error: mustBe('an http(s) URL or a file path') }), MAX_LOCATION_LENGTH).superRefine((raw, ctx) => {
    const checked = checkFeedLocation(raw, '/');
    if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem, input: raw });
  });
}

/** One feed location; a list is refused with a pointer to `feeds:`. */
export function feedLocation() {
  return z
    .string({
      error: (issue) =>
        Array.isArray(issue.input) ? 'must be one http(s) URL or file path, not a list (use feeds: for several)' : mustBe('an http(s) URL or a file path')(issue),
    })
    .pipe(location());
}

/** A non-empty list of feed locations, at most MAX_FEEDS_PER_SOURCE. */
export function feedList() {
  return z
    .array(location(), { error: mustBe('a list of http(s) URLs or file paths') })
    .min(1, { error: 'must list at least one http(s) URL or file path' })
    .max(MAX_FEEDS_PER_SOURCE, { error: (issue) => `must list at most ${MAX_FEEDS_PER_SOURCE} feeds (it lists ${Array.isArray(issue.input) ? issue.input.length : 0})` });
}

/** A checked feed location as the fetch stage reads it: an http(s) URL, or an absolute path. */
export function resolveFeedLocation(raw: string, archiveDir: string): string {
  const checked = checkFeedLocation(raw, archiveDir);
  return checked.ok ? checked.location : raw;
}

// ---------------------------------------------------------------------------------------------
// Identity: User-Agent, extra headers, cookies (docs/fetching.md#per-site-identity)

/** Longest User-Agent. */
export const MAX_USER_AGENT_LENGTH = 512;
/** Most extra headers in one `headers:` mapping, and the longest name and value. */
export const MAX_HEADERS = 50;
export const MAX_HEADER_NAME_LENGTH = 100;
export const MAX_HEADER_VALUE_LENGTH = 8192;
/** Longest cookies-file path. */
export const MAX_COOKIES_PATH_LENGTH = 4096;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const HOP_BY_HOP = 'is a hop-by-hop header, managed by the HTTP client';
const CONDITIONAL = "is Newsvault's own: it sends If-None-Match / If-Modified-Since from what it saw last time";
/** Headers that may not be set, lower-cased, and why. */
export const REFUSED_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  host: 'is set from the URL of each request',
  'content-length': 'describes a request body, and a GET has none',
  'transfer-encoding': HOP_BY_HOP,
  connection: HOP_BY_HOP,
  'keep-alive': HOP_BY_HOP,
  'proxy-connection': HOP_BY_HOP,
  te: HOP_BY_HOP,
  trailer: HOP_BY_HOP,
  upgrade: HOP_BY_HOP,
  expect: HOP_BY_HOP,
  'proxy-authorization': 'goes to the proxy: put its credentials in the proxy URL (http://user:password@host:port)',
  'proxy-authenticate': 'is a response header',
  'accept-encoding': 'is gzip, deflate, br: the encodings Newsvault decodes',
  'if-none-match': CONDITIONAL,
  'if-modified-since': CONDITIONAL,
  'if-match': CONDITIONAL,
  'if-unmodified-since': CONDITIONAL,
  'if-range': CONDITIONAL,
  range: 'would ask for part of a page; Newsvault reads whole responses',
  'user-agent': 'is set by userAgent: (give it there)',
});

/** Request headers whose values are credentials: never shown, and sent only to the source's own feeds' sites. */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'cookie'];

/**
 * Why a header value cannot be sent, or null. Printable ASCII, spaces and tabs only; the value itself is never
 * quoted (it may be a credential): the message names the first wrong character and where it is.
 */
export function headerValueProblem(value: string, max = MAX_HEADER_VALUE_LENGTH): string | null {
  if (value.length > max) return `must be at most ${max} characters (it has ${value.length})`;
  const at = /[^\t\x20-\x7e]/.exec(value);
  if (at === null) return null;
  const code = at[0].codePointAt(0) ?? 0;
  const where = `U+${code.toString(16).toUpperCase().padStart(4, '0')} at character ${at.index + 1}`;
  if (at[0] === '\r' || at[0] === '\n') return `must not hold a line break (${where})`;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `must not hold control characters (${where})`;
  return `must hold only printable ASCII characters (${where})`;
}

/** Why a header name cannot be set, or null. */
export function headerNameProblem(name: string): string | null {
  if (name.length > MAX_HEADER_NAME_LENGTH) return `is not a header name: at most ${MAX_HEADER_NAME_LENGTH} characters`;
  if (!HEADER_NAME.test(name)) return 'is not a header name (letters, digits and !#$%&\'*+.^_`|~- only)';
  const refused = REFUSED_HEADERS[name.toLowerCase()];
  return refused === undefined ? null : `cannot be set: ${name} ${refused}`;
}

/** A User-Agent: trimmed, not empty, printable ASCII. */
export function userAgent() {
  return z
    .string({ error: mustBe('text (a User-Agent)') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .superRefine((value, ctx) => {
      const problem = headerValueProblem(value, MAX_USER_AGENT_LENGTH);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: value });
    });
}

/** A header value read from the environment when a command fetches: `{ env: NAME }`. */
export interface EnvValue {
  env: string;
}

/** An environment variable's name. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isEnvValue(value: unknown): value is EnvValue {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as EnvValue).env === 'string';
}

/**
 * Extra request headers: a mapping of header names to text (or numbers), values trimmed, or `{ env: NAME }` for a
 * value taken from the environment when a command fetches. Authorization and Cookie must come from the
 * environment: newsvault.yaml is part of the archive, and what is written in it may end up in git. Each problem
 * is an issue at the header's own path (`run.headers.X-Foo`), and no message quotes a value.
 */
export function headerMap() {
  return z
    .record(z.string(), z.unknown(), { error: mustBe('a mapping of header names to values, e.g. { Accept-Language: zh-CN }') })
    .superRefine((headers, ctx) => {
      const names = Object.keys(headers);
      if (names.length > MAX_HEADERS) ctx.addIssue({ code: 'custom', message: `must hold at most ${MAX_HEADERS} headers (it holds ${names.length})`, input: undefined });
      const seen = new Map<string, string>();
      for (const name of names) {
        const raw = headers[name];
        const lower = name.toLowerCase();
        const twice = seen.get(lower);
        seen.set(lower, name);
        const problem = headerNameProblem(name) ?? (twice !== undefined ? `is given twice (also as ${twice}: header names are not case-sensitive)` : null) ?? valueProblem(lower, raw);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, path: [name], input: undefined });
      }
    })
    .transform((headers) =>
      Object.fromEntries(Object.entries(headers).map(([name, value]): [string, string | EnvValue] => [name, isEnvValue(value) ? { env: value.env } : String(value).trim()])),
    );
}

function valueProblem(lowerName: string, raw: unknown): string | null {
  if (isEnvValue(raw)) return ENV_NAME.test(raw.env) ? null : `{ env: … } must name an environment variable (letters, digits and _), not ${quote(raw.env)}`;
  const value = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : null;
  if (value === null) return `must be text or { env: VARIABLE }, ${notThis(raw)}`;
  if (CREDENTIAL_HEADERS.includes(lowerName)) {
    return (
      'is a secret, and newsvault.yaml may go into git with the archive: give it as { env: VARIABLE }, set when Newsvault runs' +
      (lowerName === 'cookie' ? ', or put the cookies in a cookies.txt (cookies:)' : '')
    );
  }
  if (value === '') return 'must not be empty';
  return headerValueProblem(value);
}

/** A path to a Netscape cookies.txt file, as written (parseConfig resolves it: relative to the config file, `~` = home). */
export function cookiesPath() {
  return plain(z.string({ error: mustBe('the path of a cookies.txt file') }).trim().min(1, { error: 'must not be empty' }), MAX_COOKIES_PATH_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// Settings

/** What the template says about one key (kept in SETTING_INFO, keyed by the key's schema). */
export interface SettingInfo {
  /** One line; the template wraps it, and appends the bounds of a number or the choices of an enum. */
  description: string;
  /** What the template shows for a key without a default. */
  example?: unknown;
}

export const SETTING_INFO = z.registry<SettingInfo>();

/**
 * One setting: its type, and either the default an absent key means, or (no default: absent
 * means "not set") an example for the template. Both are checked against the type by the tests.
 */
export function setting<T extends z.ZodType>(type: T, info: { default: z.output<T>; description: string }): z.ZodDefault<T>;
export function setting<T extends z.ZodType>(type: T, info: { example: z.output<T>; description: string }): z.ZodOptional<T>;
export function setting(type: z.ZodType, info: { default?: unknown; example?: unknown; description: string }): z.ZodType {
  const { default: value, ...rest } = info;
  const declared = 'default' in info ? type.default(value as never) : type.optional();
  return declared.register(SETTING_INFO, rest);
}

/** The settings object of a section: strict, and its "not a mapping" message lists its keys. */
export function settingsObject<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: mustBe(`a mapping with any of: ${Object.keys(shape).join(', ')}`) });
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** The `run:` section. */
export const RUN_SHAPE = {
  concurrency: setting(wholeNumber(1, 32), { default: 4, description: 'sources processed at once' }),
  timeoutSeconds: setting(seconds(3600), { default: 30, description: 'give up on one attempt of a feed request after this many seconds' }),
  maxFeedBytes: setting(wholeNumber(KiB, GiB, 'bytes'), { default: 20 * MiB, description: 'refuse a feed larger than this, compressed or not' }),
  retries: setting(wholeNumber(0, 10), { default: 2, description: 'more attempts after a timeout, lost connection, 408, 429 or 5xx' }),
  connectTimeoutSeconds: setting(seconds(300), { default: 10, description: 'give up connecting (TCP, TLS, proxy) after this many seconds' }),
  minBytesPerSecond: setting(wholeNumber(0, GiB, 'bytes per second'), {
    default: KiB,
    description: 'cut off a server sending slower than this over 5 s; 0: no minimum',
  }),
  perHostConcurrency: setting(wholeNumber(1, 16), { default: 2, description: 'requests at once to one site' }),
  perHostDelayMs: setting(wholeNumber(0, 600_000, 'milliseconds'), { default: 1000, description: 'ms between the starts of two requests to one site' }),
  proxy: setting(proxyUrl(), {
    example: 'socks5h://127.0.0.1:1080',
    description:
      'every request through this proxy: http://, https://, socks5://, or socks5h:// (the proxy resolves host names); ' +
      'direct ignores HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY (used by default)',
  }),
  assets: setting(flag(), { default: false, description: 'keep copies of article images in assets/' }),
  userAgent: setting(userAgent(), {
    example: 'Mozilla/5.0 (compatible; Newsvault)',
    description: 'sent as User-Agent instead of Newsvault/<version> (+https://github.com/newsvault/newsvault)',
  }),
  headers: setting(headerMap(), {
    example: { 'Accept-Language': 'zh-CN,zh;q=0.9' },
    description: 'extra request headers; Authorization and Cookie go only to the sites of the source\'s own feeds, never shown',
  }),
  cookies: setting(cookiesPath(), {
    example: '~/.config/newsvault/cookies.txt',
    description:
      'a Netscape cookies.txt (a browser export), read at each run, never copied; relative to this file, ~ = home; ' +
      'outside the archive or under .newsvault/; each cookie sent only where it belongs',
  }),
  cookieJar: setting(flag(), {
    default: false,
    description: 'keep the cookies sites set (a consent cookie…) and send them back, also on the next runs (kept in .newsvault/cookies/)',
  }),
  allowPrivateNetworks: setting(flag(), {
    example: false,
    description:
      'may article pages, images and redirects chosen by a feed reach loopback, private or link-local addresses? ' +
      "true: yes; false: never; unset: only when the source's feed is itself on such an address (docs/fetching.md)",
  }),
};

/** The settings of one slug under `sources:`. No defaults: absent means the catalog's value, or the run's. */
export const SOURCE_SHAPE = {
  name: setting(text(MAX_NAME_LENGTH), { example: 'My Site', description: 'shown in listings (default: the slug, or the catalog name)' }),
  feed: setting(feedLocation(), {
    example: 'https://example.org/rss.xml',
    description: 'an http(s) URL or a file path; relative paths start at this folder',
  }),
  feeds: setting(feedList(), { example: ['https://example.org/rss.xml', 'saved/rss.xml'], description: 'instead of feed: several, as a list' }),
  enabled: setting(flag(), { example: true, description: 'false: listed, but not polled (default: true)' }),
  proxy: setting(RUN_SHAPE.proxy.unwrap(), { example: 'direct', description: 'this source only, instead of run.proxy: a proxy URL, or direct' }),
  perHostDelayMs: setting(RUN_SHAPE.perHostDelayMs.unwrap(), {
    example: 5000,
    description: 'this source only, instead of run.perHostDelayMs: ms between requests to its site',
  }),
  allowPrivateNetworks: setting(flag(), {
    example: true,
    description: 'this source only, instead of run.allowPrivateNetworks: true or false (unset: automatic)',
  }),
  userAgent: setting(userAgent(), { example: 'Mozilla/5.0 (compatible; Newsvault)', description: 'this source only, instead of run.userAgent' }),
  headers: setting(headerMap(), { example: { Referer: 'https://example.org/' }, description: 'this source only, added to run.headers (replacing any of the same name)' }),
  cookies: setting(cookiesPath(), { example: '~/.config/newsvault/mysite-cookies.txt', description: 'this source only, instead of run.cookies' }),
  cookieJar: setting(flag(), { example: true, description: 'this source only, instead of run.cookieJar' }),
  fullText: setting(choice(FULL_TEXT_MODES), {
    example: 'auto',
    description: 'when to fetch the article page for the full text; auto (default): when the feed has only a summary',
  }),
  interval: setting(wholeNumber(1, MAX_INTERVAL_SECONDS, 'seconds'), {
    example: 600,
    description: 'newsvault watch: poll this source every this many seconds (instead of watch.interval, not adapted)',
  }),
};

export const RUN_SCHEMA = settingsObject(RUN_SHAPE);
export const SOURCE_SCHEMA = settingsObject(SOURCE_SHAPE);

export type RunSettings = z.output<typeof RUN_SCHEMA>;

/** A git remote or branch name: letters, digits and `._/-`, not starting with `-` (never taken for an option). */
export function gitName() {
  return text(200).regex(/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/, {
    error: (issue) => `must be a git name (letters, digits, '.', '_', '/', '-', not starting with '-'), ${notThis(issue.input)}`,
  });
}

/** The `watch:` section: how often `newsvault watch` polls each source. */
export const WATCH_SHAPE = {
  interval: setting(wholeNumber(1, MAX_INTERVAL_SECONDS, 'seconds'), {
    default: 900,
    description: 'seconds between two polls of a source: the start, before it has a history; sources.<slug>.interval sets one source',
  }),
  adaptive: setting(flag(), {
    default: true,
    description: "learn each source's interval from when its articles first appeared (false: always interval)",
  }),
  minInterval: setting(wholeNumber(1, MAX_INTERVAL_SECONDS, 'seconds'), { default: 300, description: 'adaptive: a source is never polled more often than this' }),
  maxInterval: setting(wholeNumber(1, MAX_INTERVAL_SECONDS, 'seconds'), { default: 10_800, description: 'adaptive: nor less often than this' }),
};

/** The `git:` section: what `run` and `watch` do with git after writing (also --commit, --push). */
export const GIT_SHAPE = {
  commit: setting(flag(), { default: false, description: 'commit what each run changed (the archive must be a git repository)' }),
  push: setting(flag(), { default: false, description: 'push those commits (implies commit); a rejected push is rebased, never forced' }),
  remote: setting(gitName(), { default: 'origin', description: 'the remote to push to' }),
  branch: setting(gitName(), { example: 'main', description: 'the branch to push to (default: the current branch)' }),
};

export const WATCH_SCHEMA = settingsObject(WATCH_SHAPE);
export const GIT_SCHEMA = settingsObject(GIT_SHAPE);

export type WatchSettings = z.output<typeof WATCH_SCHEMA>;
export type GitSettings = z.output<typeof GIT_SCHEMA>;

// ---------------------------------------------------------------------------------------------
// Derived: defaults, bounds, keys, template

/** Inclusive bounds of a number setting; with minExclusive, the value must be greater than min. */
export interface Bounds {
  min: number;
  max: number;
  minExclusive: boolean;
}

type NumberKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number ? K : never }[keyof T];

/** The settings an empty section means. */
export function defaultsOf<T extends z.ZodObject>(schema: T): Readonly<z.output<T>> {
  return Object.freeze(schema.parse({}));
}

/** The bounds of every number setting of a section. */
export function limitsOf<T extends z.ZodObject>(schema: T): Readonly<Record<NumberKeys<z.output<T>>, Bounds>> {
  const limits: Record<string, Bounds> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const bounds = boundsOf(field);
    if (bounds !== null) limits[key] = bounds;
  }
  return Object.freeze(limits) as Record<NumberKeys<z.output<T>>, Bounds>;
}

export function keysOf(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}

export const DEFAULT_RUN: Readonly<RunSettings> = defaultsOf(RUN_SCHEMA);
export const RUN_LIMITS = limitsOf(RUN_SCHEMA);
export const DEFAULT_WATCH: Readonly<WatchSettings> = defaultsOf(WATCH_SCHEMA);
export const DEFAULT_GIT: Readonly<GitSettings> = defaultsOf(GIT_SCHEMA);

/**
 * One commented line per key of a section, `<prefix>key: value` then `# description`, wrapped:
 * value is the default, else the example. Uncommented, a line is valid YAML for that key.
 */
export function templateLines(schema: z.ZodObject, prefix: string, column = 40): string[] {
  const lines: string[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    const info = SETTING_INFO.get(field);
    if (info === undefined) throw new Error(`setting ${key} has no description: declare it with setting()`);
    const value = field instanceof z.ZodDefault ? field.def.defaultValue : info.example;
    if (value === undefined) throw new Error(`setting ${key} has neither a default nor an example`);
    const shown = stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trimEnd();
    const extra = details(field, value);
    // The bounds or choices are one word, so that wrapping never splits them.
    const words = [...info.description.split(' '), ...(extra === '' ? [] : [`(${extra})`])];
    lines.push(...commentLines(`${prefix}${key}: ${shown}`, words, prefix.replace(/ +$/, ''), column));
  }
  return lines;
}

/** The bounds of a number setting (`1 to 32`), or the choices of an enum (`auto, always or never`). */
function details(field: z.ZodType, value: unknown): string {
  const inner = innermost(field);
  if (inner instanceof z.ZodEnum) return orList(inner.options.map(String));
  const bounds = boundsOf(field);
  if (bounds === null) return '';
  const unit = UNITS.get(inner)?.unit ?? '';
  const show = (n: number) => (unit.startsWith('bytes') ? bytes(n) : String(n));
  const range = bounds.minExclusive ? `more than ${show(bounds.min)}, at most ${show(bounds.max)}` : `${show(bounds.min)} to ${show(bounds.max)}`;
  return typeof value === 'number' && show(value) !== String(value) ? `${show(value)}, from ${range}` : range;
}

function boundsOf(field: z.ZodType): Bounds | null {
  const inner = innermost(field);
  if (!(inner instanceof z.ZodNumber)) return null;
  const json = z.toJSONSchema(inner);
  const min = json.exclusiveMinimum ?? json.minimum;
  const max = json.maximum;
  if (typeof min !== 'number' || typeof max !== 'number') return null;
  return { min, max, minExclusive: typeof json.exclusiveMinimum === 'number' };
}

function innermost(field: z.ZodType): z.ZodType {
  let current = field;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
  return current;
}

/** 1048576 → `1 MiB`; a number that is not a whole count of KiB, MiB or GiB stays as it is. */
function bytes(n: number): string {
  for (const [size, name] of [[GiB, 'GiB'], [MiB, 'MiB'], [KiB, 'KiB']] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${name}`;
  }
  return String(n);
}

/** `setting   # comment`, the comment's words wrapped at 110 columns onto `#`-only lines. */
function commentLines(setting: string, words: readonly string[], blank: string, column: number): string[] {
  const width = 110;
  const lines: string[] = [];
  let line = setting.length < column - 1 ? setting.padEnd(column) : `${setting} `;
  let text = '';
  for (const word of words) {
    if (text !== '' && line.length + 2 + text.length + 1 + word.length > width) {
      lines.push(`${line}# ${text}`);
      line = blank.padEnd(column);
      text = word;
    } else {
      text = text === '' ? word : `${text} ${word}`;
    }
  }
  lines.push(`${line}# ${text}`);
  return lines;
}
