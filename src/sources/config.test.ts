import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';

import {
  CATALOG,
  ConfigError,
  DEFAULT_RUN,
  defaultConfigYaml,
  enabledSources,
  loadConfig,
  resolveSources,
  type ArchiveConfig,
} from './index.ts';
import { MAX_CONFIG_BYTES, parseConfig, proxyProblem, RUN_LIMITS, sourceFetchSettings } from './config.ts';
import {
  MAX_FEEDS_PER_SOURCE,
  MAX_LOCATION_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PROXY_LENGTH,
  RUN_SCHEMA,
  RUN_SHAPE,
  SETTING_INFO,
  SOURCE_SCHEMA,
  defaultsOf,
  keysOf,
  limitsOf,
  setting,
  settingsObject,
  templateLines,
  wholeNumber,
} from './schema.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MIN_BYTES_PER_SECOND, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_BYTES, DEFAULT_POLITENESS } from '../fetch/index.ts';

const tempDirs: string[] = [];
after(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'newsvault-sources-'));
  tempDirs.push(dir);
  return dir;
}

/** A fresh archive folder holding a newsvault.yaml with this text. */
async function archiveWith(yaml: string): Promise<{ dir: string; file: string }> {
  const dir = await tempDir();
  const file = path.join(dir, 'newsvault.yaml');
  await writeFile(file, yaml);
  return { dir, file };
}

