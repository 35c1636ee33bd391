/** The archive's fetch settings as the fetch stage's options. Imports no HTTP code: the CLI loads it eagerly. */
import path from 'node:path';
import type { FetchOptions } from '../fetch/index.ts';
import { Politeness, RequestIdentity } from '../fetch/index.ts';
import { ConfigError, isValidSlug, resolveSources, sourceFetchSettings, sourceIdentitySettings, type ArchiveConfig, type ConfigProblem } from '../sources/index.ts';
import { STATE_DIR } from '../storage/paths.ts';

/** Where a source's kept cookies live: the archive's git-ignored local state. */
export const COOKIE_JAR_DIR = `${STATE_DIR}/cookies`;

/** The archive's fetch settings (timeouts, caps, retries, proxy, politeness, the run's identity) as fetch options. */
export function fetchOptionsFrom(config: ArchiveConfig, concurrency = config.run.concurrency): FetchOptions {
  checkIdentities(config);
  const run = config.run;
  return {
    timeoutMs: run.timeoutSeconds * 1000,
    maxBytes: run.maxFeedBytes,
    connectTimeoutMs: run.connectTimeoutSeconds * 1000,
    minBytesPerSecond: run.minBytesPerSecond,
    retry: { retries: run.retries },
    ...(run.proxy ? { proxy: run.proxy } : {}),
    ...(run.allowPrivateNetworks !== undefined ? { allowPrivateNetworks: run.allowPrivateNetworks } : {}),
    ...identityOptions(config, undefined),
    politeness: new Politeness({
      globalConcurrency: Math.max(8, concurrency * 2),
      perHostConcurrency: run.perHostConcurrency,
      perHostDelayMs: run.perHostDelayMs,
    }),
  };
}

/**
 * One source's own fetch settings, over the run's (a run's `fetchFor`): its proxy, its politeness delay, whether
 * what its feed points to may reach private networks (sources.<slug>.allowPrivateNetworks, else
 * run.allowPrivateNetworks; unset: automatic, see docs/fetching.md#private-networks), and its identity.
 */
export function sourceFetchOptions(config: ArchiveConfig, slug: string): FetchOptions {
  const own = sourceFetchSettings(config, slug);
  const allowPrivateNetworks = config.sources.find((s) => s.slug === slug)?.allowPrivateNetworks ?? config.run.allowPrivateNetworks;
  return {
    perHostDelayMs: own.perHostDelayMs,
    ...(own.proxy ? { proxy: own.proxy } : {}),
    ...(allowPrivateNetworks !== undefined ? { allowPrivateNetworks } : {}),
    ...identityOptions(config, slug),
  };
}

/**
 * Who the requests say they are (docs/fetching.md#per-site-identity): User-Agent and extra headers, and an
 * identity for cookies and credentials when there are any. A source's kept cookies are in
 * `.newsvault/cookies/<slug>.json`; without a source (inspect, extract, recheck) they last the command only.
 * Authorization / Cookie written in the config go only to the origins of the source's feeds (without a
 * source: of every configured feed).
 */
function identityOptions(config: ArchiveConfig, slug: string | undefined): Pick<FetchOptions, 'userAgent' | 'headers' | 'identity'> {
  const id = sourceIdentitySettings(config, slug);
  const out: Pick<FetchOptions, 'userAgent' | 'headers' | 'identity'> = {};
  if (id.userAgent !== undefined) out.userAgent = id.userAgent;
  if (Object.keys(id.headers).length > 0) out.headers = id.headers;
  const hasCredentials = Object.keys(id.credentials).length > 0;
  if (id.cookies === undefined && !id.cookieJar && !hasCredentials) return out;
  const feeds = hasCredentials
    ? resolveSources(config)
        .filter((s) => slug === undefined || s.slug === slug)
        .flatMap((s) => s.feeds)
    : [];
  out.identity = new RequestIdentity({
    cookiesFile: id.cookies,
    keepServerCookies: id.cookieJar,
    jarFile: id.cookieJar && slug !== undefined && isValidSlug(slug) ? path.join(config.archiveDir, COOKIE_JAR_DIR, `${slug}.json`) : undefined,
    credentials: id.credentials,
    credentialOrigins: feeds,
  });
  return out;
}

/**
 * Every identity the config gives, read now (header values from the environment): a variable not set is a
 * ConfigError (exit 2) before anything is fetched, not a failure in the middle of a run.
 */
function checkIdentities(config: ArchiveConfig): void {
  const problems: ConfigProblem[] = [];
  for (const slug of [undefined, ...config.sources.map((s) => s.slug)]) {
    try {
      sourceIdentitySettings(config, slug);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const p of err.problems) if (!problems.some((q) => q.field === p.field)) problems.push(p);
    }
  }
  if (problems.length > 0) throw new ConfigError(config.file, problems);
}
