/**
 * The full build's search indexing, on a thread of its own (node:worker_threads) so that it runs beside the
 * page rendering on a second core. The build thread posts the articles in batches (their plain text), at most
 * MAX_IN_FLIGHT batches ahead (so memory stays bounded whatever the archive's size); this thread streams them
 * into the search builder (src/site/search) and posts its report.
 */
import { parentPort, workerData } from 'node:worker_threads';
import path from 'node:path';
import type { SearchDoc, SearchIndexReport } from './search/index.ts';
import { SEARCH_HEAP_MB, startThread } from './thread.ts';

const BATCH = 200;
const MAX_IN_FLIGHT = 4;

type ToWorker = { type: 'batch'; docs: SearchDoc[] } | { type: 'end' };
type FromWorker = { type: 'ack' } | { type: 'done'; report: SearchIndexReport } | { type: 'error'; message: string };

export interface SearchIndexer {
  push(doc: SearchDoc): Promise<void>;
  finish(): Promise<SearchIndexReport>;
  abort(): Promise<void>;
}

/** Starts indexing into `<out>/search/` (a full build of the index) on a worker thread, its heap capped at `heapMb`. */
export function startSearchIndexer(out: string, heapMb: number | null = SEARCH_HEAP_MB): SearchIndexer {
  const worker = startThread(import.meta.url, { out }, heapMb);
  let batch: SearchDoc[] = [];
  let inFlight = 0;
  let waiting: (() => void) | null = null;
  let failure: Error | null = null;
  let settle: { resolve: (r: SearchIndexReport) => void; reject: (e: Error) => void } | null = null;
  const done = new Promise<SearchIndexReport>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {});
  const fail = (err: Error) => {
    failure ??= err;
    settle?.reject(failure);
    waiting?.();
  };
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'ack') {
      inFlight--;
      const w = waiting;
      waiting = null;
      w?.();
    } else if (m.type === 'done') settle?.resolve(m.report);
    else fail(new Error(`search index: ${m.message}`));
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => {
    if (code !== 0) fail(new Error(`the search indexing thread stopped (exit code ${code})`));
  });
  const post = async () => {
    if (!batch.length) return;
    worker.postMessage({ type: 'batch', docs: batch } satisfies ToWorker);
    batch = [];
    inFlight++;
    while (inFlight >= MAX_IN_FLIGHT && !failure) await new Promise<void>((r) => (waiting = r));
    if (failure) throw failure;
  };
  return {
    async push(doc) {
      if (failure) throw failure;
      batch.push(doc);
      if (batch.length >= BATCH) await post();
    },
    async finish() {
      await post();
      worker.postMessage({ type: 'end' } satisfies ToWorker);
      try {
        return await done;
      } finally {
        await worker.terminate();
      }
    },
    async abort() {
      await worker.terminate();
    },
  };
}

async function runWorker(out: string): Promise<void> {
  const port = parentPort!;
  const { buildSearchIndex } = await import('./search/index.ts');
  const queue: SearchDoc[][] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'batch') queue.push(m.docs);
    else ended = true;
    const w = wake;
    wake = null;
    w?.();
  });
  async function* docs(): AsyncGenerator<SearchDoc> {
    for (;;) {
      const b = queue.shift();
      if (b) {
        yield* b;
        port.postMessage({ type: 'ack' } satisfies FromWorker);
        continue;
      }
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
    }
  }
  try {
    const report = await buildSearchIndex(out, docs());
    port.postMessage({ type: 'done', report } satisfies FromWorker);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  }
}

if (parentPort && (workerData as { out?: unknown } | null)?.out && typeof (workerData as { out: unknown }).out === 'string') {
  void runWorker(path.resolve((workerData as { out: string }).out));
}