/** Loading this config fails with a ConfigError whose message names the file, the field and the problem. */
async function assertRejected(yaml: string, field: string | null, problem: RegExp): Promise<ConfigError> {
  const { dir, file } = await archiveWith(yaml);
  const error = await loadConfig(dir).then(
    () => assert.fail(`expected a ConfigError for:\n${yaml}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
  assert.equal(error.file, file);
  const line = error.message.split('\n').find((l) => l.startsWith(`${file}: ${field === null ? '' : `${field}: `}`));
  assert.ok(line, `a line naming ${file} and ${field ?? '(no field)'} in:\n${error.message}`);
  assert.match(line, problem);
  return error;
}

const catalogCopy = () => CATALOG.map((s) => ({ ...s, feeds: [...s.feeds] }));

// ------------------------------------------------------------------------------------------------
// Defaults

test('a missing file gives the defaults: the catalog as it is, default run settings', async () => {
  const dir = await tempDir();
  const config = await loadConfig(dir);
  assert.equal(config.found, false);
  assert.equal(config.file, path.join(dir, 'newsvault.yaml'));
  assert.deepEqual(config.run, DEFAULT_RUN);
  assert.deepEqual(resolveSources(config), catalogCopy());
  assert.deepEqual(
    enabledSources(resolveSources(config)).map((s) => s.slug),
    CATALOG.filter((s) => s.feeds.length > 0).map((s) => s.slug),
  );
});

test('an archive folder that does not exist yet also gives the defaults', async () => {
  const dir = path.join(await tempDir(), 'not', 'yet');
  const config = await loadConfig(dir);
  assert.equal(config.found, false);
  assert.deepEqual(resolveSources(config), catalogCopy());
});

test('an empty or comment-only file, or empty sections, give the defaults', async () => {
  for (const yaml of ['', '# nothing here\n', 'sources:\nrun:\n']) {
    const { dir } = await archiveWith(yaml);
    const config = await loadConfig(dir);
    assert.equal(config.found, true);
    assert.deepEqual(config.run, DEFAULT_RUN, JSON.stringify(yaml));
    assert.deepEqual(resolveSources(config), catalogCopy(), JSON.stringify(yaml));
  }
});

// ------------------------------------------------------------------------------------------------
// Valid configs

test('overriding rfi and adding a user source resolves to the catalog, then the user source', async () => {
  const { dir } = await archiveWith(
    [
      'sources:',
      '  rfi: { enabled: false }',
      '  mysite:',
      '    name: My Site',
      '    feed: https://example.org/rss.xml',
      '  local-one:',
      '    feeds: [feeds/local.xml, /srv/other.xml]',
      '    enabled: false',
      'run:',
      '  concurrency: 8',
      '',
    ].join('\n'),
  );
  const sources = resolveSources(await loadConfig(dir));
  const expected = catalogCopy().map((s) => (s.slug === 'rfi' ? { ...s, enabled: false } : s));
  expected.push({ slug: 'mysite', name: 'My Site', feeds: ['https://example.org/rss.xml'], enabled: true });
  expected.push({ slug: 'local-one', name: 'local-one', feeds: [path.join(dir, 'feeds', 'local.xml'), '/srv/other.xml'], enabled: false });
  assert.deepEqual(sources, expected);
  assert.ok(!enabledSources(sources).some((s) => s.slug === 'rfi' || s.slug === 'local-one'));
});

test('a catalog outlet can be renamed and given other feeds; one that had none is then enabled', async () => {
  const { dir } = await archiveWith(
    [
      'sources:',
      '  rfa: { name: RFA (new site), feed: "https://www.rfa.org/arc/outboundfeeds/mandarin/rss/" }',
      '  reuters: { feeds: [saved/reuters.xml] }',
      '',
    ].join('\n'),
  );
  const bySlug = new Map(resolveSources(await loadConfig(dir)).map((s) => [s.slug, s]));
  const rfa = bySlug.get('rfa')!;
  assert.equal(rfa.name, 'RFA (new site)');
  assert.equal(rfa.nameEn, 'Radio Free Asia Mandarin');
  assert.deepEqual(rfa.feeds, ['https://www.rfa.org/arc/outboundfeeds/mandarin/rss/']);
  assert.equal(rfa.enabled, true);
  const reuters = bySlug.get('reuters')!;
  assert.deepEqual(reuters.feeds, [path.join(dir, 'saved', 'reuters.xml')]);
  assert.equal(reuters.enabled, true);
  assert.equal(reuters.note, undefined, 'the "no feed" note no longer applies');
  assert.equal(bySlug.size, CATALOG.length, 'overrides add no source');
});

test('relative feed paths are resolved against the archive folder, not the working folder', async () => {
  const { dir } = await archiveWith(
    ['sources:', '  a: { feed: feeds/a.xml }', '  b: { feed: ./x/../b.xml }', '  c: { feed: ../c.xml }', `  d: { feed: "${pathToFileURL('/srv/d.xml').href}" }`, ''].join('\n'),
  );
  assert.notEqual(process.cwd(), dir);
  const feeds = Object.fromEntries(resolveSources(await loadConfig(dir)).map((s) => [s.slug, s.feeds]));
  assert.deepEqual(feeds.a, [path.join(dir, 'feeds', 'a.xml')]);
  assert.deepEqual(feeds.b, [path.join(dir, 'b.xml')]);
  assert.deepEqual(feeds.c, [path.join(path.dirname(dir), 'c.xml')]);
  assert.deepEqual(feeds.d, ['/srv/d.xml']);
});

test('run settings override the defaults one by one', async () => {
  const { dir } = await archiveWith('run:\n  timeoutSeconds: 2.5\n  maxFeedBytes: 1048576\n');
  assert.deepEqual((await loadConfig(dir)).run, { ...DEFAULT_RUN, timeoutSeconds: 2.5, maxFeedBytes: 1048576 });
});

test('fetch settings: run keys, per-source proxy and delay, and sourceFetchSettings merging them', async () => {
  const { dir } = await archiveWith(
    [
      'sources:',
      '  rfi: { proxy: direct }',
      '  mysite: { feed: https://example.org/rss.xml, proxy: "http://user:pw@proxy.example:3128", perHostDelayMs: 5000 }',
      '  other: { feed: https://other.example/rss.xml }',
      'run:',
      '  retries: 0',
      '  connectTimeoutSeconds: 2.5',
      '  minBytesPerSecond: 0',
      '  perHostConcurrency: 1',
      '  perHostDelayMs: 250',
      '  proxy: "  socks5h://127.0.0.1:1080  "',
      '',
    ].join('\n'),
  );
  const config = await loadConfig(dir);
  assert.deepEqual(config.run, {
    ...DEFAULT_RUN,
    retries: 0,
    connectTimeoutSeconds: 2.5,
    minBytesPerSecond: 0,
    perHostConcurrency: 1,
    perHostDelayMs: 250,
    proxy: 'socks5h://127.0.0.1:1080',
  });
  assert.deepEqual(sourceFetchSettings(config, 'rfi'), { proxy: 'direct', perHostDelayMs: 250 });
  assert.deepEqual(sourceFetchSettings(config, 'mysite'), { proxy: 'http://user:pw@proxy.example:3128', perHostDelayMs: 5000 });
  assert.deepEqual(sourceFetchSettings(config, 'other'), { proxy: 'socks5h://127.0.0.1:1080', perHostDelayMs: 250 });
  assert.deepEqual(sourceFetchSettings(config, 'bbc'), { proxy: 'socks5h://127.0.0.1:1080', perHostDelayMs: 250 }, 'a slug not in the file');
  const rfi = resolveSources(config).find((s) => s.slug === 'rfi')!;
  assert.equal(rfi.enabled, true, 'a proxy-only override changes nothing else');
  // Without run.proxy, a source without its own proxy uses the environment's (undefined).
  assert.deepEqual(sourceFetchSettings(await loadConfig(await tempDir()), 'rfi'), { proxy: undefined, perHostDelayMs: DEFAULT_RUN.perHostDelayMs });
});

test('the run defaults are the fetch layer\'s defaults', () => {
  assert.equal(DEFAULT_RUN.timeoutSeconds * 1000, DEFAULT_TIMEOUT_MS);
  assert.equal(DEFAULT_RUN.maxFeedBytes, DEFAULT_MAX_BYTES);
  assert.equal(DEFAULT_RUN.retries, DEFAULT_RETRY.retries);
  assert.equal(DEFAULT_RUN.connectTimeoutSeconds * 1000, DEFAULT_CONNECT_TIMEOUT_MS);
  assert.equal(DEFAULT_RUN.minBytesPerSecond, DEFAULT_MIN_BYTES_PER_SECOND);
  assert.equal(DEFAULT_RUN.perHostConcurrency, DEFAULT_POLITENESS.perHostConcurrency);
  assert.equal(DEFAULT_RUN.perHostDelayMs, DEFAULT_POLITENESS.perHostDelayMs);
});

test('proxy settings that cannot work are refused with the reason', async () => {
  await assertRejected('run:\n  proxy: socks4://127.0.0.1:1080\n', 'run.proxy', /socks4:\/\/ proxies are not supported \(use socks5:\/\/ or socks5h:\/\/\)/);
  await assertRejected('run:\n  proxy: 127.0.0.1:8080\n', 'run.proxy', /must be a proxy URL starting with http:\/\/, https:\/\/, socks5:\/\/ or socks5h:\/\/, or direct, not "127.0.0.1:8080"/);
  await assertRejected('run:\n  proxy: 8080\n', 'run.proxy', /must be a proxy URL \(http:\/\/, https:\/\/, socks5:\/\/, socks5h:\/\/\) or direct, not 8080/);
  await assertRejected('sources:\n  rfi: { proxy: "http://proxy.example:3128/path" }\n', 'sources.rfi.proxy', /only scheme:\/\/\[user:password@\]host\[:port\]/);
  await assertRejected('sources:\n  rfi: { proxy: "http://exa mple:1" }\n', 'sources.rfi.proxy', /is not a valid URL/);
  await assertRejected('run:\n  retries: 11\n', 'run.retries', /whole number from 0 to 10, not 11/);
  await assertRejected('run:\n  connectTimeoutSeconds: 0\n', 'run.connectTimeoutSeconds', /greater than 0 and at most 300/);
  await assertRejected('run:\n  minBytesPerSecond: -1\n', 'run.minBytesPerSecond', /whole number of bytes per second from 0/);
  await assertRejected('run:\n  perHostConcurrency: 0\n', 'run.perHostConcurrency', /from 1 to 16/);
  await assertRejected('sources:\n  rfi: { perHostDelayMs: 1.5 }\n', 'sources.rfi.perHostDelayMs', /whole number of milliseconds from 0 to 600000/);
  await assertRejected('run:\n  proxi: direct\n', 'run.proxi', /unknown key \(did you mean "proxy"\?\)/);
  assert.equal(proxyProblem('DIRECT'), null);
  assert.equal(proxyProblem('https://u:p@proxy.example'), null);
  assert.equal(proxyProblem('socks5h://[::1]:1080'), null);
});

test('resolveSources returns fresh objects every time', async () => {
  const config = await loadConfig(await tempDir());
  const first = resolveSources(config);
  first[0]!.enabled = false;
  first[0]!.feeds.push('https://example.org/extra');
  assert.deepEqual(resolveSources(config), catalogCopy());
  assert.deepEqual(CATALOG[0]!.feeds, ['https://www.rfi.fr/cn/rss']);
});

test('resolveSources refuses a hand-built config that a file could not produce', () => {
  const base: ArchiveConfig = { archiveDir: '/a', file: '/a/newsvault.yaml', found: true, sources: [], run: { ...DEFAULT_RUN } };
  assert.throws(() => resolveSources({ ...base, sources: [{ slug: 'mine' }] }), (e: unknown) => e instanceof ConfigError && /sources\.mine: has no feed/.test(e.message));
  assert.throws(() => resolveSources({ ...base, sources: [{ slug: 'a', feeds: ['/x'] }, { slug: 'a', feeds: ['/y'] }] }), /sources\.a: is given twice/);
  assert.throws(() => resolveSources({ ...base, sources: [{ slug: 'Bad Slug', feeds: ['/x'] }] }), /sources\.Bad Slug: slug must be lowercase/);
  assert.throws(() => resolveSources({ ...base, sources: [{ slug: 'reuters', enabled: true }] }), /sources\.reuters\.enabled: cannot enable/);
});

// ------------------------------------------------------------------------------------------------
// Errors: each names the file, the field and the problem

test('a feed that is neither an http(s) URL nor a file path', async () => {
  await assertRejected('sources:\n  mysite:\n    feed: "ftp://x"\n', 'sources.mysite.feed', /"ftp:\/\/x" is not an http\(s\) URL or a file path/);
  await assertRejected('sources:\n  mysite:\n    feeds: [https://ok.org/a, "mailto:x@y.org"]\n', 'sources.mysite.feeds[1]', /"mailto:x@y.org" is not an http\(s\) URL or a file path/);
  await assertRejected('sources:\n  mysite:\n    feed: "http://exa mple.org/"\n', 'sources.mysite.feed', /is not a valid URL/);
  await assertRejected('sources:\n  mysite:\n    feed: ""\n', 'sources.mysite.feed', /is empty/);
  await assertRejected('sources:\n  mysite:\n    feed: 42\n', 'sources.mysite.feed', /must be an http\(s\) URL or a file path, not 42/);
  await assertRejected('sources:\n  mysite:\n    feed: [a.xml, b.xml]\n', 'sources.mysite.feed', /not a list \(use feeds: for several\)/);
});

test('a slug that is not lowercase letters, digits and hyphens', async () => {
  await assertRejected('sources:\n  My Site:\n    feed: https://example.org/rss.xml\n', 'sources.My Site', /slug must be lowercase letters, digits and hyphens/);
  await assertRejected('sources:\n  RFI: { enabled: false }\n', 'sources.RFI', /slug must be lowercase letters, digits and hyphens.*"rfi"/);
  await assertRejected('sources:\n  -x: { feed: a.xml }\n', 'sources.-x', /starting with a letter or digit/);
  await assertRejected(`sources:\n  ${'a'.repeat(65)}: { feed: a.xml }\n`, `sources.${'a'.repeat(65)}`, /at most 64 characters/);
});

test('a user source without a feed', async () => {
  await assertRejected('sources:\n  mysite:\n    name: My Site\n', 'sources.mysite', /has no feed: "mysite" is not a catalog outlet, so it needs feed:/);
  await assertRejected('sources:\n  mysite:\n', 'sources.mysite', /has no feed/);
  await assertRejected('sources:\n  bbcc: { enabled: false }\n', 'sources.bbcc', /did you mean the catalog outlet "bbc"\?/);
  await assertRejected('sources:\n  mysite: { feeds: [] }\n', 'sources.mysite.feeds', /must list at least one/);
});

test('unknown keys, with a suggestion when one is close', async () => {
  await assertRejected('run:\n  concurency: 4\n', 'run.concurency'.replace('concurrency', 'concurency'), /unknown key \(did you mean "concurrency"\?\); the keys here are concurrency, timeoutSeconds, maxFeedBytes/);
  await assertRejected('source:\n  rfi: {}\n', 'source', /unknown key \(did you mean "sources"\?\)/);
  await assertRejected('sources:\n  mysite: { url: https://example.org/ }\n', 'sources.mysite.url', /unknown key; the keys here are name, feed, feeds, enabled/);
});

test('a YAML syntax error gives its line number', async () => {
  const error = await assertRejected('sources:\n  rfi: { enabled: false\nrun:\n  concurrency: 2\n', null, /^.*: line 3, column \d+: invalid YAML: /);
  assert.deepEqual(error.problems.map((p) => p.field), [null]);
  await assertRejected('run:\n  concurrency: 2\n  concurrency: 3\n', null, /line 3, column \d+: invalid YAML: Map keys must be unique/);
  await assertRejected('run:\n  concurrency: 2\n\ttimeoutSeconds: 3\n', null, /line 3, column 1: invalid YAML: Tabs are not allowed/);
  await assertRejected('run: *nowhere\n', null, /invalid YAML: Unresolved alias/);
});

test('values of the wrong type or out of range', async () => {
  await assertRejected('run:\n  concurrency: 0\n', 'run.concurrency', /must be a whole number from 1 to 32, not 0/);
  await assertRejected('run:\n  concurrency: 33\n', 'run.concurrency', /from 1 to 32, not 33/);
  await assertRejected('run:\n  concurrency: "4"\n', 'run.concurrency', /not "4"/);
  await assertRejected('run:\n  timeoutSeconds: 0\n', 'run.timeoutSeconds', /greater than 0 and at most 3600, not 0/);
  await assertRejected('run:\n  maxFeedBytes: 2.5\n', 'run.maxFeedBytes', /whole number of bytes from 1024/);
  await assertRejected('sources:\n  rfi: { enabled: yes }\n', 'sources.rfi.enabled', /must be true or false, not "yes"/);
  await assertRejected('sources:\n  rfi: { name: "" }\n', 'sources.rfi.name', /must not be empty/);
  await assertRejected('sources: [rfi]\n', 'sources', /must be a mapping from source slugs to their settings, not a list/);
  await assertRejected('sources:\n  rfi: off\n', 'sources.rfi', /must be a mapping with any of: name, feed, feeds, enabled, proxy, perHostDelayMs, allowPrivateNetworks, userAgent, headers, cookies, cookieJar, fullText, interval, not "off"/);
  await assertRejected('- rfi\n- bbc\n', null, /the file must hold a mapping of settings \(sources, run, watch, git\), not a list/);
});

test('rules across fields', async () => {
  await assertRejected('sources:\n  x: { feed: a.xml, feeds: [b.xml] }\n', 'sources.x', /give either feed or feeds, not both/);
  await assertRejected('sources:\n  x: { feeds: [a.xml, ./a.xml] }\n', 'sources.x.feeds[1]', /is listed twice/);
  await assertRejected('sources:\n  reuters: { enabled: true }\n', 'sources.reuters.enabled', /cannot enable "reuters": it has no feed .*give it feed: or feeds:/);
});

test('every problem in the file is reported at once, one line each', async () => {
  const error = await assertRejected('run:\n  concurrency: 0\n  timeoutSeconds: -1\n', 'run.concurrency', /from 1 to 32/);
  assert.deepEqual(error.problems.map((p) => p.field), ['run.concurrency', 'run.timeoutSeconds']);
  assert.equal(error.message.split('\n').length, 2);
});

test('a newsvault.yaml that is a folder is an error naming it', async () => {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'newsvault.yaml'));
  await assert.rejects(loadConfig(dir), (e: unknown) => e instanceof ConfigError && e.message === `${path.join(dir, 'newsvault.yaml')}: is a folder, not a file`);
});

// ------------------------------------------------------------------------------------------------
// Hostile values: bounded sizes, no control characters, messages that stay one short line

test('a newsvault.yaml over 1 MiB is refused before it is parsed, naming the file; 1 MiB exactly is read', async () => {
  const head = 'sources:\n  mysite: { feed: a.xml }\n';
  const padded = (size: number) => head + '#'.repeat(size - head.length - 1) + '\n';
  const error = await assertRejected(padded(MAX_CONFIG_BYTES + 1), null, /: is larger than 1 MiB \(1048577 bytes\): a newsvault\.yaml holds settings only$/);
  assert.equal(error.message.split('\n').length, 1);
  const { dir } = await archiveWith(padded(MAX_CONFIG_BYTES));
  assert.deepEqual((await loadConfig(dir)).sources.map((s) => s.slug), ['mysite']);
  // parseConfig (what `sources import` checks a new file with) holds to the same bound
  assert.throws(
    () => parseConfig(padded(MAX_CONFIG_BYTES + 1), '/x/newsvault.yaml', '/x'),
    (e: unknown) => e instanceof ConfigError && e.message === '/x/newsvault.yaml: is larger than 1 MiB (1048577 bytes): a newsvault.yaml holds settings only',
  );
});

test('a name holding a control or bidi character is refused, naming the character and where it is', async () => {
  const named = (escaped: string) => `sources:\n  mysite:\n    name: "My${escaped}Site"\n    feed: a.xml\n`;
  const cases: [string, string][] = [
    ['\\0', 'U+0000'],
    ['\\t', 'U+0009'],
    ['\\n', 'U+000A'],
    ['\\e[31m', 'U+001B'],
    ['\\x7f', 'U+007F'],
    ['\\x85', 'U+0085'],
    ['\\u061c', 'U+061C'],
    ['\\u200f', 'U+200F'],
    ['\\u202e', 'U+202E'],
    ['\\u2066', 'U+2066'],
  ];
  for (const [escaped, code] of cases) {
    await assertRejected(named(escaped), 'sources.mysite.name', new RegExp(`: must not hold control or bidi characters \\(${code.replace('+', '\\+')} at character 3\\)$`));
  }
  // a catalog outlet's name too
  await assertRejected('sources:\n  rfi: { name: "RFI\\u202e" }\n', 'sources.rfi.name', /control or bidi characters \(U\+202E at character 4\)/);
  // what names legitimately hold stays: CJK, emoji joined by ZWJ, a ZWNJ, spaces around (trimmed)
  const { dir } = await archiveWith('sources:\n  mysite:\n    name: "  德国之声 👩\u200d💻 می\u200cخواهم  "\n    feed: a.xml\n');
  assert.equal((await loadConfig(dir)).sources[0]?.name, '德国之声 👩\u200d💻 می\u200cخواهم');
});

test('names, feed locations and proxies are bounded in length; feeds in number', async () => {
  const { dir } = await archiveWith(`sources:\n  mysite:\n    name: "${'名'.repeat(MAX_NAME_LENGTH)}"\n    feed: a.xml\n`);
  assert.equal((await loadConfig(dir)).sources[0]?.name?.length, MAX_NAME_LENGTH);
  await assertRejected(`sources:\n  mysite:\n    name: "${'名'.repeat(MAX_NAME_LENGTH + 1)}"\n    feed: a.xml\n`, 'sources.mysite.name', /: must be at most 200 characters \(it has 201\)$/);
  const url = (n: number) => `https://example.org/${'a'.repeat(n - 'https://example.org/'.length)}`;
  const { dir: ok } = await archiveWith(`sources:\n  mysite:\n    feed: "${url(MAX_LOCATION_LENGTH)}"\n`);
  assert.equal((await loadConfig(ok)).sources[0]?.feeds?.[0]?.length, MAX_LOCATION_LENGTH);
  await assertRejected(`sources:\n  mysite:\n    feed: "${url(MAX_LOCATION_LENGTH + 1)}"\n`, 'sources.mysite.feed', /: must be at most 8192 characters \(it has 8193\)$/);
  await assertRejected(`sources:\n  mysite:\n    feeds: [a.xml, "${'b'.repeat(MAX_LOCATION_LENGTH + 1)}"]\n`, 'sources.mysite.feeds[1]', /at most 8192 characters/);
  const feeds = (n: number) => `sources:\n  mysite:\n    feeds: [${Array.from({ length: n }, (_, i) => `f${i}.xml`).join(', ')}]\n`;
  assert.equal((await loadConfig((await archiveWith(feeds(MAX_FEEDS_PER_SOURCE))).dir)).sources[0]?.feeds?.length, MAX_FEEDS_PER_SOURCE);
  await assertRejected(feeds(MAX_FEEDS_PER_SOURCE + 1), 'sources.mysite.feeds', /: must list at most 100 feeds \(it lists 101\)$/);
  await assertRejected(`run:\n  proxy: "socks5h://${'p'.repeat(MAX_PROXY_LENGTH)}:1080"\n`, 'run.proxy', /: must be at most 2048 characters \(it has 2063\)$/);
  await assertRejected(`sources:\n  rfi: { proxy: "http://${'p'.repeat(MAX_PROXY_LENGTH)}" }\n`, 'sources.rfi.proxy', /at most 2048 characters/);
});

test('feed locations and proxies holding control characters are refused', async () => {
  await assertRejected('sources:\n  mysite:\n    feed: "https://example.org/a\\x85b"\n', 'sources.mysite.feed', /control or bidi characters \(U\+0085 at character 22\)/);
  await assertRejected('sources:\n  mysite:\n    feeds: ["feeds/\\u202egpj.xml"]\n', 'sources.mysite.feeds[0]', /control or bidi characters \(U\+202E at character 7\)/);
  await assertRejected('run:\n  proxy: "http://127.0.0.1:8118\\r\\nX: y"\n', 'run.proxy', /control or bidi characters \(U\+000D at character 22\)/);
  // a block scalar's final line break is trimmed, as before
  const { dir } = await archiveWith('sources:\n  mysite:\n    feed: |\n      https://example.org/rss.xml\n');
  assert.deepEqual((await loadConfig(dir)).sources[0]?.feeds, ['https://example.org/rss.xml']);
});

test('a message never quotes a huge or hostile value or key in full: one short line each', async () => {
  const huge = 'x'.repeat(100_000);
  const error = await assertRejected(`run:\n  concurrency: "${huge}\\u202e"\n`, 'run.concurrency', /: must be a whole number from 1 to 32, not "x{60}…" \(100001 characters\)$/);
  assert.ok(error.message.length < 300, `${error.message.length} characters`);
  await assertRejected(`sources:\n  mysite: { feed: "${huge}" }\n`, 'sources.mysite.feed', /it has 100000\)$/);
  // keys go to the terminal too: control characters escaped, a long key cut short
  await assertRejected('sources:\n  "\\e[2Jevil": { feed: a.xml }\n', 'sources."\\u001b[2Jevil"', /slug must be lowercase letters/);
  await assertRejected('sources:\n  mysite: { feed: a.xml, "\\u202ekey": 1 }\n', 'sources.mysite."\\u202ekey"', /unknown key/);
  const long = await assertRejected(`sources:\n  ? "${'k'.repeat(100_000)}"\n  : { feed: a.xml }\n`, `sources."${'k'.repeat(60)}…" (100000 characters)`, /at most 64 characters/);
  assert.ok(long.message.length < 300, `${long.message.length} characters`);
});

