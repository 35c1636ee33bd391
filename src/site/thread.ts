/**
 * Starting a module of this folder on a thread of its own (node:worker_threads), with a cap on its heap. From the
 * TypeScript sources (tests, benchmarks: tsx), the thread registers tsx before loading the module.
 */
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * The search indexing thread's heap cap (MiB). What it holds is bounded whatever the archive's size: the segment
 * being built (at most 400,000 distinct tokens, src/site/search/index.ts), then a buffer per sorted run merged.
 */
export const SEARCH_HEAP_MB = 224;

/** Starts the module at `url` (its `import.meta.url`) on a new thread, `data` as its `workerData`. */
export function startThread(url: string, data: unknown, heapMb: number | null): Worker {
  const resourceLimits: ResourceLimits | undefined = heapMb ? { maxOldGenerationSizeMb: heapMb } : undefined;
  const options = { workerData: data, ...(resourceLimits ? { resourceLimits } : {}) };
  return url.endsWith('.ts')
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`, { ...options, eval: true })
    : new Worker(fileURLToPath(url), options);
}

/** Whether `err` is a thread's end for want of heap (its cap reached; the page thread passes the code on). */
export function isOutOfMemory(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}
