/** The archive's fetch settings as the fetch stage's options. Imports no HTTP code: the CLI loads it eagerly. */
import type { FetchOptions } from '../fetch/index.ts';
import { Politeness } from '../fetch/index.ts';
import type { ArchiveConfig } from '../sources/index.ts';

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
    politeness: new Politeness({
      globalConcurrency: Math.max(8, concurrency * 2),
      perHostConcurrency: run.perHostConcurrency,
      perHostDelayMs: run.perHostDelayMs,
    }),
  };
}