// ------------------------------------------------------------------------------------------------
// The template

test('defaultConfigYaml lists every catalog slug and, as written, changes nothing', async () => {
  const yaml = defaultConfigYaml();
  for (const s of CATALOG) assert.match(yaml, new RegExp(`^  # ${s.slug}: \\{ enabled: false \\}`, 'm'), s.slug);
  for (const key of ['concurrency', 'timeoutSeconds', 'maxFeedBytes', 'retries', 'connectTimeoutSeconds', 'minBytesPerSecond', 'perHostConcurrency', 'perHostDelayMs', 'proxy', 'name', 'feed', 'enabled']) assert.ok(yaml.includes(`# ${key}`) || yaml.includes(`#   ${key}`), key);
  const { dir } = await archiveWith(yaml);
  const config = await loadConfig(dir);
  assert.equal(config.found, true);
  assert.deepEqual(config.run, DEFAULT_RUN);
  assert.deepEqual(resolveSources(config), catalogCopy());
});

test('uncommenting the template lines gives a valid config that does what they say', async () => {
  const uncommented = defaultConfigYaml()
    .split('\n')
    .map((line) =>
      line.replace(
        /^(\s*)# ((?:[a-z]+: \{ enabled: false \})|(?:concurrency|timeoutSeconds|maxFeedBytes|retries|connectTimeoutSeconds|minBytesPerSecond|perHostConcurrency|perHostDelayMs): \d+)/,
        '$1$2',
      ),
    )
    .join('\n');
  assert.notEqual(uncommented, defaultConfigYaml());
  for (const key of ['retries', 'connectTimeoutSeconds', 'minBytesPerSecond', 'perHostConcurrency', 'perHostDelayMs']) {
    assert.match(uncommented, new RegExp(`^  ${key}: \\d+`, 'm'), `${key} is a real key once uncommented`);
  }
  const { dir } = await archiveWith(uncommented);
  const config = await loadConfig(dir);
  assert.deepEqual(config.run, DEFAULT_RUN);
  const sources = resolveSources(config);
  assert.deepEqual(sources.map((s) => s.slug), CATALOG.map((s) => s.slug));
  assert.ok(sources.every((s) => !s.enabled));
});

