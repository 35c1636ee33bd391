/** The archive's fetch settings as the fetch stage's options. Imports no HTTP code: the CLI loads it eagerly. */
import type { FetchOptions } from '../fetch/index.ts';
import { Politeness } from '../fetch/index.ts';
import { sourceFetchSettings, type ArchiveConfig } from '../sources/index.ts';

/** The archive's fetch settings (timeouts, caps, retries, proxy, politeness) as fetch options. */
export function fetchOptionsFrom(config: ArchiveConfig, concurrency = config.run.concurrency): FetchOptions {
  const run = config.run;
  return {
    timeoutMs: run.timeoutSeconds * 1000,
    maxBytes: run.maxFeedBytes,
    connectTimeoutMs: run.connectTimeoutSeconds * 1000,
    minBytesPerSecond: run.minBytesPerSecond,
    retry: { retries: run.retries },
    ...(run.proxy ? { proxy: run.proxy } : {}),
    ...(run.allowPrivateNetworks !== undefined ? { allowPrivateNetworks: run.allowPrivateNetworks } : {}),
    politeness: new Politeness({
      globalConcurrency: Math.max(8, concurrency * 2),
      perHostConcurrency: run.perHostConcurrency,
      perHostDelayMs: run.perHostDelayMs,
    }),
  };
}

/**
 * One source's own fetch settings, over the run's (a run's `fetchFor`): its proxy, its politeness delay, and
 * whether what its feed points to may reach private networks (sources.<slug>.allowPrivateNetworks, else
 * run.allowPrivateNetworks; unset: automatic, see docs/fetching.md#private-networks).
 */
export function sourceFetchOptions(config: ArchiveConfig, slug: string): FetchOptions {
  const own = sourceFetchSettings(config, slug);
  const allowPrivateNetworks = config.sources.find((s) => s.slug === slug)?.allowPrivateNetworks ?? config.run.allowPrivateNetworks;
  return {
    perHostDelayMs: own.perHostDelayMs,
    ...(own.proxy ? { proxy: own.proxy } : {}),
    ...(allowPrivateNetworks !== undefined ? { allowPrivateNetworks } : {}),
  };
}