test('fullText per source and run.assets', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'newsvault-sources-'));
  await writeFile(path.join(dir, 'newsvault.yaml'), 'sources:\n  rfi: { fullText: always }\n  mine: { feed: https://x.example/rss, fullText: never }\nrun:\n  assets: true\n');
  const config = await loadConfig(dir);
  assert.equal(config.run.assets, true);
  const sources = resolveSources(config);
  assert.equal(sources.find((s) => s.slug === 'rfi')?.fullText, 'always');
  assert.equal(sources.find((s) => s.slug === 'mine')?.fullText, 'never');
  assert.equal(sources.find((s) => s.slug === 'bbc')?.fullText, undefined);
  await writeFile(path.join(dir, 'newsvault.yaml'), 'sources:\n  rfi: { fullText: sometimes }\n');
  await assert.rejects(loadConfig(dir), /sources\.rfi\.fullText: must be auto, always or never, not "sometimes"/);
  assert.equal(parseConfig('', path.join(dir, 'x.yaml'), dir).run.assets, false);
});

// ------------------------------------------------------------------------------------------------
// The settings: one declaration each (schema.ts), everything else derived

/** What the schema says about one key: its description, and its default or else its example. */
function declared(schema: typeof RUN_SCHEMA | typeof SOURCE_SCHEMA, key: string): { description: string; shown: unknown } {
  const field = (schema.shape as Record<string, Parameters<typeof SETTING_INFO.get>[0]>)[key]!;
  const info = SETTING_INFO.get(field);
  assert.ok(info, `${key} is declared with setting()`);
  const defaults = defaultsOf(schema) as Record<string, unknown>;
  return { description: info.description, shown: key in defaults ? defaults[key] : info.example };
}

/** The commented line `<prefix>key: value   # comment` of the template, with its `#`-only continuation lines. */
function templateEntry(yaml: string, prefix: string, key: string): { value: unknown; comment: string } | undefined {
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${prefix}${key}: `));
  if (at < 0) return undefined;
  const match = /^(.*?)\s+# (.*)$/.exec(lines[at]!.slice(prefix.length + key.length + 2));
  assert.ok(match, `a value and a comment on: ${lines[at]}`);
  const comment = [match[2]!];
  for (const line of lines.slice(at + 1)) {
    const more = /^ *# {2,}# (.*)$/.exec(line);
    if (more === null) break;
    comment.push(more[1]!);
  }
  return { value: parseYaml(match[1]!), comment: comment.join(' ') };
}

/** The `run:` section of the template, and the lines of the `mysite:` example. */
function templateParts(): { run: string; mysite: string[] } {
  const yaml = defaultConfigYaml();
  const run = yaml.slice(yaml.indexOf('\nrun:\n') + 1);
  const lines = yaml.split('\n');
  const start = lines.indexOf('  # mysite:');
  const end = lines.indexOf('', start);
  assert.ok(start > 0 && end > start, 'the template has a mysite: example');
  return { run, mysite: lines.slice(start, end) };
}

test('every run setting is in the template, commented, with its default (or example) and its description', () => {
  const { run } = templateParts();
  assert.deepEqual(keysOf(RUN_SCHEMA), Object.keys(RUN_SHAPE));
  for (const key of keysOf(RUN_SCHEMA)) {
    const { description, shown } = declared(RUN_SCHEMA, key);
    const entry = templateEntry(run, '  # ', key);
    assert.ok(entry, `the template's run: section has a line "  # ${key}: ..."`);
    assert.deepEqual(entry.value, shown, `${key}: the template shows ${key in DEFAULT_RUN ? 'the default' : 'the example'}`);
    assert.ok(entry.comment.startsWith(description), `${key}: "${entry.comment}" starts with its description`);
    assert.ok(RUN_SCHEMA.safeParse({ [key]: shown }).success, `${key}: ${JSON.stringify(shown)} is valid`);
    if (key in RUN_LIMITS) {
      const { min, max } = RUN_LIMITS[key as keyof typeof RUN_LIMITS];
      const human = (n: number) => (n >= 1024 && n % 1024 === 0 ? /[KMG]iB/.source : String(n));
      assert.match(entry.comment, new RegExp(`\\(.*${human(min)}.* ${human(max)}\\)$`), `${key}: the comment ends with its bounds`);
    }
  }
  const active = run.split('\n').slice(1).filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  assert.deepEqual(active, [], 'no run setting is active in the template');
});

test('DEFAULT_RUN is what an empty run: section means, and parses through the schema unchanged', () => {
  assert.ok(Object.isFrozen(DEFAULT_RUN));
  assert.deepEqual(RUN_SCHEMA.parse({}), DEFAULT_RUN);
  // zod does not check a default against its type: this does (a default out of bounds fails here).
  assert.deepEqual(RUN_SCHEMA.parse({ ...DEFAULT_RUN }), DEFAULT_RUN);
  assert.deepEqual(parseConfig('run: {}\n', '/a/newsvault.yaml', '/a').run, DEFAULT_RUN);
  for (const key of keysOf(RUN_SCHEMA)) {
    const { shown } = declared(RUN_SCHEMA, key);
    assert.ok(key in DEFAULT_RUN || shown !== undefined, `${key} has a default or an example`);
  }
});

test('RUN_LIMITS are the schema\'s bounds: the bounds pass, one step beyond is refused with a message naming them', () => {
  const numbers = keysOf(RUN_SCHEMA).filter((key) => typeof (DEFAULT_RUN as Record<string, unknown>)[key] === 'number');
  assert.deepEqual(Object.keys(RUN_LIMITS), numbers, 'every number setting has limits');
  const problem = (key: string, value: number) => RUN_SCHEMA.safeParse({ [key]: value }).error?.issues[0]?.message;
  for (const [key, { min, max, minExclusive }] of Object.entries(RUN_LIMITS)) {
    assert.equal(problem(key, max), undefined, `${key}: ${max} passes`);
    assert.match(problem(key, max + 1) ?? '', new RegExp(`${min}.* ${max}, not ${max + 1}$`), `${key}: ${max + 1} is refused`);
    assert.match(problem(key, min - 1) ?? '', new RegExp(`, not ${min - 1}$`), `${key}: ${min - 1} is refused`);
    if (minExclusive) {
      assert.match(problem(key, min) ?? '', /greater than/, `${key}: ${min} is refused`);
      assert.equal(problem(key, min + 0.5), undefined, `${key}: ${min + 0.5} passes`);
    } else {
      assert.equal(problem(key, min), undefined, `${key}: ${min} passes`);
    }
  }
  assert.deepEqual(RUN_LIMITS.concurrency, { min: 1, max: 32, minExclusive: false });
  assert.deepEqual(RUN_LIMITS.timeoutSeconds, { min: 0, max: 3600, minExclusive: true });
  assert.deepEqual(RUN_LIMITS.maxFeedBytes, { min: 1024, max: 1024 ** 3, minExclusive: false });
});

test('the run: section of the template, uncommented line by line, parses back to the defaults', () => {
  const { run } = templateParts();
  const uncomment = (keys: readonly string[]) =>
    run
      .split('\n')
      .map((line) => {
        const key = /^ {2}# (\w+): /.exec(line)?.[1];
        return key !== undefined && keys.includes(key) ? `  ${line.slice(4)}` : line;
      })
      .join('\n');
  const withDefaults = keysOf(RUN_SCHEMA).filter((key) => key in DEFAULT_RUN);
  const yaml = uncomment(withDefaults);
  for (const key of withDefaults) assert.match(yaml, new RegExp(`^  ${key}: `, 'm'), `${key} is active once uncommented`);
  assert.deepEqual(parseConfig(yaml, '/a/newsvault.yaml', '/a').run, DEFAULT_RUN);

  // Uncommenting every line: the settings without a default take the example shown.
  const all = parseConfig(uncomment(keysOf(RUN_SCHEMA)), '/a/newsvault.yaml', '/a').run;
  const examples = Object.fromEntries(keysOf(RUN_SCHEMA).filter((key) => !(key in DEFAULT_RUN)).map((key) => [key, declared(RUN_SCHEMA, key).shown]));
  assert.ok(Object.keys(examples).includes('proxy'));
  // a cookies file is read where it is: ~ is the home folder
  assert.deepEqual(all, { ...DEFAULT_RUN, ...examples, cookies: atHome(examples.cookies) });
});

/** A `~/…` example as the config reads it. */
function atHome(written: unknown): string {
  assert.ok(typeof written === 'string' && written.startsWith('~/'), 'the example of cookies starts at the home folder');
  return path.join(os.homedir(), written.slice(2));
}

test('every source key is in the template\'s mysite: example, which uncommented is a valid user source', () => {
  const { mysite } = templateParts();
  assert.deepEqual(keysOf(SOURCE_SCHEMA), [
    'name',
    'feed',
    'feeds',
    'enabled',
    'proxy',
    'perHostDelayMs',
    'allowPrivateNetworks',
    'userAgent',
    'headers',
    'cookies',
    'cookieJar',
    'fullText',
    'interval',
  ]);
  const examples: Record<string, unknown> = {};
  for (const key of keysOf(SOURCE_SCHEMA)) {
    const { description, shown } = declared(SOURCE_SCHEMA, key);
    const entry = templateEntry(mysite.join('\n'), '  #   ', key);
    assert.ok(entry, `the mysite: example has a line "  #   ${key}: ..."`);
    assert.deepEqual(entry.value, shown, key);
    assert.ok(entry.comment.startsWith(description), `${key}: "${entry.comment}" starts with its description`);
    examples[key] = shown;
  }
  // feed and feeds exclude each other: uncomment the block with one of them at a time.
  for (const [drop, feeds] of [
    ['feeds', [examples.feed]],
    ['feed', examples.feeds],
  ] as const) {
    const block = mysite
      .filter((line) => !line.startsWith(`  #   ${drop}: `))
      .map((line) => line.replace(/^ {2}# mysite:/, '  mysite:').replace(/^ {2}# {3}(\w+): /, '    $1: '));
    const config = parseConfig(['sources:', ...block, ''].join('\n'), '/a/newsvault.yaml', '/a');
    const { feed: _feed, feeds: _feeds, ...rest } = examples;
    assert.deepEqual(config.sources, [{ slug: 'mysite', ...rest, cookies: atHome(rest.cookies), feeds: (feeds as string[]).map((f) => (f.startsWith('https:') ? f : path.join('/a', f))) }], `without ${drop}`);
  }
});

test('unknown keys are told the keys of the schema', async () => {
  await assertRejected('run:\n  bogus: 1\n', 'run.bogus', new RegExp(`^.*: unknown key; the keys here are ${keysOf(RUN_SCHEMA).join(', ')}$`));
  await assertRejected('sources:\n  rfi: { bogus: 1 }\n', 'sources.rfi.bogus', new RegExp(`^.*: unknown key; the keys here are ${keysOf(SOURCE_SCHEMA).join(', ')}$`));
  await assertRejected('run: 3\n', 'run', new RegExp(`must be a mapping with any of: ${keysOf(RUN_SCHEMA).join(', ')}, not 3`));
});

test('a new run setting is one entry: its default, limits, key, template line and messages follow', () => {
  const shape = { ...RUN_SHAPE, notARealSetting: setting(wholeNumber(1, 500), { default: 100, description: 'articles kept per feed and run' }) };
  const schema = settingsObject(shape);
  assert.deepEqual(defaultsOf(schema), { ...DEFAULT_RUN, notARealSetting: 100 });
  assert.deepEqual(limitsOf(schema), { ...RUN_LIMITS, notARealSetting: { min: 1, max: 500, minExclusive: false } });
  assert.deepEqual(keysOf(schema), [...keysOf(RUN_SCHEMA), 'notARealSetting']);
  const lines = templateLines(schema, '  # ');
  assert.deepEqual(lines.slice(0, -1), templateLines(RUN_SCHEMA, '  # '));
  assert.match(lines.at(-1)!, /^ {2}# notARealSetting: 100 +# articles kept per feed and run \(1 to 500\)$/);
  assert.equal(schema.safeParse({ notARealSetting: 0 }).error?.issues[0]?.message, 'must be a whole number from 1 to 500, not 0');
  assert.match(schema.safeParse([]).error?.issues[0]?.message ?? '', /^must be a mapping with any of: concurrency, .*, notARealSetting, not a list$/);
  // The real template and DEFAULT_RUN are these same derivations of RUN_SCHEMA.
  assert.deepEqual(defaultsOf(RUN_SCHEMA), DEFAULT_RUN);
  assert.deepEqual(limitsOf(RUN_SCHEMA), RUN_LIMITS);
  for (const line of templateLines(RUN_SCHEMA, '  # ')) assert.ok(defaultConfigYaml().includes(`\n${line}\n`), line);
});
